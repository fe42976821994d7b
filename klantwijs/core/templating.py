"""Template filters, registered once for every blueprint's templates."""

from flask import Flask

from . import dutch


def init_app(app: Flask) -> None:
    app.add_template_filter(dutch.dutch_date, "dutch_date")
    app.add_template_filter(dutch.format_points, "points")
    app.add_template_filter(lambda a: dutch.percentage(a.score, a.max_score), "percent")
    app.add_template_filter(dutch.short_time, "beheer_tijd")
    app.add_template_filter(dutch.short_date, "short_date")
    app.add_template_filter(dutch.plural, "plural")
