"""Sending a built issue through a real SMTP server (aiosmtpd) on 127.0.0.1.

The sample site is built once into a temporary project folder; each test
sends its issue 001 to a subscriber list beside content/ and reads what the
server received with the `email` package.
"""

from __future__ import annotations

import base64
import email
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import policy
from pathlib import Path

import dkim
import pytest
from aiosmtpd.controller import Controller
from conftest import ROOT, make_settings, run_pelican

from nextsale.newsletter import send, unsubscribe
from nextsale.newsletter.subscribers import (
    ListError,
    normalise,
    read_list,
    verify_unsubscribe_token,
)

SECRET = "a-test-secret-that-signs-tokens"
ISSUE = "001-three-ways-to-earn-the-second-order"
SUBSCRIBERS = [f"reader{n:02d}@example.{'com' if n % 2 else 'org'}" for n in range(50)]


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses on request.

    `rcpt_replies[address]` and `data_replies[address]` are lists of replies
    used up one per try ("DROP" closes the connection, after keeping the
    message when it is a DATA reply); `hold` is the address
    whose delivery is held (stored, then no reply) until `release` is set.
    """

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.rcpt_replies: dict[str, list[str]] = {}
        self.data_replies: dict[str, list[str]] = {}
        self.hold: str | None = None
        self.release = threading.Event()

    def reset(self) -> None:
        self.__init__()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rcpt_replies.get(address)
        if replies:
            reply = replies.pop(0)
            if reply == "DROP":
                server.transport.close()
            return reply if reply != "DROP" else "421 4.4.2 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        for address in envelope.rcpt_tos:
            replies = self.data_replies.get(address)
            if replies:
                reply = replies.pop(0)
                if reply != "DROP":
                    return reply
                # The message arrived, but the sender never hears so.
                self.received.append((list(envelope.rcpt_tos), envelope.content))
                server.transport.close()
                return "421 4.4.2 closing"
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        if self.hold in envelope.rcpt_tos:
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 2.0.0 accepted"

    def counts(self) -> Counter:
        return Counter(rcpt for rcpts, _ in self.received for rcpt in rcpts)

    def messages(self) -> dict[str, email.message.EmailMessage]:
        return {
            rcpts[0]: email.message_from_bytes(raw, policy=policy.default)
            for rcpts, raw in self.received
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    mailbox.release.set()
    controller.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project folder: content/, the built output/ and a subscriber list beside them."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "content", root / "content")
    (root / "subscribers.csv").write_text(
        "email,name\n" + "".join(f"{a},Reader {n}\n" for n, a in enumerate(SUBSCRIBERS)),
        encoding="utf-8",
    )
    # A copy left in content/ by mistake must not be published by a build either.
    shutil.copy(root / "subscribers.csv", root / "content" / "subscribers.csv")
    run_pelican(make_settings(root / "content", root / "output", False, {}))
    return root


@pytest.fixture
def mailbox(smtp_server, monkeypatch, tmp_path) -> Mailbox:
    """The server's mailbox, emptied, with the relay and secret in the environment."""
    smtp_server.handler.reset()
    for name, value in relay_env(smtp_server).items():
        monkeypatch.setenv(name, value)
    for name in ("NEWSLETTER_SMTP_USER", "NEWSLETTER_SMTP_PASSWORD", "NEWSLETTER_DKIM_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEWSLETTER_DKIM_SELECTOR", raising=False)
    return smtp_server.handler


def relay_env(server) -> dict[str, str]:
    return {
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": str(server.port),
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET,
    }


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    length = bytes([size]) if size < 128 else bytes([0x80 | ((size.bit_length() + 7) // 8)])
    if size >= 128:
        length += size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + body


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _prime(bits: int) -> int:
    """A random probable prime with its top two bits set (Miller-Rabin, 40 rounds)."""
    while True:
        n = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if any(n % p == 0 for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
            continue
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(secrets.randbelow(n - 3) + 2, d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                break
        else:
            return n


def rsa_test_key() -> tuple[bytes, bytes]:
    """A 1024-bit RSA key made here (no openssl needed): PKCS#1 PEM and RSAPublicKey DER."""
    e = 65537
    while True:
        p, q = _prime(512), _prime(512)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            break
    n, d = p * q, pow(e, -1, phi)
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    der = _der(0x30, b"".join(_der_int(v) for v in fields))
    pem = base64.encodebytes(der).replace(b"\n", b"")
    lines = b"\n".join(pem[i : i + 64] for i in range(0, len(pem), 64))
    private = b"-----BEGIN RSA PRIVATE KEY-----\n" + lines + b"\n-----END RSA PRIVATE KEY-----\n"
    return private, _der(0x30, _der_int(n) + _der_int(e))


def send_args(project: Path, journals: Path, *extra: str, listing: Path | None = None) -> list:
    return [
        ISSUE,
        "--list",
        str(listing or project / "subscribers.csv"),
        "--output",
        str(project / "output"),
        "--content",
        str(project / "content"),
        "--journal-dir",
        str(journals),
        "--rate",
        "0",
        "--retry-delay",
        "0.01",
        *extra,
    ]


def run_send(capsys, *args) -> tuple[int, str]:
    status = send.main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_a_subscriber_list_is_never_published_and_refused_inside_the_site(project, capsys):
    published = b"".join(p.read_bytes() for p in (project / "output").rglob("*") if p.is_file())
    assert not [a for a in SUBSCRIBERS if a.encode() in published]
    assert list((project / "output").rglob("subscribers*")) == []

    for inside in (project / "content" / "subscribers.csv", project / "output" / "list.txt"):
        status, said = run_send(capsys, *send_args(project, project / "j", listing=inside))
        assert status == 2
        assert "is inside the" in said and "move it out" in said
        assert "Traceback" not in said


def test_an_issue_is_found_by_file_name_slug_or_number(project):
    from nextsale.newsletter.outgoing import SendError, find_issue

    for name in (
        f"content/newsletter/{ISSUE}.md",
        ISSUE,
        "three-ways-to-earn-the-second-order",
        "1",
    ):
        assert find_issue(project / "output", name).name == ISSUE
    with pytest.raises(SendError, match=r"built issues: 001-three.*002-the-customers"):
        find_issue(project / "output", "004-nothing-yet")


def test_each_subscriber_gets_a_personal_message_once(project, mailbox, tmp_path, capsys):
    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 0, said
    assert f"{ISSUE}: sent 50, skipped 0 (already sent), suppressed 0, failed 0" in said
    assert mailbox.counts() == Counter(SUBSCRIBERS)

    messages = mailbox.messages()
    tokens, ids = set(), set()
    for address, message in messages.items():
        assert message["To"] == address
        assert message["Subject"] == "#1: Three ways to earn the second order"
        assert message["From"] == "The Next Sale <letters@thenextsale.example>"
        assert message["Precedence"] == "bulk"
        assert message["List-Id"] == "The Next Sale newsletter <newsletter.thenextsale.example>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        mailto, url = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert mailto == "mailto:unsubscribe@thenextsale.example?subject=unsubscribe"
        base, query = url.split("?")
        assert base == "https://lists.thenextsale.example/unsubscribe"
        given = dict(part.split("=", 1) for part in query.split("&"))
        assert given["address"] == address
        assert verify_unsubscribe_token(address, given["token"], SECRET)
        assert not verify_unsubscribe_token(address, given["token"], "another secret")
        tokens.add(given["token"])
        ids.add(message["Message-ID"])
        own_id = r"<newsletter\.001\.[a-z-]+\.[0-9a-f]{20}@thenextsale\.example>"
        assert re.fullmatch(own_id, message["Message-ID"])
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "Welcome to the first issue." in text and "Welcome to the first issue." in html
        assert f"Unsubscribe: {url}" in text
        escaped = url.replace("&", "&amp;")
        assert f'href="{escaped}"' in html
    assert len(tokens) == len(ids) == 50

    journal = (tmp_path / f"{ISSUE}.journal").read_text()
    assert journal.count("\nattempt ") == journal.count("\nsent ") == 50
    assert journal.rstrip().splitlines()[-1].startswith("done ")

    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 2
    assert f"{ISSUE} was already sent" in said and "--force" in said
    assert len(mailbox.received) == 50

    status, said = run_send(capsys, *send_args(project, tmp_path, "--force"))
    assert status == 0, said
    assert mailbox.counts() == Counter(SUBSCRIBERS * 2)


def test_dry_run_lists_and_sends_nothing(project, mailbox, tmp_path, capsys):
    (project / "dry.txt").write_text(
        "# subscribers\n\nfirst@example.com\nnot an address\nGone@Example.com\n"
        "first@EXAMPLE.com\nthird@example.com\n",
        encoding="utf-8",
    )
    (project / "newsletter-suppressed.txt").write_text("gone@example.com\n", encoding="utf-8")
    try:
        status, said = run_send(
            capsys, *send_args(project, tmp_path, "--dry-run", listing=project / "dry.txt")
        )
    finally:
        (project / "newsletter-suppressed.txt").unlink()
    assert status == 0
    assert "dry.txt:4: 'not an address'" in said
    assert "1 duplicate address(es) counted once" in said
    assert "Would send: 2\n    first@example.com\n    third@example.com" in said
    assert "Suppressed (unsubscribed): 1\n    Gone@example.com" in said
    assert "Nothing was sent" in said
    assert mailbox.received == []
    assert not list(tmp_path.iterdir())


def test_a_test_send_is_marked_and_leaves_the_real_send_to_do(project, mailbox, tmp_path, capsys):
    status, said = run_send(
        capsys, *send_args(project, tmp_path, "--test", "seed@example.net", "Editor@Example.NET")
    )
    assert status == 0, said
    messages = mailbox.messages()
    assert set(messages) == {"seed@example.net", "Editor@example.net"}
    for message in messages.values():
        assert message["Subject"] == "[TEST] #1: Three ways to earn the second order"
    assert not (tmp_path / f"{ISSUE}.journal").exists()

    mailbox.reset()
    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 0, said
    assert len(mailbox.received) == 50


def test_suppressed_addresses_are_never_sent(project, mailbox, tmp_path, capsys):
    listing = tmp_path / "lists" / "subscribers.txt"
    listing.parent.mkdir()
    listing.write_text("\n".join(SUBSCRIBERS[:5]) + "\n", encoding="utf-8")
    suppressed = listing.parent / "newsletter-suppressed.txt"
    assert unsubscribe.main(["READER01@Example.COM", "--list", str(listing)]) == 0
    assert (
        unsubscribe.main([SUBSCRIBERS[1], f"<{SUBSCRIBERS[3]}>", "--suppress", str(suppressed)])
        == 0
    )
    assert "already in" in capsys.readouterr().out
    assert suppressed.read_text() == f"READER01@example.com\n{SUBSCRIBERS[3]}\n"

    status, said = run_send(capsys, *send_args(project, tmp_path / "j", listing=listing))
    assert status == 0, said
    assert "sent 3, skipped 0 (already sent), suppressed 2, failed 0, uncertain 0" in said
    assert sorted(mailbox.counts()) == [SUBSCRIBERS[0], SUBSCRIBERS[2], SUBSCRIBERS[4]]


def test_temporary_errors_are_retried_and_permanent_ones_reported(
    project, mailbox, tmp_path, capsys
):
    greylisted, dropped, unknown = SUBSCRIBERS[3], SUBSCRIBERS[7], SUBSCRIBERS[10]
    mailbox.data_replies[greylisted] = ["451 4.7.1 greylisted, try again later"] * 2
    mailbox.rcpt_replies[dropped] = ["DROP"]
    mailbox.rcpt_replies[unknown] = ["550 5.1.1 no such mailbox"]
    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 1
    assert f"failed {unknown}: 550 5.1.1 no such mailbox" in said
    assert "sent 49, skipped 0 (already sent), suppressed 0, failed 1, uncertain 0" in said
    assert mailbox.counts() == Counter(a for a in SUBSCRIBERS if a != unknown)
    journal = (tmp_path / f"{ISSUE}.journal").read_text()
    assert f"\nfailed {unknown} 550 5.1.1 no such mailbox\n" in journal
    assert journal.count(f"\ndeferred {greylisted} 451") == 2

    # The refused address is not tried again unless asked.
    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 2 and "--retry-failed" in said
    status, said = run_send(capsys, *send_args(project, tmp_path, "--retry-failed"))
    assert status == 0, said
    assert "sent 1, skipped 49" in said and mailbox.counts()[unknown] == 1


def test_relay_settings_come_from_the_environment_with_clear_errors(project, tmp_path):
    base = {
        **os.environ,
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": "2525",  # nothing listens there
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET,
    }
    cases = {
        "NEWSLETTER_SMTP_HOST": {"NEWSLETTER_SMTP_HOST": ""},
        "NEWSLETTER_SMTP_SECURITY is 'tls'": {"NEWSLETTER_SMTP_SECURITY": "tls"},
        "NEWSLETTER_SMTP_PORT is 'smtp'": {"NEWSLETTER_SMTP_PORT": "smtp"},
        "NEWSLETTER_SMTP_PASSWORD is not set": {"NEWSLETTER_SMTP_USER": "me"},
        "NEWSLETTER_UNSUBSCRIBE_SECRET is not set": {"NEWSLETTER_UNSUBSCRIBE_SECRET": ""},
        "NEWSLETTER_DKIM_SELECTOR is not set": {"NEWSLETTER_DKIM_KEY": str(tmp_path / "k")},
        "cannot reach the relay 127.0.0.1:": {"NEWSLETTER_SMTP_PORT": str(free_port())},
    }
    for expected, change in cases.items():
        env = {**base, **change}
        result = subprocess.run(
            [sys.executable, "-m", "nextsale.newsletter.send", *send_args(project, tmp_path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, (expected, result.stderr)
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_a_connection_lost_during_data_is_uncertain_and_not_retried(
    project, mailbox, tmp_path, capsys
):
    in_flight = SUBSCRIBERS[5]
    mailbox.data_replies[in_flight] = ["DROP"]
    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 1
    assert "sent 49, skipped 0 (already sent), suppressed 0, failed 0, uncertain 1" in said
    assert f"or leave them:\n    {in_flight}" in said
    assert mailbox.counts() == Counter(SUBSCRIBERS)

    status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 2
    assert "--retry-uncertain sends to the 1 left uncertain" in said
    assert mailbox.counts() == Counter(SUBSCRIBERS)


def test_two_sends_of_one_issue_cannot_overlap(project, mailbox, tmp_path, capsys):
    from nextsale.newsletter.journal import Journal

    with Journal(tmp_path / f"{ISSUE}.journal"):
        status, said = run_send(capsys, *send_args(project, tmp_path))
    assert status == 2
    assert "another newsletter-send of this issue is running" in said
    assert mailbox.received == []


def test_dkim_signature_verifies_with_the_published_key(
    project, mailbox, tmp_path, capsys, monkeypatch
):
    key = tmp_path / "dkim.pem"
    private, public = rsa_test_key()
    key.write_bytes(private)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    monkeypatch.setenv("NEWSLETTER_DKIM_KEY", str(key))
    monkeypatch.setenv("NEWSLETTER_DKIM_SELECTOR", "news")
    status, said = run_send(capsys, *send_args(project, tmp_path, "--test", "seed@example.net"))
    assert status == 0, said
    [(_, raw)] = mailbox.received
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return record

    assert raw.startswith(b"DKIM-Signature:")
    assert b"d=thenextsale.example" in raw and b"s=news" in raw
    assert dkim.verify(raw, dnsfunc=dns)
    assert looked_up == [b"news._domainkey.thenextsale.example."]
    signed = re.search(rb"h=([^;]+);", re.sub(rb"\r\n[ \t]+", b"", raw)).group(1).lower()
    assert b"list-unsubscribe-post" in signed and b"list-unsubscribe" in signed
    tampered = raw.replace(b"[TEST] ", b"[TEST] Urgent: ")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_killed_send_resumes_without_sending_anyone_twice(project, smtp_server, tmp_path):
    mailbox = smtp_server.handler
    mailbox.reset()
    in_flight = SUBSCRIBERS[20]
    mailbox.hold = in_flight
    env = {**os.environ, **relay_env(smtp_server)}
    command = [sys.executable, "-m", "nextsale.newsletter.send", *send_args(project, tmp_path)]
    journal = tmp_path / f"{ISSUE}.journal"
    sender = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while not (
        journal.exists()
        and journal.read_text().endswith(f"attempt {in_flight}\n")
        and mailbox.counts()[in_flight]
    ):
        assert time.monotonic() < deadline and sender.poll() is None, "the send never got there"
        time.sleep(0.02)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=10)
    mailbox.release.set()
    assert mailbox.counts() == Counter(SUBSCRIBERS[:21])

    resumed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    assert (
        "sent 29, skipped 20 (already sent), suppressed 0, failed 0, uncertain 1" in resumed.stdout
    )
    assert (
        f"--retry-uncertain to send these again, or leave them:\n    {in_flight}" in resumed.stdout
    )
    # Everyone has the issue exactly once, the one in flight included (the server kept it).
    assert mailbox.counts() == Counter(SUBSCRIBERS)

    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "already sent" in again.stderr
    assert mailbox.counts() == Counter(SUBSCRIBERS)

    retried = subprocess.run(
        [*command, "--retry-uncertain"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "sent 1, skipped 49" in retried.stdout
    assert mailbox.counts()[in_flight] == 2  # the author's choice, made knowingly


def test_lists_are_read_as_text_or_csv_with_line_numbers(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text(
        "# mine\n\nAnn@Example.COM\n  bob@example.com  \nann@example.com\n"
        "Ann@example.com\nno-at-sign\nx@localhost\n<cy@example.org>\n"
    )
    found = read_list(plain)
    assert found.addresses == [
        "Ann@example.com",
        "bob@example.com",
        "ann@example.com",
        "cy@example.org",
    ]
    assert found.duplicates == 1
    assert [line.split(": ")[0] for line in found.invalid] == [f"{plain}:7", f"{plain}:8"]

    table = tmp_path / "export.csv"
    table.write_text(
        'Name,Email\n"Lee, Sam",sam@example.com\n\nNo Mail,\nDee,dee@münchen.example\n'
    )
    found = read_list(table)
    assert found.addresses == ["sam@example.com", "dee@xn--mnchen-3ya.example"]
    assert found.invalid == [f"{table}:4: '': no local part and domain joined by a single @"]

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,mail\nSam,sam@example.com\n")
    with pytest.raises(ListError, match="no 'email' column"):
        read_list(wrong)
    with pytest.raises(ValueError, match="characters an address cannot have"):
        normalise("a@example.com\r\nBcc: b@example.com")
