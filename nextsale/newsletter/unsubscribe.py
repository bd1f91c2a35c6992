"""Add an address to the newsletter's suppression file (nobody there is ever sent an issue).

    python -m nextsale.newsletter.unsubscribe ADDRESS... [--suppress FILE | --list FILE]

The file is `--suppress FILE`, else `newsletter-suppressed.txt` beside the
subscriber list given with `--list`, else `newsletter-suppressed.txt` here.
Addresses are written normalised (domain lower-cased), each once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nextsale.newsletter.subscribers import (
    SUPPRESSED_NAME,
    ListError,
    add_suppressed,
    normalise,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addresses", nargs="+", metavar="ADDRESS")
    parser.add_argument("--suppress", type=Path, help="the suppression file")
    parser.add_argument("--list", type=Path, help="the subscriber list it sits beside")
    args = parser.parse_args(argv)
    path = args.suppress or (args.list.parent if args.list else Path()) / SUPPRESSED_NAME
    status = 0
    for address in args.addresses:
        try:
            added = add_suppressed(path, address)
        except ValueError as reason:  # ListError included
            where = "" if isinstance(reason, ListError) else f"{address!r}: "
            print(f"error: {where}{reason}", file=sys.stderr)
            status = 2
            continue
        print(f"{'added to' if added else 'already in'} {path}: {normalise(address)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
