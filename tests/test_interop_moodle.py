"""Questions in Moodle's formats: Moodle XML and GIFT out, Moodle XML in as a quiz draft.

The fixture tests/interop/fixtures/vragenbank.moodle.xml is written here in the format of
Moodle's own question fixtures (multichoice, ordering, truefalse, essay). Exported GIFT is
parsed by the npm gift-pegjs parser, an independent reader of the format.
"""

import shutil
import tomllib
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from klantwijs.course import load_course
from klantwijs.interop.moodle import (
    MoodleError,
    choice_fractions,
    gift,
    moodle_xml,
    quiz_toml,
    read_moodle_xml,
)
from tests.interop.tools import need_npm, node

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
FIXTURE = Path(__file__).parent / "interop" / "fixtures" / "vragenbank.moodle.xml"


@pytest.fixture(scope="module")
def real_course():
    return load_course(ROOT / "lessons", ROOT / "quiz")


@pytest.fixture(scope="module")
def test_course():
    return load_course(DATA / "lessons", DATA / "quiz")


def questions_of(xml: str) -> list[ET.Element]:
    return [q for q in ET.fromstring(xml).findall("question") if q.get("type") != "category"]


def answers(element: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (a.get("fraction"), a.findtext("text"), a.findtext("feedback/text") or "")
        for a in element.findall("answer")
    ]


# --- Moodle XML out ---------------------------------------------------------------------


def test_moodle_xml_has_a_category_per_module_and_every_question(test_course):
    xml = moodle_xml(test_course.modules)
    root = ET.fromstring(xml)
    categories = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert categories == [f"$course$/top/Klantwijs/{m.title}" for m in test_course.modules]
    ids = [q.findtext("idnumber") for q in questions_of(xml)]
    assert ids == [q.id for m in test_course.modules for q in m.quiz.questions]


def test_single_and_scenario_become_multichoice_with_one_right_answer(test_course):
    by_id = {q.findtext("idnumber"): q for q in questions_of(moodle_xml(test_course.modules))}
    single = by_id["eerste-stap"]
    assert single.get("type") == "multichoice"
    assert single.findtext("single") == "true"
    assert answers(single) == [
        ("100", "Luisteren", "Goed: eerst luisteren."),
        ("0", "Uitleggen", "Fout: uitleggen komt later."),
        ("0", "Ophangen", "Fout: zo los je niets op."),
    ]
    scenario = by_id["boze-klant"]
    text = scenario.findtext("questiontext/text")
    assert '<blockquote class="klantwijs-situatie"><p>Mijn pakket is wéér niet bezorgd!</p>' in text
    assert text.endswith("<p>Welke reactie past?</p>")
    assert [t.text for t in scenario.findall("tags/tag/text")] == ["sectie:oplossen"]


def test_multi_becomes_multichoice_with_fractions_that_add_up_like_our_grading(test_course):
    question = test_course.get("alpha").quiz.by_id["goede-gewoonten"]
    element = {q.findtext("idnumber"): q for q in questions_of(moodle_xml(test_course.modules))}[
        "goede-gewoonten"
    ]
    assert element.findtext("single") == "false"
    assert [f for f, _, _ in answers(element)] == ["50", "50", "-50", "-50"]
    # Moodle sums the fractions of the picks and keeps the total between 0 and 100.
    from klantwijs.learning.questions import grade

    fractions = choice_fractions(question)
    for picked in (
        ["a"],
        ["a", "b"],
        ["a", "c"],
        ["a", "b", "c"],
        ["c", "d"],
        ["a", "b", "c", "d"],
    ):
        moodle = min(100.0, max(0.0, sum(fractions[p] for p in picked))) / 100
        assert moodle == pytest.approx(grade(question, picked)), picked


def test_three_right_options_use_moodles_own_fraction_notation(real_course):
    xml = moodle_xml(real_course.modules)
    fractions = {a.get("fraction") for q in questions_of(xml) for a in q.findall("answer")}
    allowed = {"100", "50", "-50", "33.33333", "-33.33333", "0"} | {
        f"{n}.0000000" for n in range(1, 10)
    }
    assert fractions <= allowed, fractions - allowed


def test_ordering_becomes_moodles_ordering_type_with_the_position_as_fraction(test_course):
    element = questions_of(moodle_xml(test_course.modules))[0]
    assert element.get("type") == "ordering"
    assert element.findtext("gradingtype") == "LONGEST_ORDERED_SUBSET"
    assert element.findtext("selecttype") == "ALL"
    assert element.findtext("selectcount") == "4"
    assert answers(element) == [
        ("1.0000000", "Luisteren", "Eerst luisteren."),
        ("2.0000000", "Samenvatten", "Dan samenvatten."),
        ("3.0000000", "Oplossen", "Pas daarna oplossen."),
        ("4.0000000", "Afronden", "Tot slot afronden."),
    ]


def test_html_in_content_is_escaped_not_interpreted(tmp_path):
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "beta.toml"
    quiz.write_text(quiz.read_text().replace('"Rustig"', '"<b>Rustig</b> & {kalm}"', 1))
    course = load_course(tmp_path / "lessons", tmp_path / "quiz")
    xml = moodle_xml(course.modules)
    texts = [a.findtext("text") for q in questions_of(xml) for a in q.findall("answer")]
    assert "&lt;b&gt;Rustig&lt;/b&gt; &amp; {kalm}" in texts
    text = gift(course.modules)
    assert r"&lt;b&gt;Rustig&lt;/b&gt; &amp; \{kalm\}" in text


# --- GIFT out, read by gift-pegjs -------------------------------------------------------


@pytest.fixture
def gift_parser():
    need_npm("gift-pegjs")
    return lambda text: node("gift-parse.js", text)


def test_gift_of_the_whole_course_is_read_by_gift_pegjs(real_course, gift_parser):
    parsed = gift_parser(gift(real_course.modules))
    assert "error" not in parsed, parsed
    categories = [p["title"] for p in parsed if p["type"] == "Category"]
    assert categories == [f"$course$/top/Klantwijs/{m.title}" for m in real_course.modules]
    questions = [p for p in parsed if p["type"] != "Category"]
    expected = [q for m in real_course.modules for q in m.quiz.questions]
    assert len(questions) == len(expected)
    for question, read in zip(expected, questions, strict=True):
        assert read["title"].endswith(question.id)
        if question.type == "ordering":
            assert read["type"] == "Matching"
            pairs = [(p["subquestion"]["text"], p["subanswer"]) for p in read["matchPairs"]]
            assert pairs == [(s.text, str(n)) for n, s in enumerate(question.steps, 1)]
            continue
        assert read["type"] == "MC"
        assert [c["text"]["text"] for c in read["choices"]] == [o.text for o in question.options]
        assert [c["feedback"]["text"] for c in read["choices"]] == [
            o.feedback for o in question.options
        ]
        if question.type == "multi":
            weights = [c["weight"] for c in read["choices"]]
            assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=0.01)
            assert [w > 0 for w in weights] == [o.correct for o in question.options]
        else:
            assert [c["isCorrect"] for c in read["choices"]] == [
                o.correct for o in question.options
            ]
        if question.situation:
            assert question.situation in read["stem"]["text"]


def test_gift_special_characters_survive_the_parser(tmp_path, gift_parser):
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "alpha.toml"
    hostile = "Let op: 100% = {alles} ~ #1 \\\\ klaar"
    quiz.write_text(quiz.read_text().replace('"Wat doe je eerst?"', f'"{hostile}"'))
    course = load_course(tmp_path / "lessons", tmp_path / "quiz")
    parsed = gift_parser(gift(course.modules))
    assert "error" not in parsed, parsed
    stems = [p["stem"]["text"] for p in parsed if p["type"] == "MC"]
    assert any("Let op: 100% = {alles} ~ #1 \\ klaar" in s for s in stems), stems


def test_the_gift_check_catches_broken_gift(gift_parser):
    """Control: an unescaped brace is a syntax error for the parser."""
    assert "error" in gift_parser("::x:: Wat {is} dit? {=ja ~nee}\n")


# --- Moodle XML in: a quiz TOML draft ----------------------------------------------------


def test_import_reads_multichoice_and_ordering_and_lists_the_rest():
    imported = read_moodle_xml(FIXTURE.read_bytes())
    assert [(q["id"], q["type"]) for q in imported.questions] == [
        ("eerste-zin", "single"),
        ("wat-helpt-bij-een-klacht", "multi"),
        ("gesprek-in-stappen", "ordering"),
    ]
    assert imported.skipped == [
        "Altijd gelijk: type 'truefalse' wordt niet overgenomen",
        "Eigen ervaring: type 'essay' wordt niet overgenomen",
    ]
    first, multi, ordering = imported.questions
    assert first["prompt"] == "Wat zeg je als eerste tegen een klant die boos belt?"
    assert [(o["id"], o["correct"]) for o in first["options"]] == [
        ("a", False),
        ("b", True),
        ("c", False),
    ]
    assert first["options"][1]["text"] == "Wat vervelend & wat fijn dat u belt. Wat is er gebeurd?"
    assert first["options"][1]["feedback"] == "Goed: begrip en een open vraag."
    assert [o["correct"] for o in multi["options"]] == [True, False, True, False]
    assert [s["text"] for s in ordering["steps"]] == [
        "Luisteren",
        "Samenvatten",
        "Oplossing voorstellen",
        "Afspraak bevestigen",
    ]
    assert [s["id"] for s in ordering["steps"]][:2] == ["luisteren", "samenvatten"]
    assert "vraag 'eerste-zin': optie 'c': feedback ontbreekt" in imported.todo
    assert "vraag 'gesprek-in-stappen': section: kies het anker van de les dat dit uitlegt" in (
        imported.todo
    )


def test_import_draft_is_valid_toml_in_the_content_format(tmp_path):
    imported = read_moodle_xml(FIXTURE.read_bytes())
    draft = quiz_toml(imported, "vragenbank.moodle.xml")
    data = tomllib.loads(draft)
    assert data["pass_mark"] == 80
    assert data["questions_per_attempt"] == 3
    assert data["questions"][0]["options"][1] == {
        "id": "b",
        "text": "Wat vervelend & wat fijn dat u belt. Wat is er gebeurd?",
        "correct": True,
        "feedback": "Goed: begrip en een open vraag.",
    }
    assert "correct" not in data["questions"][0]["options"][0]


def comparable(course) -> list[tuple]:
    """What an author wrote, per question; step ids are made from the text on import (Moodle
    keeps no ids for items) and `main` is not a Moodle notion."""
    out = []
    for module in course.modules:
        for q in module.quiz.questions:
            out.append(
                (
                    q.id,
                    q.type,
                    q.prompt,
                    q.situation,
                    q.section,
                    tuple((o.id, o.text, o.correct, o.feedback) for o in q.options),
                    tuple((s.text, s.feedback) for s in q.steps),
                )
            )
    return out


@pytest.mark.parametrize("slug", ["alpha", "beta"])
def test_export_then_import_gives_back_the_same_questions(test_course, tmp_path, slug):
    module = test_course.get(slug)
    imported = read_moodle_xml(moodle_xml((module,)).encode())
    assert imported.skipped == []
    (tmp_path / "lessons").mkdir()
    (tmp_path / "quiz").mkdir()
    shutil.copy(DATA / "lessons" / f"{slug}.md", tmp_path / "lessons")
    (tmp_path / "quiz" / f"{slug}.toml").write_text(quiz_toml(imported, "export"))
    back = load_course(tmp_path / "lessons", tmp_path / "quiz")
    original = load_course(DATA / "lessons", DATA / "quiz")
    original = type(original)(modules=(original.get(slug),), by_slug={})
    assert comparable(back) == comparable(original)


def test_round_trip_of_the_real_course(real_course, tmp_path):
    """Every module of the real course survives export → import unchanged (loaded by the
    real loader with its lesson, so sections and every content rule are checked too)."""
    for module in real_course.modules:
        imported = read_moodle_xml(moodle_xml((module,)).encode())
        folder = tmp_path / module.slug
        (folder / "lessons").mkdir(parents=True)
        (folder / "quiz").mkdir()
        shutil.copy(ROOT / "lessons" / f"{module.slug}.md", folder / "lessons")
        (folder / "quiz" / f"{module.slug}.toml").write_text(quiz_toml(imported, "export"))
        back = load_course(folder / "lessons", folder / "quiz")
        single = type(real_course)(modules=(module,), by_slug={})
        assert comparable(back) == comparable(single), module.slug


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<quiz><question type='multichoice'>", "geen geldige XML"),
        (b"<html><body>hallo</body></html>", "niet met <quiz>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaa">]><quiz>&a;</quiz>',
            "DOCTYPE of ENTITY",
        ),
        (b"\xff\xfe\x00<", "geen geldige XML"),
        (b"", "geen geldige XML"),
    ],
)
def test_import_refuses_files_that_are_no_moodle_xml(data, message):
    with pytest.raises(MoodleError, match=message):
        read_moodle_xml(data)


def test_import_refuses_huge_files():
    with pytest.raises(MoodleError, match="groter dan 20 MB"):
        read_moodle_xml(b"<quiz>" + b" " * (20 * 1024 * 1024) + b"</quiz>")


# --- The commands ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift"])
def test_cli_export_prints_or_writes_the_questions(runner, tmp_path, fmt):
    result = runner.invoke(args=["course", "export", "--format", fmt, "--module", "beta"])
    assert result.exit_code == 0, result.output
    assert "Hoe begin je?" in result.output
    assert "Wat doe je eerst?" not in result.output
    out = tmp_path / "vragen.txt"
    result = runner.invoke(args=["course", "export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wat doe je eerst?" in out.read_text(encoding="utf-8")


def test_cli_export_refuses_an_unknown_module(runner):
    result = runner.invoke(args=["course", "export", "--format", "gift", "--module", "gamma"])
    assert result.exit_code == 1
    assert "module 'gamma' bestaat niet (kies uit: alpha, beta)" in result.output


def test_cli_import_writes_a_draft_and_lists_what_was_skipped(runner, tmp_path):
    out = tmp_path / "telefoon.toml"
    args = ["course", "import-moodle", str(FIXTURE), "--module", "telefoon", "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "3 vragen overgenomen" in result.output
    assert "overgeslagen: Altijd gelijk: type 'truefalse' wordt niet overgenomen" in result.output
    assert "nog te doen: vraag 'eerste-zin': optie 'c': feedback ontbreekt" in result.output
    assert len(tomllib.loads(out.read_text())["questions"]) == 3
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "bestaat al" in again.output
    assert len(tomllib.loads(out.read_text())["questions"]) == 3  # nothing lost


@pytest.mark.parametrize(
    ("content", "slug", "message"),
    [
        (b"<quiz/>", "telefoon", "geen multichoice- of ordering-vragen gevonden"),
        (b"geen xml", "telefoon", "geen geldige XML"),
        (b"<quiz/>", "Telefoon Vragen", "geen geldige slug"),
    ],
)
def test_cli_import_refuses_bad_input(runner, tmp_path, content, slug, message):
    source = tmp_path / "in.xml"
    source.write_bytes(content)
    result = runner.invoke(
        args=["course", "import-moodle", str(source), "--module", slug, "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "x").exists()
