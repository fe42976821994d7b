"""Blueprint: the course home (Mijn cursus) and the public landing page."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

bp = Blueprint("learn", __name__)


def course():
    return current_app.extensions["course"]


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("learn/landing.html", course=course())
    return render_template("learn/home.html", course=course())
