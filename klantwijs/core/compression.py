"""Text responses compressed by the app (Flask-Compress): pages, CSS and JS go out as Brotli
or gzip when the browser asks for it, so no reverse proxy has to be set up for it.

Pages that carry a CSRF token are compressed too. BREACH needs an attacker's page to make the
victim's browser send many requests with their cookies: the session cookie is SameSite=Lax,
so a cross-site request carries none, and the signed token changes every second anyway.
"""

from flask import Flask
from flask_compress import Compress

compress = Compress()

SETTINGS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],  # static files are streamed: no gzip
    "COMPRESS_LEVEL": 6,  # gzip
    "COMPRESS_BR_LEVEL": 4,  # Brotli: quick, and still smaller than gzip 6
    "COMPRESS_MIN_SIZE": 500,
}


def init_app(app: Flask) -> None:
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
