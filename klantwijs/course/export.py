"""The course as the JSON shape of `flask course dump` (documented in the README)."""

from __future__ import annotations

from .model import Course, Question
from .types import CONTENT_TYPES


def course_as_dict(course: Course) -> dict:
    """The documented JSON shape of `flask course dump`."""

    def question(q: Question) -> dict:
        out = {"id": q.id, "type": q.type, "prompt": q.prompt}
        if q.situation:
            out["situation"] = q.situation
        if q.section:
            out["section"] = q.section
        out.update(CONTENT_TYPES[q.type].dump(q))  # options, and steps where the type has them
        return out

    return {
        "modules": [
            {
                "slug": m.slug,
                "title": m.title,
                "order": m.order,
                "source": m.source,
                "summary": m.summary,
                "lesson": {
                    "markdown": m.lesson.markdown,
                    "sections": [{"anchor": s.anchor, "title": s.title} for s in m.lesson.sections],
                },
                "quiz": {
                    "pass_mark": m.quiz.pass_mark,
                    "questions_per_attempt": m.quiz.questions_per_attempt,
                    "retake_wait_minutes": m.quiz.retake_wait_minutes,
                    "questions": [question(q) for q in m.quiz.questions],
                },
            }
            for m in course.modules
        ]
    }
