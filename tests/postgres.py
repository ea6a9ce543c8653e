"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder, on 127.0.0.1 and a
Unix socket there, stopped at the end of the session.

PostgreSQL refuses to run as root, so as root the server runs as ``nobody``. ``NEWSQA_TEST_POSTGRES_URL``
points the tests at a server of your own instead (each test gets a fresh database on it). Without either,
the tests that need PostgreSQL skip, saying how to get it.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SKIP_REASON = (
    "PostgreSQL is not installed (no initdb/pg_ctl): install it (Debian: apt-get install postgresql; "
    "`bash .ci/run` does) or set NEWSQA_TEST_POSTGRES_URL=postgresql://user@host/db to a server of your own"
)


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One server for the test session; :meth:`new_database` gives each test its own database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="newsqa-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "newsqa"
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self._as_root:
            kwargs = {"user": "nobody", "group": "nogroup" if _has_group("nogroup") else "nobody"}
        return subprocess.run(args, capture_output=True, text=True, check=False, cwd=self.root, **kwargs)  # type: ignore[call-overload]

    def start(self) -> None:
        if self._as_root:
            os.chmod(self.root, 0o777)
        made = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stderr.strip()}")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        )
        started = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
        )
        if started.returncode != 0:
            log = (
                (self.root / "server.log").read_text(errors="replace")
                if (self.root / "server.log").exists()
                else ""
            )
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")

    @property
    def admin_url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        return create_database(self.admin_url, self.url, next(self._names))

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def create_database(admin_url: str, url_of: object, number: int) -> str:
    """``CREATE DATABASE newsqa_test_<pid>_<n>`` on the server of ``admin_url``; the new database's URL."""
    import psycopg

    name = f"newsqa_test_{os.getpid()}_{number}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url_of(name)  # type: ignore[operator,no-any-return]


class ExternalServer:
    """A server of the user's own (``NEWSQA_TEST_POSTGRES_URL``): fresh databases on it."""

    def __init__(self, url: str) -> None:
        self.admin_url = url
        self._names = itertools.count(1)

    def url(self, database: str) -> str:
        head, _, _ = self.admin_url.rpartition("/")
        return f"{head}/{database}"

    def new_database(self) -> str:
        return create_database(self.admin_url, self.url, next(self._names))

    def stop(self) -> None:
        pass
