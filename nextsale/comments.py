"""Comments-free by design: the settings that would switch on a comment system, refused.

Themes and plugins turn comments on through settings such as DISQUS_SITENAME.
Rather than half-honour them (a theme that renders a widget the site then
blocks), a build that sets one stops with a message naming every such setting.
"""

from __future__ import annotations

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
