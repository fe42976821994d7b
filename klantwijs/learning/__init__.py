"""Learning: lessons, quizzes, attempts, practice and a learner's progress (blueprints
"learn" and "quiz"). The rules here (status, what is assigned, grading) are also read by
Beheer; learning itself never imports Beheer."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import signals, spaced
    from .views import certificate, learn, quiz, review

    app.register_blueprint(learn.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(certificate.bp)
    # A passed exam's questions enter the Herhalen schedule.
    signals.attempt_submitted.connect(spaced.on_attempt_submitted, sender=app)
