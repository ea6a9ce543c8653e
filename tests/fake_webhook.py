"""Telegram's side of a webhook, for :class:`tests.fake_bot_api.FakeBotAPI`: POST each update until it is taken.

Like Telegram, :class:`Deliverer` POSTs every update as JSON with the ``X-Telegram-Bot-Api-Secret-Token`` header,
at most ``max_connections`` at once, and delivers it again — with backoff — when the POST failed: a status that
is not 2xx, a refused connection or no answer within ``timeout_s`` (then the webhook may well have taken it: the
same update arrives twice). Each failure is kept as ``last_error`` (getWebhookInfo's ``last_error_date`` and
``last_error_message``).

Only 127.0.0.1 and localhost are ever contacted. A public webhook URL (``https://bot.example.org/…``) stands for
a reverse proxy in front of replicas: :meth:`Deliverer.proxy` gives their URLs, and updates go to them in turn
(round robin), to the next one when one refuses the connection (as Caddy's ``lb_try_duration`` does), and — for
``twice_every=N`` — every Nth update to two of them at the same moment. :meth:`Deliverer.via` sends what is
pushed inside it to chosen replicas only. Without replica URLs, a public URL cannot be reached: updates wait,
with ``Failed to resolve host`` as the last error, until replicas are given.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

__all__ = ["Attempt", "Deliverer"]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass(frozen=True)
class Attempt:
    """One POST of an update: where, what came of it (``200``, ``HTTP 500``, ``refused``, ``timeout``), when."""

    update_id: int
    target: str
    outcome: str
    at: float  # time.monotonic() when the POST started


class Deliverer:
    """POSTs updates to the webhook (or the replicas behind it) until each is taken; thread-safe."""

    def __init__(self) -> None:
        self.url = ""
        self.secret: str | None = None
        self.timeout_s = 5.0  # no answer in this long: a failed delivery, tried again
        self.first_retry_s, self.max_retry_s = 0.1, 2.0
        self.last_error: tuple[int, str] | None = None  # (unix time, message)
        self.attempts: list[Attempt] = []
        self.first_post: dict[int, float] = {}  # update_id → time.monotonic() of its first POST
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(40)
        self._targets: list[str] = []
        self._twice_every = 0
        self._turn = itertools.count()
        self._pushed = itertools.count(1)
        self._via: tuple[int, ...] | None = None
        self._pending: dict[int, dict[str, Any]] = {}
        self._generation = 0
        self._closing = False

    # -- configuration ------------------------------------------------------------------------------------

    def set_webhook(self, url: str, secret: str | None, max_connections: int) -> None:
        """What setWebhook said; updates already on their way go on to the new URL."""
        with self._lock:
            self.url, self.secret = url, secret
            self._slots = threading.BoundedSemaphore(max_connections)

    def delete_webhook(self, drop_pending: bool) -> list[dict[str, Any]]:
        """Stop delivering; the updates not yet taken (none when ``drop_pending``), oldest first."""
        with self._lock:
            self.url, self._generation = "", self._generation + 1
            left = [self._pending[u] for u in sorted(self._pending)]
            self._pending.clear()
        return [] if drop_pending else left

    def proxy(self, targets: list[str], *, twice_every: int = 0, timeout_s: float | None = None) -> None:
        """Deliver to these replica URLs (the reverse proxy's upstreams) instead of a public webhook URL."""
        for target in targets:
            if urlparse(target).hostname not in LOCAL_HOSTS:
                raise ValueError(
                    f"replica URL {target!r} is not on 127.0.0.1: the fake only contacts this host"
                )
        with self._lock:
            self._targets, self._twice_every = list(targets), twice_every
            if timeout_s is not None:
                self.timeout_s = timeout_s

    @contextlib.contextmanager
    def via(self, *indices: int) -> Iterator[None]:
        """Updates pushed inside go to these replicas only (two indices: to both at once), never elsewhere."""
        with self._lock:
            if not self._targets or any(not 0 <= i < len(self._targets) for i in indices):
                raise ValueError(f"no replica {indices} among {self._targets}: call proxy() first")
            self._via = indices
        try:
            yield
        finally:
            with self._lock:
                self._via = None

    def stop(self) -> None:
        """Give up on everything (the fake server stops)."""
        with self._lock:
            self._closing = True

    # -- state --------------------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Updates handed to the webhook and not yet taken."""
        with self._lock:
            return len(self._pending)

    def delivered_to(self, update_id: int) -> list[str]:
        """The URLs that took (2xx) this update, in the order they answered."""
        with self._lock:
            return [a.target for a in self.attempts if a.update_id == update_id and a.outcome == "200"]

    # -- delivering ---------------------------------------------------------------------------------------

    def submit(self, *updates: dict[str, Any]) -> None:
        """Deliver ``updates``, one after the other, on a thread of their own."""
        with self._lock:
            for update in updates:
                self._pending[int(update["update_id"])] = update
            n = next(self._pushed)
            twice = self._twice_every > 0 and n % self._twice_every == 0
            route = self._via if self._via is not None else ((-1, -1) if twice else (-1,))
            generation = self._generation
        threading.Thread(target=self._run, args=(updates, route, generation), daemon=True).start()

    def _run(self, updates: tuple[dict[str, Any], ...], route: tuple[int, ...], generation: int) -> None:
        delay = self.first_retry_s
        for update in updates:
            update_id = int(update["update_id"])
            while True:
                with self._lock:
                    if self._closing or generation != self._generation:
                        return  # stopped, or the webhook was removed (delete_webhook handed the update back)
                if self._attempt(update, route):
                    with self._lock:
                        self._pending.pop(update_id, None)
                    delay = self.first_retry_s
                    break
                time.sleep(delay)
                delay = min(2 * delay, self.max_retry_s)

    def _attempt(self, update: dict[str, Any], route: tuple[int, ...]) -> bool:
        """One delivery (to two replicas at once for a doubled one); True when one of them took it."""
        with self._lock:
            targets, url = list(self._targets), self.url
        if not targets:
            if urlparse(url).hostname in LOCAL_HOSTS:
                return self._taken(self._post(update, url))
            self._failed("Failed to resolve host: Name or service not known")
            return False
        if len(route) == 1:
            return self._to_one(update, targets, route[0])
        results: list[tuple[str, str]] = []  # one copy's failure is no error while the other was taken
        picks = self._picks(targets, route)
        threads = [threading.Thread(target=lambda i=i: results.append(self._post(update, targets[i])))
                   for i in picks]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return any(outcome == "200" for outcome, _ in results) or self._taken(results[-1])

    def _picks(self, targets: list[str], route: tuple[int, ...]) -> list[int]:
        if route == (-1, -1):
            first = next(self._turn) % len(targets)
            return [first, (first + 1) % len(targets)]
        return list(route)

    def _to_one(self, update: dict[str, Any], targets: list[str], index: int) -> bool:
        """To replica ``index`` (-1: the next in turn, and on to the others while they refuse, like a proxy)."""
        if index >= 0:
            return self._taken(self._post(update, targets[index]))
        start = next(self._turn)
        for k in range(len(targets)):
            outcome, error = self._post(update, targets[(start + k) % len(targets)])
            if (
                outcome != "refused"
            ):  # a refused connection is the proxy's to route around: Telegram never sees it
                return self._taken((outcome, error))
        self._failed("Connection refused")
        return False

    def _taken(self, result: tuple[str, str]) -> bool:
        """Whether a POST's outcome means taken; if not, it is what Telegram shows as the last error."""
        outcome, error = result
        if outcome != "200":
            self._failed(error)
        return outcome == "200"

    def _post(self, update: dict[str, Any], target: str) -> tuple[str, str]:
        """POST once: (``200``, ``HTTP <status>``, ``refused``, ``timeout`` or ``error``; the error message),
        kept in :attr:`attempts`."""
        headers = {"Content-Type": "application/json"}
        with self._lock:
            if self.secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret
            slots, timeout = self._slots, self.timeout_s
        update_id, at = int(update["update_id"]), time.monotonic()
        request = urllib.request.Request(target, json.dumps(update, ensure_ascii=False).encode(), headers)
        error = ""
        with slots:
            with self._lock:
                self.first_post.setdefault(update_id, at)
            try:
                with urllib.request.urlopen(request, timeout=timeout):
                    outcome = "200"  # urllib raises HTTPError for what is not 2xx
            except urllib.error.HTTPError as exc:
                outcome, error = (
                    f"HTTP {exc.code}",
                    f"Wrong response from the webhook: {exc.code} {exc.reason}",
                )
            except TimeoutError:
                outcome, error = "timeout", "Read timeout expired"
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, ConnectionRefusedError):
                    outcome, error = "refused", "Connection refused"
                elif isinstance(exc.reason, TimeoutError):
                    outcome, error = "timeout", "Connection timed out"
                else:
                    outcome, error = "error", f"Connection failed: {exc.reason}"
            except OSError as exc:  # reset or closed without an answer (a replica killed mid-request)
                outcome, error = "error", f"Connection failed: {type(exc).__name__}"
        with self._lock:
            self.attempts.append(Attempt(update_id, target, outcome, at))
        return outcome, error

    def _failed(self, message: str) -> None:
        with self._lock:
            self.last_error = (int(time.time()), message)
