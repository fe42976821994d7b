"""Logged-in sessions: a real POST /inloggen with the csrf_token scraped from the form."""

from __future__ import annotations

from dataclasses import dataclass

from .dataset import PASSWORD
from .web import HttpClient, parse


@dataclass
class Session:
    email: str
    cookie: str  # the whole Cookie header, for wrk
    csrf: str  # tied to this session: valid for every form it posts
    client: object  # HttpClient or FlaskClient, logged in


class LoginFailed(RuntimeError):
    pass


def login(client, email: str, password: str = PASSWORD) -> Session:
    page = client.get("/inloggen")
    token = parse(page.body).csrf_token()
    data = {"email": email, "password": password}
    if token:
        data["csrf_token"] = token
    resp = client.post("/inloggen", data, follow=False)
    if resp.status not in (302, 303):
        raise LoginFailed(f"login of {email} answered {resp.status}")
    # The session is new after login; the first page rendered puts its csrf token in it.
    home = client.get("/")
    csrf = parse(home.body).csrf_token()
    if not csrf:
        raise LoginFailed(f"no csrf_token on / after login of {email}")
    return Session(email, client.cookie_header(), csrf, client)


def login_http(base: str, email: str) -> Session:
    return login(HttpClient(base), email)
