"""Send a built newsletter issue to a subscriber list through an SMTP relay.

    python -m nextsale.newsletter.send ISSUE --list FILE [--suppress FILE]
        [--test ADDRESS ...] [--dry-run] [--rate 5] [--retries 4] [--retry-delay 2]
        [--retry-uncertain] [--retry-failed] [--force]
        [--output output] [--content content] [--journal-dir newsletter-sends]

ISSUE is the issue's file name (`003-slug.md`), `NNN-slug`, its slug or number.
The message is the build's `.eml` (build first), made personal for each
recipient. Deliveries are recorded in a journal (see `journal.py`), so an
interrupted send resumes without mailing anyone twice. The relay comes from
NEWSLETTER_SMTP_* (see `relay.py`). Exit status 0 when every address on the
list has the issue (or is suppressed), 1 when some need attention, 2 when
nothing could be sent (bad settings, a refused list, an issue already sent).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from nextsale.newsletter.journal import Journal, JournalBusy, JournalState, read_state
from nextsale.newsletter.outgoing import (
    SEND_POLICY,
    BuiltIssue,
    DkimKey,
    SendError,
    dkim_from_env,
    find_issue,
    one_click_url,
    personalise,
)
from nextsale.newsletter.relay import Pace, Relay, RelayStopped, SmtpSettings
from nextsale.newsletter.subscribers import (
    SUPPRESSED_NAME,
    ListError,
    SubscriberList,
    normalise,
    read_list,
    read_suppressed,
    same_person,
)

SHOWN = 10  # addresses listed by name in a dry run, per group
SECRET_ENV = "NEWSLETTER_UNSUBSCRIBE_SECRET"


@dataclass
class Plan:
    """Who gets the issue in this run, and why the others do not."""

    to_send: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent
    suppressed: list[str] = field(default_factory=list)
    failed_before: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)


@dataclass
class Tally:
    sent: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)


def refuse_inside(path: Path, folders: dict[str, Path], what: str) -> None:
    """Refuse a file of addresses inside the content or output folder (it could be published)."""
    for name, folder in folders.items():
        if path.resolve().is_relative_to(folder.resolve()):
            raise SendError(
                f"{path}: the {what} is inside the {name} folder ({folder}), from where a build "
                "could publish it; move it out, e.g. beside pelicanconf.py"
            )


def plan_send(
    addresses: list[str], suppressed: set[str], state: JournalState, args: argparse.Namespace
) -> Plan:
    plan = Plan()
    for address in addresses:
        if same_person(address) in suppressed:
            plan.suppressed.append(address)
        elif args.force:
            plan.to_send.append(address)
        elif address in state.sent:
            plan.skipped.append(address)
        elif address in state.uncertain and not args.retry_uncertain:
            plan.uncertain.append(address)
        elif address in state.failed and not args.retry_failed:
            plan.failed_before[address] = state.failed[address]
        elif state.done and address not in state.uncertain and address not in state.failed:
            continue  # a finished send only reopens for the addresses a retry flag names
        else:
            plan.to_send.append(address)
    return plan


def check_not_sent(issue: BuiltIssue, state: JournalState, plan: Plan, journal: Path) -> None:
    if state.done and not plan.to_send:
        retry = ""
        if plan.failed_before:
            retry += f"; --retry-failed tries the {len(plan.failed_before)} refused again"
        if plan.uncertain:
            retry += f"; --retry-uncertain sends to the {len(plan.uncertain)} left uncertain"
        raise SendError(
            f"{issue.name} was already sent (finished {state.done}, {len(state.sent)} "
            f"delivered; journal {journal}); --force sends it to everyone on the list again" + retry
        )


def show(title: str, addresses: list[str], limit: int = SHOWN) -> None:
    if not addresses:
        return
    print(f"{title}: {len(addresses)}")
    for address in addresses[:limit]:
        print(f"    {address}")
    if len(addresses) > limit:
        print(f"    … and {len(addresses) - limit} more")


def dry_run(issue: BuiltIssue, plan: Plan, subject: str) -> int:
    try:
        relay = f"through {SmtpSettings.from_env()}"
    except SendError as problem:
        relay = f"(no relay yet: {problem})"
    print(f"Dry run: {issue.name} {subject!r} would go {relay}.")
    show("Would send", plan.to_send)
    show("Skipped (already sent)", plan.skipped)
    show("Suppressed (unsubscribed)", plan.suppressed)
    show("Failed before (--retry-failed sends them)", list(plan.failed_before))
    show("Uncertain (--retry-uncertain sends them)", plan.uncertain)
    print(f"Nothing was sent ({len(plan.to_send)} would be).")
    return 0


def render(
    issue: BuiltIssue,
    address: str,
    secret: str | None,
    dkim_key: DkimKey | None,
    test: bool = False,
) -> tuple[bytes, str]:
    message, msg_id = personalise(
        issue, address, secret=secret, test=test, when=datetime.now().astimezone()
    )
    data = message.as_bytes(policy=SEND_POLICY)
    return (dkim_key.sign(data) if dkim_key else data), msg_id


def send_tests(issue, seeds, relay, secret, dkim_key, pace) -> int:
    problems = 0
    for address in seeds:
        pace.wait()
        data, _ = render(issue, address, secret, dkim_key, test=True)
        outcome = relay.deliver(address, data)
        print(
            f"test {outcome.kind} {address}"
            + (f": {outcome.code} {outcome.text}" if outcome.kind != "sent" else "")
        )
        problems += outcome.kind != "sent"
    print(
        f"Test send of {issue.name}: {len(seeds) - problems} of {len(seeds)} delivered, "
        "subject marked [TEST]; the journal is unchanged."
    )
    return 1 if problems else 0


def send_list(issue, plan, journal: Journal, relay, secret, dkim_key, pace, tally) -> None:
    for number, address in enumerate(plan.to_send, 1):
        pace.wait()
        data, msg_id = render(issue, address, secret, dkim_key)
        outcome = relay.deliver(
            address,
            data,
            on_attempt=lambda a=address: journal.attempt(a),
            on_refused=lambda code, text, a=address: journal.deferred(a, code, text),
        )
        if outcome.kind == "sent":
            journal.sent(address, msg_id)
            tally.sent += 1
        elif outcome.kind == "failed":
            journal.failed(address, outcome.code, outcome.text)
            tally.failed[address] = f"{outcome.code} {outcome.text}"
            print(f"failed {address}: {outcome.code} {outcome.text}", flush=True)
        elif outcome.kind == "deferred":
            journal.deferred(address, outcome.code, outcome.text)
            tally.deferred[address] = f"{outcome.code} {outcome.text}"
            print(f"deferred {address}: {outcome.code} {outcome.text}", flush=True)
        else:
            tally.uncertain.append(address)
            print(f"uncertain {address}: {outcome.text}", flush=True)
        if number % 100 == 0:
            print(f"… {number} of {len(plan.to_send)}", flush=True)


def summary(issue: BuiltIssue, plan: Plan, tally: Tally, journal: Path) -> int:
    failed = {**plan.failed_before, **tally.failed}
    uncertain = plan.uncertain + tally.uncertain
    for address, reason in failed.items():
        print(f"    failed {address}: {reason}")
    for address, reason in tally.deferred.items():
        print(f"    deferred {address}: {reason} (a rerun tries again)")
    print(
        f"{issue.name}: sent {tally.sent}, skipped {len(plan.skipped)} (already sent), "
        f"suppressed {len(plan.suppressed)}, failed {len(failed) + len(tally.deferred)}, "
        f"uncertain {len(uncertain)}. Journal: {journal}"
    )
    if uncertain:
        print(
            "Uncertain: a delivery was in flight when the send stopped, so the relay may or may "
            "not have accepted it. Check the relay's log; rerun with --retry-uncertain to send "
            "these again, or leave them:"
        )
        for address in uncertain:
            print(f"    {address}")
    return 1 if failed or uncertain or tally.deferred else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("issue", help="the issue: 003-slug.md, 003-slug, slug or number")
    parser.add_argument("--list", type=Path, help="subscriber list (one address a line, or CSV)")
    parser.add_argument(
        "--suppress",
        type=Path,
        help=f"unsubscribed addresses (default: {SUPPRESSED_NAME} beside the list)",
    )
    parser.add_argument(
        "--test",
        nargs="+",
        metavar="ADDRESS",
        help="send only to these, marked [TEST]",
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent")
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second (default 5)")
    parser.add_argument("--retries", type=int, default=4, help="tries again on temporary errors")
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=2.0,
        help="seconds before the first retry; doubles each time",
    )
    parser.add_argument(
        "--retry-uncertain",
        action="store_true",
        help="send to the addresses an interrupted send left uncertain",
    )
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="send again to the addresses refused permanently before",
    )
    parser.add_argument("--force", action="store_true", help="send to everyone again")
    parser.add_argument("--output", type=Path, default=Path("output"), help="the built site")
    parser.add_argument("--content", type=Path, default=Path("content"), help="the content")
    parser.add_argument("--journal-dir", type=Path, default=Path("newsletter-sends"))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (SendError, ListError, JournalBusy) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "Interrupted. Rerun the same command: the journal knows who has the issue.",
            file=sys.stderr,
        )
        return 130


def run(args: argparse.Namespace) -> int:
    if not args.list and not args.test:
        raise SendError("give the subscriber list with --list FILE (or --test ADDRESS for a test)")
    if args.rate < 0 or args.retries < 0 or args.retry_delay < 0:
        raise SendError("--rate, --retries and --retry-delay cannot be negative")
    folders = {"content": args.content, "output": args.output}
    refuse_inside(args.journal_dir, folders, "journal folder")
    if args.list:
        refuse_inside(args.list, folders, "subscriber list")
        args.suppress = args.suppress or args.list.parent / SUPPRESSED_NAME
        refuse_inside(args.suppress, folders, "suppression file")
    smtp = None if args.dry_run else SmtpSettings.from_env()
    issue = find_issue(args.output, args.issue)
    subject = str(issue.message()["Subject"])
    secret = os.environ.get(SECRET_ENV) or None
    if one_click_url(issue.message()) and not args.dry_run:
        if not secret:
            raise SendError(
                f"{SECRET_ENV} is not set; the issue's one-click unsubscribe URL needs a "
                "per-recipient token signed with it. Export a long random secret (the same "
                "one your unsubscribe service verifies with), e.g. from `openssl rand -hex 32`"
            )
        if len(secret) < 16:
            raise SendError(f"{SECRET_ENV} is too short to sign with; use 16 characters or more")
    dkim_key = dkim_from_env(str(issue.message()["From"]))
    pace = Pace(args.rate)

    if args.test:
        seeds = []
        for address in args.test:
            try:
                seeds.append(normalise(address))
            except ValueError as reason:
                raise SendError(f"--test {address!r}: {reason}") from None
        if args.dry_run:
            show(f"Dry run: a test of {issue.name} would go to", seeds)
            return 0
        relay = Relay(
            smtp,
            _sender(issue),
            retries=args.retries,
            retry_delay=args.retry_delay,
        )
        try:
            relay.check()
            return send_tests(issue, seeds, relay, secret, dkim_key, pace)
        finally:
            relay.close()

    subscribers = load_list(args)
    suppress = args.suppress
    journal_path = args.journal_dir / f"{issue.name}.journal"
    state = read_state(journal_path)
    plan = plan_send(subscribers.addresses, read_suppressed(suppress), state, args)
    check_not_sent(issue, state, plan, journal_path)
    if state.started and not args.force and state.fingerprint not in (None, issue.fingerprint):
        print(
            f"warning: {issue.path} changed since this send started; the addresses still "
            "to send get the new build"
        )
    if args.dry_run:
        return dry_run(issue, plan, subject)

    relay = Relay(smtp, _sender(issue), retries=args.retries, retry_delay=args.retry_delay)
    tally = Tally()
    with Journal(journal_path) as journal:
        state = read_state(journal_path)  # again, now that the lock is held
        plan = plan_send(subscribers.addresses, read_suppressed(suppress), state, args)
        check_not_sent(issue, state, plan, journal_path)
        relay.check()
        mode = "force" if args.force else ("resume" if state.started else "new")
        journal.run(mode, issue.fingerprint)
        print(
            f"Sending {issue.name} {subject!r} to {len(plan.to_send)} address(es) "
            f"through {relay.settings}…",
            flush=True,
        )
        try:
            send_list(issue, plan, journal, relay, secret, dkim_key, pace, tally)
        except KeyboardInterrupt:
            summary(issue, plan, tally, journal_path)
            print("Interrupted: rerun the same command to send to the rest.", file=sys.stderr)
            return 130
        except RelayStopped as down:
            summary(issue, plan, tally, journal_path)
            print(f"error: {down}", file=sys.stderr)
            return 2
        finally:
            relay.close()
        if not tally.deferred:
            journal.done()
    return summary(issue, plan, tally, journal_path)


def load_list(args: argparse.Namespace) -> SubscriberList:
    subscribers = read_list(args.list)
    for line in subscribers.invalid:
        print(f"skipped invalid address: {line}")
    if subscribers.duplicates:
        print(f"{args.list}: {subscribers.duplicates} duplicate address(es) counted once")
    if not subscribers.addresses:
        raise SendError(f"{args.list}: no valid address in the list")
    return subscribers


def _sender(issue: BuiltIssue) -> str:
    """The envelope sender (where bounces go): the address of the issue's From."""
    return parseaddr(str(issue.message()["From"]))[1]


if __name__ == "__main__":
    sys.exit(main())
