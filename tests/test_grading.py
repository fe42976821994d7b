"""Grading rules: pure functions, no app or database needed."""

import pytest

from klantwijs.course.model import Option, Question, Step
from klantwijs.learning.grading import (
    grade_multi,
    grade_ordering,
    grade_single,
    longest_ordered_run,
    steps_in_place,
)
from klantwijs.learning.questions import QUESTION_TYPES, grade

SINGLE = Question(
    id="s",
    type="single",
    prompt="?",
    options=(Option("a", "A", True, "ok"), Option("b", "B", False, "nee")),
)
SCENARIO = Question(id="sc", type="scenario", prompt="?", situation="Boos!", options=SINGLE.options)
MULTI = Question(
    id="m",
    type="multi",
    prompt="?",
    options=(
        Option("a", "A", True, "ok"),
        Option("b", "B", True, "ok"),
        Option("c", "C", True, "ok"),
        Option("d", "D", False, "nee"),
        Option("e", "E", False, "nee"),
    ),
)
ORDERING = Question(
    id="o",
    type="ordering",
    prompt="?",
    steps=tuple(Step(s, s.upper()) for s in ["a", "b", "c", "d", "e"]),
)


@pytest.mark.parametrize(
    "question, grader, responses",
    [
        (SINGLE, grade_single, [None, "a", "b"]),
        (SCENARIO, grade_single, [None, "a", "b"]),
        (MULTI, grade_multi, [None, ["a"], ["a", "d"], list("abc")]),
        (ORDERING, grade_ordering, [None, list("abcde"), list("bacde"), list("edcba")]),
    ],
)
def test_every_question_type_grades_with_its_pure_grader(question, grader, responses):
    assert set(QUESTION_TYPES) == {"single", "multi", "ordering", "scenario"}
    for response in responses:
        assert grade(question, response) == grader(question, response)


@pytest.mark.parametrize("question", [SINGLE, SCENARIO])
def test_single_and_scenario_score_one_or_zero(question):
    assert grade(question, "a") == 1
    assert grade(question, "b") == 0
    assert grade(question, None) == 0
    assert grade(question, "onbekend") == 0


@pytest.mark.parametrize(
    "picked, expected",
    [
        (["a", "b", "c"], 1.0),
        (["a", "b"], 2 / 3),
        (["a", "b", "d"], 1 / 3),  # two right minus one wrong, over three right
        (["a", "d"], 0.0),
        (["a", "d", "e"], 0.0),  # never below zero
        (["a", "b", "c", "d", "e"], 1 / 3),  # ticking everything is not a free point
        ([], 0.0),
        (None, 0.0),
    ],
)
def test_multi_gives_right_minus_wrong_over_right_never_negative(picked, expected):
    assert grade_multi(MULTI, picked) == pytest.approx(expected)


@pytest.mark.parametrize(
    "order, expected",
    [
        ("abcde", 1.0),
        ("edcba", 0.0),  # exactly reversed
        ("bacde", 0.75),  # one swap: a run of 4 of 5 → (4-1)/(5-1)
        ("eabcd", 0.75),  # the last step put first: the other four still in order
        ("badce", 0.5),  # runs of 3 → (3-1)/4
    ],
)
def test_ordering_rewards_the_longest_run_in_the_right_relative_order(order, expected):
    assert grade_ordering(ORDERING, list(order)) == pytest.approx(expected)


@pytest.mark.parametrize("order", [None, [], ["a", "b"], list("abcdx"), list("aabcd")])
def test_ordering_with_missing_or_foreign_steps_scores_zero(order):
    assert grade_ordering(ORDERING, order) == 0


def test_longest_ordered_run():
    assert longest_ordered_run([]) == 0
    assert longest_ordered_run([3, 1, 2, 0, 4]) == 3
    assert longest_ordered_run([0, 1, 2]) == 3


def test_steps_in_place_marks_each_position():
    assert steps_in_place(ORDERING, list("abdce")) == [True, True, False, False, True]
    assert steps_in_place(ORDERING, None) == []


def test_scores_stay_between_zero_and_one_for_every_permutation():
    from itertools import permutations

    scores = {grade_ordering(ORDERING, list(p)) for p in permutations("abcde")}
    assert min(scores) == 0 and max(scores) == 1
