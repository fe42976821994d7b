"""The content pipeline: loading, validation messages, check and dump commands."""

import json
import shutil

import pytest

from klantwijs import create_app
from klantwijs.course.loader import ContentError, load_course
from tests.conftest import DATA, app_settings


@pytest.fixture
def content(tmp_path):
    """A writable copy of the fixture content."""
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    return tmp_path


def errors_for(content) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_course(content / "lessons", content / "quiz")
    return info.value.errors


def test_fixture_course_loads_in_order_with_anchors():
    course = load_course(DATA / "lessons", DATA / "quiz")
    assert [m.slug for m in course.modules] == ["alpha", "beta"]
    alpha = course.get("alpha")
    assert [(s.anchor, s.title) for s in alpha.lesson.sections] == [
        ("luisteren", "Luisteren"),
        ("samenvatten", "Samenvatten"),
        ("oplossen", "Oplossen"),
        ("spiekkaart", "Spiekkaart"),
    ]
    assert 'id="samenvatten"' in alpha.lesson.html
    # The Spiekkaart section also stands on its own, without its heading.
    assert "<strong>Luisteren</strong>" in alpha.lesson.cheatsheet_html
    assert "<h2" not in alpha.lesson.cheatsheet_html
    assert course.get("beta").lesson.cheatsheet_html == ""
    assert "{#" not in alpha.lesson.html
    assert course.get("beta").lesson.sections[1].anchor == "einde"  # derived from the title
    assert alpha.quiz.main_question.correct_order == (
        "luisteren",
        "samenvatten",
        "oplossen",
        "afronden",
    )
    assert alpha.quiz.by_id["goede-gewoonten"].correct_option_ids == {"a", "b"}
    assert course.get("beta").quiz.pass_mark == 80


def test_rendered_once_at_startup_not_per_request(app):
    course = app.extensions["course"]
    assert course is app.extensions["course"]
    assert course.get("alpha").lesson.html.startswith("<p>")


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'type = "single"',
            'type = "essay"',
            "alpha.toml: questions[1] (id 'eerste-stap'): type: onbekend type 'essay'",
        ),
        ('id = "eerste-stap"', 'id = "volgorde"', "alpha.toml: questions: id 'volgorde' dubbel"),
        ('feedback = "Fout: uitleggen komt later."', "", "options[1]: feedback: ontbreekt"),
        (
            'section = "samenvatten"',
            'section = "bestaat-niet"',
            "section: anker 'bestaat-niet' bestaat niet",
        ),
        (
            'correct = true\n  feedback = "Goed: eerst luisteren."',
            'feedback = "x"',
            "precies 1 juiste optie",
        ),
        (
            "questions_per_attempt = 4",
            "questions_per_attempt = 99",
            "questions_per_attempt: moet tussen 1 en 5",
        ),
        ("pass_mark = 80", 'pass_mark = "tachtig"', "pass_mark: moet een geheel getal"),
        (
            'prompt = "Wat doe je eerst?"',
            'prompt = "Wat doe je eerst?"\nhint = "x"',
            "hint: onbekend veld",
        ),
        (
            '[[questions]]\nid = "laatste-stap"',
            '[[questions]\nid = "laatste-stap"',
            "alpha.toml: geen geldige TOML",
        ),
    ],
)
def test_broken_quiz_names_file_and_field(content, old, new, expected):
    _edit(content / "quiz" / "alpha.toml", old, new)
    errors = errors_for(content)
    assert any(expected in e for e in errors), errors


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'type = "single"',
            'type = "essay"',
            "type: onbekend type 'essay' (kies uit single, multi, ordering, scenario)",
        ),
        (
            'situation = "Mijn pakket is wéér niet bezorgd!"\n',
            "",
            "(id 'boze-klant'): situation: ontbreekt",
        ),
        (
            'id = "goede-gewoonten"\ntype = "multi"',
            'id = "goede-gewoonten"\ntype = "single"',
            "(id 'goede-gewoonten'): options: precies 1 juiste optie nodig, gevonden 2",
        ),
        (
            'type = "single"',
            'type = "ordering"',
            "(id 'eerste-stap'): options: een ordering-vraag heeft steps, geen options",
        ),
        (
            'type = "single"',
            'type = "single"\nmain = true',
            "(id 'eerste-stap'): main: alleen een ordering-vraag kan de hoofdvraag zijn",
        ),
        (
            'type = "single"',
            'type = "single"\nsteps = [{ id = "x", text = "X" }]',
            "(id 'eerste-stap'): steps: alleen een ordering-vraag heeft steps",
        ),
    ],
)
def test_each_question_type_checks_its_own_rules(content, old, new, expected):
    _edit(content / "quiz" / "alpha.toml", old, new)
    errors = errors_for(content)
    assert any(expected in e for e in errors), errors


def test_ordering_needs_three_steps(content):
    path = content / "quiz" / "beta.toml"
    text = path.read_text()
    start = text.index('  [[questions.steps]]\n  id = "einde"')
    end = text.index("[[questions]]", start)
    path.write_text(text[:start] + text[end:])
    assert any("steps: minstens 3 stappen nodig, gevonden 2" in e for e in errors_for(content))


def test_every_error_is_reported_at_once(content):
    _edit(content / "quiz" / "alpha.toml", 'type = "single"', 'type = "essay"')
    _edit(content / "quiz" / "beta.toml", 'section = "einde"', 'section = "nergens"')
    (content / "quiz" / "gamma.toml").write_text("")
    _edit(content / "lessons" / "beta.md", "order: 2\n", "")
    errors = errors_for(content)
    assert any(e.startswith("alpha.toml") for e in errors)
    assert any("beta.toml" in e and "nergens" in e for e in errors)
    assert any("gamma.toml: toets zonder les" in e for e in errors)
    assert any("beta.md: order: ontbreekt" in e for e in errors)


def test_lesson_without_quiz_and_duplicate_order(content):
    (content / "lessons" / "delta.md").write_text(
        "title: D\norder: 1\nsource: x\nsummary: s\n\nTekst.\n"
    )
    errors = errors_for(content)
    assert "delta.md: les zonder toets (delta.toml ontbreekt)" in errors


def test_app_refuses_to_start_with_invalid_content(content, migrated):
    _edit(content / "quiz" / "alpha.toml", 'type = "single"', 'type = "essay"')
    with pytest.raises(ContentError):
        create_app(
            app_settings(
                migrated, LESSONS_DIR=str(content / "lessons"), QUIZ_DIR=str(content / "quiz")
            )
        )


def test_course_check_lists_errors_and_exits_1(app, content):
    _edit(content / "quiz" / "alpha.toml", 'section = "samenvatten"', 'section = "weg"')
    app.config.update(LESSONS_DIR=str(content / "lessons"), QUIZ_DIR=str(content / "quiz"))
    result = app.test_cli_runner().invoke(args=["course", "check"])
    assert result.exit_code == 1
    assert "alpha.toml" in result.output and "section: anker 'weg'" in result.output


def test_course_check_passes_with_summary(runner):
    result = runner.invoke(args=["course", "check"])
    assert result.exit_code == 0
    assert result.output.strip() == "OK: 2 modules, 8 vragen."


def test_course_dump_is_documented_json(runner):
    result = runner.invoke(args=["course", "dump"])
    data = json.loads(result.output)
    alpha = data["modules"][0]
    assert set(alpha) == {"slug", "title", "order", "source", "summary", "lesson", "quiz"}
    assert alpha["lesson"]["sections"][0] == {"anchor": "luisteren", "title": "Luisteren"}
    questions = {q["id"]: q for q in alpha["quiz"]["questions"]}
    assert [s["id"] for s in questions["volgorde"]["steps"]] == [
        "luisteren",
        "samenvatten",
        "oplossen",
        "afronden",
    ]
    assert questions["boze-klant"]["situation"] == "Mijn pakket is wéér niet bezorgd!"
    assert questions["eerste-stap"]["options"][0] == {
        "id": "a",
        "text": "Luisteren",
        "correct": True,
        "feedback": "Goed: eerst luisteren.",
    }
    assert "steps" not in questions["eerste-stap"]
