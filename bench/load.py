"""Load benchmark: the real ``newsqa serve`` answering many chats at once through the strict fake Bot API.

Usage (from the repository root)::

    .venv/bin/python -m bench.load                                   # 0 and 50 ms, 20 and 100 chats
    .venv/bin/python -m bench.load --latency-ms 50 --chats 20 --rounds 5 --workers 2

``newsqa serve`` runs as a subprocess (``python -m bot serve``, long polling) against
:class:`tests.fake_bot_api.FakeBotAPI` on 127.0.0.1, whose every response waits ``--latency-ms`` (a Bot API
round trip). For each configuration, ``--rounds`` bursts: ``CHATS`` new private chats each send one question at
the same moment, all different (drawn from ``../shared/eval/*.jsonl`` and ``bench/data/seed_holdout_qa.jsonl``;
the store holds the bundled page and ``../shared/data/peoples-daily``), and the query cache is emptied before each
burst, so every answer is computed; before the first configuration, every question is asked ``--warmup`` times (default 2; without it the first
configuration measured costs more CPU per answer than the same one measured later). Printed, one JSON line per configuration (also appended to
``bench/out/load.jsonl``): ``qps`` (questions answered over the bursts' wall time, first message to last answer),
``p50_s`` / ``p99_s`` / ``max_s`` (time to answer: the question pushed to the answer's ``sendMessage`` reaching
the fake), the CPU the bot's process and its answer workers used per question, the load average before and
after. The fake and this script run on the same cores as the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.fake_bot_api import FakeBotAPI, wait_until

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
QUESTION_FILES = [
    SHARED / "eval" / "seed_dev_qa.jsonl",
    SHARED / "eval" / "pages_dev_qa.jsonl",
    ROOT / "bench" / "data" / "seed_holdout_qa.jsonl",
]
PAGES = SHARED / "data" / "peoples-daily" / "articles"


def questions() -> list[str]:
    """Every distinct question of the question files, in a fixed shuffled order."""
    found: dict[str, None] = {}
    for path in QUESTION_FILES:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    found.setdefault(json.loads(line)["q"].strip(), None)
    out = list(found)
    random.Random(13).shuffle(out)
    return out


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env["NEWSQA_DB"] = str(db)
    if os.environ.get("NEWSQA_CACHE_DIR"):
        env["NEWSQA_CACHE_DIR"] = os.environ["NEWSQA_CACHE_DIR"]
    return env | extra


def build_store(db: Path) -> None:
    """The bundled page and the People's Daily pages in ``db`` (skipped when it exists)."""
    if db.exists():
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    runs = [[], [str(PAGES)]] if PAGES.exists() else [[]]  # no path: the bundled corpus
    for paths in runs:
        cmd = [sys.executable, "-m", "bot", "ingest", *paths]
        subprocess.run(cmd, cwd=ROOT, env=_env(db), check=True, stdout=subprocess.DEVNULL)


def empty_cache(db: Path) -> None:
    """Forget cached answers, so the next burst computes every one."""
    with sqlite3.connect(db, timeout=30) as conn:
        conn.execute("DELETE FROM query_cache")


async def burst(fake: FakeBotAPI, chats: list[int], asked: list[str]) -> tuple[list[float], float]:
    """Every chat asks its question at once; (time to answer of each, wall time of the burst)."""
    pushed: dict[int, float] = {}
    started = time.monotonic()
    for chat, question in zip(chats, asked, strict=True):
        pushed[chat] = time.monotonic()
        fake.push_message(chat, question)
    await wait_until(lambda: all(fake.messages(c) for c in chats), 600, "every chat answered")
    answers = [fake.messages(c)[0].at - pushed[c] for c in chats]
    return answers, max(fake.messages(c)[0].at for c in chats) - started


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by process ``pid`` and by its live child processes."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p: str) -> list[str] | None:
        try:
            return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None

    own = stat(str(pid))
    mine = (int(own[11]) + int(own[12])) / tick if own else 0.0
    children = 0.0
    for entry in os.listdir("/proc"):
        fields = stat(entry) if entry.isdigit() else None
        if fields and int(fields[1]) == pid:  # field 4, the parent's pid
            children += (int(fields[11]) + int(fields[12])) / tick
    return mine, children


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(args: argparse.Namespace, db: Path, log: Path) -> list[dict[str, object]]:
    """Start the bot once, run every configuration against it, stop it with SIGTERM."""
    fake = FakeBotAPI()
    fake.start()
    extra = {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    extra["NEWSQA_LOG_LEVEL"] = "WARNING"
    if args.workers is not None:
        extra["NEWSQA_ANSWER_WORKERS"] = str(args.workers)
    if args.send_rate is not None:
        extra["NEWSQA_SEND_RATE"] = str(args.send_rate)
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=_env(db, **extra), stderr=err
        )
    rows: list[dict[str, object]] = []
    pool = questions()
    next_chat = 10_000
    try:
        await wait_until(lambda: fake.calls("getUpdates") or proc.poll() is not None, 300, "the bot to poll")
        if proc.poll() is not None:
            raise SystemExit(f"newsqa serve exited with {proc.returncode}; see {log}")
        for start in [s for _ in range(args.warmup) for s in range(0, len(pool), 50)]:  # see --warmup
            chats = list(range(next_chat, next_chat + len(pool[start : start + 50])))
            next_chat += len(chats)
            empty_cache(db)
            await burst(fake, chats, pool[start : start + 50])
        for latency_ms in args.latency_ms:
            for n in args.chats:
                fake.latency = latency_ms / 1000
                load_before = os.getloadavg()[0]
                times: list[float] = []
                wall = 0.0
                bot_before, workers_before = cpu_seconds(proc.pid)
                for _ in range(args.rounds):
                    empty_cache(db)
                    chats = list(range(next_chat, next_chat + n))
                    next_chat += n
                    asked = [pool[i % len(pool)] for i in range(len(times), len(times) + n)]
                    answers, seconds = await burst(fake, chats, asked)
                    times += answers
                    wall += seconds
                bot_after, workers_after = cpu_seconds(proc.pid)
                row: dict[str, object] = {
                    "latency_ms": latency_ms,
                    "chats": n,
                    "rounds": args.rounds,
                    "warmup": args.warmup,
                    "questions": len(times),
                    "distinct_per_burst": min(n, len(pool)),
                    "workers": args.workers if args.workers is not None else os.cpu_count(),
                    "send_rate": args.send_rate if args.send_rate is not None else 30,
                    "cpus": os.cpu_count(),
                    "qps": round(len(times) / wall, 1),
                    "p50_s": round(statistics.median(times), 3),
                    "p99_s": round(_quantile(times, 0.99), 3),
                    "max_s": round(max(times), 3),
                    "bot_cpu_ms_per_q": round((bot_after - bot_before) * 1000 / len(times), 1),
                    "workers_cpu_ms_per_q": round((workers_after - workers_before) * 1000 / len(times), 1),
                    "loadavg_before": round(load_before, 2),
                    "loadavg_after": round(os.getloadavg()[0], 2),
                    "errors": len(fake.errors),
                }
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        fake.latency = 0.0
        proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        fake.stop()
    if code != 0:
        raise SystemExit(f"newsqa serve exited with {code} after SIGTERM; see {log}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Parse the options, build the store if needed, measure, append the rows to bench/out/load.jsonl."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--chats", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--rounds", type=int, default=3, help="bursts per configuration")
    parser.add_argument(
        "--workers", type=int, default=None, help="NEWSQA_ANSWER_WORKERS (default: the bot's)"
    )
    parser.add_argument(
        "--send-rate",
        type=int,
        default=None,
        help="NEWSQA_SEND_RATE: the bot's overall requests/s (default: the bot's, 30; 0: no overall limit)",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="passes over every question before measuring (0: none)"
    )
    parser.add_argument("--db", type=Path, default=OUT / "load.db", help="store (built when missing)")
    args = parser.parse_args(argv)
    build_store(args.db)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = asyncio.run(measure(args, args.db, OUT / "load-serve.log"))
    with (OUT / "load.jsonl").open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
