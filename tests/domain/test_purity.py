"""The domain package is pure: no I/O, no web or database framework, no clock reads."""

import ast
from pathlib import Path

import server.domain

DOMAIN = Path(server.domain.__file__).parent
FORBIDDEN = {"fastapi", "starlette", "sqlalchemy", "asyncpg", "aiosqlite", "uvicorn", "alembic", "asyncio", "socket",
             "httpx", "requests", "urllib", "os", "subprocess", "time", "random", "secrets", "uuid", "pathlib", "io",
             "sqlite3", "threading", "logging"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_framework_and_no_io():
    offenders = {p.name: sorted(imported_modules(p) & FORBIDDEN) for p in DOMAIN.glob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_domain_does_not_open_files_or_read_the_clock():
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text())
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert "open" not in calls, path.name
        assert "print" not in calls, path.name


def test_the_checker_would_notice_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom fastapi import APIRouter\n")
    assert imported_modules(bad) & FORBIDDEN == {"sqlalchemy", "fastapi"}
