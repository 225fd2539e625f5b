"""Sign-in throttling: after MAX_FAILURES wrong passwords from one client within WINDOW
seconds, that client's sign-ins are refused (429) for LOCKOUT seconds — even with the
right password, so guessing gains nothing.  In memory, per process; a client is its IP
address as the server sees it (behind a proxy, every client shares the proxy's)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

MAX_FAILURES = 5
WINDOW = 60.0
LOCKOUT = 300.0
MAX_CLIENTS = 10_000  # clients remembered; the least recently seen are forgotten first


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(
        self, max_failures: int = MAX_FAILURES, window: float = WINDOW, lockout: float = LOCKOUT,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_clients = max_clients
        self._clients: dict[str, _Client] = {}

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Seconds before `client` may try again; 0: now."""
        now = time.monotonic() if now is None else now
        state = self._clients.get(client)
        if state is None or state.locked_until <= now:
            return 0
        return max(1, round(state.locked_until - now))

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        state = self._clients.pop(client, None) or _Client()
        self._clients[client] = state  # most recently seen last
        state.failures.append(now)
        while state.failures and state.failures[0] <= now - self.window:
            state.failures.popleft()
        if len(state.failures) >= self.max_failures:
            state.locked_until = now + self.lockout
            state.failures.clear()
        while len(self._clients) > self.max_clients:
            del self._clients[next(iter(self._clients))]

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)
