"""The send journal: an append-only record of one issue's deliveries.

One line per event, each flushed and fsync'd before the sender goes on:

    run 2026-03-02T07:00:00Z new sha256=…       a send started (new, resume or force)
    attempt ADDRESS                              written just before the message's DATA
    sent ADDRESS <message-id>                    the server accepted it
    failed ADDRESS CODE MESSAGE                  the server refused it for good (5xx)
    deferred ADDRESS CODE MESSAGE                temporary errors outlasted the retries
    done 2026-03-02T07:04:12Z                    the whole list was worked through

An `attempt` with no later line for the same address was in flight when the
sender died: the server may or may not have it, so it is *uncertain*. A
`run … force` line starts the record afresh: what came before it no longer
counts. The file is locked while a send runs, so two sends of one issue
cannot overlap.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


class JournalBusy(RuntimeError):
    """Another send of the same issue holds the journal."""


@dataclass
class JournalState:
    """What the journal says about each address, since the last forced run."""

    sent: dict[str, str] = field(default_factory=dict)  # address -> Message-ID
    failed: dict[str, str] = field(default_factory=dict)  # address -> "CODE message"
    deferred: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    done: str | None = None  # time of the last completed run
    fingerprint: str | None = None  # sha256 of the issue the record was started with

    @property
    def started(self) -> bool:
        return bool(self.sent or self.failed or self.deferred or self.uncertain or self.done)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_state(path: Path) -> JournalState:
    """Replay the journal at `path` (an empty state if there is none)."""
    state = JournalState()
    if not path.exists():
        return state
    in_flight: dict[str, None] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        kind, _, rest = raw.partition(" ")
        address, _, detail = rest.partition(" ")
        if kind == "run":
            if detail.startswith("force"):
                state, in_flight = JournalState(), {}
            fingerprint = detail.partition("sha256=")[2].split(" ")[0]
            state.fingerprint = state.fingerprint or fingerprint or None
        elif kind == "attempt":
            in_flight[address] = None
        elif kind in ("sent", "failed", "deferred"):
            in_flight.pop(address, None)
            for book in (state.sent, state.failed, state.deferred):
                book.pop(address, None)
            {"sent": state.sent, "failed": state.failed, "deferred": state.deferred}[kind][
                address
            ] = detail
        elif kind == "done":
            state.done = address
        # A line cut short by a crash (no newline, unknown word) is ignored.
    state.uncertain = [a for a in in_flight if a not in state.sent]
    return state


class Journal:
    """The journal file of one issue, open for appending and locked while a send runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> Journal:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalBusy(
                f"{self.path} is locked: another newsletter-send of this issue is running; "
                "wait for it to finish (or stop it) before starting another"
            ) from None
        # A crash mid-line leaves a fragment; start the next line on its own.
        size = os.fstat(fd).st_size
        if size:
            with self.path.open("rb") as existing:
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    os.write(fd, b"\n")
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def write(self, *words: str) -> None:
        """Append one line and make sure it is on disk before returning."""
        if self._fd is None:
            raise RuntimeError("the journal is not open")
        line = " ".join(" ".join(w.split()) for w in words if w) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def run(self, mode: str, fingerprint: str) -> None:
        self.write("run", now(), mode, f"sha256={fingerprint}")

    def attempt(self, address: str) -> None:
        self.write("attempt", address)

    def sent(self, address: str, message_id: str) -> None:
        self.write("sent", address, message_id)

    def failed(self, address: str, code: int, message: str) -> None:
        self.write("failed", address, str(code), message)

    def deferred(self, address: str, code: int, message: str) -> None:
        self.write("deferred", address, str(code), message)

    def done(self) -> None:
        self.write("done", now())
