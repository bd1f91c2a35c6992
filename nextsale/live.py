"""One site rebuilt again and again by one long-lived process (`invoke livereload`).

Every rebuild goes through the same safe driver as `invoke build`
(`nextsale.build.build`); the session only keeps what one build can hand to the
next in memory, so an edit costs what it changed rather than what the site holds.
"""

from __future__ import annotations

from pathlib import Path

from nextsale import build as sitebuild


class LiveSite:
    """A site that one process builds, then rebuilds after every edit."""

    def __init__(
        self,
        settings_file: Path,
        output: Path,
        *,
        content: Path | None = None,
        overrides: dict | None = None,
    ) -> None:
        self.settings_file = settings_file
        self.output = output
        self.content = content
        self.overrides = dict(overrides or {})

    def rebuild(self) -> sitebuild.BuildResult:
        """Build the site as it is on disk now."""
        return sitebuild.build(
            self.settings_file, self.output, content=self.content, overrides=self.overrides
        )
