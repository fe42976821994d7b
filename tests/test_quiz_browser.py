"""On a phone: a failed exam points to Oefen je fouten first; practice marks a wrong pick and
asks again, then explains; every screen axe-clean at 360 px without sideways scrolling."""

import re

import pytest

from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    log_in,
    small_tap_targets,
)

pytestmark = pytest.mark.browser

RIGHT_ORDER = ["Luisteren", "Samenvatten", "Oplossen", "Afronden"]
WRONG = {
    "Wat doe je eerst?": ["Uitleggen"],
    "Welke gewoonten helpen?": ["Onderbreken"],
    "Welke reactie past?": ["Dat ligt aan de bezorger."],
    "Wat doe je als laatste?": ["Niets"],
}


def check(page):
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert small_tap_targets(page, "main button, main select, main summary, .handle") == []


def steps(page):
    return page.locator(".ordering .step-text").all_inner_texts()


def wrong_orders():
    """Wrong orders to put a list in: the reverse first, then two others."""
    last_first = list(reversed(RIGHT_ORDER))
    yield last_first
    yield [last_first[1], last_first[0], *last_first[2:]]
    yield [last_first[0], last_first[2], last_first[1], last_first[3]]


def answer_wrong(page, avoid=()):
    """Pick a wrong option, or move the steps into a wrong order. A list left in the order it
    started in is no answer, so the order chosen is never the one on screen (nor in `avoid`)."""
    prompt = page.locator("legend.prompt").inner_text()
    if prompt in WRONG:
        for text in WRONG[prompt]:
            page.get_by_label(text, exact=True).check()
        return WRONG[prompt][0]
    current = steps(page)
    target = next(t for t in wrong_orders() if t != current and t not in avoid)
    for i, text in enumerate(target):
        while steps(page).index(text) > i:
            before = steps(page)
            page.get_by_role("button", name=f"Omhoog: {text}", exact=True).tap()
            page.wait_for_function(
                "b => [...document.querySelectorAll('.ordering .step-text')]"
                ".map(e => e.textContent.trim()).join('|') !== b",
                arg="|".join(before),
            )
    return None


def test_phone_failed_exam_leads_to_practice_with_a_second_try(phone_page, app, make_user):
    page = phone_page
    user = make_user()
    log_in(page, user.email, tap=True)
    page.goto("/modules/alpha/quiz")
    page.get_by_role("button", name="Start de toets").tap()
    page.get_by_text("Vraag 1 van 4").wait_for()
    page.get_by_role("button", name="Naar het overzicht").tap()
    page.get_by_role("button", name="Inleveren").tap()
    page.get_by_role("heading", name=re.compile("^Uitslag")).wait_for()
    assert page.get_by_text("Opnieuw proberen kan nadat je je fouten hebt geoefend").is_visible()
    assert page.get_by_role("button", name="Opnieuw proberen").count() == 0
    assert page.get_by_text("nog niet het goede antwoord").is_visible()
    check(page)
    page.goto("/modules/alpha/quiz")  # the intro says the same
    assert page.get_by_role("button", name="Start de toets").count() == 0
    check(page)

    page.get_by_role("button", name="Oefen je fouten").tap()
    page.get_by_text(re.compile(r"Oefen je fouten: vraag 1 van \d")).wait_for()
    total = int(re.search(r"van (\d+)", page.locator("h1").inner_text())[1])
    for n in range(1, total + 1):
        page.locator("h1", has_text=re.compile(rf"vraag {n} van \d")).wait_for()
        start = steps(page)  # an ordering question's first order ([] for the others)
        picked = answer_wrong(page)
        page.get_by_role("button", name="Controleer").tap()
        page.get_by_role("heading", name=re.compile("probeer het nog een keer")).wait_for()
        retry = page.locator(".practice-retry")
        if picked:  # the wrong pick, marked in words (and an icon), not by colour alone
            mark = retry.locator("li", has_text=picked).locator(".verdict")
            assert mark.inner_text().strip() == "✗ Fout" and mark.is_visible()
        else:
            assert retry.get_by_text("Deze volgorde is nog niet goed").is_visible()
        assert page.get_by_text("Het goede antwoord:").count() == 0
        if n <= 2:
            check(page)
        if not picked:  # the list shows the saved order: put it wrong again, not as it began
            answer_wrong(page, avoid=[start])
        page.get_by_role("button", name="Controleer").tap()
        page.get_by_role("heading", name=re.compile(f"Vraag {n}: .*(Fout|Deels goed)")).wait_for()
        assert page.get_by_text(
            re.compile("^(Het goede antwoord|De goede antwoorden|De goede volgorde):")
        ).count()
        if n <= 2:
            check(page)
        link = "Volgende" if n < total else "Bekijk je oefenronde"
        page.get_by_role("link", name=link).tap()
    page.get_by_role("heading", name=re.compile("^Oefenronde")).wait_for()
    check(page)
    page.get_by_role("button", name="Start de toets").tap()
    page.get_by_text("Vraag 1 van 4").wait_for()
