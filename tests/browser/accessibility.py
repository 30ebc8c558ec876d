"""`audit(page)`: axe-core, injected into the page, checks it against WCAG 2.0/2.1 levels A and AA.

Serious and critical violations fail the test, each listed with its rule, impact, help text and the
first few elements it found; moderate and minor ones are printed (pytest shows them when a test fails,
or always with `-s`).
"""

from functools import cache
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
AXE_JS = PROJECT / "eparticipation" / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/static/vendor/axe-core/axe.min.js"  # the same file, as the app serves it
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
SHOWN_NODES = 4


class AccessibilityViolations(AssertionError):
    pass


@cache
def axe_available() -> bool:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: `make assets` copies axe-core there from npm")
    return True


def inject_axe(page):
    """axe-core, loaded from the app's static files: within one browser context it is then fetched
    and compiled once (the HTTP and code caches), not once per page as an inline copy would be.
    (The context bypasses the CSP, which would forbid a script added by the test.)"""
    axe_available()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)


def axe_violations(page) -> list[dict]:
    """Every WCAG A/AA violation axe-core finds on the page as it is now."""
    inject_axe(page)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html})),
            }));
        }""",
        AXE_TAGS,
    )


def describe(violation: dict) -> str:
    nodes = violation["nodes"]
    targets = "; ".join(" ".join(node["target"]) for node in nodes[:SHOWN_NODES])
    if len(nodes) > SHOWN_NODES:
        targets += f"; and {len(nodes) - SHOWN_NODES} more"
    return f"- {violation['id']} [{violation['impact']}] {violation['help']}: {targets}"


def audit(page) -> list[dict]:
    """Fail on the serious and critical violations of the page; return all the violations found."""
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    for violation in violations:
        if violation["impact"] not in FAILING_IMPACTS:
            print(f"axe, not failing ({page.url}):", describe(violation))
    if failing:
        raise AccessibilityViolations(
            f"{len(failing)} serious or critical accessibility violation(s) on {page.url}:\n"
            + "\n".join(describe(v) for v in failing)
        )
    return violations
