"""The domains' import direction, written once: a domain may import the domains before it in DOMAINS, never those
after it; the modules at the top of eparticipation/ and its infrastructure packages may be imported by all; no domain
imports the pages that belong to none (site, admin, oversight) or the commands (scripts). Inside a domain, no cycles.

Every import counts, also one inside a function: a late import hides a dependency, it does not remove it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "eparticipation"

# Lowest first (eparticipation/__init__.py includes them in this order).
DOMAINS = ["audit", "accounts", "messaging", "agencies", "consultations", "planning", "participation", "surveys",
           "feedback", "responses", "reports", "embed", "outreach", "subscriptions", "syndication", "api",
           "certificates", "incentives"]
# Above every domain: no domain imports them.
APPLICATION = ["site", "admin", "oversight", "scripts"]


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
    wrong = wrong_way()
    assert not wrong, "\n".join(f"{a} imports {b}" for a, b in sorted(wrong))


def includes_in_order() -> list[str]:
    """The parts eparticipation.includeme includes, in its order (its loop over the optional domains unrolled)."""
    from eparticipation import OPTIONAL_DOMAINS

    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    includeme = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "includeme")
    order = []
    for node in includeme.body:
        if isinstance(node, ast.For) and getattr(node.iter, "id", None) == "OPTIONAL_DOMAINS":
            order.extend(OPTIONAL_DOMAINS)
        for call in ast.walk(node) if not isinstance(node, ast.For) else ():
            if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "include" and call.args \
                    and isinstance(call.args[0], ast.Constant):
                order.append(call.args[0].value.lstrip("."))
    return order


def test_the_package_includes_the_domains_in_this_order():
    assert [part for part in includes_in_order() if part in DOMAINS] == DOMAINS


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
