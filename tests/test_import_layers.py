"""Imports run one way: this test reads every module's imports and fails on one that goes
up a layer, so the layout in ARCHITECTURE.md stays true as the code grows.

From the bottom up:
- `matching/`: a pure library (no web, database or `service` imports).
- `service.kit`: small helpers; `service.core`: shared plumbing (kit only below it).
- Each domain's inner modules (models, service and their helpers), in `DOMAIN_ORDER`: a
  domain reads only the domains before it.
- Each domain's edge modules (`router`, `tasks`, `dependencies`): they may read any
  domain's inner modules and another domain's `dependencies`, never another router.
- `service.pages`, `service.seeding` and each domain's `views` (its pages, built on the
  page plumbing of `service.pages`): above every domain.
- The root modules (`main`, `cli`, `schema`): the app factory and what assembles it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A new domain goes where its imports put it; the test below fails until it
# is listed, so nobody adds a package without deciding its place.
DOMAIN_ORDER = (
    "reference",
    "changes",
    "jobs",
    "events",
    "organizations",
    "participants",
    "auth",
    "meetings",
    "meeting_requests",
    "calendars",
    "attendance",
    "notifications",
    "suggestions",
    "scheduling",
    "booking",
    "commitments",
    "reports",
    "health",
)
EDGE_MODULES = frozenset({"router", "tasks", "dependencies"})
PAGE_MODULES = frozenset({"views"})
UPPER_PACKAGES = frozenset({"pages", "seeding"})
ROOT_MODULES = frozenset({"main", "cli", "schema", "__init__"})
WEB_AND_DATABASE = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "psycopg", "alembic")


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module imported

    def __str__(self) -> str:
        return f"{self.source} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(package: str) -> list[Import]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        source = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found.extend(Import(source, t) for t in targets if _is_module(t))
    return found


def _is_module(dotted: str) -> bool:
    """Keeps real module names (``from service.x import name`` also yields x.name)."""
    if not dotted.startswith(("service", "matching")):
        return True
    path = ROOT / Path(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


@dataclass(frozen=True)
class Place:
    """Where a service module sits: its layer and, for domain modules, the domain."""

    layer: str  # kit | core | inner | edge | upper | root
    domain: str | None = None


def place_of(module: str) -> Place:
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in ROOT_MODULES):
        return Place("root")
    package = parts[1]
    if package in ("kit", "core"):
        return Place(package)
    if package in UPPER_PACKAGES:
        return Place("upper")
    if package not in DOMAIN_ORDER:
        raise AssertionError(
            f"{module}: service.{package} has no place in the layers; add it to "
            "DOMAIN_ORDER (or UPPER_PACKAGES) in tests/test_import_layers.py and to "
            "ARCHITECTURE.md"
        )
    if len(parts) > 2 and parts[2] in PAGE_MODULES:
        return Place("upper", package)
    edge = len(parts) > 2 and parts[2] in EDGE_MODULES
    return Place("edge" if edge else "inner", package)


def violation(link: Import) -> str | None:
    """Why an import inside service/ goes the wrong way, or None when it is allowed."""
    if not link.target.startswith("service.") or link.target == "service":
        return None
    source, target = place_of(link.source), place_of(link.target)
    if source.layer == "root":
        return None
    if target.layer == "root":
        return "nothing but the root modules may import the app factory, the CLI or schema"
    rank = {"kit": 0, "core": 1, "inner": 2, "edge": 3, "upper": 4}
    if rank[target.layer] > rank[source.layer]:
        return f"a {source.layer} module may not import a {target.layer} module"
    if source.layer == "kit" and target.layer != "kit":
        return "kit imports nothing but kit"
    if source.layer == "inner" and target.layer == "inner" and source.domain != target.domain:
        assert source.domain and target.domain
        if DOMAIN_ORDER.index(target.domain) > DOMAIN_ORDER.index(source.domain):
            return f"{source.domain} comes before {target.domain} in DOMAIN_ORDER"
    foreign_edge = target.layer == "edge" and target.domain != source.domain
    if foreign_edge and not link.target.endswith(".dependencies"):
        if source.layer == "upper":
            return "pages and loaders use the services, not the routers"
        return "another domain's router, views or tasks are not to be imported"
    return None


def test_every_service_import_goes_down_the_layers() -> None:
    wrong = [
        f"{link}: {reason}"
        for link in imports_of("service")
        if (reason := violation(link)) is not None
    ]
    assert not wrong, "\n".join(wrong)


def test_every_service_package_has_its_place() -> None:
    for path in sorted((ROOT / "service").iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            place_of(f"service.{path.name}.x")


def test_matching_is_a_pure_library() -> None:
    wrong = [
        str(link)
        for link in imports_of("matching")
        if link.target.split(".")[0] in ("service", *WEB_AND_DATABASE)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("service.kit.folding", "service.core.database"),
        ("service.core.errors", "service.events.models"),
        ("service.events.service", "service.meetings.models"),
        ("service.events.models", "service.events.router"),
        ("service.meetings.service", "service.pages.templating"),
        ("service.scheduling.router", "service.suggestions.router"),
        ("service.pages.admin", "service.scheduling.router"),
        ("service.events.service", "service.main"),
        ("service.meetings.service", "service.notifications.service"),
        ("service.notifications.service", "service.notifications.views"),
    ],
)
def test_an_upward_import_is_caught(source: str, target: str) -> None:
    assert violation(Import(source, target)) is not None


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("service.core.errors", "service.kit.fields"),
        ("service.meetings.service", "service.events.service"),
        ("service.scheduling.router", "service.suggestions.service"),
        ("service.participants.router", "service.auth.dependencies"),
        ("service.pages.admin", "service.scheduling.service"),
        ("service.cli", "service.main"),
        ("service.notifications.views", "service.pages.templating"),
    ],
)
def test_a_downward_import_passes(source: str, target: str) -> None:
    assert violation(Import(source, target)) is None
