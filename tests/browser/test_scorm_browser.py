"""The SCORM packages in a real browser with a real LMS runtime: scorm-again (npm) plays the LMS
(window.API for 1.2, window.API_1484_11 for 2004) in tests/interop/harness/lms.html, the SCO
runs in its iframe as an LMS launches it, and the test takes the quiz by taps and reads the
CMI data back from the runtime.
"""

import functools
import http.server
import io
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from klantwijs.course import load_course
from klantwijs.interop.scorm import build_package
from tests.browser.helpers import assert_accessible, assert_no_sideways_scroll, small_tap_targets
from tests.interop.tools import HERE, SCORM_AGAIN, need_npm

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data"
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def course():
    return load_course(DATA / "lessons", DATA / "quiz")


@pytest.fixture(scope="module")
def lms_site(tmp_path_factory, course):
    """A static site on 127.0.0.1: the packages unzipped, scorm-again and the test LMS page."""
    need_npm("scorm-again")
    root = tmp_path_factory.mktemp("lms")
    packages = {
        "pakket12": build_package(course, "1.2"),
        "pakket2004": build_package(course, "2004"),
        "echt12": build_package(load_course(ROOT / "lessons", ROOT / "quiz"), "1.2"),
    }
    for name, package in packages.items():
        zipfile.ZipFile(io.BytesIO(package.data)).extractall(root / name)
    shutil.copytree(SCORM_AGAIN, root / "scorm-again")
    shutil.copytree(HERE / "harness", root / "harness")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="nl-NL"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


def launch(page, site, version, slug="alpha", initial=None):
    """Open the test LMS, start the SCO in its iframe; the SCO's frame."""
    page.goto(f"{site}/harness/lms.html")
    folder = "pakket12" if version == "1.2" else "pakket2004"
    page.evaluate(
        "([v, url, initial]) => launch(v, url, initial)",
        [version, f"/{folder}/{slug}/index.html", initial],
    )
    sco = page.frame_locator("#sco")
    sco.locator("main").wait_for()
    return sco


def answer(sco, module, right: bool) -> None:
    """Answer the question on screen by taps: right, or entirely wrong."""
    prompt = sco.locator("legend").inner_text()
    question = next(q for q in module.quiz.questions if q.prompt == prompt)
    if question.type == "ordering":
        target = [s.text for s in question.steps]
        if not right:
            target.reverse()
        for place, text in enumerate(target):
            current = [t.strip() for t in sco.locator(".step-text").all_inner_texts()]
            for _ in range(current.index(text) - place):
                sco.get_by_role("button", name=f"Omhoog: {text}", exact=True).tap()
        return
    if right:
        texts = [o.text for o in question.options if o.correct]
    else:
        texts = [next(o.text for o in question.options if not o.correct)]
    for text in texts:
        sco.get_by_label(text, exact=True).tap()


def take_quiz(sco, module, right: bool) -> None:
    sco.get_by_role("button", name="Start de toets").tap()
    for _ in range(module.quiz.questions_per_attempt):
        answer(sco, module, right)
        sco.get_by_role("button", name="Volgende").tap()
    sco.get_by_role("heading", name="Overzicht").wait_for()
    sco.get_by_role("button", name="Inleveren").tap()
    sco.get_by_role("heading", name="Uitslag").wait_for()


def cmi(page) -> dict:
    return page.evaluate("cmi()")["cmi"]


def finish(page) -> None:
    """Leave the SCO as a learner closing the LMS window: its pagehide ends the session."""
    page.evaluate("unload()")
    page.wait_for_function("calls.includes('LMSFinish') || calls.includes('Terminate')")


@pytest.mark.parametrize(
    ("right", "status", "raw"), [(True, "passed", "100"), (False, "failed", "0")]
)
def test_scorm_12_reports_status_and_score(phone, lms_site, course, right, status, raw):
    sco = launch(phone, lms_site, "1.2")
    take_quiz(sco, course.get("alpha"), right)
    expected = "Score: 4 van 4 (100%)" if right else "Score: 0 van 4 (0%)"
    assert sco.locator(".score").inner_text() == expected
    finish(phone)
    data = cmi(phone)
    assert data["core"]["lesson_status"] == status
    assert data["core"]["score"] == {"raw": raw, "min": "0", "max": "100"}
    assert data["core"]["session_time"].count(":") == 2
    assert data["suspend_data"]
    assert phone.evaluate("calls")[0] == "LMSInitialize"


@pytest.mark.parametrize("right", [True, False])
def test_scorm_2004_reports_success_score_and_an_interaction_per_question(
    phone, lms_site, course, right
):
    module = course.get("alpha")
    sco = launch(phone, lms_site, "2004")
    take_quiz(sco, module, right)
    finish(phone)
    data = cmi(phone)
    assert data["completion_status"] == "completed"
    assert data["success_status"] == ("passed" if right else "failed")
    assert data["score"]["scaled"] == ("1" if right else "0")
    assert data["score"]["raw"] == ("100" if right else "0")
    assert data["session_time"].startswith("PT")
    interactions = [v for k, v in sorted(data["interactions"].items()) if k.isdigit()]
    assert len(interactions) == module.quiz.questions_per_attempt
    by_id = {q.id: q for q in module.quiz.questions}
    for interaction in interactions:
        question = by_id[interaction["id"].rsplit(":", 1)[1]]
        assert interaction["type"] == ("sequencing" if question.type == "ordering" else "choice")
        assert interaction["result"] == ("correct" if right else "incorrect")
        pattern = interaction["correct_responses"]["0"]["pattern"]
        if question.type == "ordering":
            assert pattern == "[,]".join(question.correct_order)
        else:
            assert set(pattern.split("[,]")) == question.correct_option_ids
        if right:
            assert set(interaction["learner_response"].split("[,]")) == set(pattern.split("[,]"))


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_new_launch_resumes_from_suspend_data(phone, lms_site, course, version):
    module = course.get("alpha")
    sco = launch(phone, lms_site, version)
    sco.get_by_role("button", name="Start de toets").tap()
    first_prompt = sco.locator("legend").inner_text()
    answer(sco, module, right=True)
    sco.get_by_role("button", name="Volgende").tap()
    sco.get_by_role("heading", name="Vraag 2 van 4").wait_for()
    finish(phone)
    saved = cmi(phone)
    status = saved["core"]["lesson_status"] if version == "1.2" else saved["completion_status"]
    assert status == "incomplete"
    initial = {"suspend_data": saved["suspend_data"]}
    if version == "1.2":
        initial["core"] = {"entry": "resume", "lesson_status": "incomplete"}
    else:
        initial.update(entry="resume", completion_status="incomplete")

    sco = launch(phone, lms_site, version, initial=initial)
    sco.get_by_role("heading", name="Vraag 2 van 4").wait_for()  # straight back, no lesson
    sco.get_by_role("button", name="Vorige").tap()
    assert sco.locator("legend").inner_text() == first_prompt
    answered = sco.locator("input:checked").count() + sco.locator(".step").count()
    assert answered > 0
    sco.get_by_role("button", name="Naar het overzicht").tap()
    assert sco.locator(".overview li").first.inner_text().endswith("Beantwoord")
    sco.get_by_role("button", name="Inleveren").tap()
    sco.get_by_role("heading", name="Uitslag").wait_for()
    finish(phone)
    data = cmi(phone)
    done = data["core"]["lesson_status"] if version == "1.2" else data["success_status"]
    assert done == "failed"  # one of four answered: 25%


def test_ordering_moves_with_the_keyboard_and_is_announced(browser, lms_site, course):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{lms_site}/pakket2004/alpha/index.html")  # no LMS around: still works
    assert "Geen LMS gevonden" in page.locator("[data-lms-status]").inner_text()
    page.get_by_role("button", name="Start de toets").click()
    for _ in range(4):
        if page.locator(".ordering").count():
            break
        page.get_by_role("button", name="Volgende").click()
    steps = page.locator(".step-text")
    second = steps.nth(1).inner_text().strip()
    page.get_by_role("button", name=f"Verplaats: {second}").focus()
    page.keyboard.press("ArrowUp")
    assert steps.nth(0).inner_text().strip() == second
    assert page.get_by_role("button", name=f"Verplaats: {second}").evaluate(
        "el => el === document.activeElement"
    )
    page.locator("[aria-live=polite]").filter(has_text="staat nu op plaats 1").wait_for()
    context.close()


@pytest.mark.parametrize("screen", ["les", "vraag", "uitslag"])
def test_the_sco_is_accessible_at_360_pixels(phone, lms_site, screen):
    """The real course's largest lesson, a question and the result: axe-clean, no sideways
    scroll, 44 px tap targets."""
    phone.goto(f"{lms_site}/echt12/alles-samen/index.html")
    if screen != "les":
        phone.get_by_role("button", name="Start de toets").tap()
    if screen == "uitslag":
        phone.get_by_role("button", name="Naar het overzicht").tap()
        phone.get_by_role("button", name="Inleveren").tap()
        phone.get_by_role("heading", name="Uitslag").wait_for()
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    # A choice is tapped on its label (the whole card); the radio button sits inside it.
    assert small_tap_targets(phone, "button, label, select, summary") == []


def test_the_sco_grades_every_answer_as_the_app_does(phone, lms_site):
    """Every question of the real course, with many answers (right, wrong, partly right,
    unanswered): the SCO's grader in the browser gives the app's score."""
    import itertools
    import random

    from klantwijs.learning.questions import grade

    course = load_course(ROOT / "lessons", ROOT / "quiz")
    phone.goto(f"{lms_site}/echt12/stopt/index.html")
    rng = random.Random(18)
    cases = []
    for module in course.modules:
        for question in module.quiz.questions:
            items = list(question.steps or question.options)
            indexes = list(range(len(items)))
            answers = [[]]
            if question.type == "ordering":
                answers += [rng.sample(indexes, len(indexes)) for _ in range(6)] + [indexes]
            else:
                answers += [list(c) for n in (1, 2, 3) for c in itertools.combinations(indexes, n)]
            for answer in answers:
                ids = [items[i].id for i in answer]
                response = ids[0] if question.type in ("single", "scenario") and ids else ids
                if question.type in ("single", "scenario") and len(ids) > 1:
                    continue
                expected = grade(question, response or None)
                cases.append((module.slug, question.id, answer, expected))
    scores = phone.evaluate(
        """async (cases) => {
            const modules = {};
            for (const [slug] of cases) {
                if (!modules[slug]) {
                    const text = await (await fetch(`/echt12/${slug}/data.js`)).text();
                    modules[slug] = JSON.parse(text.replace('window.KLANTWIJS_SCO = ', '').replace(/;\\s*$/, ''));
                }
            }
            return cases.map(([slug, qid, answer]) => {
                const q = modules[slug].questions.find((x) => x.id === qid);
                return window.KlantwijsSco.grade(q, answer);
            });
        }""",
        [[slug, qid, answer] for slug, qid, answer, _ in cases],
    )
    mismatches = [
        (slug, qid, answer, expected, got)
        for (slug, qid, answer, expected), got in zip(cases, scores, strict=True)
        if abs(expected - got) > 1e-9
    ]
    assert len(cases) > 500
    assert mismatches == []
