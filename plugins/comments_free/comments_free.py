"""Refuse comment-system settings and clean scraped cruft out of content.

Pure functions first (`refused_settings`, `check_settings`), signal glue last.
The cruft rules live in `rules.py`; the tree cleaning in `clean.py`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from pelican import signals

from nextsale.cruft.clean import clean_html
from nextsale.cruft.rules import RuleSet, compile_rules

log = logging.getLogger(__name__)

# Exact names of settings that switch on a comment system in common themes.
REFUSED_SETTINGS = (
    "DISQUS_SITENAME",
    "DISQUS_SECRET_KEY",
    "ISSO_URL",
    "COMMENTBOX_PROJECT",
    "UTTERANCES_REPO",
    "GISCUS_REPO",
    "HYVOR_TALK_WEBSITE",
    "REMARK_URL",
    "COMMENTO_URL",
)
# Any setting starting with one of these is refused too.
REFUSED_PREFIXES = ("FB_COMMENTS", "COMMENTS_", "COMMENT_")


class CommentSettingError(ValueError):
    """A setting asks for comments on a site that is comments-free by design."""


class CruftSettingError(ValueError):
    """A CRUFT_* setting is malformed."""


def refused_settings(settings: dict) -> list[str]:
    """Return the sorted names of comment settings set to a truthy value."""
    found = [
        name
        for name, value in settings.items()
        if value
        and isinstance(name, str)
        and (name in REFUSED_SETTINGS or name.startswith(REFUSED_PREFIXES))
    ]
    return sorted(found)


def check_settings(settings: dict, settings_file: str | None = None) -> None:
    """Raise CommentSettingError naming every comment setting that is set."""
    names = refused_settings(settings)
    if not names:
        return
    where = settings_file or "your settings file (pelicanconf.py or publishconf.py)"
    raise CommentSettingError(
        f"This site is comments-free by design: remove {', '.join(names)} "
        f"from {where}; readers write to the author via QUESTIONS_EMAIL instead."
    )


def cruft_rules(settings: dict, author: str | None = None) -> RuleSet:
    """Compile the cruft rules for these settings, failing with a clear error."""
    try:
        return compile_rules(settings, author)
    except ValueError as err:
        raise CruftSettingError(f"{err} (in pelicanconf.py or publishconf.py)") from None


def cleaning_reader(read: Callable, settings: dict) -> Callable:
    """Wrap a reader's `read` so its HTML comes out without cruft."""
    base = settings.get("PATH") or ""
    by_author: dict[str | None, RuleSet] = {}

    def read_clean(path):
        content, metadata = read(path)
        author = metadata.get("author") or settings.get("AUTHOR")
        name = str(author) if author else None
        if name not in by_author:
            by_author[name] = cruft_rules(settings, name)
        rules = by_author[name]
        source = os.path.relpath(path, base) if base else path
        if isinstance(content, str):
            content, removed = clean_html(content, rules)
            for item in removed:
                log.warning(
                    "%s: removed %s %r; delete it from the source, or list the rule "
                    "in CRUFT_DISABLED_RULES if it is wanted",
                    source,
                    item.rule,
                    item.text[:80],
                )
        summary = metadata.get("summary")
        if isinstance(summary, str):
            metadata["summary"], removed = clean_html(summary, rules)
            for item in removed:
                log.warning(
                    "%s: removed %s %r from the summary",
                    source,
                    item.rule,
                    item.text[:80],
                )
        return content, metadata

    return read_clean


def enabled(settings: dict) -> bool:
    """Tell whether this build lists the plugin.

    Signals are process-wide: handlers connected for one build also hear later
    builds in the same process (tests, tools) that did not ask for them.
    """
    return any(
        str(name).rpartition(".")[2] == "comments_free" for name in settings.get("PLUGINS") or ()
    )


def refuse_comment_settings(pelican) -> None:
    """Stop the build before anything is written if comments are configured."""
    if not enabled(pelican.settings):
        return
    check_settings(pelican.settings, pelican.settings.get("SETTINGS_FILE"))
    cruft_rules(pelican.settings)


def clean_reader_output(generator) -> None:
    """Make every reader of this generator return cleaned HTML."""
    readers = getattr(generator, "readers", None)
    if readers is None or not enabled(generator.settings):
        return
    for reader in readers.readers.values():
        if getattr(reader, "comments_free_wrapped", False):
            continue
        reader.read = cleaning_reader(reader.read, generator.settings)
        reader.comments_free_wrapped = True


def register() -> None:
    """Connect the handlers to Pelican's signals."""
    # `initialized` fires once per build, before any content is read or written.
    signals.initialized.connect(refuse_comment_settings)
    # Cleaning the reader's output means Pelican's content cache stores the
    # cleaned HTML, so cached articles are neither re-parsed nor re-cleaned.
    signals.generator_init.connect(clean_reader_output)
