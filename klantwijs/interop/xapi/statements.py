"""xAPI statements for what a learner does, built from plain data (no Flask, no database).

Who: `actor.account` with homePage = BASE_URL and name = the account's id (never the e-mail),
or, with XAPI_ACTOR_MBOX=1, the name and `mailto:` address. What: the lesson page, the quiz
and each question are activities under BASE_URL (the app's own addresses). Every text is in an
`nl-NL` language map. A statement's UUID is derived from what it records (uuid5), so the same
event always gets the same id and an LRS never stores it twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from ...course.model import Module, Question
from ..shapes import correct_response, items_of, response_ids, shape_of

VERSION = "1.0.3"
LANGUAGE = "nl-NL"
ADL = "http://adlnet.gov/expapi"
VERBS = {
    "experienced": (f"{ADL}/verbs/experienced", "experienced", "heeft gelezen"),
    "attempted": (f"{ADL}/verbs/attempted", "attempted", "is begonnen aan"),
    "answered": (f"{ADL}/verbs/answered", "answered", "beantwoordde"),
    "passed": (f"{ADL}/verbs/passed", "passed", "is geslaagd voor"),
    "failed": (f"{ADL}/verbs/failed", "failed", "is niet geslaagd voor"),
    # Spaced review (Herhalen), a later issue: see review_done() below.
    "completed": (f"{ADL}/verbs/completed", "completed", "heeft afgerond"),
}
ACTIVITY = {
    "course": f"{ADL}/activities/course",
    "lesson": f"{ADL}/activities/lesson",
    "assessment": f"{ADL}/activities/assessment",
    "interaction": f"{ADL}/activities/cmi.interaction",
}


def nl(text: str) -> dict:
    return {LANGUAGE: text}


def when(moment: dt.datetime) -> str:
    """A naive UTC time (as the database holds it) in xAPI's ISO 8601 form."""
    return moment.replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Person:
    """The learner as the statements name them."""

    user_id: int
    email: str | None = None  # only with XAPI_ACTOR_MBOX=1
    name: str | None = None


@dataclass(frozen=True)
class Statements:
    """Builds statements for one installation (BASE_URL) of Klantwijs."""

    base_url: str
    platform: str = "Klantwijs"

    @property
    def home(self) -> str:
        return self.base_url.rstrip("/")

    def statement_id(self, key: str) -> str:
        """The same key gives the same UUID in this installation, on every retry."""
        return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, self.home + "/"), key))

    def actor(self, person: Person) -> dict:
        if person.email:
            actor = {"objectType": "Agent", "mbox": f"mailto:{person.email}"}
            if person.name:
                actor["name"] = person.name
            return actor
        return {
            "objectType": "Agent",
            "account": {"homePage": self.home, "name": str(person.user_id)},
        }

    def verb(self, name: str) -> dict:
        iri, english, dutch = VERBS[name]
        return {"id": iri, "display": {"en-US": english, LANGUAGE: dutch}}

    # Activities ----------------------------------------------------------------------------

    def course_activity(self) -> dict:
        return {
            "objectType": "Activity",
            "id": f"{self.home}/",
            "definition": {"name": nl("Klantwijs"), "type": ACTIVITY["course"]},
        }

    def lesson_activity(self, module: Module) -> dict:
        return {
            "objectType": "Activity",
            "id": f"{self.home}/modules/{module.slug}",
            "definition": {
                "name": nl(module.title),
                "description": nl(module.summary or module.title),
                "type": ACTIVITY["lesson"],
            },
        }

    def quiz_activity(self, module: Module) -> dict:
        return {
            "objectType": "Activity",
            "id": f"{self.home}/modules/{module.slug}/quiz",
            "definition": {"name": nl(f"Toets: {module.title}"), "type": ACTIVITY["assessment"]},
        }

    def question_activity(self, module: Module, question: Question) -> dict:
        """A question as a cmi.interaction: its items as `choices`, the right answer as the
        pattern (choice: the right option ids; sequencing: the step ids in order)."""
        shape = shape_of(question)
        description = question.prompt
        if question.situation:
            description = f"De klant zegt: “{question.situation}” {question.prompt}"
        return {
            "objectType": "Activity",
            "id": f"{self.home}/modules/{module.slug}/quiz/vragen/{question.id}",
            "definition": {
                "name": nl(question.prompt),
                "description": nl(description),
                "type": ACTIVITY["interaction"],
                "interactionType": shape.interaction,
                "correctResponsesPattern": ["[,]".join(correct_response(question))],
                "choices": [{"id": i.id, "description": nl(i.text)} for i in items_of(question)],
            },
        }

    # Statements ----------------------------------------------------------------------------

    def _context(self, module: Module, registration: str | None = None, parent=None) -> dict:
        context = {
            "platform": self.platform,
            "language": LANGUAGE,
            "contextActivities": {
                "parent": [parent or self.lesson_activity(module)],
                "grouping": [self.course_activity()],
            },
        }
        if registration:
            context["registration"] = registration
        return context

    def _statement(self, key, person, verb, obj, moment, context, result=None) -> dict:
        statement = {
            "id": self.statement_id(key),
            "actor": self.actor(person),
            "verb": self.verb(verb),
            "object": obj,
            "context": context,
            "timestamp": when(moment),
            "version": VERSION,
        }
        if result is not None:
            statement["result"] = result
        return statement

    def registration(self, attempt_id: int, started_at: dt.datetime) -> str:
        return self.statement_id(f"registration:{attempt_id}:{started_at.isoformat()}")

    def lesson_read(self, person: Person, module: Module, moment: dt.datetime) -> dict:
        """experienced: the learner opened the lesson (recorded at most hourly, as the app)."""
        key = f"experienced:{person.user_id}:{module.slug}:{moment.isoformat()}"
        context = self._context(module, parent=self.course_activity())
        return self._statement(
            key, person, "experienced", self.lesson_activity(module), moment, context
        )

    def attempt_started(self, person: Person, module: Module, attempt_id: int, started_at) -> dict:
        """attempted: a new exam of the module's quiz."""
        registration = self.registration(attempt_id, started_at)
        return self._statement(
            f"attempted:{registration}",
            person,
            "attempted",
            self.quiz_activity(module),
            started_at,
            self._context(module, registration),
        )

    def answered(
        self, person: Person, module: Module, question: Question, response, score: float,
        attempt_id: int, started_at: dt.datetime, submitted_at: dt.datetime,
    ) -> dict:  # fmt: skip
        """answered: one question of a handed-in exam, with the learner's response."""
        registration = self.registration(attempt_id, started_at)
        result = {
            "response": "[,]".join(response_ids(response)),
            "success": score >= 1,
            "completion": bool(response_ids(response)),
            "score": {"scaled": round(score, 4), "raw": round(score, 4), "min": 0, "max": 1},
        }
        return self._statement(
            f"answered:{registration}:{question.id}",
            person,
            "answered",
            self.question_activity(module, question),
            submitted_at,
            self._context(module, registration, parent=self.quiz_activity(module)),
            result,
        )

    def attempt_result(
        self, person: Person, module: Module, attempt_id: int, started_at: dt.datetime,
        submitted_at: dt.datetime, score: float, max_score: int, passed: bool,
    ) -> dict:  # fmt: skip
        """passed / failed: the exam's outcome against the quiz's pass mark."""
        registration = self.registration(attempt_id, started_at)
        seconds = max(0, int((submitted_at - started_at).total_seconds()))
        result = {
            "success": passed,
            "completion": True,
            "duration": f"PT{seconds}S",
            "score": {
                "scaled": round(score / max_score, 4) if max_score else 0,
                "raw": round(score, 4),
                "min": 0,
                "max": max_score,
            },
        }
        return self._statement(
            f"result:{registration}",
            person,
            "passed" if passed else "failed",
            self.quiz_activity(module),
            submitted_at,
            self._context(module, registration),
            result,
        )

    def review_done(self, person: Person, module: Module, moment: dt.datetime) -> dict:
        """completed: a spaced review (Herhalen) of a passed module was finished.

        The hook for the later spaced-review issue: its operation sends a `review_done`
        signal, and interop/xapi/outbox.py connects a receiver that queues this statement."""
        key = f"completed:review:{person.user_id}:{module.slug}:{moment.isoformat()}"
        activity = {
            "objectType": "Activity",
            "id": f"{self.home}/modules/{module.slug}/herhalen",
            "definition": {"name": nl(f"Herhalen: {module.title}"), "type": ACTIVITY["assessment"]},
        }
        return self._statement(
            key, person, "completed", activity, moment, self._context(module), {"completion": True}
        )
