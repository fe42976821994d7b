"""Replies to the quiz's background requests (static/js/quiz-save.js): no page, a header.

A form sent by fetch carries FETCH_HEADER; the server then answers 204 with the next page's
address in NEXT_HEADER instead of a redirect (so the browser loads the next page once), and
401 with the login address in LOGIN_HEADER when the session has ended. Plain form posts
(no JavaScript) keep the redirects.
"""

import functools

from flask import Response, current_app, request

FETCH_HEADER = "X-Requested-With"
FETCH_VALUE = "fetch"
NEXT_HEADER = "Klantwijs-Next"
LOGIN_HEADER = "Klantwijs-Login"


def is_fetch() -> bool:
    return request.headers.get(FETCH_HEADER) == FETCH_VALUE


def no_content(next_url: str) -> Response:
    """204 with where to go next, for a fetch that replaced a redirect."""
    response = Response(b"", status=204)
    response.headers[NEXT_HEADER] = next_url
    response.headers["Cache-Control"] = "no-store"
    return response


def login_needed(login_url: str) -> Response:
    """401 with the login address, for a fetch whose session has ended."""
    response = Response(b"", status=401)
    response.headers[LOGIN_HEADER] = login_url
    response.headers["Cache-Control"] = "no-store"
    return response


def redirects_as_no_content(view):
    """Decorate a view whose POST ends in a redirect: a fetch gets 204 + NEXT_HEADER instead,
    so the page loads the next address once (no fetch following the redirect first)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        if is_fetch() and response.status_code in (301, 302, 303) and response.location:
            return no_content(response.location)
        return response

    return wrapper
