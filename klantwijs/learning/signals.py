"""What happens in learning, announced for other parts to record (blinker signals).

Senders call `.send(current_app._get_current_object(), **data)` after the change is
committed; receivers (e.g. xAPI statements) must never slow down or fail the learner's
request: they only queue work.
"""

from blinker import Namespace

_signals = Namespace()

# user_id, module_slug
lesson_read = _signals.signal("lesson-read")
# attempt (Attempt), module (course Module)
attempt_started = _signals.signal("attempt-started")
# attempt (Attempt, graded), module, answers (question id → saved answer)
attempt_submitted = _signals.signal("attempt-submitted")
# Herhalen (spaced review; review_session.py), after the commit:
# user_id, module_slug, question_id, correct — one answer in a review session
review_answered = _signals.signal("review-answered")
# user_id, module_slug — a review session finished; once per module it asked about
review_done = _signals.signal("review-done")
