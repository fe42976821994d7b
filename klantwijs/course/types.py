"""Question types as content: the rules an author must meet per type, and what `course dump`
writes for it.

The loader reads every question the same way (ids, texts, sections, options and steps) and
then asks the question's type for the rest: `check()` adds the rules of that type, and the
declared attributes say which list the type uses (`items`), whether it needs the customer's
words (`needs_situation`) and whether it may be a quiz's main question (`can_be_main`).

Why the content half of a type lives here and not in `learning/questions.py`: the course is
read and checked without any learner code (`flask course check`, `load_course` in tests and
tools), and `course/` never imports `learning/`. `learning/questions.py` builds each
learner-facing type on the class of the same name here (`class Single(Choice, types.Single)`),
so its registry shows a type whole: these rules plus drawing, parsing, grading and review.
"""

from __future__ import annotations

from .model import Question


class ContentType:
    """One type of question as written in quiz/*.toml. Subclasses set name and their rules."""

    name = ""
    items = "options"  # the list an author fills in: "options" or "steps"
    needs_situation = False  # the customer's words (`situation`) are required
    can_be_main = False  # may be the quiz's main question (always drawn)

    def check(self, question: Question, where: str, errors: list[str]) -> None:
        """Add a message to errors for every rule of this type the question breaks."""

    def dump(self, question: Question) -> dict:
        """The type's part of the question in `course dump`: options (and steps)."""
        return {
            "options": [
                {"id": o.id, "text": o.text, "correct": o.correct, "feedback": o.feedback}
                for o in question.options
            ]
        }


def _count_rules(question: Question, where: str, errors: list[str], minimum: int) -> int:
    """At least `minimum` options; return how many are correct."""
    if len(question.options) < minimum:
        errors.append(f"{where}: options: minstens {minimum} opties nodig")
    return sum(o.correct for o in question.options)


class Single(ContentType):
    """Pick the one correct option."""

    name = "single"

    def check(self, question: Question, where: str, errors: list[str]) -> None:
        correct = _count_rules(question, where, errors, minimum=2)
        if correct != 1:
            errors.append(f"{where}: options: precies 1 juiste optie nodig, gevonden {correct}")


class Scenario(Single):
    """A single-choice question that quotes a customer (`situation`)."""

    name = "scenario"
    needs_situation = True


class Multi(ContentType):
    """Pick every correct option; at least one option is right and one is wrong."""

    name = "multi"

    def check(self, question: Question, where: str, errors: list[str]) -> None:
        correct = _count_rules(question, where, errors, minimum=3)
        if correct < 1 or correct == len(question.options):
            errors.append(f"{where}: options: minstens 1 juiste en 1 onjuiste optie nodig")


class Ordering(ContentType):
    """Put the steps in order; the author lists them in the correct order."""

    name = "ordering"
    items = "steps"
    can_be_main = True

    def check(self, question: Question, where: str, errors: list[str]) -> None:
        if len(question.steps) < 3:
            errors.append(
                f"{where}: steps: minstens 3 stappen nodig, gevonden {len(question.steps)}"
            )

    def dump(self, question: Question) -> dict:
        steps = [{"id": s.id, "text": s.text, "feedback": s.feedback} for s in question.steps]
        return {**super().dump(question), "steps": steps}


# Every type an author may use, in the order the loader names them.
CONTENT_TYPES: dict[str, ContentType] = {
    t.name: t for t in (Single(), Multi(), Ordering(), Scenario())
}
