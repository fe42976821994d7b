"""Integrity: nothing leaks before hand-in, attempts are private, hand-in once, bad input refused."""

import re
import threading

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Answer, Attempt
from tests.conftest import PASSWORD
from tests.learner_helpers import (
    answer_all,
    answer_form,
    load,
    number_of,
    question_url,
    shown_question,
    start,
    start_full,
    take_quiz,
)

HEX_VALUE = re.compile(r"^[0-9a-f]{16}$")


def pages_of(client, attempt_id, total=5):
    return [client.get(question_url(attempt_id, n)).text for n in range(1, total + 1)]


def hand_in_passed(client, app, attempt_id):
    """Answer every question right and hand in: a passed exam, so the next may start at once
    (after a failed one, the retake rule asks for practice first: tests/test_retakes.py)."""
    answer_all(client, app, attempt_id)
    assert client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 302
    assert load(app, attempt_id).passed


def test_no_question_page_says_which_option_or_order_is_right(client, learner, app):
    course = app.extensions["course"]
    feedback = {
        text
        for m in course.modules
        for q in m.quiz.questions
        for text in [o.feedback for o in q.options] + [s.feedback for s in q.steps]
    }
    for _ in range(3):
        attempt_id = start_full(client, app)
        for n, page in enumerate(pages_of(client, attempt_id), 1):
            assert "correct" not in page.lower()
            assert not any(text in page for text in feedback), f"feedback leaks on {n}"
            values = re.findall(r'name="antwoord"[^>]*value="([^"]+)"', page)
            values += re.findall(r'name="plaats-([^"]+)"', page)
            assert values and all(HEX_VALUE.match(v) for v in values)
            for attr in re.findall(r'data-[a-z-]+="([^"]*)"', page):
                assert attr in {"-1", "1"}  # only the move direction of Omhoog/Omlaag
        hand_in_passed(client, app, attempt_id)
    script = client.get("/static/js/quiz.js").text
    assert "correct" not in script


def test_option_values_are_opaque_and_differ_per_attempt(client, learner, app):
    seen = {}
    for _ in range(2):
        attempt_id = start_full(client, app)
        number = number_of(app, attempt_id, "single")
        shown = shown_question(app, attempt_id, number)
        for value, option in shown.items:
            assert value != option.id and HEX_VALUE.match(value)
            seen.setdefault((shown.question.id, option.id), set()).add(value)
        hand_in_passed(client, app, attempt_id)
    assert all(len(values) == 2 for values in seen.values())


def test_the_right_option_is_not_always_in_the_same_place(client, learner, app):
    places = set()
    for _ in range(12):
        attempt_id = start_full(client, app)
        shown = shown_question(app, attempt_id, number_of(app, attempt_id, "scenario"))
        places.add(next(i for i, (_, o) in enumerate(shown.items) if o.correct))
        hand_in_passed(client, app, attempt_id)
    assert len(places) > 1


def test_the_ordering_list_never_starts_in_the_right_order(client, learner, app):
    starts = set()
    for _ in range(40):
        attempt_id = start(client)
        number = number_of(app, attempt_id, "ordering")
        page = client.get(question_url(attempt_id, number)).text
        texts = re.findall(r'<span class="step-text">([^<]+)</span>', page)
        assert texts != ["Luisteren", "Samenvatten", "Oplossen", "Afronden"]
        starts.add(tuple(texts))
        hand_in_passed(client, app, attempt_id)
    assert len(starts) > 3


def test_another_learner_gets_404_for_every_attempt_page(client, auth, make_user, app):
    owner = make_user()
    auth.login(owner.email)
    attempt_id = take_quiz(client, app, right=True)
    open_id = start(client)
    auth.logout()
    intruder = make_user()
    auth.login(intruder.email)
    for aid in (attempt_id, open_id):
        assert client.get(question_url(aid, 1)).status_code == 404
        assert client.post(question_url(aid, 1), data={"ga": "volgende"}).status_code == 404
        assert client.get(f"/pogingen/{aid}/overzicht").status_code == 404
        assert client.post(f"/pogingen/{aid}/inleveren").status_code == 404
        assert client.get(f"/pogingen/{aid}/uitslag").status_code == 404
    assert load(app, open_id).submitted_at is None


def test_hand_in_twice_grades_once(client, learner, app):
    attempt_id = start(client)
    client.post(question_url(attempt_id, 1), data=answer_form(app, attempt_id, 1))
    client.post(f"/pogingen/{attempt_id}/inleveren")
    first = load(app, attempt_id)
    # Back button: the old review page posts again, from another tab too.
    response = client.post(f"/pogingen/{attempt_id}/inleveren", follow_redirects=True)
    assert response.status_code == 200 and "al ingeleverd" in response.text
    again = load(app, attempt_id)
    assert (again.submitted_at, again.score) == (first.submitted_at, first.score)


def test_concurrent_hand_ins_over_http_grade_once(make_app, make_user):
    app = make_app()
    user = make_user()
    clients = [app.test_client() for _ in range(3)]
    for c in clients:
        c.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    attempt_id = start(clients[0])
    statuses = []

    def hand_in(c):
        statuses.append(c.post(f"/pogingen/{attempt_id}/inleveren").status_code)

    threads = [threading.Thread(target=hand_in, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302, 302]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1
        assert db.session.scalar(sa.select(Attempt.submitted_at)) is not None


def test_answers_after_hand_in_are_refused_with_a_clear_message(client, learner, app):
    attempt_id = start(client)
    data = answer_form(app, attempt_id, 1)
    client.post(f"/pogingen/{attempt_id}/inleveren")
    response = client.post(question_url(attempt_id, 1), data=data)
    assert response.status_code == 409
    assert "Deze toets is al ingeleverd" in response.text
    assert f"/pogingen/{attempt_id}/uitslag" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0
    follow = client.get(question_url(attempt_id, 1))
    assert follow.location.endswith(f"/pogingen/{attempt_id}/uitslag")


def _bad_forms(app, attempt_id):
    """(name, question type, form) for input no real page can send."""
    single = number_of(app, attempt_id, "single")
    multi = number_of(app, attempt_id, "multi")
    ordering = number_of(app, attempt_id, "ordering")
    s = shown_question(app, attempt_id, single)
    m = shown_question(app, attempt_id, multi)
    o = shown_question(app, attempt_id, ordering)
    first = s.items[0][0]
    places = {f"plaats-{v}": str(i) for i, (v, _) in enumerate(o.items, 1)}
    some = f"plaats-{o.items[0][0]}"
    return [
        ("unknown option", single, {"antwoord": "0123456789abcdef"}),
        ("content id as value", single, {"antwoord": s.items[0][1].id}),
        ("value from another question", single, {"antwoord": m.items[0][0]}),
        ("two answers to a single question", single, {"antwoord": [first, s.items[1][0]]}),
        ("repeated checkbox", multi, {"antwoord": [m.items[0][0], m.items[0][0]]}),
        ("huge value", single, {"antwoord": "a" * 100_000}),
        ("unknown button", single, {"antwoord": first, "ga": "springen"}),
        ("repeated button", single, {"antwoord": first, "ga": ["volgende", "vorige"]}),
        ("move on a choice question", single, {"antwoord": first, "ga": f"omhoog-{first}"}),
        ("move of an unknown step", ordering, {**places, "ga": "omhoog-0123456789abcdef"}),
        ("missing place", ordering, {k: v for k, v in places.items() if k != some}),
        ("place not a number", ordering, {**places, some: "een"}),
        ("place out of range", ordering, {**places, some: "99"}),
        ("huge place", ordering, {**places, some: "9" * 5000}),
        ("superscript digit", ordering, {**places, some: "²"}),
        ("circled digit", ordering, {**places, some: "①"}),
        ("arabic-indic digit", ordering, {**places, some: "٣"}),
        ("fullwidth digit", ordering, {**places, some: "１"}),
        ("negative place", ordering, {**places, some: "-1"}),
        ("repeated place field", ordering, {**places, some: ["1", "2"]}),
        ("unknown step field", ordering, {**places, "plaats-0123456789abcdef": "1"}),
        ("two steps on one place", ordering, {**places, some: places[f"plaats-{o.items[1][0]}"]}),
    ]


def test_bad_input_gets_a_dutch_4xx_and_changes_nothing(client, learner, app):
    attempt_id = start_full(client, app)
    for number in range(1, 6):  # a saved answer on every question, to see that none changes
        client.post(question_url(attempt_id, number), data=answer_form(app, attempt_id, number))
    with app.app_context():
        before = {a.question_id: a.response for a in db.session.scalars(sa.select(Answer))}
    for name, number, data in _bad_forms(app, attempt_id):
        response = client.post(question_url(attempt_id, number), data=data)
        # 422 only for what the page itself can send (the learner puts it right), else 400
        assert response.status_code == (422 if name == "two steps on one place" else 400), name
        assert "error-summary" in response.text or "Ongeldig" in response.text, name
        assert re.search(
            r"(Kies|Laad de pagina|Twee stappen|Elk antwoord|te groot)", response.text
        ), name
    with app.app_context():
        after = {a.question_id: a.response for a in db.session.scalars(sa.select(Answer))}
    assert after == before


@pytest.mark.parametrize(
    "path",
    [
        "/pogingen/999999/vraag/1",
        "/pogingen/99999999999999999999999/vraag/1",
        "/pogingen/0/uitslag",
        "/pogingen/abc/overzicht",
        "/pogingen/1/vraag/-1",
    ],
)
def test_unknown_attempts_are_404(client, learner, path):
    response = client.get(path)
    assert response.status_code == 404 and "Pagina niet gevonden" in response.text


def test_unknown_module_cannot_start_or_practise(client, learner):
    assert client.post("/modules/bestaat-niet/quiz").status_code == 404
    assert client.post("/modules/bestaat-niet/oefenen").status_code == 404
    assert client.post("/pogingen/99999999999999999999/inleveren").status_code == 404


def test_an_oversized_form_is_refused_in_dutch(client, learner, app):
    attempt_id = start(client)
    response = client.post(question_url(attempt_id, 1), data={"antwoord": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and "te groot" in response.text


def test_a_nameless_multipart_part_is_refused_without_change(client, learner, app):
    attempt_id = start(client)
    number = number_of(app, attempt_id, "ordering")
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nwaarde\r\n--B--\r\n"
    response = client.post(
        question_url(attempt_id, number),
        data=body,
        content_type="multipart/form-data; boundary=B",
    )
    assert response.status_code < 500
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_files_posted_as_answers_are_refused(client, learner, app):
    import io

    attempt_id = start_full(client, app)
    for number in range(1, 6):
        data = {"antwoord": (io.BytesIO(b"x"), "a.txt"), "plaats-abc": (io.BytesIO(b"1"), "b")}
        response = client.post(question_url(attempt_id, number), data=data)
        assert response.status_code < 500
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0
