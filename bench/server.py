"""Start and stop gunicorn: the app and the hello-world baseline under identical settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import dataset

ROOT = Path(__file__).resolve().parent.parent

# Two workers for two cores; gthread so that keep-alive connections work (sync workers close
# every connection) and a slow phone holds a thread, not a whole worker. Identical for both.
WORKERS = 2
THREADS = 4
GUNICORN_ARGS = [
    "--workers",
    str(WORKERS),
    "--worker-class",
    "gthread",
    "--threads",
    str(THREADS),
    "--keep-alive",
    "5",
    "--backlog",
    "2048",
    "--timeout",
    "60",
]


def describe() -> str:
    return "gunicorn " + " ".join(GUNICORN_ARGS)


def app_env(url: str, tree: Path) -> dict[str, str]:
    """The app's environment under gunicorn: the bench database, the measured tree."""
    return {
        "SECRET_KEY": dataset.SECRET_KEY,
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PYTHONPATH": str(tree),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(
        self,
        target: str,
        env: dict[str, str],
        log_path: Path,
        port: int | None = None,
        cwd: Path = ROOT,
    ):
        self.target = target
        self.port = port or free_port()
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        env = {**os.environ, **self.env}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *GUNICORN_ARGS,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--error-logfile",
                "-",
                self.target,
            ],
            cwd=self.cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.target} exited; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(0.5)  # let both workers boot
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {self.target} did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def log_problems(self) -> dict[str, int]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return {
            "database_is_locked": text.count("database is locked"),
            "tracebacks": text.count("Traceback"),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
        }

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
