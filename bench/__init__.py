"""Benchmarks for the ttx service (not tests): `python -m bench <name>`. Results go to
`bench/results/<name>.json`; `python -m bench report` writes the tables in docs/PERFORMANCE.md."""
