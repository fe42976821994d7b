"""Reading lessons/*.md and quiz/*.toml into the course model, validating as it goes.

Validation collects every problem with file and field, so an author sees them all at once.
"""

from __future__ import annotations

import hashlib
import html
import re
import tomllib
from pathlib import Path

import markdown

from .model import (
    ContentError,
    Course,
    Lesson,
    Module,
    Option,
    Question,
    Quiz,
    Section,
    Step,
)
from .types import CONTENT_TYPES, ContentType

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LESSON_FIELDS = ("title", "order", "source", "summary")
QUIZ_KEYS = {"pass_mark", "questions_per_attempt", "retake_wait_minutes", "questions"}
MAX_RETAKE_WAIT_MINUTES = 7 * 24 * 60  # a week
QUESTION_KEYS = {"id", "type", "prompt", "situation", "section", "main", "options", "steps"}
OPTION_KEYS = {"id", "text", "correct", "feedback", "section"}
STEP_KEYS = {"id", "text", "feedback", "section"}


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["meta", "attr_list", "toc", "tables", "sane_lists"],
        extension_configs={"toc": {"permalink": False}},
    )


def _level_two(tokens: list[dict]) -> list[dict]:
    found = []
    for token in tokens:
        if token["level"] == 2:
            found.append(token)
        found.extend(_level_two(token.get("children", [])))
    return found


def parse_lesson(path: Path, errors: list[str]) -> tuple[dict, Lesson]:
    """Read one lesson file; return its metadata and the rendered lesson."""
    text = path.read_text(encoding="utf-8")
    md = _markdown()
    rendered = md.convert(text)
    meta = {key: " ".join(value).strip() for key, value in md.Meta.items()}
    for name in LESSON_FIELDS:
        if not meta.get(name):
            errors.append(f"{path.name}: {name}: ontbreekt in de kop van de les")
    if meta.get("order"):
        try:
            meta["order"] = int(meta["order"])
        except ValueError:
            errors.append(f"{path.name}: order: geen geheel getal: {meta['order']!r}")
    sections = tuple(
        Section(anchor=t["id"], title=html.unescape(t["name"])) for t in _level_two(md.toc_tokens)
    )
    seen = set()
    for section in sections:
        if section.anchor in seen:
            errors.append(f"{path.name}: ## {section.title}: anker '{section.anchor}' dubbel")
        seen.add(section.anchor)
    body = text.split("\n\n", 1)[1] if md.Meta else text
    lesson = Lesson(
        markdown=body.strip(),
        html=rendered,
        sections=sections,
        word_count=len(re.findall(r"\w+", body)),
        cheatsheet_html=_cheatsheet(body),
    )
    return meta, lesson


CHEATSHEET = re.compile(r"^## [^\n]*\{#spiekkaart\}[^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)


def _cheatsheet(body: str) -> str:
    """The Spiekkaart section's content rendered on its own (without its heading)."""
    found = CHEATSHEET.search(body)
    return _markdown().convert(found.group(1).strip()) if found else ""


def _text(where: str, data: dict, key: str, errors: list[str], required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            errors.append(f"{where}: {key}: ontbreekt")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{where}: {key}: moet een niet-lege tekst zijn")
        return ""
    return value.strip()


def _unknown_keys(where: str, data: dict, allowed: set[str], errors: list[str]) -> None:
    for key in sorted(set(data) - allowed):
        errors.append(f"{where}: {key}: onbekend veld")


def _check_section(where: str, section: str | None, anchors: set[str], errors: list[str]) -> None:
    if section is not None and section not in anchors:
        errors.append(f"{where}: section: anker '{section}' bestaat niet in de les")


def _parse_option(where: str, data, anchors: set[str], errors: list[str]) -> Option | None:
    if not isinstance(data, dict):
        errors.append(f"{where}: moet een tabel zijn")
        return None
    _unknown_keys(where, data, OPTION_KEYS, errors)
    correct = data.get("correct", False)
    if not isinstance(correct, bool):
        errors.append(f"{where}: correct: moet true of false zijn")
        correct = False
    option = Option(
        id=_text(where, data, "id", errors),
        text=_text(where, data, "text", errors),
        correct=correct,
        feedback=_text(where, data, "feedback", errors),
        section=_text(where, data, "section", errors, required=False) or None,
    )
    _check_section(where, option.section, anchors, errors)
    return option


def _parse_step(where: str, data, anchors: set[str], errors: list[str]) -> Step | None:
    if not isinstance(data, dict):
        errors.append(f"{where}: moet een tabel zijn")
        return None
    _unknown_keys(where, data, STEP_KEYS, errors)
    step = Step(
        id=_text(where, data, "id", errors),
        text=_text(where, data, "text", errors),
        feedback=_text(where, data, "feedback", errors, required=False),
        section=_text(where, data, "section", errors, required=False) or None,
    )
    _check_section(where, step.section, anchors, errors)
    return step


def _check_ids(where: str, items, kind: str, errors: list[str]) -> None:
    seen = set()
    for item in items:
        if item.id and not ID_PATTERN.match(item.id):
            errors.append(f"{where}: {kind} '{item.id}': id mag alleen a-z, 0-9 en - bevatten")
        if item.id in seen:
            errors.append(f"{where}: {kind} '{item.id}': id dubbel")
        seen.add(item.id)


def _kinds(has) -> str:
    """The types with a property, as a message names them: 'ordering-vraag'."""
    return " of ".join(f"{t.name}-vraag" for t in CONTENT_TYPES.values() if has(t))


def _parse_question(where: str, data, anchors: set[str], errors: list[str]) -> Question | None:
    """Read the fields every question has, then let its type (course/types.py) check the rest."""
    if not isinstance(data, dict):
        errors.append(f"{where}: moet een tabel zijn")
        return None
    _unknown_keys(where, data, QUESTION_KEYS, errors)
    qid = _text(where, data, "id", errors)
    where = f"{where} (id '{qid}')" if qid else where
    qtype = data.get("type")
    kind = CONTENT_TYPES.get(qtype) if isinstance(qtype, str) else None
    if kind is None:
        errors.append(
            f"{where}: type: onbekend type {qtype!r} (kies uit {', '.join(CONTENT_TYPES)})"
        )
        kind = ContentType()  # an unknown type: only the rules every type shares
    raw_options = data.get("options", [])
    raw_steps = data.get("steps", [])
    if not isinstance(raw_options, list) or not isinstance(raw_steps, list):
        errors.append(f"{where}: options/steps: moet een lijst van tabellen zijn")
        raw_options, raw_steps = [], []
    options = [
        o
        for i, d in enumerate(raw_options)
        if (o := _parse_option(f"{where}: options[{i}]", d, anchors, errors))
    ]
    steps = [
        s
        for i, d in enumerate(raw_steps)
        if (s := _parse_step(f"{where}: steps[{i}]", d, anchors, errors))
    ]
    _check_ids(where, options, "optie", errors)
    _check_ids(where, steps, "stap", errors)
    main = data.get("main", False)
    if not isinstance(main, bool):
        errors.append(f"{where}: main: moet true of false zijn")
        main = False
    section = _text(where, data, "section", errors, required=False) or None
    _check_section(where, section, anchors, errors)
    situation = _text(where, data, "situation", errors, required=kind.needs_situation) or None
    prompt_errors: list[str] = []  # listed after the type's rules, as `course check` always did
    question = Question(
        id=qid,
        type=kind.name,
        prompt=_text(where, data, "prompt", prompt_errors),
        options=tuple(options),
        steps=tuple(steps),
        situation=situation,
        section=section,
        main=main,
    )
    kind.check(question, where, errors)
    if kind.items == "steps" and options:
        errors.append(f"{where}: options: een {kind.name}-vraag heeft steps, geen options")
    if kind.items != "steps" and steps:
        stepped = _kinds(lambda t: t.items == "steps")
        errors.append(f"{where}: steps: alleen een {stepped} heeft steps")
    if main and not kind.can_be_main:
        errors.append(
            f"{where}: main: alleen een {_kinds(lambda t: t.can_be_main)} kan de hoofdvraag zijn"
        )
    errors.extend(prompt_errors)
    return question


def parse_quiz(path: Path, anchors: set[str], errors: list[str]) -> Quiz | None:
    """Read one quiz file; problems go to errors, named by file and field."""
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(f"{path.name}: geen geldige TOML: {exc}")
        return None
    _unknown_keys(path.name, data, QUIZ_KEYS, errors)
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list) or not raw_questions:
        errors.append(f"{path.name}: questions: geen vragen gevonden")
        raw_questions = []
    questions = [
        q
        for i, d in enumerate(raw_questions)
        if (q := _parse_question(f"{path.name}: questions[{i}]", d, anchors, errors))
    ]
    seen = set()
    for q in questions:
        if q.id and q.id in seen:
            errors.append(f"{path.name}: questions: id '{q.id}' dubbel")
        seen.add(q.id)
    if sum(q.main for q in questions) > 1:
        errors.append(f"{path.name}: main: hooguit één hoofdvraag per toets")
    pass_mark = data.get("pass_mark", 80)
    if not isinstance(pass_mark, int) or isinstance(pass_mark, bool) or not 1 <= pass_mark <= 100:
        errors.append(f"{path.name}: pass_mark: moet een geheel getal van 1 tot 100 zijn")
        pass_mark = 80
    per_attempt = data.get("questions_per_attempt", 10)
    if (
        not isinstance(per_attempt, int)
        or isinstance(per_attempt, bool)
        or not 1 <= per_attempt <= max(1, len(questions))
    ):
        errors.append(
            f"{path.name}: questions_per_attempt: moet tussen 1 en {len(questions)} liggen"
        )
        per_attempt = max(1, min(10, len(questions)))
    wait = data.get("retake_wait_minutes", 0)
    if (
        not isinstance(wait, int)
        or isinstance(wait, bool)
        or not 0 <= wait <= MAX_RETAKE_WAIT_MINUTES
    ):
        errors.append(
            f"{path.name}: retake_wait_minutes: moet een geheel getal van 0 tot en met "
            f"{MAX_RETAKE_WAIT_MINUTES} zijn (minuten)"
        )
        wait = 0
    return Quiz(
        questions=tuple(questions),
        version=hashlib.sha256(raw).hexdigest()[:16],
        pass_mark=pass_mark,
        questions_per_attempt=per_attempt,
        retake_wait_minutes=wait,
        by_id={q.id: q for q in questions},
    )


def load_course(lessons_dir: str | Path, quiz_dir: str | Path) -> Course:
    """Read and validate the whole course; raise ContentError listing every problem."""
    lessons_dir, quiz_dir = Path(lessons_dir), Path(quiz_dir)
    errors: list[str] = []
    lesson_paths = {p.stem: p for p in sorted(lessons_dir.glob("*.md"))}
    quiz_paths = {p.stem: p for p in sorted(quiz_dir.glob("*.toml"))}
    if not lesson_paths:
        errors.append(f"{lessons_dir}: geen lessen (*.md) gevonden")
    for slug in sorted(set(quiz_paths) - set(lesson_paths)):
        errors.append(f"{quiz_paths[slug].name}: toets zonder les ({slug}.md ontbreekt)")
    modules = []
    for slug, path in lesson_paths.items():
        if not ID_PATTERN.match(slug):
            errors.append(f"{path.name}: bestandsnaam: alleen a-z, 0-9 en - toegestaan")
        meta, lesson = parse_lesson(path, errors)
        if slug not in quiz_paths:
            errors.append(f"{path.name}: les zonder toets ({slug}.toml ontbreekt)")
            continue
        quiz = parse_quiz(quiz_paths[slug], {s.anchor for s in lesson.sections}, errors)
        if quiz is None or not all(meta.get(f) for f in LESSON_FIELDS):
            continue
        modules.append(
            Module(
                slug=slug,
                title=meta["title"],
                order=meta["order"] if isinstance(meta["order"], int) else 0,
                source=meta["source"],
                summary=meta["summary"],
                lesson=lesson,
                quiz=quiz,
            )
        )
    orders = [m.order for m in modules]
    for order in sorted({o for o in orders if orders.count(o) > 1}):
        errors.append(f"order: {order} komt bij meer dan één les voor")
    if errors:
        raise ContentError(errors)
    modules.sort(key=lambda m: m.order)
    return Course(modules=tuple(modules), by_slug={m.slug: m for m in modules})
