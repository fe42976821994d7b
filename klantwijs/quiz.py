"""Blueprint: start an attempt, answer, hand in, result, practise mistakes."""

from flask import Blueprint

bp = Blueprint("quiz", __name__)
