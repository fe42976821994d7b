"""The real OpenID Provider for the single sign-on tests: fixtures that start provider.mjs
(panva's oidc-provider, installed by `make test` with npm ci) and change what it says.

Without node or the installed package the tests skip with the reason; with REQUIRE_BROWSER=1
or CI=true they fail instead. Test modules import oidc_fixture and oidc_server_fixture, which
pytest then knows as the fixtures `oidc` and `oidc_server`.
"""

from __future__ import annotations

import copy
import json
import os
import re
import select
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).parent
CLIENT_ID = "klantwijs"
CLIENT_SECRET = "alleen-voor-tests-niet-geheim"
PROVIDER_PASSWORD = "wachtwoord-bij-testbedrijf"
TEST_CLIENT_BASE = "http://localhost"  # the Flask test client's host
CALLBACK = "/inloggen/werkaccount/terug"

USERS = {
    "anna": {
        "sub": "00u-anna-7f3c",
        "claims": {
            "email": "anna@bedrijf.nl",
            "email_verified": True,
            "name": "Anna de Vries",
            "groups": ["verkoop-nl"],
        },
    },
    "bram": {
        "sub": "00u-bram-19ab",
        "claims": {
            "email": "bram@bedrijf.nl",
            "email_verified": False,
            "name": "Bram Bakker",
            "groups": [],
        },
    },
    "eva": {
        "sub": "00u-eva-5d20",
        "claims": {"email": "eva@elders.nl", "email_verified": True, "name": "Eva Elders"},
    },
}


def _unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm), needed for the OpenID Provider"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc has no node_modules: run `make test` (npm ci --prefix tests/oidc)"
    return None


def _required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"


class TestProvider:
    """What the running provider knows: clients, users and how it misbehaves, in the JSON
    file provider.mjs reads on every request."""

    __test__ = False  # not a test class

    def __init__(self, issuer: str, state_file: Path) -> None:
        self.issuer = issuer
        self.state_file = state_file
        self.reset()

    def reset(self) -> None:
        self.bases = [TEST_CLIENT_BASE]
        self.users = copy.deepcopy(USERS)
        for user in self.users.values():
            user["password"] = PROVIDER_PASSWORD
        self.tamper: dict | None = None
        self.write()

    def write(self) -> None:
        clients = [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [base + CALLBACK for base in self.bases],
                "post_logout_redirect_uris": [base + "/inloggen" for base in self.bases],
            },
            {
                "client_id": "andere-app",
                "client_secret": "andere-app-geheim",
                "redirect_uris": ["http://127.0.0.1/elders/terug"],
            },
        ]
        state = {"clients": clients, "users": self.users, "tamper": self.tamper}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.state_file)

    def allow(self, base_url: str) -> None:
        """Register a Klantwijs address (e.g. the live server's) as redirect URI."""
        self.bases.append(base_url)
        self.write()

    def change(self, login: str, **claims) -> None:
        self.users[login]["claims"].update(claims)
        self.write()

    def add_user(self, login: str, sub: str, **claims) -> None:
        self.users[login] = {"sub": sub, "password": PROVIDER_PASSWORD, "claims": claims}
        self.write()

    def misbehave(self, **tamper) -> None:
        """Re-sign the next ID tokens with changed aud / azp / exp (exp_offset seconds)."""
        self.tamper = tamper
        self.write()

    def settings(self, **overrides) -> dict:
        """App settings that point Klantwijs at this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            **overrides,
        }


@pytest.fixture(scope="session", name="oidc_server")
def oidc_server_fixture(tmp_path_factory):
    """provider.mjs on a free 127.0.0.1 port, stopped afterwards. Session-scoped, but each
    test module that imports it gets its own (pytest keys fixtures by where they are found)."""
    reason = _unavailable()
    if reason:
        if _required():
            pytest.fail(f"REQUIRE_BROWSER=1/CI but {reason}")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("oidc")
    state_file = folder / "state.json"
    state_file.write_text(json.dumps({"clients": [], "users": {}}), encoding="utf-8")
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(
        [shutil.which("node"), str(HERE / "provider.mjs")],
        cwd=HERE,
        env={**os.environ, "KLANTWIJS_OIDC_STATE": str(state_file), "NODE_ENV": "test"},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            pytest.fail(f"oidc-provider did not start: {(folder / 'provider.log').read_text()}")
        yield TestProvider(json.loads(line)["issuer"], state_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(name="oidc")
def oidc_fixture(oidc_server):
    """The provider with this test's users and clients, as every test starts."""
    oidc_server.reset()
    yield oidc_server
    oidc_server.reset()


# --- Driving a login without a browser: the test client for Klantwijs, requests for the
# provider (its own cookies), stopping where the provider sends the person back. -----------

_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class ProviderBrowser:
    """A person at the provider: follows redirects until the one back to Klantwijs."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def visit(self, url: str) -> tuple[str | None, requests.Response]:
        """(callback URL, None) when sent back to Klantwijs, else (None, the page)."""
        for _ in range(10):
            if url.startswith(TEST_CLIENT_BASE + "/"):
                return url, None
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if not response.is_redirect:
                return None, response
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("too many redirects at the provider")

    def submit(self, page: requests.Response, **fields):
        """Send the page's first form with its hidden fields and these; follow the answer."""
        action = urljoin(page.url, _ACTION.search(page.text).group(1))
        data = {**dict(_HIDDEN.findall(page.text)), **fields}
        response = self.http.post(action, data=data, allow_redirects=False, timeout=10)
        if not response.is_redirect:
            return None, response
        return self.visit(urljoin(action, response.headers["Location"]))

    def log_in(self, page: requests.Response, login: str, password: str = PROVIDER_PASSWORD):
        return self.submit(page, login=login, password=password)


def callback_from_provider(
    client, login: str, start: str = "/inloggen/werkaccount", person=None
) -> str:
    """Start at Klantwijs, log in at the provider (unless `person` still has a session
    there); the path + query it sends us back to."""
    started = client.get(start)
    assert started.status_code == 302, started.text
    person = person or ProviderBrowser()
    back, page = person.visit(started.headers["Location"])
    if back is None:
        back, page = person.log_in(page, login)
    assert back is not None, page.text
    parts = urlsplit(back)
    return f"{parts.path}?{parts.query}"


def sso_login(client, login: str, start: str = "/inloggen/werkaccount", person=None):
    """The whole single sign-on; Klantwijs's answer to the way back."""
    return client.get(callback_from_provider(client, login, start, person))


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
