"""Blueprint: Beheer (teams, people, assignments, reports, CSV), for hr and admin only."""

from flask import Blueprint

bp = Blueprint("hr", __name__, url_prefix="/beheer")
