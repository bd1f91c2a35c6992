"""Refuse comment-system settings: the site is comments-free by design.

The rules live in `nextsale.comments`; this plugin only stops a build that sets
one of them, before anything is read or written. Cruft cleaning of content is a
step of the reading pipeline (plugins/reading), not of this plugin.
"""

from __future__ import annotations

from pelican import signals

from nextsale.comments import check_settings
from nextsale.site import plugin_enabled


def refuse_comment_settings(pelican) -> None:
    """Stop the build if comments are configured."""
    if plugin_enabled(pelican.settings, "comments_free"):
        check_settings(pelican.settings, pelican.settings.get("SETTINGS_FILE"))


def register() -> None:
    # `initialized` fires once per build, before any content is read or written.
    signals.initialized.connect(refuse_comment_settings)
