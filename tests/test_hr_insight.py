"""Vragen-inzicht: the wrong answer given most, per question type, as HR reads it.

Single and scenario answers are stored as one option id, multi as a list, ordering as the
steps in the learner's order; each must show what was answered wrong (for ordering: per
step the wrong place it was given most).
"""

from html.parser import HTMLParser

import pytest

from tests.learner_helpers import answer_form, question_url, start_full


class _Rows(HTMLParser):
    """The rows of the questions table: [cell text, ...] per <tr>."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._table = 0

    def handle_starttag(self, tag, attrs):
        if self._cell is not None:
            self._cell.append(" ")  # <li>, <span>: words apart, as a reader sees them
        if tag == "table" and ("id", "vragen") in attrs:
            self._table = 1
        elif tag == "tr" and self._table:
            self.rows.append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def insight_rows(client, query="module=alpha") -> dict[str, list[str]]:
    """Question prompt → [answered, % right, wrong answer given most] as the page shows them."""
    response = client.get(f"/beheer/vragen-inzicht?{query}")
    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.text)
    rows = [r for r in parser.rows if len(r) == 4 and r[0] != "Vraag"]
    return {r[0].split(" Een van de ")[0]: r[1:] for r in rows}


@pytest.fixture
def answered_by(make_user, make_attempt):
    """answered_by(question id, [response, ...]): one handed-in exam per response, each by
    another person; the score is 1 for the right response only."""

    def build(question_id, responses, right):
        for response in responses:
            person = make_user()
            score = 1.0 if response == right else 0.0
            make_attempt(person.id, answers={question_id: (response, score)})

    return build


def test_single_answer_stored_as_one_value_counts_as_the_wrong_choice(client, hr, answered_by):
    answered_by("eerste-stap", ["b", "b", "c", "a"], right="a")
    answered, right, wrong = insight_rows(client)["Wat doe je eerst?"]
    assert (answered, right) == ("4", "25%")
    assert wrong == "Uitleggen 2 keer"


def test_scenario_answer_counts_as_the_wrong_choice(client, hr, answered_by):
    answered_by("boze-klant", ["c", "b", "c", "a", "a"], right="a")
    answered, right, wrong = insight_rows(client)[
        "Welke reactie past? Mijn pakket is wéér niet bezorgd!"
    ]
    assert (answered, right) == ("5", "40%")
    assert wrong == "U krijgt morgen zeker uw pakket. 2 keer"


def test_multi_counts_each_wrong_option_ticked(client, hr, answered_by):
    answered_by(
        "goede-gewoonten",
        [["a", "c"], ["c", "d"], ["a", "b", "d"], ["a", "b"], ["c"]],
        right=["a", "b"],
    )
    answered, right, wrong = insight_rows(client)["Welke gewoonten helpen?"]
    assert (answered, right) == ("5", "20%")
    assert wrong == "Onderbreken 3 keer"


def test_ordering_shows_each_steps_most_common_wrong_place(client, hr, answered_by):
    right = ["luisteren", "samenvatten", "oplossen", "afronden"]
    answered_by(
        "volgorde",
        [
            ["samenvatten", "luisteren", "oplossen", "afronden"],
            ["samenvatten", "luisteren", "oplossen", "afronden"],
            ["luisteren", "oplossen", "samenvatten", "afronden"],
            right,
        ],
        right=right,
    )
    answered, percent, wrong = insight_rows(client)["Zet de stappen in de juiste volgorde."]
    assert (answered, percent) == ("4", "25%")
    # In the right order of the steps; Afronden was never out of place.
    assert wrong == (
        "Luisteren op plaats 2 2 keer Samenvatten op plaats 1 2 keer Oplossen op plaats 2 1 keer"
    )


def test_nobody_wrong_shows_a_dash(client, hr, answered_by):
    answered_by("eerste-stap", ["a", "a"], right="a")
    assert insight_rows(client)["Wat doe je eerst?"] == ["2", "100%", "–"]


def test_a_quiz_handed_in_wrong_through_the_pages_shows_a_wrong_answer_per_question(
    app, make_app, login_as, make_user
):
    """End to end: the responses as the quiz itself stores them (no hand-made rows)."""
    learner_client = app.test_client()
    login_as("learner", client=learner_client)
    attempt_id = start_full(learner_client, app)
    total = 5
    for number in range(1, total + 1):
        response = learner_client.post(
            question_url(attempt_id, number), data=answer_form(app, attempt_id, number, False)
        )
        assert response.status_code == 302, response.text
    assert learner_client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 302
    hr_client = app.test_client()
    login_as("hr", client=hr_client)
    rows = insight_rows(hr_client)
    assert len(rows) == total
    for prompt, (answered, right, wrong) in rows.items():
        assert (answered, right) == ("1", "0%"), prompt
        assert wrong != "–" and wrong.endswith("1 keer"), prompt
