"""Checks every browser test can use: axe, sideways scrolling, tap target size."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def assert_accessible(page) -> None:
    """Fail on any axe-core violation (WCAG 2.x A/AA rules and best practices)."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def small_tap_targets(
    page, selector="a, button, input, select, summary, [role=button]"
) -> list[str]:
    """Visible interactive elements smaller than 44×44 px (inline text links excepted)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null && !el.closest('p, li:not(.nav-item), td, .prose'))
            .filter(el => { const r = el.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
            .filter(el => !(el.type === 'hidden'))
            .map(el => el.outerHTML.slice(0, 120))""",
        selector,
    )
