"""The course as data: frozen dataclasses for modules, lessons, quizzes and questions."""

from __future__ import annotations

from dataclasses import dataclass, field

WORDS_PER_MINUTE = 200


class ContentError(Exception):
    """Raised with every problem found; str() lists them one per line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str
    section: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    feedback: str = ""
    section: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # a name in types.CONTENT_TYPES
    prompt: str
    options: tuple[Option, ...] = ()
    steps: tuple[Step, ...] = ()  # ordering: in the correct order
    situation: str | None = None
    section: str | None = None
    main: bool = False

    @property
    def correct_option_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    @property
    def correct_order(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps)


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str


@dataclass(frozen=True)
class Lesson:
    markdown: str
    html: str
    sections: tuple[Section, ...]
    word_count: int
    # The lesson's "## Spiekkaart {#spiekkaart}" section on its own (one phone screen,
    # printable), or "" when the lesson has none.
    cheatsheet_html: str = ""

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))


@dataclass(frozen=True)
class Quiz:
    questions: tuple[Question, ...]
    version: str
    pass_mark: int = 80
    questions_per_attempt: int = 10
    retake_wait_minutes: int = 0  # pause after a failed exam before Opnieuw proberen
    by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    @property
    def main_question(self) -> Question | None:
        return next((q for q in self.questions if q.main), None)


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    order: int
    source: str
    summary: str
    lesson: Lesson
    quiz: Quiz

    @classmethod
    def missing(cls, slug: str) -> Module:
        """A stand-in for an assigned module whose files were removed from the course."""
        return cls(
            slug=slug,
            title=f"{slug} (niet meer in de cursus)",
            order=10_000,
            source="",
            summary="",
            lesson=Lesson("", "", (), 0),
            quiz=Quiz(questions=(), version=""),
        )


@dataclass(frozen=True)
class Course:
    modules: tuple[Module, ...]
    by_slug: dict[str, Module] = field(default_factory=dict, compare=False, repr=False)

    def get(self, slug: str) -> Module | None:
        return self.by_slug.get(slug)
