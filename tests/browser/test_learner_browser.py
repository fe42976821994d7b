"""A learner on a phone and on a desktop: read, take a quiz, order steps three ways, retake, practise."""

import re

import pytest

from tests import learner_helpers
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    log_in,
    small_tap_targets,
)

pytestmark = pytest.mark.browser

RIGHT = {
    "Wat doe je eerst?": ["Luisteren"],
    "Welke gewoonten helpen?": ["Samenvatten", "Doorvragen"],
    "Welke reactie past?": ["Wat vervelend. Vertelt u wat er gebeurde?"],
    "Wat doe je als laatste?": ["Afronden"],
    "Zet de stappen in de juiste volgorde.": ["Luisteren", "Samenvatten", "Oplossen", "Afronden"],
}
WRONG = {
    "Wat doe je eerst?": ["Uitleggen"],
    "Welke gewoonten helpen?": ["Onderbreken"],
    "Welke reactie past?": ["Dat ligt aan de bezorger."],
    "Wat doe je als laatste?": ["Niets"],
}


def check_page(page, phone):
    assert_accessible(page)
    if phone:
        assert_no_sideways_scroll(page)


def use_whole_pool(app, page):
    """Make the open attempt hold every question, so each type shows up once."""
    attempt_id = int(re.search(r"/pogingen/(\d+)/", page.url)[1])
    learner_helpers.use_whole_pool(app, attempt_id)
    page.reload()
    return attempt_id


def steps(page):
    return page.locator(".ordering .step-text").all_inner_texts()


def live_text(page):
    return page.locator("[data-live]")


def order_with_buttons(page, target, tap):
    for i, text in enumerate(target):
        for _ in range(steps(page).index(text) - i):
            button = page.get_by_role("button", name=f"Omhoog: {text}", exact=True)
            button.tap() if tap else button.click()
            live_text(page).filter(has_text=f"Stap '{text}' staat nu op plaats").wait_for()
    assert steps(page) == target


def order_with_keyboard(page, target):
    for i, text in enumerate(target):
        moves = steps(page).index(text) - i
        if moves:
            page.get_by_role("button", name=f"Verplaats: {text}").focus()
        if i == 0 and moves > 1:
            page.keyboard.press("Home")  # straight to the top
        else:
            for _ in range(moves):
                page.keyboard.press("ArrowUp")
        if moves:
            expected = f"Stap '{text}' staat nu op plaats {i + 1} van {len(target)}"
            live_text(page).filter(has_text=expected).wait_for()
            assert (
                page.evaluate("document.activeElement.getAttribute('aria-label')")
                == f"Verplaats: {text}"
            )
    assert steps(page) == target


def drag_points(page, text, i):
    handle = page.get_by_role("button", name=f"Verplaats: {text}")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    target = page.locator(".ordering .step").nth(i).bounding_box()
    return (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), target["y"] + 4


def order_by_touch_drag(page, target):
    cdp = page.context.new_cdp_session(page)
    for i, text in enumerate(target):
        if steps(page).index(text) == i:
            continue
        (x, y), to_y = drag_points(page, text, i)
        touch = {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        cdp.send("Input.dispatchTouchEvent", touch)
        for k in range(1, 11):
            point = {"x": x, "y": y + (to_y - y) * k / 10}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        live_text(page).filter(has_text=f"Stap '{text}' staat nu op plaats {i + 1}").wait_for()
    assert steps(page) == target


def order_by_mouse_drag(page, target):
    for i, text in enumerate(target):
        if steps(page).index(text) == i:
            continue
        (x, y), to_y = drag_points(page, text, i)
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, to_y, steps=10)
        page.mouse.up()
        live_text(page).filter(has_text=f"Stap '{text}' staat nu op plaats {i + 1}").wait_for()
    assert steps(page) == target


def answer(page, right=True, ordering="buttons", phone=False, check=False):
    """Answer the question on screen; check: run axe and the width check on it first."""
    if check:
        check_page(page, phone)
    prompt = page.locator("legend.prompt").inner_text()
    if "volgorde" in prompt:
        target = RIGHT[prompt] if right else list(reversed(RIGHT[prompt]))
        {
            "buttons": lambda: order_with_buttons(page, target, tap=phone),
            "keyboard": lambda: order_with_keyboard(page, target),
            "touch": lambda: order_by_touch_drag(page, target),
            "mouse": lambda: order_by_mouse_drag(page, target),
        }[ordering]()
        return "ordering"
    for text in (RIGHT if right else WRONG)[prompt]:
        page.get_by_label(text, exact=True).check()
    return prompt


def next_question(page):
    heading = page.locator("h1").inner_text()
    page.get_by_role("button", name="Volgende").click()
    page.wait_for_function("h => document.querySelector('h1').textContent !== h", arg=heading)


def take_quiz(page, wrong=(), ordering="buttons", phone=False, check=False):
    """Answer every question of the open attempt, then hand in; returns to the result page."""
    total = int(re.search(r"van (\d+)", page.locator("h1").inner_text())[1])
    for _ in range(total):
        prompt = page.locator("legend.prompt").inner_text()
        answer(page, prompt not in wrong, ordering, phone, check)
        next_question(page)
    page.get_by_role("heading", name="Overzicht voor het inleveren").wait_for()
    if check:
        check_page(page, phone)
    page.get_by_role("button", name="Inleveren").click()
    page.get_by_role("heading", name=re.compile("^Uitslag")).wait_for()


def test_phone_learner_reads_takes_retakes_and_practises(phone_page, app, make_user):
    page = phone_page
    user = make_user()
    log_in(page, user.email)
    check_page(page, True)
    assert small_tap_targets(page) == []
    page.get_by_role("link", name="Ga verder: Alfa: de testmethode").tap()
    page.get_by_role("heading", name="In deze les").wait_for()
    check_page(page, True)
    page.get_by_role("link", name="Samenvatten").tap()
    assert page.url.endswith("#samenvatten")
    page.get_by_role("button", name="Start de toets").tap()
    page.get_by_text("Vraag 1 van 4").wait_for()
    use_whole_pool(app, page)
    page.get_by_text("Vraag 1 van 5").wait_for()
    assert small_tap_targets(page, ".quiz-form button, .quiz-form select, .handle") == []
    take_quiz(page, wrong={"Welke gewoonten helpen?"}, ordering="buttons", phone=True, check=True)
    assert page.get_by_text("4 van 5").is_visible() and page.get_by_text("80%").first.is_visible()
    assert page.get_by_text("Geslaagd", exact=True).is_visible()
    check_page(page, True)

    page.get_by_role("button", name="Opnieuw proberen").tap()
    page.get_by_text("Vraag 1 van 4").wait_for()
    use_whole_pool(app, page)
    take_quiz(
        page, wrong={"Wat doe je eerst?", "Welke reactie past?"}, ordering="touch", phone=True
    )
    assert page.get_by_text("Niet geslaagd").is_visible()

    page.get_by_role("button", name="Oefen je fouten").tap()
    page.get_by_text(re.compile(r"Oefen je fouten: vraag 1 van \d")).wait_for()
    total = int(re.search(r"van (\d+)", page.locator("h1").inner_text())[1])
    for n in range(1, total + 1):
        answer(page, right=True, ordering="buttons", phone=True)
        page.get_by_role("button", name="Controleer").tap()
        page.get_by_role("heading", name=re.compile(f"Vraag {n}: Goed")).wait_for()
        if n == 1:
            check_page(page, True)
        link = "Volgende" if n < total else "Bekijk je oefenronde"
        page.get_by_role("link", name=link).tap()
    page.get_by_role("heading", name=re.compile("^Oefenronde")).wait_for()

    page.get_by_text("Menu").tap()
    page.get_by_role("button", name="Uitloggen").tap()
    page.get_by_role("heading", name="Inloggen").wait_for()
    log_in(page, user.email)
    assert page.get_by_text("Geslaagd").first.is_visible()
    page.get_by_text("Menu").tap()
    page.get_by_role("link", name="Mijn voortgang").tap()
    page.get_by_role("heading", name="Mijn voortgang").wait_for()
    page.locator(".progress-card", has_text="Alfa").get_by_text("Pogingen").tap()  # the history
    assert page.get_by_text("Score: 4 van 5 (80%)").is_visible()
    assert page.get_by_text("Oefenronde").first.is_visible()
    check_page(page, True)


def test_desktop_learner_orders_by_keyboard_and_mouse(desktop_page, app, make_user):
    page = desktop_page
    user = make_user()
    log_in(page, user.email)
    check_page(page, False)
    page.goto("/modules/alpha")
    check_page(page, False)
    page.get_by_role("button", name="Start de toets").click()
    page.get_by_text("Vraag 1 van 4").wait_for()
    use_whole_pool(app, page)
    take_quiz(page, ordering="keyboard", check=True)
    assert page.get_by_text("5 van 5").is_visible()
    check_page(page, False)
    page.get_by_role("button", name="Opnieuw proberen").click()
    page.get_by_text("Vraag 1 van 4").wait_for()
    take_quiz(page, ordering="mouse")
    assert page.locator(".reviewed-ok").count() == 4
    page.goto("/voortgang")
    check_page(page, False)


def test_a_reload_and_an_offline_moment_lose_no_saved_answer(phone_page, app, make_user):
    page = phone_page
    user = make_user()
    log_in(page, user.email)
    page.goto("/modules/alpha")
    page.get_by_role("button", name="Start de toets").tap()
    page.get_by_text("Vraag 1 van 4").wait_for()
    use_whole_pool(app, page)  # 1 ordering, 2 single, 3 multi, 4 scenario, 5 single
    answer(page, ordering="buttons", phone=True)
    next_question(page)
    answer(page)
    page.reload()
    assert page.get_by_label("Luisteren", exact=True).is_checked() is False  # not saved yet
    answer(page)
    next_question(page)
    page.get_by_text("Vraag 3 van 5").wait_for()
    answer(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Volgende").tap()
    page.get_by_text("Geen verbinding").wait_for()
    assert "Vraag 3 van 5" in page.locator("h1").inner_text()
    assert page.get_by_label("Doorvragen", exact=True).is_checked()
    page.context.set_offline(False)
    next_question(page)
    assert "Vraag 4 van 5" in page.locator("h1").inner_text()
    page.reload()
    page.get_by_role("button", name="Vorige").tap()
    page.get_by_text("Vraag 3 van 5").wait_for()
    assert page.get_by_label("Samenvatten", exact=True).is_checked()
    assert page.get_by_label("Doorvragen", exact=True).is_checked()
    page.goto("/modules/alpha/quiz")  # coming back later: resume at the first open question
    page.get_by_text("Vraag 4 van 5").wait_for()
    page.goto(page.url.replace("/vraag/4", "/vraag/1"))
    assert steps(page) == RIGHT["Zet de stappen in de juiste volgorde."]


def test_the_whole_quiz_works_without_javascript(browser, live_server, app, make_user):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        java_script_enabled=False,
        base_url=live_server.url,
        locale="nl-NL",
    )
    page = context.new_page()
    user = make_user()
    log_in(page, user.email)
    page.goto("/modules/alpha")
    page.get_by_role("button", name="Start de toets").click()
    page.get_by_text("Vraag 1 van 4").wait_for()
    use_whole_pool(app, page)
    second = steps(page)[1]
    page.get_by_role("button", name=f"Omhoog: {second}").click()  # a round trip to the server
    page.wait_for_load_state()
    assert steps(page)[0] == second
    for place, text in enumerate(RIGHT["Zet de stappen in de juiste volgorde."], 1):
        page.locator(".step", has_text=text).locator("select").select_option(str(place))
    next_question(page)
    for _ in range(4):
        answer(page)
        next_question(page)
    page.get_by_role("button", name="Inleveren").click()
    page.get_by_text("5 van 5").wait_for()
    assert page.get_by_text("Geslaagd", exact=True).is_visible()
    assert_no_sideways_scroll(page)
    context.close()
