"""The real course content: six modules, faithful step sequences, complete feedback, no ads.

These tests read lessons/ and quiz/ as shipped (not the fixtures in tests/data), so an edit
that breaks a step order, a section link or a quiz's mix of question types fails here.
"""

import html
import json
import re
from pathlib import Path

import pytest

from klantwijs import config as settings
from klantwijs import create_app
from klantwijs.course.loader import load_course

ROOT = Path(__file__).parent.parent

# Slug, order and source file of every module, as fixed in the course issue.
MODULES = [
    ("stopt", 1, "000_ff50a67fea842f52.txt"),
    ("hoofd-koel", 2, "001_ec074ce8d961d490.txt"),
    ("klachten-oplossen", 3, "002_18d068299c999f5f.txt"),
    ("lastige-boodschappen", 4, "003_96e0f90af2d7f943.txt"),
    ("zeven-stappen", 5, "004_ccf5675d02838605.txt"),
    ("alles-samen", 6, "alle"),
]

# The canonical step sequences from ../shared/seeds/README.md, in the sources' order.
CANONICAL_STEPS = {
    "stopt": [
        "Stel vragen",
        "Toon begrip",
        "Oplossen",
        "Proactief bedanken",
        "Team inlichten",
    ],
    "hoofd-koel": [
        "Luister",
        "Stel vragen",
        "Bekijk vanuit het perspectief van de ander",
        "Neem het niet persoonlijk",
        "Kom tot de kern",
        "Zoek samen naar een oplossing",
    ],
    "klachten-oplossen": [
        "Luister",
        "Vat samen",
        "Bied excuses aan",
        "Zoek de klacht tot op de bodem uit",
        "Overleg hoe het beter kan",
        "Zand erover (of toch niet?)",
    ],
    "lastige-boodschappen": [
        "Weg van de inhoud (ga in op het gevoel)",
        "Niet verdedigen, bij de feiten blijven",
        "Geef aan wat wel mogelijk is",
        "Afronden",
    ],
    "zeven-stappen": [
        "De strategie",
        "Erkenning",
        "Maak duidelijk en specifiek",
        "Presenteer de oplossing",
        "Check de reactie",
        "Actie en follow-up",
        "Gebruik de feedback om het proces te verbeteren",
    ],
}

# STOPT's "Oplossen" has three sub-steps; lastige boodschappen names two pitfalls.
STOPT_OPLOSSEN = ["Vertel de oplossing", "Vertel het nut voor de klant", "Vraag akkoord"]
VALKUILEN = ["De klant gelijk geven", "De discussie afkappen"]

# Words that only appear in the sources' advertising (training offers, a subscription,
# a video link, a product name, websites).
ADVERTISING = [
    "abonnement",
    "abonnee",
    "training",
    "http",
    "www.",
    "dierenartsenradar",
    "expertacademy",
    "e-book",
    "ebook",
    "video",
    "vrijblijvend advies",
]

SLUGS = [slug for slug, _, _ in MODULES]
METHOD_SLUGS = list(CANONICAL_STEPS)


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "lessons", ROOT / "quiz")


def module(course, slug):
    found = course.get(slug)
    assert found is not None, f"module {slug} ontbreekt"
    return found


def section_titles(mod) -> list[str]:
    return [html.unescape(s.title) for s in mod.lesson.sections]


def content_texts(slug: str) -> dict[str, str]:
    return {
        f"lessons/{slug}.md": (ROOT / "lessons" / f"{slug}.md").read_text(encoding="utf-8"),
        f"quiz/{slug}.toml": (ROOT / "quiz" / f"{slug}.toml").read_text(encoding="utf-8"),
    }


# --- the six modules -------------------------------------------------------------------


def test_exactly_six_modules_in_order(course):
    assert [m.slug for m in course.modules] == SLUGS
    assert [m.order for m in course.modules] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("slug,order,source", MODULES)
def test_module_order_and_source(course, slug, order, source):
    mod = module(course, slug)
    assert mod.order == order
    assert mod.source == source
    assert mod.title.strip()
    assert mod.summary.strip()


def test_source_files_exist_for_method_modules():
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed folder not available in this checkout")
    for _, _, source in MODULES[:5]:
        assert (seeds / source).is_file(), source


# --- step sequences ----------------------------------------------------------------------


def test_canonical_sequences_have_the_documented_lengths():
    assert {slug: len(steps) for slug, steps in CANONICAL_STEPS.items()} == {
        "stopt": 5,
        "hoofd-koel": 6,
        "klachten-oplossen": 6,
        "lastige-boodschappen": 4,
        "zeven-stappen": 7,
    }


@pytest.mark.parametrize("slug", METHOD_SLUGS)
def test_main_ordering_question_matches_the_source(course, slug):
    main = module(course, slug).quiz.main_question
    assert main is not None, f"{slug}: geen hoofdvraag (main = true)"
    assert main.type == "ordering"
    assert [step.text for step in main.steps] == CANONICAL_STEPS[slug]


def test_every_module_has_a_main_ordering_question(course):
    for mod in course.modules:
        main = mod.quiz.main_question
        assert main is not None and main.type == "ordering", mod.slug
        assert len(main.steps) >= 3, mod.slug


def test_stopt_oplossen_sub_steps_in_order(course):
    quiz = module(course, "stopt").quiz
    orderings = [
        [s.text for s in q.steps] for q in quiz.questions if q.type == "ordering" and not q.main
    ]
    assert STOPT_OPLOSSEN in orderings


def test_alles_samen_building_blocks_match_its_lesson(course):
    mod = module(course, "alles-samen")
    steps = [s.text for s in mod.quiz.main_question.steps]
    assert len(steps) == 7
    headings = re.findall(r"^### \d+\. (.+)$", mod.lesson.markdown, flags=re.MULTILINE)
    assert headings == steps


def test_alles_samen_names_methods_by_their_titles(course):
    mod = module(course, "alles-samen")
    intro = mod.lesson.markdown.split("\n## ", 1)[0]
    for other in course.modules[:5]:
        assert other.title in intro, other.title


def test_alles_samen_table_lists_every_step_in_order(course):
    text = module(course, "alles-samen").lesson.markdown
    table = text.split("{#vergelijking}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    for slug in METHOD_SLUGS:
        steps = CANONICAL_STEPS[slug]
        matching = [row for row in rows if all(step in row for step in steps)]
        assert len(matching) == 1, f"{slug}: geen tabelrij met alle stappen"
        positions = [matching[0].index(step) for step in steps]
        assert positions == sorted(positions), f"{slug}: stappen niet in volgorde in de tabel"


# --- quizzes ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_pool_and_mix_of_types(course, slug):
    quiz = module(course, slug).quiz
    types = [q.type for q in quiz.questions]
    assert len(quiz.questions) >= 12
    assert 8 <= quiz.questions_per_attempt <= 10
    assert quiz.questions_per_attempt <= len(quiz.questions)
    assert types.count("ordering") >= 1
    assert types.count("scenario") >= 3
    assert types.count("multi") >= 2


@pytest.mark.parametrize("slug", SLUGS)
def test_every_option_and_step_has_feedback(course, slug):
    for q in module(course, slug).quiz.questions:
        for option in q.options:
            assert option.feedback.strip(), f"{slug}/{q.id}/{option.id}"
        for step in q.steps:
            assert step.feedback.strip(), f"{slug}/{q.id}/{step.id}"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_question_links_to_an_existing_section(course, slug):
    mod = module(course, slug)
    anchors = {s.anchor for s in mod.lesson.sections}
    for q in mod.quiz.questions:
        assert q.section, f"{slug}/{q.id}: geen section"
        assert q.section in anchors, f"{slug}/{q.id}: {q.section}"
        for item in (*q.options, *q.steps):
            assert item.section is None or item.section in anchors, f"{slug}/{q.id}/{item.id}"


@pytest.mark.parametrize("slug", SLUGS)
def test_scenarios_have_a_situation(course, slug):
    for q in module(course, slug).quiz.questions:
        if q.type == "scenario":
            assert q.situation and q.situation.strip(), f"{slug}/{q.id}"


@pytest.mark.parametrize("slug", SLUGS)
def test_single_answer_questions_have_one_correct_option(course, slug):
    for q in module(course, slug).quiz.questions:
        if q.type in ("single", "scenario"):
            assert sum(o.correct for o in q.options) == 1, f"{slug}/{q.id}"
            assert len(q.options) >= 3, f"{slug}/{q.id}: te weinig afleiders"


@pytest.mark.parametrize("slug", SLUGS)
def test_correct_scenario_option_is_not_usually_the_longest(course, slug):
    scenarios = [q for q in module(course, slug).quiz.questions if q.type == "scenario"]
    longest = 0
    for q in scenarios:
        correct = next(o for o in q.options if o.correct)
        others = [len(o.text) for o in q.options if not o.correct]
        if len(correct.text) >= max(others):
            longest += 1
    assert longest * 2 <= len(scenarios), f"{slug}: {longest} van {len(scenarios)}"


# --- lessons ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_length(course, slug):
    assert 600 <= module(course, slug).lesson.word_count <= 1200


@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_has_example_and_summary(course, slug):
    anchors = [s.anchor for s in module(course, slug).lesson.sections]
    assert "voorbeeld" in anchors
    assert "samenvatting" in anchors
    assert anchors[-1] == "samenvatting"


@pytest.mark.parametrize("slug", METHOD_SLUGS)
def test_lesson_has_a_section_per_step_in_order(course, slug):
    titles = [t.lower() for t in section_titles(module(course, slug))]
    positions = []
    for step in CANONICAL_STEPS[slug]:
        pattern = re.compile(rf":\s*{re.escape(step.lower())}$")
        hits = [i for i, title in enumerate(titles) if pattern.search(title)]
        assert len(hits) == 1, f"{slug}: geen sectie voor stap '{step}'"
        positions.append(hits[0])
    assert positions == sorted(positions)


def test_lastige_boodschappen_has_a_section_per_valkuil(course):
    titles = section_titles(module(course, "lastige-boodschappen"))
    for valkuil in VALKUILEN:
        assert any(title.endswith(valkuil) for title in titles), valkuil


def test_stopt_lesson_keeps_the_sub_steps(course):
    text = module(course, "stopt").lesson.markdown
    for sub_step in STOPT_OPLOSSEN:
        assert f"**{sub_step}.**" in text
    assert "**Schrijf alles direct op:**" in text
    assert "**Bespreek het met je leidinggevende of je team.**" in text


def test_alles_samen_compares_the_methods(course):
    anchors = {s.anchor for s in module(course, "alles-samen").lesson.sections}
    assert {"gedeeld", "verschillen", "wanneer", "vergelijking"} <= anchors


# --- no advertising --------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_no_advertising_in_lesson_or_quiz(slug):
    for name, text in content_texts(slug).items():
        lowered = text.lower()
        for word in ADVERTISING:
            assert word not in lowered, f"{name}: '{word}'"


def test_no_advertising_in_loaded_text(course):
    for mod in course.modules:
        texts = [mod.title, mod.summary, mod.lesson.markdown]
        for q in mod.quiz.questions:
            texts += [q.prompt, q.situation or ""]
            texts += [o.text for o in q.options] + [o.feedback for o in q.options]
            texts += [s.text for s in q.steps] + [s.feedback for s in q.steps]
        lowered = "\n".join(texts).lower()
        for word in ADVERTISING:
            assert word not in lowered, f"{mod.slug}: '{word}'"


# --- the CLI on the real content ---------------------------------------------------------


@pytest.fixture
def real_app(monkeypatch):
    for name in ("LESSONS_DIR", "QUIZ_DIR"):
        monkeypatch.delenv(name, raising=False)
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


def test_default_content_folders_are_the_real_ones(real_app):
    assert Path(settings.DEFAULTS["LESSONS_DIR"]) == (ROOT / "lessons").resolve()
    assert Path(settings.DEFAULTS["QUIZ_DIR"]) == (ROOT / "quiz").resolve()
    assert Path(real_app.config["LESSONS_DIR"]) == (ROOT / "lessons").resolve()
    assert Path(real_app.config["QUIZ_DIR"]) == (ROOT / "quiz").resolve()


def test_course_check_passes_on_the_real_content(real_app):
    result = real_app.test_cli_runner().invoke(args=["course", "check"])
    assert result.exit_code == 0, result.output
    assert "6 modules" in result.output


def test_course_dump_shows_six_modules_with_ordered_steps(real_app):
    result = real_app.test_cli_runner().invoke(args=["course", "dump"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    modules = data["modules"]
    assert [(m["slug"], m["order"], m["source"]) for m in modules] == MODULES
    main_ids = {m.slug: m.quiz.main_question.id for m in real_app.extensions["course"].modules}
    for m in modules:
        questions = {q["id"]: q for q in m["quiz"]["questions"]}
        main = questions[main_ids[m["slug"]]]
        assert main["type"] == "ordering"
        texts = [step["text"] for step in main["steps"]]
        if m["slug"] in CANONICAL_STEPS:
            assert texts == CANONICAL_STEPS[m["slug"]]
        assert all(step["feedback"] for step in main["steps"])
