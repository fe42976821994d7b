"""Learning: lessons, quizzes, attempts, practice and a learner's progress (blueprints
"learn" and "quiz"). The rules here (status, what is assigned, grading) are also read by
Beheer; learning itself never imports Beheer."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import learn, quiz

    app.register_blueprint(learn.bp)
    app.register_blueprint(quiz.bp)
