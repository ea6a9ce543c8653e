"""Several ``newsqa serve`` replicas in webhook mode behind the fake Bot API, for tests/test_replicas.py and
bench/replicas.py.

Usage::

    fake = FakeBotAPI(); fake.start()
    replicas = ReplicaSet(fake, workdir, seed_db=seed, state_url=pg_url, snapshots=folder)
    replicas.start("r1", "r2")              # subprocesses; returns once GET /healthz answers 200 on each
    fake.proxy(replicas.targets())          # the fake delivers to them like a reverse proxy would
    ...
    replicas.close()                        # SIGTERM (SIGKILL after 30 s), always — put it in a finally

Each replica is ``python -m bot serve`` with its own port on 127.0.0.1, its own store file (a copy of
``seed_db``; with ``shared_db`` all of them use that one file instead: the SQLite-shared variant), the
public webhook URL :data:`PUBLIC_URL` (only told to Telegram), the secret :data:`SECRET`, answering on
threads (``NEWSQA_ANSWER_WORKERS=0``), and the state URL and snapshot folder given. It calls the fake as
``base_url_for(name)``, so every message says which replica sent it (``Sent.by``). Its log is
``workdir/NAME.log``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.fake_bot_api import FakeBotAPI

__all__ = ["PUBLIC_URL", "SECRET", "Replica", "ReplicaSet", "StateView", "newsqa", "publish_snapshot"]

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_URL = "https://example.invalid/newsqa"  # what setWebhook is told; the fake delivers to the replicas
SECRET = "replica-S3cret_token"
READY_S = 90.0


def free_port() -> int:
    """A port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env() -> dict[str, str]:
    """This process's environment without any TELEGRAM_ or NEWSQA_ setting (the cache dir kept)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    if os.environ.get("NEWSQA_CACHE_DIR"):
        env["NEWSQA_CACHE_DIR"] = os.environ["NEWSQA_CACHE_DIR"]
    return env


def newsqa(
    args: Sequence[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` (``newsqa``) to the end; AssertionError with its stderr when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"newsqa {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return done


def publish_snapshot(store_db: Path, folder: Path) -> None:
    """``newsqa snapshot --into FOLDER`` of the store ``store_db``: a new snapshot the replicas switch to."""
    newsqa(["snapshot", "--into", str(folder)], base_env() | {"NEWSQA_DB": str(store_db)})


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a SQLite store (SQLite's backup API: consistent while others read it)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@dataclass
class Replica:
    """One ``newsqa serve`` subprocess."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    path: str = field(default_factory=lambda: urlparse(PUBLIC_URL).path)

    @property
    def target(self) -> str:
        """Where the proxy sends its updates."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

    def health(self) -> tuple[int, str]:
        """GET /healthz: (status, body); (0, why) when nothing answered."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, f"{exc.code} {exc.reason}"
        except OSError as exc:
            return 0, f"{type(exc).__name__}: {exc}"

    def refuses_unsigned(self) -> bool:
        """The webhook answers a POST without the secret with 403 (it is up)."""
        try:
            urllib.request.urlopen(urllib.request.Request(self.target, b"{}"), timeout=5)
        except urllib.error.HTTPError as exc:
            return exc.code == 403
        except OSError:
            return False
        return False

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class ReplicaSet:
    """Replicas sharing one fake Bot API; ``ready`` is ``healthz`` (GET /healthz answers 200) or ``webhook``
    (the webhook answers an unsigned POST with 403: before /healthz existed)."""

    def __init__(
        self,
        fake: FakeBotAPI,
        workdir: Path,
        *,
        seed_db: Path,
        state_url: str | None = None,
        snapshots: Path | None = None,
        shared_db: Path | None = None,
        ready: str = "healthz",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        if ready not in ("healthz", "webhook"):
            raise ValueError(f"ready must be healthz or webhook, not {ready!r}")
        self.fake, self.workdir, self.seed_db = fake, workdir, seed_db
        self.state_url, self.snapshots, self.shared_db, self.ready = state_url, snapshots, shared_db, ready
        self.extra_env = extra_env or {}
        self.replicas: dict[str, Replica] = {}
        workdir.mkdir(parents=True, exist_ok=True)

    def _make(self, name: str) -> Replica:
        db = self.shared_db or self.workdir / f"{name}.db"
        if not db.exists():
            copy_store(self.seed_db, db)
        port = free_port()
        env = base_env() | {
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": self.fake.base_url_for(name),
            "NEWSQA_WEBHOOK_URL": PUBLIC_URL,
            "NEWSQA_WEBHOOK_LISTEN": "127.0.0.1",
            "NEWSQA_WEBHOOK_PORT": str(port),
            "NEWSQA_WEBHOOK_SECRET": SECRET,
            "NEWSQA_REPLICA_NAME": name,
            "NEWSQA_ANSWER_WORKERS": "0",
            "NEWSQA_DB": str(db),
        }
        if self.state_url:
            env["NEWSQA_STATE_URL"] = self.state_url
        if self.snapshots is not None:
            env["NEWSQA_SNAPSHOTS"] = str(self.snapshots)
        return Replica(name, port, env | self.extra_env, self.workdir / f"{name}.log")

    def start(self, *names: str) -> None:
        """Start these replicas (again on their old port after a stop or kill) and wait until each is ready."""
        for name in names:
            replica = self.replicas.get(name) or self._make(name)
            self.replicas[name] = replica
            if not replica.alive():
                replica.start()
        for name in names:
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout: float = READY_S) -> None:
        """Until ``name`` is ready; AssertionError naming what it answered and the end of its log."""
        replica = self.replicas[name]
        deadline, said = time.monotonic() + timeout, "nothing yet"
        while time.monotonic() < deadline:
            assert replica.proc is not None
            if replica.proc.poll() is not None:
                raise AssertionError(
                    f"replica {name} exited ({replica.proc.returncode}) before it was ready:\n{replica.log_text()[-3000:]}"
                )
            if self.ready == "healthz":
                status, said = replica.health()
                up = status == 200
            else:
                up, said = replica.refuses_unsigned(), "no 403 to an unsigned POST"
            if up and self.fake.calls_by(name, "setWebhook"):
                return
            time.sleep(0.1)
        raise AssertionError(
            f"replica {name} not ready after {timeout:.0f} s: GET /healthz answered {said}"
            if self.ready == "healthz"
            else f"replica {name} not ready after {timeout:.0f} s: {said}"
        )

    def targets(self) -> list[str]:
        """The replicas' webhook URLs, in start order: the proxy's upstreams."""
        return [r.target for r in self.replicas.values()]

    def kill(self, name: str) -> None:
        """SIGKILL: no clean stop, nothing finished."""
        replica = self.replicas[name]
        if replica.alive():
            assert replica.proc is not None
            replica.proc.send_signal(signal.SIGKILL)
            replica.proc.wait(30)

    def stop(self, name: str, timeout: float = 30) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout`` s); the exit status."""
        replica = self.replicas[name]
        if replica.proc is None:
            return None
        if replica.proc.poll() is None:
            replica.proc.send_signal(signal.SIGTERM)
            try:
                replica.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                replica.proc.kill()
                replica.proc.wait(30)
        return replica.proc.returncode

    def close(self) -> dict[str, int | None]:
        """Stop every replica; name → exit status."""
        return {name: self.stop(name) for name in list(self.replicas)}

    def logs(self) -> str:
        return "\n".join(r.log_text() for r in self.replicas.values())


class StateView:
    """Read the shared state the replicas wrote (PostgreSQL or a SQLite file) with ``?`` placeholders."""

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def of(cls, replicas: ReplicaSet) -> StateView:
        """Where ``replicas`` keep their state: the state URL, else the shared store."""
        if replicas.state_url:
            return cls(replicas.state_url)
        assert replicas.shared_db is not None, "replicas with a store each share no state"
        return cls(f"sqlite:///{replicas.shared_db}")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite:///"):
            lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=10)
            try:
                return [tuple(row) for row in lite.execute(sql, params).fetchall()]
            finally:
                lite.close()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql.replace("?", "%s").encode(), params)
            return [tuple(row) for row in cursor.fetchall()]

    def votes(self, chat_id: int) -> list[int]:
        """The votes (1 for 👍, -1 for 👎) stored for a chat, oldest first."""
        return [
            int(v)
            for (v,) in self.rows("SELECT vote FROM feedback WHERE chat_id = ? ORDER BY id", (chat_id,))
        ]

    def questions(self, chat_id: int) -> list[str]:
        """The questions a chat asked, as recorded, oldest first."""
        return [
            str(q)
            for (q,) in self.rows("SELECT question FROM asked WHERE chat_id = ? ORDER BY id", (chat_id,))
        ]

    def current_question(self, chat_id: int) -> str | None:
        """The chat's current question (chat_state → asked)."""
        found = self.rows(
            "SELECT a.question FROM chat_state s JOIN asked a ON a.id = s.ask_id WHERE s.chat_id = ?",
            (chat_id,),
        )
        return str(found[0][0]) if found else None


def healthz_json(replica: Replica) -> dict[str, Any]:
    """GET /healthz parsed (AssertionError when it is not a 200 with a JSON object)."""
    status, body = replica.health()
    assert status == 200, f"GET /healthz on {replica.name}: {body}"
    data = json.loads(body)
    assert isinstance(data, dict)
    return data
