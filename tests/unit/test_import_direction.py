"""The domains' import direction, written once: a domain may import the domains before it in DOMAINS, never those
after it; the modules at the top of eparticipation/ and its infrastructure packages may be imported by all; no domain
imports the pages that belong to none (site, admin) or the commands (scripts). Inside a domain, no cycles.

Every import counts, also one inside a function: a late import hides a dependency, it does not remove it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "eparticipation"

# Lowest first (eparticipation/__init__.py includes them in this order).
DOMAINS = ["accounts", "agencies", "consultations", "surveys", "feedback", "participation", "messaging", "responses",
           "reports", "audit"]
# Above every domain: no domain imports them.
APPLICATION = ["site", "admin", "scripts"]

# Known edges against the direction, each to be removed by the change that names it; any other edge fails, and an
# edge that is gone must leave the list (test_the_allowed_edges_still_exist).
ALLOWED = {
    # Every domain writes the audit log (audit.record), which is last in the order because it listens to all of them
    # (DraftTransitioned, the messages' outcomes): record() is to move below the domains (an infrastructure module).
    ("eparticipation.accounts.password_views", "eparticipation.audit"),
    ("eparticipation.accounts.second_factor_views", "eparticipation.audit"),
    ("eparticipation.agencies.views", "eparticipation.audit"),
    ("eparticipation.consultations.services", "eparticipation.audit"),
    ("eparticipation.consultations.views", "eparticipation.audit"),
    ("eparticipation.feedback.views", "eparticipation.audit"),
    ("eparticipation.messaging.views", "eparticipation.audit"),
    ("eparticipation.participation.services", "eparticipation.audit"),
    ("eparticipation.reports.views", "eparticipation.audit"),
    ("eparticipation.responses.services", "eparticipation.audit"),
    ("eparticipation.surveys.views", "eparticipation.audit"),
    # Telling people (messaging.notify and its events) from the domains below messaging: likewise to move below them.
    ("eparticipation.accounts.password_views", "eparticipation.messaging"),
    ("eparticipation.accounts.verification", "eparticipation.messaging"),
    ("eparticipation.participation.overlay", "eparticipation.messaging"),
    # Surveys and service ratings use participation's limits and its rule that an agency's staff abstain: to move below
    # them (a shared module), or participation to move below surveys and feedback in the order.
    ("eparticipation.feedback.views", "eparticipation.participation.security"),
    ("eparticipation.feedback.views", "eparticipation.participation.services"),
    ("eparticipation.surveys.services", "eparticipation.participation.services"),
    ("eparticipation.surveys.views", "eparticipation.participation.services"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The eparticipation modules a module imports (`from x import y` counts y when it is a module of x)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if is_module(f"{base}.{alias.name}"))
    return {name for name in found if name == "eparticipation" or name.startswith("eparticipation.")}


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}


def part_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else None


def wrong_way() -> set[tuple[str, str]]:
    edges = set()
    for module, imported in MODULES.items():
        part = part_of(module)
        if part not in DOMAINS:
            continue
        for target in imported:
            other = part_of(target)
            if other in APPLICATION or (other in DOMAINS and DOMAINS.index(other) > DOMAINS.index(part)):
                edges.add((module, target))
    return edges


def test_no_domain_imports_a_domain_after_it():
    unexpected = wrong_way() - ALLOWED
    assert not unexpected, "\n".join(f"{a} imports {b}" for a, b in sorted(unexpected))


def test_the_allowed_edges_still_exist():
    """An allowed edge that is gone is taken off the list, so that it cannot come back unnoticed."""
    assert ALLOWED <= wrong_way()


def test_every_domain_is_in_the_order():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    infrastructure = {"observability", "operations", "backup", "static", "templates", "data"}
    assert packages - infrastructure - set(APPLICATION) == set(DOMAINS)


def cycles_within(domain: str) -> list[list[str]]:
    prefix = f"eparticipation.{domain}."
    graph = {m: {t for t in imported if t.startswith(prefix) and t != m}
             for m, imported in MODULES.items() if m.startswith(prefix)}
    found, done = [], set()

    def visit(node, path):
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_circular_imports_inside_a_domain(domain):
    assert not cycles_within(domain), cycles_within(domain)


def test_the_walk_sees_a_wrong_way_import(monkeypatch):
    """The test itself: a consultations module that imported responses would be caught."""
    monkeypatch.setitem(MODULES, "eparticipation.consultations.example", {"eparticipation.responses.services"})
    assert ("eparticipation.consultations.example", "eparticipation.responses.services") in wrong_way()
