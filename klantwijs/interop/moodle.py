"""Questions in Moodle's formats: Moodle XML and GIFT out (`flask course export`), Moodle XML in
(`flask course import-moodle`, a quiz TOML draft for authors who come from Moodle).

Out: single and scenario → multichoice with one right answer, multi → multichoice with
fractions that add up like our grading (each right option 100/n, each wrong one −100/n), ordering
→ Moodle's ordering type (answer fraction = position, graded by the longest ordered subset, the
nearest to our rule). The customer's words open the question text in a blockquote; each
module is a category; the lesson section travels as a tag `sectie:ANKER`.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from ..course.model import Module, Option, Question, Step
from ..course.types import CONTENT_TYPES
from .shapes import items_of, shape_of

CATEGORY_ROOT = "$course$/top/Klantwijs"
SITUATION_CLASS = "klantwijs-situatie"
SECTION_TAG = "sectie:"
MAX_IMPORT_BYTES = 20 * 1024 * 1024
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class MoodleError(Exception):
    """A Moodle XML file that cannot be read; the message is Dutch."""


# --- Export ---------------------------------------------------------------------------------


def _category_name(module: Module) -> str:
    """Moodle splits category paths on '/': keep a title in one piece."""
    return module.title.replace("/", "-")


def question_html(question: Question) -> str:
    """The question text: the customer's words first (scenario), then the prompt."""
    prompt = f"<p>{html.escape(question.prompt, quote=False)}</p>"
    if not question.situation:
        return prompt
    return (
        "<p><strong>De klant zegt:</strong></p>"
        f'<blockquote class="{SITUATION_CLASS}"><p>{html.escape(question.situation, quote=False)}'
        f"</p></blockquote>{prompt}"
    )


def fraction_text(value: float) -> str:
    """Moodle's fraction notation: 100, 33.33333, -50."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def choice_fractions(question: Question) -> dict[str, float]:
    """Percent per option: 100 for the one right option; with several right options each
    right one 100/n and each wrong one −100/n, so Moodle's sum (kept between 0 and 100) is
    our (right − wrong) / n."""
    right = [o for o in question.options if o.correct]
    if not shape_of(question).multiple:
        return {o.id: 100.0 if o.correct else 0.0 for o in question.options}
    share = 100.0 / len(right)
    return {o.id: share if o.correct else -share for o in question.options}


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _plain(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _question_xml(quiz: ET.Element, module: Module, question: Question) -> None:
    shape = shape_of(question)
    moodle_type = "ordering" if shape.interaction == "sequencing" else "multichoice"
    element = ET.SubElement(quiz, "question", {"type": moodle_type})
    name = ET.SubElement(element, "name")
    ET.SubElement(name, "text").text = f"{module.slug}: {question.id}"
    _text(element, "questiontext", question_html(question))
    _text(element, "generalfeedback", "")
    _plain(element, "defaultgrade", "1.0000000")
    _plain(element, "penalty", "0.3333333")
    _plain(element, "hidden", "0")
    _plain(element, "idnumber", question.id)
    if moodle_type == "ordering":
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", str(len(question.steps))),
            ("gradingtype", "LONGEST_ORDERED_SUBSET"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            _plain(element, tag, value)
    else:
        _plain(element, "single", "false" if shape.multiple else "true")
        _plain(element, "shuffleanswers", "true")
        _plain(element, "answernumbering", "none")
        _plain(element, "showstandardinstruction", "0")
    _text(element, "correctfeedback", "Goed.")
    _text(element, "partiallycorrectfeedback", "Deels goed.")
    _text(element, "incorrectfeedback", "Fout.")
    _plain(element, "shownumcorrect", "1")
    fractions = None if moodle_type == "ordering" else choice_fractions(question)
    for position, item in enumerate(items_of(question), 1):
        fraction = f"{position}.0000000" if fractions is None else fraction_text(fractions[item.id])
        answer = ET.SubElement(element, "answer", {"fraction": fraction, "format": "html"})
        ET.SubElement(answer, "text").text = html.escape(item.text, quote=False)
        if item.feedback:
            _text(answer, "feedback", html.escape(item.feedback, quote=False))
    if question.section:
        tags = ET.SubElement(element, "tags")
        ET.SubElement(ET.SubElement(tags, "tag"), "text").text = SECTION_TAG + question.section


def moodle_xml(modules: tuple[Module, ...]) -> str:
    """Every question of these modules as Moodle XML, a category per module."""
    quiz = ET.Element("quiz")
    for module in modules:
        quiz.append(ET.Comment(f" Klantwijs: module {module.slug} "))
        category = ET.SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"{CATEGORY_ROOT}/{_category_name(module)}", None)
        _text(category, "info", html.escape(module.summary, quote=False))
        _plain(category, "idnumber", f"klantwijs-{module.slug}")
        for question in module.quiz.questions:
            _question_xml(quiz, module, question)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")


def gift_escape(text: str) -> str:
    """GIFT's control characters get a backslash; line breaks become \\n."""
    return GIFT_SPECIAL.sub(r"\\\1", text).replace("\r", "").replace("\n", "\\n")


def _gift_html(text: str) -> str:
    return gift_escape(html.escape(text, quote=False))


def gift(modules: tuple[Module, ...]) -> str:
    """Every question as GIFT. GIFT has no ordering type: an ordering question becomes a
    matching question (each step → its place), which Moodle and other GIFT readers import."""
    out: list[str] = []
    for module in modules:
        out.append(f"// Klantwijs: module {module.slug}")
        out.append(f"$CATEGORY: {CATEGORY_ROOT}/{_category_name(module)}")
        out.append("")
        for question in module.quiz.questions:
            shape = shape_of(question)
            comment = f"// {question.type}"
            if question.section:
                comment += f", {SECTION_TAG}{question.section}"
            out.append(comment)
            stem = f"::{gift_escape(module.slug + '-' + question.id)}::[html]"
            out.append(stem + gift_escape(question_html(question)) + " {")
            if shape.interaction == "sequencing":
                for place, step in enumerate(question.steps, 1):
                    left = _gift_html(step.text).replace("->", "→")
                    out.append(f"  ={left} -> {place}")
            else:
                fractions = choice_fractions(question)
                for option in question.options:
                    if shape.multiple:
                        mark = f"~%{fraction_text(fractions[option.id])}%"
                    else:
                        mark = "=" if option.correct else "~"
                    out.append(f"  {mark}{_gift_html(option.text)}#{_gift_html(option.feedback)}")
            out.append("}")
            out.append("")
    return "\n".join(out)


# --- Import ---------------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    """The readable text of a bit of HTML: paragraphs and line breaks become spaces."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "p", "div", "li", "blockquote"}:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_text(value: str | None) -> str:
    parser = _TextOnly()
    parser.feed(value or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


SITUATION_RE = re.compile(
    r"<blockquote[^>]*class=\"" + SITUATION_CLASS + r"\"[^>]*>(?P<situation>.*?)</blockquote>",
    re.S,
)
LABEL_RE = re.compile(r"<p>\s*<strong>\s*De klant zegt:\s*</strong>\s*</p>", re.S)


@dataclass
class Imported:
    """What an import found: the questions for the draft, and what was left out and why."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)


def _child_text(element: ET.Element, *path: str) -> str:
    node = element
    for name in path:
        node = node.find(name) if node is not None else None
    return (node.text or "") if node is not None else ""


def _slug(text: str, fallback: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return base if base and ID_PATTERN.match(base) else fallback


def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 2
    while name in taken:
        name = f"{wanted}-{n}"[:64]
        n += 1
    taken.add(name)
    return name


def _option_id(index: int) -> str:
    return chr(ord("a") + index) if index < 26 else f"optie-{index + 1}"


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _question_text(element: ET.Element) -> tuple[str, str | None]:
    raw = _child_text(element, "questiontext", "text")
    match = SITUATION_RE.search(raw)
    if not match:
        return html_text(raw), None
    rest = LABEL_RE.sub(" ", raw[: match.start()] + raw[match.end() :])
    return html_text(rest), html_text(match.group("situation")) or None


def _imported_question(element: ET.Element, moodle_type: str, taken: set[str]) -> dict:
    name = html_text(_child_text(element, "name", "text"))
    idnumber = _child_text(element, "idnumber").strip()
    wanted = idnumber if ID_PATTERN.match(idnumber) else _slug(name.rpartition(": ")[2], "")
    qid = _unique(wanted or f"vraag-{len(taken) + 1}", taken)
    prompt, situation = _question_text(element)
    answers = element.findall("answer")
    item = {
        "text": lambda a: html_text(_child_text(a, "text")),
        "feedback": lambda a: html_text(_child_text(a, "feedback", "text")),
    }
    question: dict = {"id": qid, "prompt": prompt}
    if moodle_type == "ordering":
        question["type"] = "ordering"
        ordered = sorted(enumerate(answers), key=lambda pair: (_fraction(pair[1]), pair[0]))
        step_ids: set[str] = set()
        question["steps"] = [
            {
                "id": _unique(_slug(item["text"](a), f"stap-{i + 1}"), step_ids),
                "text": item["text"](a),
                "feedback": item["feedback"](a),
            }
            for i, (_, a) in enumerate(ordered)
        ]
    else:
        single = _child_text(element, "single").strip().lower() not in {"false", "0"}
        question["type"] = ("scenario" if situation else "single") if single else "multi"
        best = max((_fraction(a) for a in answers), default=0.0)
        question["options"] = [
            {
                "id": _option_id(i),
                "text": item["text"](a),
                "correct": _fraction(a) > 0 and (not single or _fraction(a) == best),
                "feedback": item["feedback"](a),
            }
            for i, a in enumerate(answers)
        ]
    if situation:
        question["situation"] = situation
    tags = [html_text(t.text) for t in element.findall("tags/tag/text")]
    section = next((t[len(SECTION_TAG) :] for t in tags if t.startswith(SECTION_TAG)), None)
    if section and ID_PATTERN.match(section):
        question["section"] = section
    return question


def read_moodle_xml(data: bytes) -> Imported:
    """Multichoice and ordering questions from a Moodle XML file; other types are listed as
    skipped. Refuses DOCTYPEs (no entities from a file someone sent), huge and broken files."""
    if len(data) > MAX_IMPORT_BYTES:
        raise MoodleError("het bestand is groter dan 20 MB")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise MoodleError("het bestand bevat een DOCTYPE of ENTITY; Moodle XML heeft die niet")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise MoodleError(f"geen geldige XML ({exc})") from None
    if root.tag != "quiz":
        raise MoodleError(f"geen Moodle XML: het bestand begint met <{root.tag}>, niet met <quiz>")
    found = Imported()
    taken: set[str] = set()
    for number, element in enumerate(root.findall("question"), 1):
        moodle_type = element.get("type", "")
        if moodle_type == "category":
            continue
        name = html_text(_child_text(element, "name", "text")) or f"vraag {number}"
        if moodle_type not in {"multichoice", "ordering"}:
            found.skipped.append(f"{name}: type '{moodle_type}' wordt niet overgenomen")
            continue
        found.questions.append(_imported_question(element, moodle_type, taken))
    found.todo = draft_problems(found.questions)
    return found


def draft_problems(questions: list[dict]) -> list[str]:
    """What an author still has to do before the draft passes `flask course check`, by the
    rules of each type (course/types.py) and the fields every question needs."""
    problems: list[str] = []
    for data in questions:
        where = f"vraag '{data['id']}'"
        question = Question(
            id=data["id"],
            type=data["type"],
            prompt=data["prompt"],
            options=tuple(Option(**o) for o in data.get("options", [])),
            steps=tuple(Step(**s) for s in data.get("steps", [])),
            situation=data.get("situation"),
        )
        CONTENT_TYPES[data["type"]].check(question, where, problems)
        if not data["prompt"]:
            problems.append(f"{where}: prompt: leeg")
        problems += [
            f"{where}: optie '{o['id']}': feedback ontbreekt"
            for o in data.get("options", [])
            if not o["feedback"]
        ]
        if "section" not in data:
            problems.append(f"{where}: section: kies het anker van de les dat dit uitlegt")
    return problems


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def quiz_toml(imported: Imported, source: str) -> str:
    """The draft quiz/SLUG.toml, in the layout of docs/CONTENT_FORMAT.md."""
    lines = [
        f"# Concept uit Moodle XML ({source}). Controleer elke vraag, vul 'section' en",
        "# ontbrekende feedback aan en draai daarna `flask course check`.",
        "pass_mark = 80",
        f"questions_per_attempt = {max(1, min(10, len(imported.questions)))}",
    ]
    for data in imported.questions:
        lines += ["", "[[questions]]"]
        for key in ("id", "type", "prompt", "situation", "section"):
            if key in data:
                lines.append(f"{key} = {_toml_string(data[key])}")
        for list_key, fields in (
            ("steps", ("id", "text", "feedback")),
            ("options", ("id", "text", "correct", "feedback")),
        ):
            for item in data.get(list_key, []):
                lines += ["", f"  [[questions.{list_key}]]"]
                for key in fields:
                    if key == "correct":
                        if item[key]:
                            lines.append("  correct = true")
                    else:
                        lines.append(f"  {key} = {_toml_string(item[key])}")
    return "\n".join(lines) + "\n"
