"""The bare Flask baseline: served by gunicorn with exactly the app's settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def hello() -> str:
    return "Hello, World!"
