"""The real course content: six modules, faithful step sequences, complete feedback, no ads.

These tests read lessons/ and quiz/ as shipped (not the fixtures in tests/data), so an edit
that breaks a step order, a section link or a quiz's mix of question types fails here. They
also hold the rules of the content's second edition: pools of 20 or more, fair options (no
surface cue gives the right answer away), feedback that names the better step, scenarios in
written channels and several sectors, one dialogue style and a spiekkaart per lesson.
The synthesis module's own checks live in tests/test_course_synthesis.py.
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


def test_module_three_is_titled_by_its_six_steps(course):
    assert module(course, "klachten-oplossen").title == "Een klacht oplossen in zes stappen"


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


# --- quizzes ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_pool_and_mix_of_types(course, slug):
    quiz = module(course, slug).quiz
    types = [q.type for q in quiz.questions]
    assert len(quiz.questions) >= 20, f"{slug}: pool {len(quiz.questions)} < 20"
    assert quiz.questions_per_attempt == 10
    assert quiz.pass_mark == 80
    assert types.count("ordering") >= 1
    assert types.count("scenario") >= 6, f"{slug}: {types.count('scenario')} scenario's < 6"
    assert types.count("multi") >= 2


@pytest.mark.parametrize("slug", SLUGS)
def test_multi_questions_have_two_right_of_four_or_five_or_three_right_of_six(course, slug):
    """At least as many wrong options as right ones, so ticking everything scores 0."""
    for q in module(course, slug).quiz.questions:
        if q.type == "multi":
            right = sum(o.correct for o in q.options)
            shape = (right, len(q.options))
            assert shape in {(2, 4), (2, 5), (3, 6)}, (
                f"{slug}/{q.id}: {right} juiste van {len(q.options)} opties (2 van 4-5, of 3 van 6)"
            )


def test_ticking_every_option_of_a_multi_question_scores_nothing(course):
    """The app's own grader gives 0 to a learner who ticks every option of a multi question."""
    from klantwijs.learning.questions import grade  # grade() left grading.py for the registry

    scored = {
        f"{mod.slug}/{q.id}": grade(q, [o.id for o in q.options])
        for mod in course.modules
        for q in mod.quiz.questions
        if q.type == "multi"
    }
    assert scored, "geen multi-vragen gevonden"
    assert {qid: score for qid, score in scored.items() if score != 0.0} == {}


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


# --- fair questions (brief rule 6) -------------------------------------------------------

# Cue families: a regex per family, matched case-insensitively on an option's text.
CHECKING = re.compile(
    r"\bklopt (?:dat|het|dit)\b|\bbegrijp ik (?:het |dat |u )?goed\b"
    r"|\bheb ik (?:het|dat) goed\b|\bzie ik (?:het|dat) goed\b|\bis dat juist\b",
    re.IGNORECASE,
)
PERSON_WORDS = re.compile(
    r"collega|afdeling|leidinggevende|\bmanager|teamleid|\bdirectie|\bdirecteur|\breceptie"
    r"|\bchef\b|\bbaas\b|\bsupervisor|\bbackoffice|\bklantenservice",
    re.IGNORECASE,
)
PROMISE = re.compile(
    r"\bbelo(?:of|oft|ven|fd|ofd)\b|\bgarande|\bgegarandeerd|\bzeker weten\b|\bik zweer\b",
    re.IGNORECASE,
)
ABSOLUTE = re.compile(
    r"\b(?:altijd|nooit|alles|iedereen|niemand|helemaal|meteen|direct|absoluut|nergens"
    r"|overal|elke keer)\b",
    re.IGNORECASE,
)
# A first name or surname: a capitalised word that does not open a sentence, a quote or a
# bracket ("meneer Jansen", "Sanne van de planning"). Acronyms (STOPT) are not names.
NAME = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]+\b")
SENTENCE_BREAK = re.compile(r"[.!?:;()\"“”‘’«»…—–\n]|(?<!\w)'|'(?!\w)")


def names_in(text: str) -> list[str]:
    found = []
    for part in SENTENCE_BREAK.split(text):
        words = part.strip().split(maxsplit=1)
        if len(words) == 2:
            found += NAME.findall(words[1])
    return found


# Common first names, also found where they open a sentence ("Sanne helpt u verder.").
FIRST_NAMES = re.compile(
    r"\b(?:Anna|Anouk|Bram|Daan|Emma|Eva|Fatima|Fleur|Jan|Jeroen|Joost|Julia|Kees|Lars|Lisa"
    r"|Lotte|Mark|Martijn|Mohammed|Noor|Peter|Piet|Sanne|Sarah|Sem|Sophie|Thomas|Tim|Yusuf)\b"
)


def has_person(text: str) -> bool:
    return bool(PERSON_WORDS.search(text) or FIRST_NAMES.search(text) or names_in(text))


CUE_FAMILIES = {
    "vraagteken": lambda text: "?" in text,
    "checkzin": lambda text: bool(CHECKING.search(text)),
    "persoon of afdeling": has_person,
    "belofte": lambda text: bool(PROMISE.search(text)),
    "absoluut woord": lambda text: bool(ABSOLUTE.search(text)),
}


def first_word(text: str) -> str:
    match = re.search(r"\w+", text)
    return match.group(0).lower() if match else ""


def singling_cues(q) -> list[str]:
    """The cue families that single out q's right option among its options.

    A cue singles out the right option when the right option is the only one with it, or
    (with at least two wrong options) the only one without it. The opening-word family
    fires when all wrong options open with the same word and the right option does not.
    """
    right = next(o for o in q.options if o.correct)
    wrong = [o for o in q.options if not o.correct]
    cues = []
    for family, present in CUE_FAMILIES.items():
        in_right = present(right.text)
        in_wrong = [present(o.text) for o in wrong]
        if in_right and not any(in_wrong):
            cues.append(family)
        elif not in_right and len(wrong) >= 2 and all(in_wrong):
            cues.append(family + " (alleen fout)")
    openings = {first_word(o.text) for o in wrong}
    if len(wrong) >= 2 and len(openings) == 1 and first_word(right.text) not in openings:
        cues.append("zelfde beginwoord in alle foute opties")
    return cues


def single_answer_questions(course):
    return [
        (mod.slug, q)
        for mod in course.modules
        for q in mod.quiz.questions
        if q.type in ("single", "scenario")
    ]


CUE_SHARE_PER_FAMILY = 0.05
CUE_SHARE_ALL_FAMILIES = 0.10


def test_no_surface_cue_singles_out_the_right_option(course):
    """Fairness: how often a surface cue gives the right option away, across the course.

    For every single/scenario question of all modules, each cue family (question mark,
    checking phrase, named colleague/department/person, promise, absolute word, and one
    opening word shared by all wrong options) is checked: does it occur in the right option
    and in no wrong option (or in every wrong option and not in the right one)? Then a
    learner could pick the answer without knowing the method. The test fails when one family
    does that in more than 5 % of the questions, or all families together (questions with at
    least one such cue) in more than 10 %. The message lists the offending questions.
    Grammar that fits only one option is not measured here; the writers check it by reading.
    """
    questions = single_answer_questions(course)
    per_family: dict[str, list[str]] = {}
    flagged: dict[str, list[str]] = {}
    for slug, q in questions:
        for cue in singling_cues(q):
            family = cue.removesuffix(" (alleen fout)")
            per_family.setdefault(family, []).append(f"{slug}/{q.id}")
            flagged.setdefault(f"{slug}/{q.id}", []).append(cue)
    total = len(questions)
    problems = [
        f"{family}: {len(ids)} van {total} vragen: {', '.join(ids)}"
        for family, ids in per_family.items()
        if len(ids) > CUE_SHARE_PER_FAMILY * total
    ]
    if len(flagged) > CUE_SHARE_ALL_FAMILIES * total:
        problems.append(
            f"samen: {len(flagged)} van {total} vragen met een verraderlijke cue: "
            + "; ".join(f"{qid} ({', '.join(cues)})" for qid, cues in flagged.items())
        )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", SLUGS)
def test_right_option_is_not_usually_the_longest_or_shortest(course, slug):
    questions = [q for q in module(course, slug).quiz.questions if q.type in ("single", "scenario")]
    longest, shortest = [], []
    for q in questions:
        right = len(next(o for o in q.options if o.correct).text)
        others = [len(o.text) for o in q.options if not o.correct]
        if right >= max(others):
            longest.append(q.id)
        if right <= min(others):
            shortest.append(q.id)
    limit = 0.40 * len(questions)
    assert len(longest) <= limit, f"{slug}: langste in {len(longest)}/{len(questions)}: {longest}"
    assert len(shortest) <= limit, (
        f"{slug}: kortste in {len(shortest)}/{len(questions)}: {shortest}"
    )


# --- feedback that teaches (brief rule 7) -----------------------------------------------

VERDICT_PREFIX = re.compile(r"^\s*(?:goed|fout|minder handig)\b", re.IGNORECASE)
STEP_PREFIX = re.compile(r"^(?:stap|tip|handvat|valkuil)\s+\d+\s*:\s*", re.IGNORECASE)
# Sections that are no step: naming them does not tell the learner which step to use.
GENERIC_ANCHORS = {"waarom", "voorbeeld", "samenvatting", "spiekkaart"}
# Short names of the methods, for alles-samen feedback (which compares methods).
METHOD_SHORT_NAMES = [
    r"\bSTOPT\b",
    r"\b[Hh]oofd[ -][Kk]oel\b",
    r"\bKlachten\b",
    r"\b[Kk]lachten[ -]oplossen\b",
    r"\b[Zz]es stappen\b",
    r"\b[Ll]astige[ -]boodschap(?:pen)?\b",
    r"\b[Nn]ee-?[ -]?boodschap\b",
    r"\b(?:7|[Zz]even)[ -]stappen\b",
]


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def step_names(mod) -> list[str]:
    """The lesson's section titles that name a step, without "Stap N: " and the like.

    A title ending in a bracketed remark also counts without it ("Zand erover").
    """
    names = []
    for section in mod.lesson.sections:
        if section.anchor in GENERIC_ANCHORS or section.anchor.startswith("voorbeeld"):
            continue
        title = normalise(STEP_PREFIX.sub("", html.unescape(section.title)))
        names.append(title)
        short = re.sub(r"\s*\([^)]*\)\s*$", "", title)
        if short != title and short:
            names.append(short)
    return names


STEP_WORD = re.compile(r"\b(?:stap|stappen|tip|handvat|valkuil)\b", re.IGNORECASE)


def mentions_a_step(feedback: str, names: list[str], patterns: list[str] = ()) -> bool:
    """The feedback names a step by its lesson title and says it is a step ("stap 2, Toon
    begrip"), or, for alles-samen, names a method by its short name."""
    if any(re.search(pattern, feedback) for pattern in patterns):
        return True
    text = normalise(feedback)
    named = any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names)
    return named and bool(STEP_WORD.search(text))


@pytest.mark.parametrize("slug", SLUGS)
def test_feedback_has_no_verdict_prefix(course, slug):
    for q in module(course, slug).quiz.questions:
        for item in (*q.options, *q.steps):
            assert not VERDICT_PREFIX.match(item.feedback), f"{slug}/{q.id}/{item.id}"


@pytest.mark.parametrize("slug", SLUGS)
def test_wrong_option_feedback_names_a_step(course, slug):
    mod = module(course, slug)
    names = step_names(mod)
    patterns = []
    if slug == "alles-samen":
        patterns = METHOD_SHORT_NAMES
        for other in course.modules:
            if other.slug in CANONICAL_STEPS:
                names += step_names(other)
    missing = [
        f"{q.id}/{o.id}"
        for q in mod.quiz.questions
        if q.type in ("single", "scenario", "multi")
        for o in q.options
        if not o.correct and not mentions_a_step(o.feedback, names, patterns)
    ]
    assert not missing, f"{slug}: foute opties zonder stapnaam in de feedback: {missing}"


@pytest.mark.parametrize("slug", METHOD_SLUGS)
def test_every_scenario_has_a_wrong_step_option(course, slug):
    """Rule 5: a decent move at the wrong step, marked with a per-option section."""
    mod = module(course, slug)
    step_anchors = {
        s.anchor for s in mod.lesson.sections if STEP_PREFIX.match(html.unescape(s.title))
    }
    lacking = [
        q.id
        for q in mod.quiz.questions
        if q.type == "scenario"
        and not any(
            not o.correct and o.section in step_anchors and o.section != q.section
            for o in q.options
        )
    ]
    assert not lacking, f"{slug}: scenario's zonder optie van een andere stap: {lacking}"


# --- scenarios: channels and sectors (brief rule 2) ----------------------------------------

WRITTEN_CHANNEL = re.compile(
    r"e-?mail|\bmail|\bchat|whatsapp|\bappje|\bappt\b|\bapp-?bericht|review|recensie"
    r"|bericht|social(?:e)? media|facebook|instagram|twitter|linkedin|\bop x\b"
    r"|contactformulier|\bsms|\bbrief\b|reactie(?:s)? online|\bonline\b",
    re.IGNORECASE,
)

# Sector -> word starts, as regex alternatives, matched case-insensitively at the start of a
# word in the scenario's prompt and situation ("huur" also finds "huurder", "huurwoning").
# Generous on purpose: one hit puts a scenario in a sector; a scenario may hit several, and
# the test then needs three scenarios that can each be given a different sector.
SECTORS = {
    "zorg": r"huisarts|dokter|arts\b|ziekenhuis|apothe|tandarts|fysio|pati[eë]nt|polikliniek"
    r"|doktersassistent|zorgverzeker|zorgverlener|zorginstelling|thuiszorg|verpleeg|praktijk|recept"
    r"|wachtkamer|spreekuur|consult",
    "dierenarts": r"dierenarts|dierenkliniek|huisdier|hond|kat\b|katten",
    "winkel": r"winkel|kassa|filiaal|bouwmarkt|supermarkt|kledingzaak|schoen|kassabon|bon\b"
    r"|etalage|paskamer|aanbieding|slager|bakker|drogist|meubel|witgoed|wasmachine|koelkast"
    r"|vaatwasser|verkoper",
    "webshop": r"webshop|webwinkel|online bestel|bestelling|besteld|pakket|bezorg|levering"
    r"|geleverd|retour|track|verzendkosten|postbode|pakketpunt",
    "gemeente": r"gemeente|balie|loket|paspoort|id-kaart|rijbewijs|vergunning|uitkering"
    r"|belasting|toeslag|afval|parkeer|burgerzaken|stadhuis|bijstand|wmo\b",
    "wonen": r"woningcorporatie|huur|verhuurder|woning|lift\b|verwarming|reparatieverzoek"
    r"|flat\b|portiek|lekkage|schimmel|cv-ketel|vve\b",
    "energie": r"energie|stroom|gas\b|gasrekening|meterstand|jaarafrekening|termijnbedrag"
    r"|slimme meter|zonnepan|netbeheerder",
    "telecom": r"internet|provider|wifi|modem|router|simkaart|mobiel|telefonie|glasvezel"
    r"|tv-pakket|bundel|storing",
    "vervoer": r"trein|bus\b|bussen|tram|ov\b|ov-|vertraging|vlucht|luchtvaart|taxi"
    r"|conducteur|perron|chauffeur|vervoer|reizig|station|metro",
    "financieel": r"verzeker|schade|polis|bankrekening|bankpas|bankafschrift|afschrijving|afgeschreven"
    r"|incasso|lening|hypotheek|pinpas|rood staan|rente\b",
    "horeca": r"restaurant|hotel|caf[eé]|ober\b|reservering|gerecht|terras|maaltijd|lunchroom"
    r"|kok\b",
    "garage": r"garage|auto\b|auto's|apk\b|monteur|onderhoudsbeurt|banden",
    "onderwijs": r"school|kinderopvang|opvang|leraar|docent|cursist",
    "reizen": r"reisbureau|vakantie|camping|boeking|geboekt|reisorganisatie",
    "sport": r"sportschool|fitness|lidmaatschap|zwembad|sportclub|vereniging",
    "zakelijk": r"leverancier|groothandel|offerte|zakelijk|drukkerij|order\b|inkoper",
}
SECTOR_PATTERNS = {
    sector: re.compile(rf"\b(?:{words})", re.IGNORECASE) for sector, words in SECTORS.items()
}


def scenario_text(q) -> str:
    return f"{q.prompt}\n{q.situation or ''}"


def sectors_of(q) -> set[str]:
    text = scenario_text(q)
    return {sector for sector, pattern in SECTOR_PATTERNS.items() if pattern.search(text)}


def distinct_sectors(scenarios) -> int:
    """How many scenarios can each be given a different sector (a bipartite matching)."""
    owner: dict[str, int] = {}

    def assign(i: int, seen: set[str]) -> bool:
        for sector in sorted(sectors_of(scenarios[i])):
            if sector in seen:
                continue
            seen.add(sector)
            if sector not in owner or assign(owner[sector], seen):
                owner[sector] = i
                return True
        return False

    return sum(assign(i, set()) for i in range(len(scenarios)))


@pytest.mark.parametrize("slug", SLUGS)
def test_scenarios_include_a_written_channel(course, slug):
    scenarios = [q for q in module(course, slug).quiz.questions if q.type == "scenario"]
    written = [q.id for q in scenarios if WRITTEN_CHANNEL.search(scenario_text(q))]
    assert written, f"{slug}: geen scenario in een schriftelijk kanaal (e-mail, chat, review…)"


@pytest.mark.parametrize("slug", SLUGS)
def test_scenarios_come_from_three_sectors(course, slug):
    scenarios = [q for q in module(course, slug).quiz.questions if q.type == "scenario"]
    found = distinct_sectors(scenarios)
    detail = {q.id: sorted(sectors_of(q)) for q in scenarios}
    assert found >= 3, f"{slug}: scenario's uit {found} sectoren: {detail}"


# --- house style in lessons and quizzes (brief rules 8 and 9) -------------------------

STOCK_PHRASES = ["ik snap dat u", "ik hoor het"]


@pytest.mark.parametrize("slug", SLUGS)
def test_stock_phrases_at_most_once_per_module(slug):
    text = normalise("\n".join(content_texts(slug).values()))
    for phrase in STOCK_PHRASES:
        assert text.count(phrase) <= 1, f"{slug}: '{phrase}' {text.count(phrase)}x"


TURN = re.compile(r"^\*\*(Klant|Medewerker):\*\*\s*(.*)$")


@pytest.mark.parametrize("slug", SLUGS)
def test_dialogue_style(course, slug):
    """Turns as **Klant:** / **Medewerker:**, no quotes around a turn, never two Medewerker
    turns in a row, and "Wat zeg je?" in bold."""
    text = module(course, slug).lesson.markdown
    speakers = []
    for line in text.splitlines():
        line = line.strip()
        if re.match(r"^\*\*[^*]+:\*\*", line) and not TURN.match(line):
            label = line.split("**")[1]
            if label.lower().rstrip(":") in {"jij", "je", "medewerkster", "klant (boos)"}:
                pytest.fail(f"{slug}: andere spreker dan Klant/Medewerker: {line[:40]}")
        turn = TURN.match(line)
        if turn:
            speaker, said = turn.groups()
            assert not said.startswith(('"', "“", "'", "‘")), f"{slug}: aanhalingsteken: {line}"
            assert speakers[-1:] != ["Medewerker"] or speaker != "Medewerker", (
                f"{slug}: twee Medewerker-beurten achter elkaar: {line[:60]}"
            )
            speakers.append(speaker)
        elif line and not line.startswith(("#", ">", "*(")):
            speakers.append("")  # narration between turns ends the run of turns
    assert "Medewerker" in speakers, f"{slug}: geen voorbeelddialoog met **Medewerker:**"
    for line in text.splitlines():
        if "Wat zeg je?" in line:
            assert "**Wat zeg je?**" in line, f"{slug}: 'Wat zeg je?' niet vet: {line[:60]}"


# --- spiekkaart (brief rule 11) ---------------------------------------------------------

SPIEK_ITEM = re.compile(r"^- \*\*([^*]+)\*\*:?\s*:?\s*\S")


def section_body(mod, anchor: str) -> str:
    for chunk in ("\n" + mod.lesson.markdown).split("\n## ")[1:]:
        heading, _, body = chunk.partition("\n")
        if heading.rstrip().endswith(f"{{#{anchor}}}"):
            return body.strip()
    return ""


@pytest.mark.parametrize("slug", SLUGS)
def test_spiekkaart_is_the_last_section(course, slug):
    mod = module(course, slug)
    last = mod.lesson.sections[-1]
    assert (last.anchor, last.title) == ("spiekkaart", "Spiekkaart"), f"{slug}: {last}"
    body = section_body(mod, "spiekkaart")
    lines = [line for line in body.splitlines() if line.strip()]
    assert lines, f"{slug}: lege spiekkaart"
    assert all(SPIEK_ITEM.match(line) for line in lines), (
        f"{slug}: alleen regels '- **Stap**: \"zin\"' op de spiekkaart"
    )
    assert len(lines) <= 9, f"{slug}: {len(lines)} punten op de spiekkaart"
    words = len(re.findall(r"\w+", body))
    assert words <= 130, f"{slug}: spiekkaart heeft {words} woorden"


@pytest.mark.parametrize("slug", METHOD_SLUGS)
def test_spiekkaart_lists_the_steps_in_order(course, slug):
    """One item per step, in order: an item matches a step when they share a word of at
    least four letters ("Perspectief" for "Bekijk vanuit het perspectief van de ander")."""
    body = section_body(module(course, slug), "spiekkaart")
    names = [SPIEK_ITEM.match(line).group(1) for line in body.splitlines() if line.strip()]

    def words(text):
        return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}

    position = 0
    for step in CANONICAL_STEPS[slug]:
        while position < len(names) and not words(step) & words(names[position]):
            position += 1
        assert position < len(names), f"{slug}: stap '{step}' niet (op volgorde) op de spiekkaart"
        position += 1


# --- lessons ---------------------------------------------------------------------------


def lesson_words(mod) -> int:
    """Words of the lesson body (header already stripped), without the {#anchors}."""
    return len(re.findall(r"\w+", re.sub(r"\{#[^}]*\}", "", mod.lesson.markdown)))


@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_length(course, slug):
    words = lesson_words(module(course, slug))
    upper = 1600 if slug == "alles-samen" else 1300
    assert 600 <= words <= upper, f"{slug}: {words} woorden (600-{upper})"


@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_has_example_and_summary(course, slug):
    anchors = [s.anchor for s in module(course, slug).lesson.sections]
    assert "voorbeeld" in anchors
    assert "samenvatting" in anchors
    assert anchors[-2:] == ["samenvatting", "spiekkaart"]


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
