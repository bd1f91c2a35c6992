"""The built issue as it leaves: found in the output, made personal, optionally DKIM-signed.

The build's `.eml` is the single source of what is sent. Each recipient gets
it with their own `To`, a unique `Message-ID`, the send time as `Date`,
`Precedence: bulk`, and (when the build has a one-click unsubscribe URL) that
URL with the recipient's token, in `List-Unsubscribe` and in the footer link.
"""

from __future__ import annotations

import email
import hashlib
import html
import os
import re
import secrets
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

import dkim

from nextsale.newsletter.subscribers import unsubscribe_link

# The Message-ID the build gives an issue (nextsale.newsletter.email_render.message_id).
BUILT_ID_RE = re.compile(r"<newsletter\.(?P<number>\d+)\.(?P<slug>[a-z0-9-]+)@(?P<host>[^>]+)>")
# Headers a DKIM signature covers; RFC 8058 requires List-Unsubscribe(-Post) among them.
SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
    "Content-Language",
)


# Headers as long as they need (up to RFC 5322's 998): a folded one-click URL would be
# encoded as an RFC 2047 word, which List-Unsubscribe readers do not decode.
SEND_POLICY = policy.SMTP.clone(max_line_length=998)


class SendError(ValueError):
    """Something the author must fix before sending; the message says what."""


@dataclass(frozen=True)
class BuiltIssue:
    """One issue's `.eml` in the output folder."""

    path: Path
    number: str
    slug: str
    host: str
    raw: bytes

    @property
    def name(self) -> str:
        return f"{self.number}-{self.slug}"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.SMTP)


def find_issue(output: Path, wanted: str) -> BuiltIssue:
    """The built issue named by its file name (`003-slug.md`), `NNN-slug`, slug or number."""
    key = Path(wanted).name.removesuffix(".md")
    if not output.is_dir():
        raise SendError(f"no output folder {output}; build the site first (invoke preview)")
    built: list[BuiltIssue] = []
    for path in sorted(output.rglob("*.eml")):
        raw = path.read_bytes()
        found = BUILT_ID_RE.search(_header(raw, "Message-ID"))
        if found:
            built.append(BuiltIssue(path, found["number"], found["slug"], found["host"], raw))
    matches = [
        issue
        for issue in built
        if key in (issue.name, issue.slug) or (key.isdigit() and int(key) == int(issue.number))
    ]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(issue.name for issue in built) or "none"
    if not matches:
        raise SendError(
            f"no built issue {wanted!r} in {output} (built issues: {names}); "
            "check the name, and build the site (invoke preview) after writing the issue"
        )
    raise SendError(f"{wanted!r} names several built issues ({names}); give NNN-slug")


def _header(raw: bytes, name: str) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    parsed = email.message_from_bytes(head + b"\r\n\r\n", policy=policy.SMTP)
    return str(parsed.get(name, ""))


def one_click_url(message: EmailMessage) -> str | None:
    """The https target of the built message's List-Unsubscribe, if it has one."""
    for target in re.findall(r"<([^>]+)>", str(message.get("List-Unsubscribe", ""))):
        if target.startswith("https://"):
            return target
    return None


def personalise(
    issue: BuiltIssue,
    recipient: str,
    *,
    secret: str | None,
    test: bool = False,
    when=None,
) -> tuple[EmailMessage, str]:
    """The issue's message for one recipient, and its Message-ID."""
    message = issue.message()
    msg_id = f"<newsletter.{issue.number}.{issue.slug}.{secrets.token_hex(10)}@{issue.host}>"
    _replace(message, "To", recipient)
    _replace(message, "Message-ID", msg_id)
    if when is not None:
        _replace(message, "Date", format_datetime(when))
    if test:
        _replace(message, "Subject", f"[TEST] {message['Subject']}")
    url = one_click_url(message)
    if url and secret:
        personal = unsubscribe_link(url, recipient, secret)
        header = str(message["List-Unsubscribe"]).strip().replace(f"<{url}>", f"<{personal}>")
        _replace(message, "List-Unsubscribe", header)
        _replace_in_part(
            message, "html", f'href="{html.escape(url)}"', f'href="{html.escape(personal)}"'
        )
        _replace_in_part(message, "plain", url, personal)
    _replace(message, "Precedence", "bulk")
    return message, msg_id


def _replace(message: EmailMessage, name: str, value: str) -> None:
    if name in message:
        message.replace_header(name, value)
    else:
        message[name] = value


def _replace_in_part(message: EmailMessage, subtype: str, old: str, new: str) -> None:
    """Swap one exact string in the text/`subtype` part, keeping its charset and encoding."""
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return
    content = part.get_content().replace("\r\n", "\n")
    # Only whole occurrences: followed by a quote (attribute), a space, a line end or the end.
    changed = re.sub(re.escape(old) + r"(?=[\s\"]|$)", lambda _: new, content)
    if changed != content:
        cte = str(part.get("Content-Transfer-Encoding", "quoted-printable")).lower()
        charset = part.get_content_charset() or "utf-8"
        part.set_content(changed, subtype=subtype, charset=charset, cte=cte)


# --- DKIM ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DkimKey:
    """A DKIM signing key: its selector, the From domain and the private key (PEM)."""

    selector: str
    domain: str
    private_key: bytes

    def sign(self, message: bytes) -> bytes:
        """`message` with a DKIM-Signature header in front (relaxed/relaxed, rsa-sha256)."""
        head = email.message_from_bytes(message, policy=policy.SMTP)
        present = [h.encode("ascii") for h in SIGNED_HEADERS if h in head]
        signature = dkim.sign(
            message,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=present,
        )
        return signature + message


def dkim_from_env(sender: str, environ=os.environ) -> DkimKey | None:
    """NEWSLETTER_DKIM_KEY (a PEM file) and NEWSLETTER_DKIM_SELECTOR, or None if neither is set."""
    key_path = environ.get("NEWSLETTER_DKIM_KEY", "").strip()
    selector = environ.get("NEWSLETTER_DKIM_SELECTOR", "").strip()
    if not key_path and not selector:
        return None
    if not key_path or not selector:
        missing = "NEWSLETTER_DKIM_KEY" if not key_path else "NEWSLETTER_DKIM_SELECTOR"
        raise SendError(
            f"{missing} is not set; DKIM signing needs both NEWSLETTER_DKIM_KEY (the private "
            "key's PEM file) and NEWSLETTER_DKIM_SELECTOR (the selector of its DNS record)"
        )
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", selector):
        raise SendError(
            f"NEWSLETTER_DKIM_SELECTOR {selector!r} is not a DNS label (e.g. 'news2026')"
        )
    try:
        pem = Path(key_path).read_bytes()
    except OSError as exc:
        raise SendError(f"NEWSLETTER_DKIM_KEY: cannot read {key_path} ({exc.strerror})") from None
    if b"PRIVATE KEY-----" not in pem:
        raise SendError(f"NEWSLETTER_DKIM_KEY: {key_path} is not a PEM private key")
    domain = parseaddr(sender)[1].rpartition("@")[2].lower()
    key = DkimKey(selector, domain, pem)
    try:
        key.sign(b"From: " + sender.encode("utf-8") + b"\r\nSubject: key check\r\n\r\nok\r\n")
    except dkim.DKIMException as exc:
        raise SendError(f"NEWSLETTER_DKIM_KEY: {key_path} cannot sign ({exc})") from None
    return key
