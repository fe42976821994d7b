"""`make lighthouse`: Lighthouse (mobile, its default simulated slow 4G and CPU) on the learner's
pages, served by gunicorn as in production, logged in. Fails when a page scores below 95 on
performance, accessibility, best practices or SEO.

    python -m bench.lighthouse              # every page, real course content, SQLite
    python -m bench.lighthouse --only les   # pages whose name contains "les"

Needs npm (bench/lighthouse/ holds the pinned Lighthouse: `npm ci --prefix bench/lighthouse`)
and Chromium; without them it says why and exits 0 (REQUIRE_BROWSER=1 or CI=true: exit 1).
Reports land in bench/results/lighthouse/ (JSON per page).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOOL = BENCH / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
RESULTS = BENCH / "results" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95
EMAIL, PASSWORD = "lighthouse@example.nl", "een lange zin als wachtwoord"


def missing() -> str | None:
    if not shutil.which("npm"):
        return "npm not found: Lighthouse cannot be installed (apt-get install npm)"
    if not TOOL.exists():
        return f"Lighthouse is not installed: npm ci --prefix {TOOL.parents[2]}"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> None:
    """Migrate a fresh database and create the learner Lighthouse logs in as."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from klantwijs import create_app
    from klantwijs.accounts.operations import create_user
    from klantwijs.core.db import db

    app = create_app({"SECRET_KEY": "lighthouse", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        create_user(EMAIL, "Lotte Lighthouse", PASSWORD, role="learner")
        db.engine.dispose()


def serve(url: str, port: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SECRET_KEY": "lighthouse-" + os.urandom(8).hex(),
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4"]
        + ["-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    import requests

    for _ in range(60):
        try:
            requests.get(f"http://127.0.0.1:{port}/inloggen", timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the app did not start: see {workdir / 'gunicorn.log'}")


def token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def walk(base: str) -> tuple[dict[str, str], str]:
    """Log in and reach every learner page: {name: url} and the session's Cookie header."""
    import requests

    s = requests.Session()
    login = s.get(f"{base}/inloggen")
    pages = {"welkom (niet ingelogd)": f"{base}/", "inloggen": f"{base}/inloggen"}
    s.post(
        f"{base}/inloggen",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token(login.text)},
    )
    home = s.get(f"{base}/")
    assert "Mijn cursus" in home.text, "login failed"
    slug = re.search(r'href="/modules/([a-z0-9-]+)"', home.text).group(1)
    pages |= {
        "mijn cursus": f"{base}/",
        "les": f"{base}/modules/{slug}",
        "mijn voortgang": f"{base}/voortgang",
        "mijn account": f"{base}/account",
        "geen verbinding": f"{base}/offline",
    }
    # A handed-in exam (its result page), then an open one (question pages, overview).
    for round_ in ("uitslag", "open"):
        started = s.post(f"{base}/modules/{slug}/quiz", data={"csrf_token": token(home.text)})
        url = started.url
        first = url
        for _ in range(30):
            page = s.get(url)
            if "/overzicht" in page.url:
                break
            kind = "volgorde" if 'name="plaats-' in page.text else "keuze"
            pages.setdefault(f"vraag ({kind})", page.url)
            data = {"csrf_token": token(page.text), "ga": "volgende"}
            choice = re.search(r'name="antwoord"[^>]*value="([^"]+)"', page.text)
            if choice:
                data["antwoord"] = choice.group(1)
            for name, value in re.findall(
                r'name="(plaats-[0-9a-f]+)".*?selected>(\d+)', page.text, re.S
            ):
                data[name] = value
            url = s.post(page.url, data=data).url
        pages.setdefault(
            "overzicht", f"{base}{re.sub(r'/vraag/.*', '/overzicht', first.split(base)[1])}"
        )
        if round_ == "uitslag":
            overview = s.get(pages["overzicht"])
            done = s.post(
                overview.url.replace("/overzicht", "/inleveren"),
                data={"csrf_token": token(overview.text)},
            )
            pages["uitslag"] = done.url
            del pages["overzicht"]
            home = s.get(f"{base}/")
            slug = re.findall(r'href="/modules/([a-z0-9-]+)"', home.text)[-1]  # another module
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    return pages, cookie


def audit(name: str, url: str, cookie: str | None) -> dict[str, float]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / (re.sub(r"[^a-z0-9]+", "-", name).strip("-") + ".json")
    command = [
        str(TOOL),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
        "--locale=nl",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    report = json.loads(out.read_text())
    return {c: report["categories"][c]["score"] * 100 for c in CATEGORIES}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__)
    parser.add_argument("--only", help="audit only pages whose name contains this")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        strict = os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"
        print(f"lighthouse: skipped: {reason}")
        return 1 if strict else 0
    workdir = Path(tempfile.mkdtemp(prefix="klantwijs-lighthouse-"))
    url = f"sqlite:///{workdir / 'lighthouse.db'}"
    prepare_database(url)
    port = free_port()
    server = serve(url, port, workdir)
    failed = []
    try:
        pages, cookie = walk(f"http://127.0.0.1:{port}")
        print(f"{'page':28} " + " ".join(f"{c:>14}" for c in CATEGORIES))
        for name, page_url in pages.items():
            if args.only and args.only not in name:
                continue
            scores = audit(
                name, page_url, None if "niet ingelogd" in name or name == "inloggen" else cookie
            )
            low = [c for c, v in scores.items() if v < TARGET]
            failed += [f"{name}: {c} {scores[c]:.0f}" for c in low]
            print(f"{name:28} " + " ".join(f"{scores[c]:>14.0f}" for c in CATEGORIES), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if failed:
        print(f"below {TARGET}: " + "; ".join(failed) + f" (reports: {RESULTS})")
        return 1
    print(f"every page ≥ {TARGET} on {', '.join(CATEGORIES)} (reports: {RESULTS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
