"""A small HTTP client (stdlib only: keep-alive, cookies, redirects) and an HTML form reader.

The same page-walking code runs against gunicorn over HTTP and against the Flask test client
in-process (for query counts), through the `Page` result and the `get`/`post` methods.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit


@dataclass
class Page:
    status: int
    url: str  # path (+ query) of the final response
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0
    history: list[tuple[str, int, float]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


class HttpClient:
    """One browser-like session against 127.0.0.1: one keep-alive connection, a cookie jar."""

    def __init__(self, base: str, timeout: float = 30.0):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _once(self, method: str, path: str, body: bytes | None, headers: dict) -> Page:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                elapsed = time.perf_counter() - started
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt:
                    raise
                continue
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if "expires=thu, 01 jan 1970" in value.lower() or val == "":
                        self.cookies.pop(key.strip(), None)
                    else:
                        self.cookies[key.strip()] = val.strip()
            if hdrs.get("connection", "").lower() == "close":
                self.close()
            return Page(resp.status, path, hdrs, data, elapsed)
        raise RuntimeError("unreachable")

    def request(self, method: str, path: str, data=None, follow: bool = True) -> Page:
        headers = {"User-Agent": "klantwijs-bench"}
        body = None
        if data is not None:
            body = (data if isinstance(data, str) else urlencode(data, doseq=True)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        page = self._once(method, path, body, headers)
        history = []
        hops = 0
        while follow and page.status in (301, 302, 303, 307, 308) and page.location and hops < 5:
            history.append((page.url, page.status, page.seconds))
            target = urlsplit(urljoin(f"http://{self.host}:{self.port}{path}", page.location))
            path = target.path + (f"?{target.query}" if target.query else "")
            headers = {"User-Agent": "klantwijs-bench"}
            if self.cookies:
                headers["Cookie"] = self.cookie_header()
            page = self._once("GET", path, None, headers)
            hops += 1
        page.history = history
        return page

    def get(self, path: str, follow: bool = True) -> Page:
        return self.request("GET", path, follow=follow)

    def post(self, path: str, data, follow: bool = True) -> Page:
        return self.request("POST", path, data, follow=follow)


class FlaskClient:
    """The same interface over Flask's test client (in-process, for counting queries)."""

    def __init__(self, app):
        self.client = app.test_client()

    def _wrap(self, resp, path: str) -> Page:
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        return Page(resp.status_code, path, hdrs, resp.get_data())

    def _final(self, resp, path: str, follow: bool) -> Page:
        page = self._wrap(resp, path)
        if follow and resp.request is not None:
            qs = resp.request.query_string.decode()
            page.url = resp.request.path + (f"?{qs}" if qs else "")
        return page

    def get(self, path: str, follow: bool = True) -> Page:
        return self._final(self.client.get(path, follow_redirects=follow), path, follow)

    def post(self, path: str, data, follow: bool = True) -> Page:
        if isinstance(data, str):
            resp = self.client.post(
                path,
                data=data,
                content_type="application/x-www-form-urlencoded",
                follow_redirects=follow,
            )
        else:
            resp = self.client.post(path, data=_multidict(data), follow_redirects=follow)
        return self._final(resp, path, follow)

    def cookie_header(self) -> str:
        jar = getattr(self.client, "_cookies", {})
        return "; ".join(f"{c.key}={c.value}" for c in jar.values())


def _multidict(data):
    from werkzeug.datastructures import MultiDict

    return MultiDict(list(data.items()) if isinstance(data, dict) else list(data))


# --- HTML ---------------------------------------------------------------------------------


@dataclass
class Field:
    tag: str  # input, select, textarea, button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: str | None = None
    text: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    text: str = ""

    @property
    def buttons(self) -> list[Field]:
        return [f for f in self.fields if f.tag == "button" or f.type in ("submit", "image")]

    @property
    def is_logout(self) -> bool:
        return "uitloggen" in self.action

    @property
    def has_choices(self) -> bool:
        return any(f.type in ("radio", "checkbox") or f.tag == "select" for f in self.fields)


@dataclass
class Document:
    forms: list[Form] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    stylesheets: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # every URL-valued attribute

    def csrf_token(self) -> str | None:
        for form in self.forms:
            for f in form.fields:
                if f.name == "csrf_token":
                    return f.value
        return None


URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "cite", "background"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doc = Document()
        self.form: Form | None = None
        self.select: Field | None = None
        self.option_value: str | None = None
        self.text_target: list | None = None
        self.link: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        for key, value in a.items():
            if key in URL_ATTRS and value:
                self.doc.urls.append(value)
            if key == "srcset" and value:
                self.doc.urls.extend(p.strip().split(" ")[0] for p in value.split(","))
        if tag == "link" and "stylesheet" in a.get("rel", "").lower().split():
            self.doc.stylesheets.append(a.get("href", ""))
        elif tag == "script" and a.get("src"):
            self.doc.scripts.append(a["src"])
        elif tag == "a" and "href" in a:
            self.link = [a["href"], ""]
            self.doc.links.append(self.link)
        elif tag == "form":
            self.form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.doc.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            self.form.fields.append(
                Field(
                    "input",
                    a.get("type", "text").lower(),
                    a.get("name", ""),
                    a.get("value", "on" if a.get("type") in ("radio", "checkbox") else ""),
                    "checked" in a,
                )
            )
        elif tag == "select":
            self.select = Field("select", "select", a.get("name", ""))
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value")
            self.option_value = value
            if value is not None:
                self.select.options.append(value)
                if "selected" in a:
                    self.select.selected = value
        elif tag == "textarea":
            self.form.fields.append(Field("textarea", "textarea", a.get("name", "")))
        elif tag == "button":
            btn = Field(
                "button", a.get("type", "submit").lower(), a.get("name", ""), a.get("value", "")
            )
            self.form.fields.append(btn)
            self.text_target = btn

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "button":
            self.text_target = None
        elif tag == "a":
            self.link = None

    def handle_data(self, data):
        if self.text_target is not None:
            self.text_target.text += data
        if self.link is not None:
            self.link[1] += data
        if self.form is not None:
            self.form.text += data


def parse(html: str | bytes) -> Document:
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    reader = _Reader()
    reader.feed(html)
    reader.close()
    doc = reader.doc
    doc.links = [(h, re.sub(r"\s+", " ", t).strip()) for h, t in doc.links]
    for form in doc.forms:
        for f in form.fields:
            f.text = re.sub(r"\s+", " ", f.text).strip()
    return doc
