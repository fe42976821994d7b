"""The learner on a phone, second round (issue 14): 360×740, touch. One test per observed
problem, each written to fail on main before the change:

1 the verdict after Controleer lands in view and is announced; a wrong pick is not green;
3 "Geen verbinding" shows next to the tapped button, in view;
4 the tapped button is busy and disabled while its request is under way; one request a step;
5 after a forced logout mid-quiz, logging in again brings the question back with the answer;
6 Vorige left of Volgende (primary) on every quiz page;
7 the result page's first screen shows the score and the next step (primary);
8 seven ordering steps fit one screen, end buttons disabled, the key hint only for keyboards;
9 Mijn voortgang shows per module where the learner stands, assigned modules first;
and lessons opened before stay readable offline; the menu shows in the header on a desktop.
"""

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from klantwijs.core.db import db
from klantwijs.models import Attempt, User, utcnow
from tests import learner_helpers
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    layout_shifts,
    log_in,
)
from tests.browser.test_learner_browser import RIGHT, WRONG, answer, next_question, take_quiz
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data"
REAL = Path(__file__).parent.parent.parent
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "nl-NL",
}


@pytest.fixture
def phone(browser, live_server):
    """A fresh phone context per call: phone(service_workers='block', color_scheme='dark')."""
    contexts = []

    def open_page(url=None, **options):
        context = browser.new_context(base_url=url or live_server.url, **{**PHONE, **options})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def serve():
    """Serve another app (other course content) over HTTP: serve(app) → base URL."""
    servers = []

    def start_serving(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start_serving
    for server in servers:
        server.shutdown()


def in_view(page, locator) -> bool:
    """The element is wholly inside the 740 px screen as it is scrolled now."""
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740


def start_quiz(page, app, slug="alpha"):
    page.goto(f"/modules/{slug}")
    page.get_by_role("button", name="Start de toets").tap()
    page.get_by_text(re.compile(r"^Vraag 1 van \d+$")).wait_for()
    attempt_id = int(re.search(r"/pogingen/(\d+)/", page.url)[1])
    learner_helpers.use_whole_pool(app, attempt_id)
    page.reload()
    return attempt_id


def failed_exam(page, app, make_attempt, user):
    """A handed-in exam with every alpha question wrong; the page opens its result."""
    quiz = app.extensions["course"].get("alpha").quiz
    attempt_id = make_attempt(
        user.id,
        score=0.0,
        max_score=len(quiz.questions),
        passed=False,
        answers={q.id: (None, 0.0) for q in quiz.questions},
    )
    page.goto(f"/pogingen/{attempt_id}/uitslag")
    return attempt_id


def practice_a_choice_question(page, app, make_user, make_attempt) -> str:
    """A new learner with a failed exam opens Oefen je fouten at a choice question (not the
    ordering one); returns a wrong option of it to pick."""
    user = make_user()
    log_in(page, user.email, tap=True)
    failed_exam(page, app, make_attempt, user)
    page.get_by_role("button", name="Oefen je fouten").first.tap()
    page.get_by_text(re.compile(r"Oefen je fouten: vraag 1 van \d")).wait_for()
    if "volgorde" in page.locator("legend.prompt").inner_text():  # take a choice question
        page.goto(page.url.replace("/vraag/1", "/vraag/2"))
    return WRONG[page.locator("legend.prompt").inner_text()][0]


# --- 1: the verdict after Controleer ------------------------------------------------------


def test_the_verdict_after_controleer_is_in_view_and_a_wrong_pick_not_green(
    phone, app, make_user, make_attempt
):
    page = phone()
    picked = practice_a_choice_question(page, app, make_user, make_attempt)
    page.get_by_label(picked, exact=True).check()
    green = page.evaluate("getComputedStyle(document.querySelector('.choice label')).color")
    chosen_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.choice input:checked + label')).backgroundColor"
    )
    assert chosen_bg != "rgb(231, 245, 236)", "a picked option looks like Goed before any check"
    assert green  # the page is styled
    page.get_by_role("button", name="Controleer").tap()
    verdict = page.locator("#uitleg .verdict").first
    verdict.wait_for()
    expect(verdict).to_contain_text("Fout")
    assert in_view(page, verdict), "the verdict is not on the screen after Controleer"
    expect(page.locator("[data-save-status]")).to_contain_text("Fout")  # announced
    wrong_line = page.locator("#uitleg .is-bad", has_text=picked).first
    expect(wrong_line).to_contain_text("Fout")  # marked with text and a mark, not colour only
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_the_announced_verdict_moves_nothing_on_screen(phone, app, make_user, make_attempt):
    """The verdict is read out a moment after the page opens; that must not push the buttons
    down under a thumb about to tap Volgende (a tap then lands on the text above it)."""
    page = phone()
    picked = practice_a_choice_question(page, app, make_user, make_attempt)
    for verdict in ("probeer het nog een keer", "Vraag"):  # the first and the second Controleer
        page.get_by_label(picked, exact=True).check()
        page.get_by_role("button", name="Controleer").tap()
        page.locator("#uitleg h2", has_text=verdict).wait_for()
        expect(page.locator("[data-save-status]")).to_contain_text("Fout")  # announced
        assert layout_shifts(page) == []
    expect(page.get_by_role("link", name="Volgende")).to_be_visible()


# --- 3 and 4: offline, busy, one request per step --------------------------------------------


def test_geen_verbinding_shows_next_to_the_button_in_view(phone, app, make_user):
    page = phone()
    user = make_user()
    log_in(page, user.email, tap=True)
    start_quiz(page, app)
    answer(page, phone=True)
    next_question(page)
    answer(page)
    page.context.set_offline(True)
    button = page.get_by_role("button", name="Volgende")
    button.scroll_into_view_if_needed()
    button.tap()
    message = page.get_by_text("Geen verbinding")
    message.wait_for()
    assert in_view(page, message), "the offline message is outside the screen"
    assert abs(message.bounding_box()["y"] - button.bounding_box()["y"]) < 200
    assert page.get_by_label("Luisteren", exact=True).is_checked()  # the answer stays
    expect(button).to_be_enabled()
    page.context.set_offline(False)
    next_question(page)
    assert "Vraag 3 van" in page.locator("h1").inner_text()


def test_the_tapped_button_is_busy_and_each_step_loads_one_page(phone, app, make_user):
    page = phone(service_workers="block")
    user = make_user()
    log_in(page, user.email, tap=True)
    attempt_id = start_quiz(page, app)
    answer(page, phone=True)
    held, seen = [], []
    page.route(f"**/pogingen/{attempt_id}/vraag/1", lambda route: held.append(route))
    page.on("request", lambda r: seen.append((r.method, r.resource_type, r.url.split("/", 3)[3])))
    button = page.get_by_role("button", name="Volgende")
    button.tap()
    expect(button).to_be_disabled()  # while the (held) request is under way
    expect(page.get_by_role("button", name="Naar het overzicht")).to_be_disabled()
    button.tap(force=True)  # a second tap does nothing
    assert len(held) == 1
    held[0].continue_()
    page.get_by_text("Vraag 2 van 5").wait_for()
    page.wait_for_load_state()
    posts = [s for s in seen if s[0] == "POST"]
    loads = [s for s in seen if s[0] == "GET" and s[2].startswith(f"pogingen/{attempt_id}/vraag/2")]
    assert len(posts) == 1, posts
    assert loads == [("GET", "document", f"pogingen/{attempt_id}/vraag/2")], loads


# --- 5: session ended mid-quiz ---------------------------------------------------------------


def test_after_a_forced_logout_the_answer_comes_back_after_logging_in(phone, app, make_user):
    page = phone()
    user = make_user()
    log_in(page, user.email, tap=True)
    start_quiz(page, app)
    answer(page, phone=True)
    next_question(page)
    question_url = page.url
    answer(page)  # "Luisteren", not saved yet
    with app.app_context():  # Overal uitloggen on another device
        db.session.get(User, user.id).session_version += 1
        db.session.commit()
    page.get_by_role("button", name="Volgende").tap()
    message = page.get_by_text("Je bent niet meer ingelogd")
    message.wait_for()
    assert in_view(page, message)
    page.get_by_role("link", name="Log opnieuw in").tap()
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").tap()
    page.get_by_text("Vraag 2 van 5").wait_for()
    assert page.url == question_url
    expect(page.locator("[data-save-status]")).to_contain_text("nog niet bewaard")
    expect(page.get_by_label("Luisteren", exact=True)).to_be_checked()  # restored, not saved
    next_question(page)
    page.get_by_role("button", name="Vorige").tap()
    page.get_by_text("Vraag 2 van 5").wait_for()
    assert page.get_by_label("Luisteren", exact=True).is_checked()  # now saved on the server


# --- 6 and 7: navigation and the result page -------------------------------------------------


def test_vorige_is_left_of_volgende_on_every_quiz_page(phone, app, make_user):
    page = phone()
    user = make_user()
    log_in(page, user.email, tap=True)
    start_quiz(page, app)
    answer(page, phone=True)
    next_question(page)
    previous = page.get_by_role("button", name="Vorige").bounding_box()
    following = page.get_by_role("button", name="Volgende")
    assert "primary" in following.get_attribute("class")
    assert previous["x"] < following.bounding_box()["x"]
    page.get_by_role("button", name="Naar het overzicht").tap()
    page.get_by_role("heading", name="Overzicht voor het inleveren").wait_for()
    hand_in = page.get_by_role("button", name="Inleveren")
    assert "primary" in hand_in.get_attribute("class")
    assert page.get_by_role("link", name="Vorige").bounding_box()["x"] < hand_in.bounding_box()["x"]


def test_the_results_first_screen_shows_score_and_the_next_step(phone, app, make_user):
    page = phone()
    user = make_user()
    log_in(page, user.email, tap=True)
    start_quiz(page, app)
    take_quiz(page, wrong={"Wat doe je eerst?", "Welke reactie past?"}, phone=True)
    page.evaluate("window.scrollTo(0, 0)")
    score = page.get_by_text(re.compile(r"Score: \d+ van 5"))
    assert in_view(page, score)
    assert page.get_by_text("Niet geslaagd").first.is_visible()
    primary = page.locator("main .button.primary").first
    assert primary.inner_text() == "Oefen je fouten"
    assert in_view(page, primary), "the next step is below the first screen"
    mistakes = page.locator(".mistakes li")
    assert mistakes.count() == 2
    expect(mistakes.first).to_contain_text("Wat doe je eerst?")
    lesson_link = mistakes.first.get_by_role("link", name="Luisteren")
    expect(lesson_link).to_have_attribute("href", "/modules/alpha#luisteren")
    mistakes.first.get_by_role("link", name=re.compile("^Vraag")).tap()  # to its explanation
    assert page.url.endswith("#uitleg-" + page.url.split("#uitleg-")[-1])
    assert in_view(page, page.locator(page.url[page.url.index("#") :] + " .reviewed-title"))
    assert_accessible(page)


# --- 8: a compact ordering question ----------------------------------------------------------


@pytest.mark.parametrize("content", ["fixture", "real"])
def test_seven_ordering_steps_fit_one_phone_screen(phone, make_app, make_user, serve, content):
    dirs = (
        {"LESSONS_DIR": str(DATA / "lessons"), "QUIZ_DIR": str(DATA / "quiz")}
        if content == "fixture"
        else {"LESSONS_DIR": str(REAL / "lessons"), "QUIZ_DIR": str(REAL / "quiz")}
    )
    app = make_app(**dirs)
    slug = "zeven" if content == "fixture" else "zeven-stappen"
    page = phone(serve(app))
    user = make_user()
    log_in(page, user.email, tap=True)
    attempt_id = start_quiz(page, app, slug)
    quiz = app.extensions["course"].get(slug).quiz
    number = next(
        n
        for n, qid in enumerate(learner_helpers.load(app, attempt_id).question_ids, 1)
        if len(quiz.by_id[qid].steps) == 7
    )
    page.goto(f"/pogingen/{attempt_id}/vraag/{number}")
    steps = page.locator(".ordering .step")
    expect(steps).to_have_count(7)
    steps.first.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.ordering').scrollIntoView()")
    height = page.locator(".ordering").bounding_box()["height"]
    assert height <= 740 * 0.8, f"seven steps take {height:.0f} px of a 740 px screen"
    assert in_view(page, steps.first) and in_view(page, steps.last)
    first, last = steps.first, steps.last
    expect(first.locator("[data-move='-1']")).to_have_attribute("aria-disabled", "true")
    expect(last.locator("[data-move='1']")).to_have_attribute("aria-disabled", "true")
    expect(first.locator("[data-move='1']")).to_have_attribute("aria-disabled", "false")
    keys = page.locator("#uitleg-toetsen")
    expect(keys).to_be_hidden()  # no arrow keys on a touch screen…
    handle = page.get_by_role("button", name=re.compile("^Verplaats: ")).first
    assert "pijltjes" in handle.evaluate(
        "el => el.getAttribute('aria-describedby').split(' ')"
        ".map(id => document.getElementById(id).textContent).join(' ')"
    )  # …but a keyboard user hears them
    last_text = last.locator(".step-text").inner_text()
    last.get_by_role("button", name=f"Omhoog: {last_text}").tap()
    expect(page.locator(".ordering .step").nth(5)).to_contain_text(last_text)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_keyboard_hint_shows_with_a_mouse(desktop_page, app, make_user):
    page = desktop_page
    user = make_user()
    log_in(page, user.email)
    page.goto("/modules/alpha")
    page.get_by_role("button", name="Start de toets").click()
    attempt_id = int(re.search(r"/pogingen/(\d+)/", page.url)[1])
    learner_helpers.use_whole_pool(app, attempt_id)
    page.goto(f"/pogingen/{attempt_id}/vraag/1")
    expect(page.locator("#uitleg-toetsen")).to_be_visible()


# --- 9: Mijn voortgang ---------------------------------------------------------------------


def test_mijn_voortgang_shows_where_i_stand(phone, app, make_user, make_attempt, make_assignment):
    page = phone()
    user = make_user()
    make_assignment("beta", user_id=user.id)
    make_attempt(user.id, "alpha", score=3.0, max_score=4, passed=False)
    practice = make_attempt(user.id, "alpha", kind="practice", submitted=False)
    with app.app_context():  # an Oefenronde left two days ago is closed
        db.session.get(Attempt, practice).started_at = utcnow() - dt.timedelta(days=2)
        db.session.commit()
    log_in(page, user.email, tap=True)
    expect(page.locator(".course-progress")).to_contain_text("0 van 1 toegewezen module geslaagd")
    page.goto("/voortgang")
    cards = page.locator(".progress-card")
    expect(cards.first).to_contain_text("Bèta")  # assigned first
    expect(cards.first).to_contain_text("Deadline:")
    alpha = cards.filter(has_text="Alfa")
    expect(alpha).to_contain_text("Beste score: 75%")
    expect(alpha.locator("meter")).to_have_attribute("value", "75")
    expect(page.get_by_text("Ga verder met oefenen")).to_have_count(0)
    expect(page.locator(".course-progress")).to_contain_text("0 van 1 toegewezen module geslaagd")
    assert_accessible(page)
    assert_no_sideways_scroll(page)


# --- Readable offline, and the header on a desktop --------------------------------------------


def test_a_lesson_opened_before_loads_offline(phone, make_user):
    page = phone()
    user = make_user()
    log_in(page, user.email, tap=True)
    page.goto("/modules/alpha")
    page.get_by_role("heading", name="In deze les").wait_for()
    page.wait_for_function(
        "caches.open('klantwijs-lessen').then(c => c.match('/modules/alpha')).then(Boolean)",
        polling=200,
    )
    page.context.set_offline(True)
    page.goto("/modules/alpha")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alfa: de testmethode")
    expect(page.get_by_text("Laat de klant uitpraten.")).to_be_visible()
    expect(page.get_by_text("Je hebt geen verbinding")).to_be_visible()
    page.goto("/modules/beta")  # never opened: the offline page, with what can be read
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen verbinding")
    expect(page.get_by_role("link", name="Alfa: de testmethode")).to_be_visible()
    assert_accessible(page)


def test_the_menu_is_in_the_header_on_a_desktop_and_behind_menu_on_a_phone(
    desktop_page, phone, make_user
):
    user = make_user(role="hr")
    log_in(desktop_page, user.email)
    expect(desktop_page.locator(".account-menu summary")).to_be_hidden()
    desktop_page.get_by_role("link", name="Mijn voortgang").click()
    expect(desktop_page.get_by_role("link", name="Mijn voortgang")).to_have_attribute(
        "aria-current", "page"
    )
    expect(desktop_page.get_by_role("button", name="Uitloggen")).to_be_visible()
    page = phone()
    log_in(page, user.email, tap=True)
    expect(page.get_by_role("link", name="Mijn voortgang")).to_be_hidden()
    page.locator(".account-menu summary").tap()
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()


# --- axe in light and dark on every learner page ----------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_learner_page_is_axe_clean_in_light_and_dark(phone, app, make_user, scheme):
    page = phone(color_scheme=scheme)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    checked = []

    def check(name):
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        checked.append(name)

    for path in ("/", "/inloggen", "/account-aanmaken", "/wachtwoord-vergeten", "/offline"):
        page.goto(path)
        check(path)
    user = make_user()
    log_in(page, user.email, tap=True)
    check("Mijn cursus")
    for path in ("/modules/alpha", "/modules/alpha/spiekkaart", "/voortgang", "/account"):
        page.goto(path)
        check(path)
    page.goto("/wachtwoord-wijzigen")
    check("Wachtwoord wijzigen")
    page.goto("/modules/alpha/quiz")
    check("intro")
    attempt_id = start_quiz(page, app)
    for number in range(1, 6):
        page.goto(f"/pogingen/{attempt_id}/vraag/{number}")
        check(f"vraag {number}")
    page.goto(f"/pogingen/{attempt_id}/vraag/1")
    take_quiz(page, wrong={"Wat doe je eerst?"}, phone=True)
    check("uitslag")
    page.get_by_role("button", name="Oefen je fouten").first.tap()
    page.get_by_text(re.compile(r"Oefen je fouten: vraag 1 van \d")).wait_for()
    check("oefenen")
    prompt = page.locator("legend.prompt").inner_text()
    for text in RIGHT[prompt]:
        page.get_by_label(text, exact=True).check()
    page.get_by_role("button", name="Controleer").tap()
    page.locator("#uitleg .verdict").first.wait_for()
    check("uitleg")
    assert len(checked) == 20
