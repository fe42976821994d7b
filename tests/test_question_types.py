"""The question-type registry (learning/questions.py on course/types.py): every type declares
its content rules, drawing, parsing, grading, review and template in one place, and a new type
plugs in without changes anywhere else."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.datastructures import MultiDict

from klantwijs.core.db import db
from klantwijs.course import types
from klantwijs.course.export import course_as_dict
from klantwijs.course.loader import ContentError, load_course
from klantwijs.course.model import Option, Question, Step
from klantwijs.learning import questions
from klantwijs.learning.draw import show
from klantwijs.learning.questions import (
    QUESTION_TYPES,
    BadAnswer,
    MistakenAnswer,
    grade,
    type_of,
)
from klantwijs.models import Attempt, utcnow
from tests.conftest import DATA, PASSWORD

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "templates"
SECRET = "test-secret"

OPTIONS = (
    Option("a", "A", True, "goed", section="s1"),
    Option("b", "B", False, "fout", section="s2"),
    Option("c", "C", True, "goed"),
    Option("d", "D", False, "fout"),
)
SINGLE = Question(id="s", type="single", prompt="?", options=OPTIONS[:2] + OPTIONS[3:])
MULTI = Question(id="m", type="multi", prompt="?", options=OPTIONS, section="s0")
ORDERING = Question(
    id="o", type="ordering", prompt="?", steps=tuple(Step(s, s.upper()) for s in "abcd")
)


def test_the_registry_holds_each_content_type_with_its_behaviour():
    assert list(QUESTION_TYPES) == list(types.CONTENT_TYPES)
    for name, kind in QUESTION_TYPES.items():
        assert kind.name == name
        assert isinstance(kind, type(types.CONTENT_TYPES[name]))  # the same author's rules
        partial = (TEMPLATES / kind.template).read_text()
        assert "{% macro form(" in partial and "{% macro review(" in partial


def _type_branches(source: str) -> list[int]:
    """Lines that compare a question's `.type` (==, !=, in) with anything."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Compare)
        and any(
            isinstance(o, ast.Attribute) and o.attr == "type"
            for o in [node.left, *node.comparators]
        )
    ]


TEMPLATE_BRANCH = re.compile(r"\.type\s*(==|!=|\bin\b)")


def test_no_branch_on_a_question_type_outside_the_registry():
    """Code and templates ask the registered type (type_of(question), kind.template) instead
    of comparing `question.type`; only course/types.py and the registry name the types."""
    found = []
    for path in (ROOT / "klantwijs").rglob("*.py"):
        found += [f"{path.relative_to(ROOT)}:{n}" for n in _type_branches(path.read_text())]
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_BRANCH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}")
    assert found == []


def test_the_branch_check_finds_the_branches_it_replaced():
    old = """
if question.type == "ordering":
    pass
steps = arrange(shown) if shown.question.type != "ordering" else []
if q.type in ("single", "scenario"):
    pass
"""
    assert sorted(_type_branches(old)) == [2, 4, 5]
    assert _type_branches('if moodle_type == "ordering":\n    pass') == []
    assert TEMPLATE_BRANCH.search("{% if question.type == 'ordering' %}")
    assert TEMPLATE_BRANCH.search("{{ 'checkbox' if q.type == 'multi' else 'radio' }}")
    assert not TEMPLATE_BRANCH.search('<ol class="ordering" data-ordering>')


@pytest.mark.parametrize("question", [SINGLE, MULTI])
def test_options_are_shuffled_per_attempt_and_the_same_on_reload(question):
    kind = type_of(question)
    first = kind.shown_items(question, seed=1)
    assert first == kind.shown_items(question, seed=1)
    assert sorted(o.id for o in first) == sorted(o.id for o in question.options)
    assert {tuple(o.id for o in kind.shown_items(question, s)) for s in range(20)} != {
        tuple(o.id for o in first)
    }


def test_an_ordering_list_never_starts_in_the_right_order():
    kind = type_of(ORDERING)
    for seed in range(200):
        steps = [s.id for s in kind.shown_items(ORDERING, seed)]
        assert sorted(steps) == list("abcd") and steps != list("abcd")


def test_the_first_order_is_uniform_over_the_orders_that_are_not_right():
    """Written to fail: a shuffle that came out right was rotated, so for 3 steps the order
    'last step first' was shown 1/3 of the time, and moving the last step to the top was
    right 33% of the time. Now each of the 5 wrong orders comes about 1/5 of the time."""
    three = Question(
        id="drie", type="ordering", prompt="?", steps=tuple(Step(s, s.upper()) for s in "abc")
    )
    kind = type_of(three)
    seeds = 12_000
    counts: dict[tuple[str, ...], int] = {}
    for seed in range(seeds):
        order = tuple(s.id for s in kind.shown_items(three, seed))
        counts[order] = counts.get(order, 0) + 1
    assert ("a", "b", "c") not in counts and len(counts) == 5
    for order, count in counts.items():  # expected 2,400 each; σ ≈ 44
        assert 2_200 < count < 2_600, (order, count)
    last_to_top = sum(c for o, c in counts.items() if (o[-1], *o[:-1]) == ("a", "b", "c"))
    assert last_to_top / seeds < 0.22


def test_place_fields_take_ascii_digits_only():
    """Written to fail: '²' and '①' passed isdigit() and broke int() (a 500); '٣' and '１'
    were read as places."""
    shown = show(ORDERING, SECRET, 1, 7)
    kind = type_of(ORDERING)
    values = _values(shown, list("abcd"))
    for odd in ("²", "①", "٣", "１", " 1", "1 ", "+1", "0x1", "1.0", "-1"):
        form = MultiDict({f"plaats-{v}": str(i) for i, v in enumerate(values, 1)})
        form[f"plaats-{values[0]}"] = odd
        with pytest.raises(BadAnswer) as refused:
            kind.parse(shown, form)
        assert not isinstance(refused.value, MistakenAnswer)
        assert "Kies voor elke stap een plaats" in refused.value.message


def test_multi_questions_say_how_they_count():
    assert type_of(MULTI).rule.startswith("Zo telt deze vraag")
    assert "Alles aanvinken levert dus niets op" in type_of(MULTI).rule
    assert type_of(SINGLE).rule is None


def _values(shown, ids):
    value_of = {item.id: value for value, item in shown.items}
    return [value_of[i] for i in ids]


def test_choice_answers_are_read_as_option_ids():
    shown = show(SINGLE, SECRET, 1, 7)
    kind = type_of(SINGLE)
    assert kind.parse(shown, MultiDict()) is None
    assert kind.parse(shown, MultiDict([("antwoord", _values(shown, ["b"])[0])])) == "b"
    with pytest.raises(BadAnswer, match="één antwoord"):
        kind.parse(shown, MultiDict([("antwoord", v) for v in _values(shown, ["a", "b"])]))
    with pytest.raises(BadAnswer, match="hoort niet bij deze vraag"):
        kind.parse(shown, MultiDict([("antwoord", "a")]))  # a content id is no shown value
    multi = show(MULTI, SECRET, 1, 7)
    picked = MultiDict([("antwoord", v) for v in _values(multi, ["c", "a"])])
    assert type_of(MULTI).parse(multi, picked) == ["a", "c"]
    twice = MultiDict([("antwoord", v) for v in _values(multi, ["a", "a"])])
    with pytest.raises(BadAnswer, match="maar één keer"):
        type_of(MULTI).parse(multi, twice)


def test_an_ordering_answer_is_read_from_places_and_moves():
    shown = show(ORDERING, SECRET, 1, 7)
    kind = type_of(ORDERING)
    values = _values(shown, list("abcd"))
    places = MultiDict({f"plaats-{v}": str(i) for i, v in enumerate(values, 1)})
    assert kind.parse(shown, places) == list("abcd")
    start = MultiDict({f"plaats-{v}": str(i) for i, (v, _) in enumerate(shown.items, 1)})
    assert kind.parse(shown, start) is None  # the untouched list is no answer
    same_place = MultiDict({f"plaats-{v}": "1" for v in values})
    with pytest.raises(MistakenAnswer):  # the page can send this: the learner puts it right
        kind.parse(shown, same_place)
    first = shown.start_order[0]
    moved = kind.move(shown, None, _values(shown, [first])[0], 1)
    assert moved == [shown.start_order[1], first, *shown.start_order[2:]]
    assert kind.move(shown, moved, _values(shown, [first])[0], -1) is None  # back at the start
    assert [item.id for _, item in kind.arrange(shown, moved)] == moved
    with pytest.raises(BadAnswer) as refused:
        type_of(SINGLE).move(show(SINGLE, SECRET, 1, 7), None, "x", 1)  # choices do not move
    assert not isinstance(refused.value, MistakenAnswer)


def test_reviews_explain_each_type():
    single = type_of(SINGLE).review(1, SINGLE, "b", 0.0)
    assert single.verdict == "Fout" and [o.id for o in single.chosen] == ["b"]
    assert [o.id for o in single.right] == ["a"] and single.section == "s2"  # the wrong pick's
    multi = type_of(MULTI).review(2, MULTI, ["a", "c"], 1.0)
    assert multi.verdict == "Goed" and multi.section == "s0"
    order = type_of(ORDERING).review(3, ORDERING, list("bacd"), grade(ORDERING, list("bacd")))
    assert order.verdict == "Deels goed"
    assert [(p.step.id, p.in_place, p.right_place) for p in order.placed] == [
        ("b", False, 2),
        ("a", False, 1),
        ("c", True, 3),
        ("d", True, 4),
    ]
    assert type_of(ORDERING).review(4, ORDERING, None, 0.0).verdict == "Niet beantwoord"


def test_reviews_leave_the_key_out_unless_revealed_or_right():
    single = type_of(SINGLE).review(1, SINGLE, "b", 0.0, reveal=False)
    assert single.right == [] and not single.key_shown and [o.id for o in single.chosen] == ["b"]
    blank = type_of(MULTI).review(2, MULTI, None, 0.0, reveal=False)
    assert blank.right == [] and not blank.key_shown
    right = type_of(MULTI).review(2, MULTI, ["a", "c"], 1.0, reveal=False)
    assert right.key_shown and [o.id for o in right.right] == ["a", "c"]
    order = type_of(ORDERING).review(3, ORDERING, list("bacd"), 0.67, reveal=False)
    assert not order.key_shown
    assert [(p.step.id, p.in_place, p.right_place) for p in order.placed] == [
        ("b", None, None),
        ("a", None, None),
        ("c", None, None),
        ("d", None, None),
    ]


def test_wrong_choices_for_vragen_inzicht():
    """Content ids of what was answered wrong; Vragen-inzicht's per-type tests are in
    tests/test_hr_insight.py."""
    assert type_of(SINGLE).wrong_choices(SINGLE, "b") == ["b"]
    assert type_of(SINGLE).wrong_choices(SINGLE, "a") == []
    assert type_of(MULTI).wrong_choices(MULTI, ["a", "b", "d", "b"]) == ["b", "d"]
    assert type_of(ORDERING).wrong_choices(ORDERING, list("bacd")) == ["b@1", "a@2"]
    assert type_of(ORDERING).wrong_choices(ORDERING, list("abcd")) == []
    assert type_of(ORDERING).wrong_choices(ORDERING, ["a", "x"]) == []


# --- A new type plugs in: one class (and here one template), nothing else changes ----------


class TrueFalse(questions.Single):
    """A throwaway type: a statement that is true or false, shown as two buttons."""

    name = "waar-onwaar"
    template = "quiz/types/waar-onwaar.html"

    def check(self, question, where, errors):
        if sorted(o.id for o in question.options) != ["onwaar", "waar"]:
            errors.append(f"{where}: options: precies de opties waar en onwaar")
        super().check(question, where, errors)


TRUE_FALSE_TEMPLATE = """
{% macro form(question, kind, items, chosen, disabled) %}
  <fieldset class="question waar-onwaar"><legend class="prompt">{{ question.prompt }}</legend>
  {% for value, option in items %}
    <button type="submit" name="antwoord" value="{{ value }}">{{ option.text }}</button>
  {% endfor %}
  </fieldset>
{% endmacro %}
{% macro review(r) %}
  {% if r.key_shown %}<p class="waar-onwaar-review">Het klopt: {{ r.right[0].text }}</p>
  {% else %}<p class="waar-onwaar-review">Je koos: {{ r.chosen[0].text }}</p>{% endif %}
{% endmacro %}
"""

STATEMENT = """
[[questions]]
id = "stelling"
type = "waar-onwaar"
prompt = "Een boze klant wil vooral gehoord worden."
section = "luisteren"
  [[questions.options]]
  id = "waar"
  text = "Waar"
  correct = true
  feedback = "Klopt: eerst luisteren."
  [[questions.options]]
  id = "onwaar"
  text = "Onwaar"
  feedback = "Toch wel: wie zich gehoord voelt, kalmeert."
"""


@pytest.fixture
def true_false(monkeypatch, tmp_path):
    """Register the new type (in both registries: it is one object) and write content using it."""
    kind = TrueFalse()
    monkeypatch.setitem(types.CONTENT_TYPES, kind.name, kind)
    monkeypatch.setitem(QUESTION_TYPES, kind.name, kind)
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "alpha.toml"
    quiz.write_text(quiz.read_text() + STATEMENT)
    return tmp_path


def test_a_new_type_is_loaded_checked_and_dumped(true_false):
    course = load_course(true_false / "lessons", true_false / "quiz")
    statement = course.get("alpha").quiz.by_id["stelling"]
    assert statement.type == "waar-onwaar"
    dumped = {q["id"]: q for q in course_as_dict(course)["modules"][0]["quiz"]["questions"]}
    assert [o["id"] for o in dumped["stelling"]["options"]] == ["waar", "onwaar"]
    quiz = true_false / "quiz" / "alpha.toml"
    quiz.write_text(quiz.read_text().replace('id = "onwaar"', 'id = "misschien"'))
    with pytest.raises(ContentError) as info:
        load_course(true_false / "lessons", true_false / "quiz")
    assert any(
        "(id 'stelling'): options: precies de opties waar en onwaar" in e for e in info.value.errors
    )
    assert grade(statement, "waar") == 1 and grade(statement, "onwaar") == 0


def test_a_new_type_is_answered_graded_and_reviewed_through_the_app(
    true_false, make_app, make_user
):
    app = make_app(LESSONS_DIR=str(true_false / "lessons"), QUIZ_DIR=str(true_false / "quiz"))
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({TrueFalse.template: TRUE_FALSE_TEMPLATE}), app.jinja_env.loader]
    )
    user = make_user()
    client = app.test_client()
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    response = client.post("/modules/alpha/quiz")
    attempt_id = int(re.search(r"/pogingen/(\d+)/", response.location)[1])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.question_ids = ["stelling"]
        attempt.max_score = 1
        db.session.commit()

    page = client.get(f"/pogingen/{attempt_id}/vraag/1").text
    assert 'class="question waar-onwaar"' in page
    assert "Klopt: eerst luisteren" not in page and "Toch wel" not in page  # nothing leaks
    wrong = re.search(r'value="([0-9a-f]{16})">Onwaar<', page)[1]
    response = client.post(f"/pogingen/{attempt_id}/vraag/1", data={"antwoord": wrong})
    assert response.status_code == 302
    bad = client.post(f"/pogingen/{attempt_id}/vraag/1", data={"antwoord": "waar"})
    assert bad.status_code == 400 and "hoort niet bij deze vraag" in bad.text

    assert client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 302
    result = client.get(f"/pogingen/{attempt_id}/uitslag").text
    assert "Score: <strong>0 van 1</strong>" in result
    # Not passed yet: the type's review gets no key (the reveal rule is shared by every type).
    assert "Je koos: Onwaar" in result and "Het klopt" not in result
    assert "Vraag 1: <span" in result
    assert "#luisteren" in result  # the lesson link from the shared part of the review
    with app.app_context():  # once the module is passed, the same page shows the key
        db.session.add(
            Attempt(
                user_id=user.id,
                module_slug="alpha",
                content_version="x",
                seed=1,
                question_ids=["stelling"],
                submitted_at=utcnow(),
                score=1,
                max_score=1,
                passed=True,
            )
        )
        db.session.commit()
    assert "Het klopt: Waar" in client.get(f"/pogingen/{attempt_id}/uitslag").text
