"""One site rebuilt again and again by one long-lived process (`invoke livereload`).

Every rebuild goes through the same safe driver as `invoke build`
(`nextsale.build.build`); the session only keeps what one build can hand to the
next in memory, so an edit costs what it changed rather than what the site holds.
"""

from __future__ import annotations

from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache

from nextsale import build as sitebuild


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory from one build to the next.

    Every build makes new Jinja environments, which would compile every template
    again. Jinja checks each template's source against the checksum stored with
    its compiled code, so an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()

    def __repr__(self) -> str:
        # Part of the settings the engine fingerprints: the same in every build.
        return f"{type(self).__name__}()"


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
        self.templates = CompiledTemplates()
        # What the engine keeps from one build to the next (plugins/engine).
        self.memory: dict = {}

    def rebuild(self) -> sitebuild.BuildResult:
        """Build the site as it is on disk now."""
        return sitebuild.build(
            self.settings_file,
            self.output,
            content=self.content,
            overrides={**self.overrides, "ENGINE_MEMORY": self.memory},
            template_cache=self.templates,
        )
