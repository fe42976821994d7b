"""The package's import rules, checked on the source (README "Architecture").

- core (infrastructure) imports no area; models and the audit log only core;
- course (the content model, loader and export) is pure: stdlib and markdown only;
- nothing imports the Beheer area (hr), and learning never does;
- accounts import no other area; ops only core and models;
- operations and queries never read the request: no flask.request, flask.session,
  flask_login.current_user and no forms outside views, sessions, CLI and core.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "klantwijs"

# What each part may import inside klantwijs (prefix match on the dotted module name).
ALLOWED = {
    "klantwijs.core": ["klantwijs.core", "klantwijs.config"],
    "klantwijs.models": ["klantwijs.models", "klantwijs.core.db"],
    "klantwijs.audit": ["klantwijs.core", "klantwijs.models"],
    "klantwijs.config": ["klantwijs.course"],  # only is_content_check, at call time
    "klantwijs.course": ["klantwijs.course"],
    "klantwijs.accounts": [
        "klantwijs.accounts",
        "klantwijs.core",
        "klantwijs.models",
        "klantwijs.audit",
    ],
    "klantwijs.learning": [
        "klantwijs.learning",
        "klantwijs.core",
        "klantwijs.models",
        "klantwijs.audit",
        "klantwijs.course",
        "klantwijs.accounts.session",
    ],
    "klantwijs.hr": [
        "klantwijs.hr",
        "klantwijs.core",
        "klantwijs.models",
        "klantwijs.audit",
        "klantwijs.course",
        "klantwijs.accounts",
        "klantwijs.learning",
    ],
    "klantwijs.ops": ["klantwijs.ops", "klantwijs.core", "klantwijs.models"],
    # SCORM, xAPI, Moodle XML/GIFT: reads the course and the question registry, records the
    # learning signals; nothing imports it but the factory.
    "klantwijs.interop": [
        "klantwijs.interop",
        "klantwijs.core",
        "klantwijs.models",
        "klantwijs.course",
        "klantwijs.learning",
    ],
}
# Only the factory ties the areas together.
FACTORY = "klantwijs"
# Pure content: the course package may import nothing from outside the standard library and
# markdown, except in the two files that attach it to the app.
COURSE_GLUE = {"klantwijs.course", "klantwijs.course.cli"}
COURSE_THIRD_PARTY = {"markdown"}
# Where reading the request (or a form) belongs.
REQUEST_NAMES = {("flask", "request"), ("flask", "session"), ("flask_login", "current_user")}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, package_root: Path = PACKAGE) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import in the file, relative ones
    resolved to absolute dotted names."""
    name = module_name(path, package_root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if node.level and not node.module:  # `from . import queries`
                    found.append((f"{module}.{alias.name}", None, node.lineno))
                else:
                    found.append((module, alias.name, node.lineno))
    return found


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(name: str) -> str | None:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if name == part or name.startswith(part + "."):
            return part
    return None


def import_rule_violations(files: list[Path], package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in files:
        name = module_name(path, package)
        part = part_of(name)
        for module, imported, line in imports_of(path, package):
            where = f"{path.relative_to(package.parent)}:{line}"
            if module.startswith("klantwijs"):
                if name == FACTORY:
                    continue
                target = f"{module}.{imported}" if imported else module
                allowed = ALLOWED.get(part, [])
                if not any(target == a or target.startswith(a + ".") for a in allowed) and not any(
                    module == a or module.startswith(a + ".") for a in allowed
                ):
                    problems.append(f"{where}: {name} imports {target}")
            elif (
                part == "klantwijs.course"
                and name not in COURSE_GLUE
                and module.split(".")[0] not in COURSE_THIRD_PARTY | STDLIB
            ):
                problems.append(f"{where}: pure content module {name} imports {module}")
    return problems


def request_violations(files: list[Path], package: Path = PACKAGE) -> list[str]:
    """Operations and queries read no request, session, current_user or form."""
    problems = []
    for path in files:
        name = module_name(path, package)
        if (
            ".views" in name
            or name.endswith((".cli", ".session"))
            or name.startswith("klantwijs.core")
            or name in {FACTORY, "klantwijs.hr", "klantwijs.accounts", "klantwijs.learning"}
        ):
            continue
        for module, imported, line in imports_of(path, package):
            where = f"{path.relative_to(package.parent)}:{line}"
            if (module, imported) in REQUEST_NAMES:
                problems.append(f"{where}: {name} reads the request ({module}.{imported})")
            uses_forms = module.endswith(".forms") or module.split(".")[0] in {
                "wtforms",
                "flask_wtf",
            }
            if uses_forms and not name.endswith(".forms"):
                problems.append(f"{where}: {name} uses forms ({module})")
    return problems


STDLIB = {
    "__future__",
    "collections",
    "dataclasses",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "html",
    "itertools",
    "json",
    "math",
    "pathlib",
    "random",
    "re",
    "sys",
    "tomllib",
    "typing",
    "bisect",
    "datetime",
}


def test_every_module_belongs_to_a_part():
    assert [module_name(p) for p in sources() if part_of(module_name(p)) is None] == [FACTORY]


def test_import_rules_hold():
    assert import_rule_violations(sources()) == []


def test_operations_and_queries_never_read_the_request():
    assert request_violations(sources()) == []


def test_no_module_name_carries_an_area_prefix():
    prefixed = [p.name for p in sources() if p.stem.startswith(("hr_", "quiz_", "learn_"))]
    assert prefixed == []


def _broken_copy(tmp_path: Path, where: str, line: str) -> tuple[Path, Path]:
    package = tmp_path / "klantwijs"
    copy = package / where
    copy.parent.mkdir(parents=True)
    copy.write_text((PACKAGE / where).read_text(encoding="utf-8") + line, encoding="utf-8")
    return package, copy


@pytest.mark.parametrize(
    ("where", "line", "rule"),
    [
        ("learning/overview.py", "from ..hr.queries import counts\n", "imports klantwijs.hr"),
        ("core/dutch.py", "from ..models import User\n", "imports klantwijs.models"),
        ("course/model.py", "import sqlalchemy\n", "pure content module"),
        ("accounts/operations.py", "from ..learning import status\n", "imports klantwijs.learning"),
    ],
)
def test_a_broken_rule_is_caught(tmp_path, where, line, rule):
    """The checker fails when a rule is broken (shown once per kind of rule)."""
    package, copy = _broken_copy(tmp_path, where, line)
    assert import_rule_violations([PACKAGE / where], PACKAGE) == []
    problems = import_rule_violations([copy], package)
    assert any(rule in p for p in problems), problems


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("from flask import request\n", "reads the request"),
        ("from .forms import X\n", "uses forms"),
    ],
)
def test_reading_the_request_in_an_operation_is_caught(tmp_path, line, rule):
    package, copy = _broken_copy(tmp_path, "hr/people.py", line)
    problems = request_violations([copy], package)
    assert any(rule in p for p in problems), problems
