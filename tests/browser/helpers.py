"""What every browser test can use: logging in, axe, sideways scrolling, tap target size."""

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD

_axe = Axe()


def log_in(page, email, password=PASSWORD, tap=False) -> None:
    """Log in through the form as a person would (a tap on a phone); wait for Mijn cursus."""
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    button = page.get_by_role("button", name="Inloggen")
    button.tap() if tap else button.click()
    page.get_by_role("heading", name="Mijn cursus").wait_for()


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


def layout_shifts(page, settle_ms=400) -> list[str]:
    """What moved on screen after the page was drawn, once `settle_ms` has passed (Chromium's
    layout-shift entries). Shifts soon after a tap count too: the tap that opened the page is
    no reason for its buttons to move under the next one."""
    return page.evaluate(
        """(settle) => new Promise(done => {
            const moved = [];
            new PerformanceObserver(list => {
                for (const e of list.getEntries()) {
                    for (const s of e.sources || []) moved.push((s.node && s.node.outerHTML || '?').slice(0, 80));
                }
            }).observe({type: 'layout-shift', buffered: true});
            setTimeout(() => done(moved), settle);
        })""",
        settle_ms,
    )
