"""Scenario files: loading YAML with line numbers, validation, the shipped library, JSON Schema."""

from .loader import ScenarioError, ScenarioIssue, ScenarioLibrary, load_scenario_file, validate_definition

__all__ = ["ScenarioError", "ScenarioIssue", "ScenarioLibrary", "load_scenario_file", "validate_definition"]
