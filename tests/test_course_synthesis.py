"""alles-samen compares the five methods; it does not merge them into one sequence.

The second edition rewrote the synthesis module (issue 13): every method keeps its own steps
in its source's order, the only ordering the module asks for is the four phases every
source agrees on, and advice that is in no source is labelled as the course's own.
"""

import re
from pathlib import Path

import pytest

from klantwijs.course.loader import load_course
from tests.test_course import CANONICAL_STEPS

ROOT = Path(__file__).parent.parent

# The short names the lesson introduces once and then uses (review C5).
SHORT_NAMES = {
    "stopt": "STOPT",
    "hoofd-koel": "Hoofd koel",
    "klachten-oplossen": "Klachten",
    "lastige-boodschappen": "Nee-boodschap",
    "zeven-stappen": "7 stappen",
}

# The phases every source agrees on, in the order they all follow.
SHARED_PHASES = ["Het gevoel", "De feiten", "De oplossing", "De check"]

OWN_ADVICE = "advies van deze cursus"


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "lessons", ROOT / "quiz")


@pytest.fixture(scope="module")
def synthesis(course):
    mod = course.get("alles-samen")
    assert mod is not None, "module alles-samen ontbreekt"
    return mod


def sections(markdown: str) -> dict[str, tuple[str, str]]:
    """anchor -> (title, body) for every ## section of a lesson."""
    found = {}
    for chunk in ("\n" + markdown).split("\n## ")[1:]:
        heading, _, body = chunk.partition("\n")
        match = re.search(r"\{#([a-z0-9-]+)\}\s*$", heading)
        if match:
            found[match.group(1)] = (heading[: match.start()].strip(), body)
    return found


def table_rows(body: str) -> list[list[str]]:
    rows = []
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def intro(markdown: str) -> str:
    return markdown.split("\n## ", 1)[0]


# --- the comparison table ----------------------------------------------------------------


@pytest.mark.parametrize("slug", list(CANONICAL_STEPS))
def test_comparison_table_lists_each_methods_steps_in_the_source_order(synthesis, slug):
    _, body = sections(synthesis.lesson.markdown)["vergelijking"]
    rows = [row for row in table_rows(body) if row[0] == SHORT_NAMES[slug]]
    assert len(rows) == 1, f"{slug}: geen (of meer dan één) tabelrij '{SHORT_NAMES[slug]}'"
    cells = " | ".join(rows[0][1:])
    positions = []
    for step in CANONICAL_STEPS[slug]:
        assert step in cells, f"{slug}: stap '{step}' ontbreekt in de tabel"
        positions.append(cells.index(step))
    assert positions == sorted(positions), f"{slug}: stappen niet in de volgorde van de bron"


def test_comparison_table_has_one_row_per_method(synthesis):
    _, body = sections(synthesis.lesson.markdown)["vergelijking"]
    names = [row[0] for row in table_rows(body)[1:]]
    assert names == list(SHORT_NAMES.values())


# --- naming the methods --------------------------------------------------------------------


def test_intro_introduces_every_short_name_once(synthesis):
    text = intro(synthesis.lesson.markdown)
    for slug, name in SHORT_NAMES.items():
        assert text.count(f"**{name}**") == 1, f"{slug}: korte naam '{name}' niet ingevoerd"


def test_lesson_names_every_method_in_each_comparing_section(synthesis):
    found = sections(synthesis.lesson.markdown)
    for anchor in ("vergelijking", "gedeeld", "verschillen", "wanneer"):
        _, body = found[anchor]
        for name in SHORT_NAMES.values():
            assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", body), f"#{anchor}: {name}"


def test_lesson_uses_short_names_not_full_titles_in_running_text(course, synthesis):
    text = synthesis.lesson.markdown
    for slug in SHORT_NAMES:
        title = course.get(slug).title
        assert title not in text, f"volledige titel in de lopende tekst: {title}"


# --- no single merged sequence -----------------------------------------------------------


def test_lesson_claims_no_single_order(synthesis):
    text = synthesis.lesson.markdown.lower()
    assert "in deze volgorde" not in text
    assert "bouwsteen" not in text and "bouwstenen" not in text


def test_no_overstated_share_of_methods(synthesis):
    """Three of five methods summarise: "de meeste", never "bijna alle"."""
    texts = [synthesis.lesson.markdown]
    for q in synthesis.quiz.questions:
        texts += [q.prompt, q.situation or ""]
        texts += [o.text for o in q.options] + [o.feedback for o in q.options]
        texts += [s.feedback for s in q.steps]
    assert "bijna alle" not in "\n".join(texts).lower()


# --- the main ordering question: only the shared phases -----------------------------------


def test_main_ordering_question_has_exactly_the_shared_phases(synthesis):
    main = synthesis.quiz.main_question
    assert main is not None and main.type == "ordering"
    assert [step.text.split(":", 1)[0].strip() for step in main.steps] == SHARED_PHASES
    assert "de fasen die alle methoden delen" in main.prompt.lower()
    assert main.section == "gedeeld"


def test_the_only_ordering_question_is_the_main_one(synthesis):
    orderings = [q.id for q in synthesis.quiz.questions if q.type == "ordering"]
    assert orderings == [synthesis.quiz.main_question.id]


def test_lesson_lists_the_shared_phases_in_order(synthesis):
    _, body = sections(synthesis.lesson.markdown)["gedeeld"]
    listed = re.findall(r"^\d+\. \*\*(.+?)\.\*\*", body, flags=re.MULTILINE)
    assert listed == SHARED_PHASES


def test_phase_table_maps_every_method(synthesis):
    _, body = sections(synthesis.lesson.markdown)["gedeeld"]
    rows = table_rows(body)
    assert rows[0][1:] == list(SHORT_NAMES.values())
    assert [row[0] for row in rows[1:]] == SHARED_PHASES


# --- the course's own advice is labelled -----------------------------------------------


def test_which_method_when_is_labelled_as_the_courses_own_advice(synthesis):
    title, body = sections(synthesis.lesson.markdown)["wanneer"]
    assert title.lower().endswith(f"({OWN_ADVICE})")
    assert "de bronnen zeggen er niets over" in body.lower()


def test_which_method_questions_say_it_is_the_courses_advice(synthesis):
    """A question keyed on the "wanneer" advice says so in its prompt."""
    for q in synthesis.quiz.questions:
        if q.section == "wanneer" and q.id.startswith(("kies-methode", "wanneer")):
            assert OWN_ADVICE in q.prompt.lower(), q.id


# --- the worked example ----------------------------------------------------------------


def employee_turns(body: str) -> list[str]:
    return [
        line.split("**Medewerker:**", 1)[1]
        for line in body.splitlines()
        if line.startswith("**Medewerker:**")
    ]


def test_worked_example_apologises_and_offers_no_favour_of_what_is_owed(synthesis):
    _, body = sections(synthesis.lesson.markdown)["voorbeeld"]
    turns = " ".join(employee_turns(body)).lower()
    assert "spijt" in turns or "excuses" in turns, "geen excuus voor de fout van het bedrijf"
    assert "wat ik wel kan doen" not in turns
    assert "wat ik wél kan doen" not in turns
