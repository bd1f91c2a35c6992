"""Subscriber lists, the suppression file and per-recipient unsubscribe tokens.

A list is a text file with one address per line, or a CSV file with an
`email` column. Blank lines and lines starting with `#` are ignored. The
suppression file (unsubscribed addresses) has the one-address-per-line shape.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

# A dot-atom local part (RFC 5322 without quoted strings) and a domain of
# letter/digit/hyphen labels with a top-level label that is not all digits.
LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
SUPPRESSED_NAME = "newsletter-suppressed.txt"


class ListError(ValueError):
    """A list or suppression file that cannot be read; the message names the file."""


def normalise(address: str) -> str:
    """Return `address` as it is sent to: trimmed, domain lower-cased and in ASCII.

    Raise ValueError with the reason when it is not an address mail can carry.
    """
    address = address.strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1].strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("no local part and domain joined by a single @")
    if len(local) > 64 or not LOCAL_RE.fullmatch(local):
        raise ValueError(
            f"the part before the @ ({local!r}) has characters an address cannot have"
            if len(local) <= 64
            else "the part before the @ is over 64 characters"
        )
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"the domain {domain!r} is not a valid host name") from None
    labels = domain.split(".")
    if (
        len(labels) < 2
        or not all(LABEL_RE.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
        or len(domain) > 253
    ):
        raise ValueError(f"the domain {domain!r} is not a host name with a dot (e.g. example.com)")
    return f"{local}@{domain}"


def same_person(address: str) -> str:
    """The key for suppression: the whole address lower-cased.

    Most mail systems ignore case in the local part too; matching without it
    means an unsubscribe is never missed because of a capital letter.
    """
    return address.lower()


@dataclass
class SubscriberList:
    """The addresses of a list in file order, each once, and the lines that were skipped."""

    path: Path
    addresses: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # "FILE:LINE: text: reason"
    duplicates: int = 0


def _rows(path: Path, text: str) -> list[tuple[int, str]]:
    """(line number, address text) for each line that holds an address."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    header = [cell.strip().lower() for cell in next(csv.reader([first]), [])]
    if "email" not in header:
        if "," in first or ";" in first:
            raise ListError(
                f"{path}: looks like a CSV file but has no 'email' column in its first line "
                f"({first.strip()!r}); name the column of addresses 'email'"
            )
        return [
            (n, ln.strip())
            for n, ln in enumerate(lines, 1)
            if ln.strip() and not ln.lstrip().startswith("#")
        ]
    body = [ln if not ln.lstrip().startswith("#") else "" for ln in lines]
    reader = csv.reader(io.StringIO("\n".join(body)))
    rows = []
    column = None
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if column is None:
            column = [cell.strip().lower() for cell in row].index("email")
            continue
        cell = row[column].strip() if column < len(row) else ""
        rows.append((reader.line_num, cell))
    return rows


def read_list(path: Path) -> SubscriberList:
    """Read a subscriber list; invalid lines are kept in `.invalid` with their line number."""
    text = _read_text(path)
    found = SubscriberList(path)
    seen: set[str] = set()
    for line, cell in _rows(path, text):
        try:
            address = normalise(cell)
        except ValueError as reason:
            found.invalid.append(f"{path}:{line}: {cell!r}: {reason}")
            continue
        if address in seen:
            found.duplicates += 1
            continue
        seen.add(address)
        found.addresses.append(address)
    return found


def read_suppressed(path: Path) -> set[str]:
    """The suppression keys (see `same_person`) of the file's addresses; none if it is missing."""
    if not path.exists():
        return set()
    keys = set()
    for line, cell in _rows(path, _read_text(path)):
        try:
            keys.add(same_person(normalise(cell)))
        except ValueError as reason:
            raise ListError(
                f"{path}:{line}: {cell!r}: {reason}; fix or delete the line, "
                "so nobody who unsubscribed is mailed by mistake"
            ) from None
    return keys


def add_suppressed(path: Path, address: str) -> bool:
    """Append `address` (normalised) to the suppression file; False if it is already there."""
    address = normalise(address)
    if same_person(address) in read_suppressed(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n")
    with path.open("a", encoding="utf-8") as out:
        out.write(("\n" if needs_newline else "") + address + "\n")
        out.flush()
        os.fsync(out.fileno())
    return True


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ListError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ListError(f"{path}: not UTF-8 text; save it as UTF-8 (CSV UTF-8)") from None
    except OSError as exc:
        raise ListError(f"{path}: cannot be read ({exc.strerror})") from None


# --- one-click unsubscribe tokens ------------------------------------------------


def unsubscribe_token(address: str, secret: str) -> str:
    """HMAC-SHA256 of the normalised address, keyed by `secret`, base64url without padding."""
    digest = hmac.new(secret.encode("utf-8"), normalise(address).encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def verify_unsubscribe_token(address: str, token: str, secret: str) -> bool:
    """True if `token` was made for `address` with `secret` (constant-time comparison)."""
    try:
        expected = unsubscribe_token(address, secret)
    except ValueError:
        return False
    return hmac.compare_digest(expected, token)


def unsubscribe_link(url: str, address: str, secret: str) -> str:
    """`url` with `address` and its token as query parameters."""
    joiner = "&" if "?" in url else "?"
    address = normalise(address)
    token = unsubscribe_token(address, secret)
    return f"{url}{joiner}address={quote(address, safe='@')}&token={token}"
