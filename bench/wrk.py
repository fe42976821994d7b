"""Run wrk with the replay script and read its --latency report."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

LUA = Path(__file__).resolve().parent / "requests.lua"
THREADS = 1  # one wrk thread leaves the second core to the server's workers
CONNECTIONS = 8  # = workers x threads of gunicorn

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        raise ValueError(value)
    return float(m.group(1)) * _UNITS[m.group(2)]


def write_requests(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    """Each line: (method, path, cookie header, urlencoded body)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        for method, p, cookie, body in lines:
            for part in (p, cookie, body):
                if "\t" in part or "\n" in part:
                    raise ValueError(f"tab or newline in request part: {part!r}")
            fh.write(f"{method}\t{p}\t{cookie}\t{body}\n")
    return path


def run(base: str, requests_file: Path, seconds: float, connections: int = CONNECTIONS) -> dict:
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_THREAD_COUNT": str(THREADS)}
    cmd = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base + "/",
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    return parse(out.stdout)


def parse(text: str) -> dict:
    result: dict = {"raw": text}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", text)
    result["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        result[f"p{pct}_ms"] = _ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    result["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return result
