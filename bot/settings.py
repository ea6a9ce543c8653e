"""Every setting in one table, read from the environment in one place.

``Settings.from_env(mapping)`` takes the mapping as a parameter so tests pass a dict. The bot token is only ever
read from the environment and is never included in ``repr``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(Exception):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and what it does."""

    name: str
    default: str | None
    help: str


#: The table documented in the README (a test keeps the two in step).
SETTINGS: tuple[Setting, ...] = (
    Setting("NEWSQA_DB", "var/newsqa.db", "Path of the SQLite store (articles, index, cache, chat state)."),
    Setting(
        "NEWSQA_CACHE_DIR", "~/.cache/newsqa", "Where jieba's prepared dictionary is cached between runs."
    ),
    Setting("NEWSQA_LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING or ERROR."),
    Setting("NEWSQA_MAX_QUESTION_CHARS", "1000", "Longer messages get a friendly request to shorten them."),
    Setting("NEWSQA_WORKERS", "2", "Processes used to segment text during ingest."),
    Setting(
        "NEWSQA_ANSWER_WORKERS",
        "CPU count",
        "Processes `newsqa serve` answers questions in (0: in the bot's own process, on threads).",
    ),
    Setting("NEWSQA_MAX_FILE_MB", "50", "Source files larger than this (MB) are refused by ingest, unread."),
    Setting(
        "TELEGRAM_BOT_TOKEN",
        None,
        "The bot token from @BotFather (required by `newsqa serve`; never logged).",
    ),
    Setting(
        "TELEGRAM_API_BASE_URL",
        None,
        "Self-hosted Bot API server, e.g. http://127.0.0.1:8081 (calls go to {base}/bot{token}/METHOD).",
    ),
    Setting("NEWSQA_WEBHOOK_URL", None, "Public HTTPS URL for webhook mode; polling when unset."),
    Setting("NEWSQA_WEBHOOK_SECRET", None, "Secret token Telegram sends with every webhook request."),
    Setting("NEWSQA_WEBHOOK_LISTEN", "127.0.0.1", "Address the webhook server listens on."),
    Setting("NEWSQA_WEBHOOK_PORT", "8443", "Port the webhook server listens on."),
    Setting(
        "NEWSQA_WEBHOOK_MAX_BYTES",
        "1048576",
        "Largest webhook request body accepted (bytes); bigger ones get 413 before they are read.",
    ),
    Setting(
        "NEWSQA_STATE_URL",
        None,
        "Where chat state, feedback, the query cache and processed update ids live: unset, the SQLite store;"
        " sqlite:///PATH, a SQLite file; postgresql://…, a PostgreSQL server shared by replicas.",
    ),
    Setting(
        "NEWSQA_SNAPSHOTS",
        None,
        "A folder of index snapshots (`newsqa snapshot`): answer from the newest, switch when a newer one lands.",
    ),
    Setting("NEWSQA_REPLICA_NAME", "host:pid", "This replica's name in logs and /healthz."),
    Setting(
        "NEWSQA_SEND_RATE",
        "30",
        "Most Bot API requests per second over all chats (Telegram asks bots to stay near 30; a bot with higher"
        " limits may raise it; 0: no overall limit). Each chat's own limit and Telegram's 429 retry_after hold.",
    ),
)


def cpu_count() -> int:
    """The processors this process may run on (its affinity, e.g. a container's ``--cpuset-cpus``)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(env: Mapping[str, str], name: str, default: str) -> int:
    value = env.get(name) or default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(
            f"{name} must be a whole number, not {value!r}. Fix it in the environment."
        ) from None


def _positive(env: Mapping[str, str], name: str, default: str) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {value}. Fix it in the environment.")
    return value


def default_replica_name() -> str:
    """``host:pid``: unique among the replicas of one host and of several."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _state_url(url: str | None) -> str | None:
    """NEWSQA_STATE_URL checked: unset, ``sqlite:///PATH`` or ``postgresql://…``."""
    if url is None or url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        return url
    raise SettingsError(
        f"NEWSQA_STATE_URL must be sqlite:///PATH or postgresql://user:password@host/db, not {url.split('://')[0]}://…;"
        " unset it to keep the state in the SQLite store."
    )


@dataclass(frozen=True)
class Settings:
    """Resolved settings."""

    db_path: Path = Path("var/newsqa.db")
    cache_dir: Path = Path.home() / ".cache" / "newsqa"
    log_level: str = "INFO"
    max_question_chars: int = 1000
    workers: int = 2
    answer_workers: int = field(default_factory=lambda: cpu_count())
    max_file_mb: int = 50
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_max_bytes: int = 1_048_576
    state_url: str | None = None
    snapshots: Path | None = None
    replica_name: str = field(default_factory=default_replica_name)
    send_rate: int = 30

    def __post_init__(self) -> None:
        """With snapshots (read-only), chat state, the query cache and the update journal need a writable home:
        unless NEWSQA_STATE_URL names one, it is ``NEWSQA_DB`` — this replica's own file, never a snapshot."""
        if self.snapshots is not None and self.state_url is None:
            object.__setattr__(self, "state_url", f"sqlite:///{self.db_path}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        level = (env.get("NEWSQA_LOG_LEVEL") or "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"NEWSQA_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}.")
        return cls(
            db_path=Path(env.get("NEWSQA_DB") or "var/newsqa.db").expanduser(),
            cache_dir=Path(env.get("NEWSQA_CACHE_DIR") or "~/.cache/newsqa").expanduser(),
            log_level=level,
            max_question_chars=_int(env, "NEWSQA_MAX_QUESTION_CHARS", "1000"),
            workers=max(1, _int(env, "NEWSQA_WORKERS", "2")),
            answer_workers=max(0, _int(env, "NEWSQA_ANSWER_WORKERS", str(cpu_count()))),
            max_file_mb=_positive(env, "NEWSQA_MAX_FILE_MB", "50"),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            webhook_url=env.get("NEWSQA_WEBHOOK_URL") or None,
            webhook_secret=env.get("NEWSQA_WEBHOOK_SECRET") or None,
            webhook_listen=env.get("NEWSQA_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=_int(env, "NEWSQA_WEBHOOK_PORT", "8443"),
            webhook_max_bytes=max(1024, _int(env, "NEWSQA_WEBHOOK_MAX_BYTES", "1048576")),
            state_url=_state_url(env.get("NEWSQA_STATE_URL") or None),
            snapshots=Path(env["NEWSQA_SNAPSHOTS"]).expanduser() if env.get("NEWSQA_SNAPSHOTS") else None,
            replica_name=env.get("NEWSQA_REPLICA_NAME") or default_replica_name(),
            send_rate=max(0, _int(env, "NEWSQA_SEND_RATE", "30")),
        )
