"""Load and validate scenarios, reporting every error with its file, line and field.

YAML is read with ruamel.yaml's round-trip loader, which remembers where each key and item stood;
pydantic's error locations and the cross-reference checks are mapped back to those lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from ..domain.scenario import Scenario
from ..domain.scenario_checks import cross_check_raw

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ScenarioIssue:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field or '(document)'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class ScenarioError(Exception):
    def __init__(self, issues: list[ScenarioIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


def field_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(doc: Any, loc: tuple[Any, ...]) -> tuple[int | None, tuple[Any, ...]]:
    """The line of the deepest part of `loc` present in the document, and the path to it."""
    node, line, path = doc, None, []
    for part in loc:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
            path.append(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
            path.append(part)
        # else: a union tag or a missing key; stay on the enclosing node
    return line, tuple(path)


def _plain(value: Any) -> Any:
    """ruamel's commented containers -> plain dicts and lists (and dates -> strings) for pydantic."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


def _issues(doc: Any, plain: Any, source: str) -> tuple[Scenario | None, list[ScenarioIssue]]:
    issues: list[ScenarioIssue] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(plain)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line, path = _line_of(doc, loc)
            missing = err["type"] == "missing"
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
            field = field_path(loc if missing else path or loc)
            issues.append(ScenarioIssue(source, line, field, message))
    for loc, message in cross_check_raw(plain):
        line, _ = _line_of(doc, loc)
        issues.append(ScenarioIssue(source, line, field_path(loc), message))
    # one line per problem: a union can report the same place twice
    unique = list(dict.fromkeys(issues))
    unique.sort(key=lambda i: (i.line or 0, i.field))
    return (scenario if not unique else None), unique


def parse_yaml(text: str, source: str) -> Any:
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError([ScenarioIssue(source, line, "", f"not valid YAML: {exc.problem}")]) from exc


def load_scenario_text(text: str, source: str = "<scenario>") -> Scenario:
    doc = parse_yaml(text, source)
    if not isinstance(doc, dict):
        raise ScenarioError([ScenarioIssue(source, 1, "", "a scenario is a mapping of fields (id, title, seats, ...)")])
    scenario, issues = _issues(doc, _plain(doc), source)
    if issues:
        raise ScenarioError(issues)
    assert scenario is not None
    return scenario


def load_scenario_file(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([ScenarioIssue(str(p), None, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")])
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([ScenarioIssue(str(p), None, "", f"cannot read: {exc}")]) from exc
    return load_scenario_text(text, str(p))


def validate_definition(definition: Any, source: str = "definition") -> Scenario:
    """A definition posted as JSON: the same checks, with field paths instead of lines."""
    if not isinstance(definition, dict):
        raise ScenarioError([ScenarioIssue(source, None, "", "a scenario definition is a JSON object")])
    scenario, issues = _issues(None, definition, source)
    if issues:
        raise ScenarioError(issues)
    assert scenario is not None
    return scenario


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ttx scenario"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


class ScenarioLibrary:
    """The shipped scenarios: every `*.yaml` in the exercises folder, reloaded when a file changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._cache: dict[Path, tuple[float, Scenario | ScenarioError]] = {}

    def _load(self, path: Path) -> Scenario | ScenarioError:
        mtime = path.stat().st_mtime
        hit = self._cache.get(path)
        if hit is not None and hit[0] == mtime:
            return hit[1]
        try:
            result: Scenario | ScenarioError = load_scenario_file(path)
        except ScenarioError as exc:
            result = exc
        self._cache[path] = (mtime, result)
        return result

    def all(self) -> list[Scenario]:
        out = []
        for path in sorted(self.folder.glob("*.yaml")):
            result = self._load(path)
            if isinstance(result, Scenario):
                out.append(result)
        return out

    def get(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.all() if s.id == scenario_id), None)
