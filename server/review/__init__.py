"""After-action review: export/import/verify, the report, comparison. Pure over event lists where possible."""
