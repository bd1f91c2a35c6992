"""The SMTP relay: its settings from the environment, and one delivery with retries.

Settings never come from the site's files (they are committed and published):

    NEWSLETTER_SMTP_HOST       the relay's host name (required)
    NEWSLETTER_SMTP_PORT       default 587 with starttls, 465 with ssl, 25 with none
    NEWSLETTER_SMTP_SECURITY   starttls (default), ssl or none
    NEWSLETTER_SMTP_USER       log in as this user (optional)
    NEWSLETTER_SMTP_PASSWORD   required with a user
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nextsale.newsletter.outgoing import SendError

SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 30  # seconds to wait for the relay before counting the connection as lost


class RelayStopped(SendError):
    """The relay cannot be reached or refuses the sender: the send stops and can be resumed."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """Read NEWSLETTER_SMTP_*; a missing or invalid one is a SendError naming it."""
        host = environ.get("NEWSLETTER_SMTP_HOST", "").strip()
        if not host:
            raise SendError(
                "NEWSLETTER_SMTP_HOST is not set; export your email service's SMTP relay, e.g. "
                "NEWSLETTER_SMTP_HOST=smtp.example.com (see plugins/newsletter/README.md)"
            )
        security = environ.get("NEWSLETTER_SMTP_SECURITY", "starttls").strip().lower()
        if security not in SECURITY_PORTS:
            raise SendError(f"NEWSLETTER_SMTP_SECURITY is {security!r}; use starttls, ssl or none")
        port_text = environ.get("NEWSLETTER_SMTP_PORT", "").strip()
        if not port_text:
            port = SECURITY_PORTS[security]
        elif port_text.isdigit() and 0 < int(port_text) < 65536:
            port = int(port_text)
        else:
            raise SendError(
                f"NEWSLETTER_SMTP_PORT is {port_text!r}; give a port number such as "
                f"{SECURITY_PORTS[security]} (or leave it unset for that default)"
            )
        user = environ.get("NEWSLETTER_SMTP_USER") or None
        password = environ.get("NEWSLETTER_SMTP_PASSWORD") or None
        if user and not password:
            raise SendError(
                "NEWSLETTER_SMTP_PASSWORD is not set but NEWSLETTER_SMTP_USER is; "
                "export the password (or an app password / API key) for that user"
            )
        if password and not user:
            raise SendError(
                "NEWSLETTER_SMTP_USER is not set but NEWSLETTER_SMTP_PASSWORD is; "
                "export the user name the password belongs to"
            )
        if user and security == "none" and not _is_loopback(host):
            raise SendError(
                f"NEWSLETTER_SMTP_SECURITY is none, which would send NEWSLETTER_SMTP_PASSWORD "
                f"to {host} unencrypted; use starttls or ssl"
            )
        return cls(host, port, security, user, password)

    def __str__(self) -> str:
        who = f" as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.security}){who}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Pace:
    """At most `rate` messages a second."""

    def __init__(self, rate: float) -> None:
        self.gap = 1 / rate if rate > 0 else 0.0
        self.next_at = 0.0

    def wait(self) -> None:
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_at = time.monotonic() + self.gap


@dataclass(frozen=True)
class Outcome:
    """What became of one message: sent, failed (5xx), deferred (4xx) or uncertain."""

    kind: str
    code: int = 250
    text: str = ""


CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, OSError)


class Relay:
    """A connection to the relay that reconnects when it drops."""

    def __init__(
        self,
        settings: SmtpSettings,
        envelope_from: str,
        *,
        retries: int = 4,
        retry_delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.envelope_from = envelope_from
        self.retries = retries
        self.retry_delay = retry_delay
        self.sleep = sleep
        self._smtp: smtplib.SMTP | None = None

    def check(self) -> None:
        """Connect once before sending anything: a relay that cannot be reached stops here."""
        try:
            self.connect()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            s = self.settings
            raise SendError(
                f"cannot reach the relay {s.host}:{s.port} ({exc}); check NEWSLETTER_SMTP_HOST, "
                "NEWSLETTER_SMTP_PORT and NEWSLETTER_SMTP_SECURITY. Nothing was sent"
            ) from None

    def connect(self) -> smtplib.SMTP:
        """Open (or reuse) the connection, with TLS and login as configured."""
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        context = ssl.create_default_context()
        # The EHLO name: the host name, without the DNS look-up getfqdn() makes.
        name = socket.gethostname() or "localhost"
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, local_hostname=name, timeout=TIMEOUT, context=context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, local_hostname=name, timeout=TIMEOUT)
            smtp.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPNotSupportedError:
            raise SendError(
                f"{s.host}:{s.port} does not offer STARTTLS; set NEWSLETTER_SMTP_SECURITY=ssl "
                "(port 465) or check NEWSLETTER_SMTP_PORT"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(
                f"{s.host} refused the login of NEWSLETTER_SMTP_USER {s.user!r}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}; check NEWSLETTER_SMTP_PASSWORD"
            ) from None
        except ssl.SSLError as exc:
            raise SendError(
                f"TLS with {s.host}:{s.port} failed ({exc.reason or exc}); check "
                "NEWSLETTER_SMTP_SECURITY and NEWSLETTER_SMTP_PORT"
            ) from None
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def deliver(
        self,
        recipient: str,
        data: bytes,
        on_attempt: Callable[[], None] = lambda: None,
        on_refused: Callable[[int, str], None] = lambda code, text: None,
    ) -> Outcome:
        """Send `data` to `recipient`, retrying temporary errors with exponential back-off.

        `on_attempt` runs just before the message itself is transmitted. When
        the connection drops after that, the server may have the message: the
        outcome is "uncertain" and it is not retried. `on_refused` runs when
        the server then refuses it for now (4xx), so it is no longer in flight.
        """
        last = (0, "")
        for attempt_number in range(self.retries + 1):
            if attempt_number:
                self.sleep(self.retry_delay * 2 ** (attempt_number - 1))
            try:
                smtp = self.connect()
                code, reply = smtp.mail(self.envelope_from)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, self.envelope_from)
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            except smtplib.SMTPSenderRefused as exc:
                outcome = self._refused(exc.smtp_code, exc.smtp_error)
                if outcome.kind == "failed":
                    raise RelayStopped(
                        f"{self.settings.host} refuses the sender {self.envelope_from}: "
                        f"{outcome.code} {outcome.text}; fix NEWSLETTER_FROM or the relay's "
                        "settings, then rerun the same command"
                    ) from None
            except smtplib.SMTPRecipientsRefused as exc:
                outcome = self._refused(*exc.recipients[recipient])
            except smtplib.SMTPResponseException as exc:
                outcome = self._refused(exc.smtp_code, exc.smtp_error)
            except CONNECTION_ERRORS as exc:
                self._drop()
                last = (0, f"connection to {self.settings.host} lost or refused ({exc})")
                continue
            else:
                on_attempt()
                try:
                    code, reply = smtp.data(data)
                except smtplib.SMTPDataError as exc:
                    code, reply = exc.smtp_code, exc.smtp_error
                except CONNECTION_ERRORS as exc:
                    self._drop()
                    return Outcome("uncertain", 0, f"connection lost during DATA ({exc})")
                if code == 250:
                    return Outcome("sent", code, _text(reply))
                outcome = self._refused(code, reply)
                if outcome.kind == "deferred":
                    on_refused(code, outcome.text)
            if outcome.kind == "failed":
                return outcome
            last = (outcome.code, outcome.text)
        if last[0] == 0:
            raise RelayStopped(
                f"{last[1]}, {self.retries + 1} times; nothing more was sent. Rerun the same "
                "command when the relay is reachable: the journal resumes where this stopped"
            )
        return Outcome("deferred", *last)

    def _refused(self, code: int, reply: bytes | str) -> Outcome:
        """Reset after a refusal; 5xx is permanent, anything else is tried again."""
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            self._reset()
        return Outcome("failed" if 500 <= code < 600 else "deferred", code, _text(reply))


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(reply.split())
