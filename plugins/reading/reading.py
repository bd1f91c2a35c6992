"""The reading pipeline, registered the documented way: check → convert → sanitise → clean.

At `readers_init` every reader class of the build is replaced by one that runs
the whole pipeline in that order, whatever the order of PLUGINS:

- Markdown sources are checked before conversion (`nextsale.checks`: bytes,
  metadata block, dates, keys), converted with a converter kept for the
  reader's life, then finished;
- every other reader (HTML, reStructuredText) is finished after its own read;
- finishing (`nextsale.reading.ReadingPolicy.finish`) sanitises with the page
  profile and removes cruft.

What the pipeline finds rides in the metadata, so Pelican's reader cache keeps
it and an unchanged, cached file reports its problems again on every build.
"""

from __future__ import annotations

import logging
from pathlib import Path

from markdown import Markdown
from pelican import signals
from pelican.contents import Article
from pelican.readers import DUPLICATES_DEFINITIONS_ALLOWED, METADATA_PROCESSORS, MarkdownReader
from pelican.utils import SafeDatetime

from nextsale.checks import Finding, check_images, is_plain_date
from nextsale.markdown_gate import StepGate
from nextsale.reading import (
    WORD_COUNT_FILTER,
    ReadingPolicy,
    damaged_cache_files,
    html_word_count,
    is_strict,
)
from nextsale.site import display_path, lasts_with_content, plugin_enabled, strict_level

log = logging.getLogger(__name__)

# The metadata key the findings travel in, from the reader to the content object.
FINDINGS_KEY = "_reading_findings"
# Set when the source itself names no category (Pelican then fills in a default).
NO_CATEGORY_KEY = "_reading_no_category"

TOO_DEEP = (
    "cannot be converted: its text is nested too deeply (lists, quotes, emphasis or HTML"
    " tags hundreds of levels deep). Flatten the nesting; the file was left out of this build"
)


def report(settings: dict, path: str, findings) -> None:
    """Log each finding as `file[:line]: message`, an error in strict builds."""
    level = strict_level(is_strict(settings))
    shown = display_path(path)
    for finding in findings:
        log.log(level, "%s", finding.format(shown))


def payload(path: str, findings: list[Finding]) -> tuple[str, tuple]:
    """Plain tuples: cheap to pickle into the cache and across worker processes."""
    return path, tuple((f.line, f.message) for f in findings)


# The policy of the builds in progress: every reader of a build shares one (it
# walks the theme's templates and compiles the cruft rules). Holding the settings
# keeps their id from being reused while cached.
_policies: dict[int, tuple[dict, ReadingPolicy]] = {}


def policy_for(settings: dict) -> ReadingPolicy:
    """The reading policy of this build's settings, made once per build."""
    cached = _policies.get(id(settings))
    if cached is None or cached[0] is not settings:
        if len(_policies) >= 8:  # a long live-reload session makes a build per edit
            _policies.clear()
        cached = _policies[id(settings)] = (settings, ReadingPolicy.from_settings(settings))
    return cached[1]


class PipelineReader:
    """The steps every reader shares; mixed into each of Pelican's reader classes."""

    def __init__(self, settings: dict) -> None:
        super().__init__(settings)
        self.policy = policy_for(settings)

    def read(self, source_path: str):
        try:
            content, metadata, findings = self.read_source(source_path)
            if metadata.get("status") != "skip":
                content, removed = self.policy.finish(content, metadata)
                findings = findings + removed
                if "category" not in metadata:
                    metadata[NO_CATEGORY_KEY] = True
        except RecursionError:
            # Pathological nesting (thousands of emphasis marks, tags or list levels).
            content, metadata = "", {"status": "skip"}
            findings = [Finding(None, TOO_DEEP)]
        if findings:
            metadata[FINDINGS_KEY] = payload(source_path, findings)
        return content, metadata

    def read_source(self, source_path: str):
        """Check and convert: the reader's own read, for formats we do not check line by line."""
        content, metadata = super().read(source_path)
        return content, metadata, self.policy.check_values(metadata)


class PipelineMarkdownReader(PipelineReader, MarkdownReader):
    """Markdown, checked before conversion."""

    def read_source(self, source_path: str):
        try:
            raw = Path(source_path).read_bytes()
        except OSError as err:
            problem = f"cannot be read ({err.strerror}). Check that the file exists and is readable"
            return "", {"status": "skip"}, [Finding(None, problem)]
        checked = self.policy.check(raw)
        if checked.fatal:
            # Pelican turns "skip" into nothing without a word; `report_skipped` says why.
            return "", {"status": "skip"}, checked.findings

        document = self._converter("document", checked.text)
        content = document.convert(checked.text)
        meta = {
            key: values[: checked.first_lines[key.lower()]]
            if key.lower() in checked.first_lines
            else values
            for key, values in getattr(document, "Meta", {}).items()
        }
        meta = {key: values for key, values in meta.items() if key.lower() not in checked.dropped}
        metadata = self.parse_fields(meta, source_path)
        if checked.force_draft:
            metadata["status"] = "draft"
        return content, metadata, checked.findings + check_images(content, checked.text)

    def _converter(self, role: str, text: str) -> Markdown:
        """A Markdown converter kept for the reader's life, reset to convert `text`.

        Pelican builds a new one for every file, which costs about a millisecond
        (a fifth of converting a typical post). One converts documents; the
        other, without the metadata preprocessor, converts formatted fields.
        """
        converters = self.__dict__.setdefault("_converters", {})
        if role not in converters:
            converter = Markdown(**self.settings["MARKDOWN"])
            if role == "fields":
                converter.preprocessors.deregister("meta")
            converters[role] = (converter, StepGate(converter))
        converter, gate = converters[role]
        converter.reset()
        gate.use(text)
        return converter

    def parse_fields(self, meta: dict, source_path: str) -> dict:
        """Metadata from the meta extension, as MarkdownReader reads it."""
        output = {}
        for key, values in meta.items():
            name = key.lower()
            if name in self.settings["FORMATTED_FIELDS"]:
                text = "\n".join(values)
                formatted = self._converter("fields", text).convert(text)
                output[name] = self.process_metadata(name, formatted)
            elif not DUPLICATES_DEFINITIONS_ALLOWED.get(name, True):
                # A repeated key is cut to its first (`check_duplicates` says so); what is
                # left are continuation lines of one wrapped value, read as one line.
                value = " ".join(part for part in values if part)
                output[name] = self.process_metadata(name, value)
            elif len(values) > 1:
                output[name] = self.process_metadata(name, values)
            else:
                output[name] = self.process_metadata(name, values[0])
        return output

    def process_metadata(self, name, value):
        """As Pelican's, but a date written as the hint asks is read without dateutil.

        Pelican's parser gives such a date the very datetime `fromisoformat` does,
        a hundred times slower; a date processor some plugin replaced is asked as ever.
        """
        if (
            isinstance(value, str)
            and name in PELICAN_DATE_PROCESSORS
            and METADATA_PROCESSORS.get(name) is PELICAN_DATE_PROCESSORS[name]
        ):
            text = value.replace("_", " ") if name == "date" else value
            if is_plain_date(text):
                return SafeDatetime.fromisoformat(text)
        return super().process_metadata(name, value)


# Pelican's own readers of Date and Modified, as they were when this module loaded.
PELICAN_DATE_PROCESSORS = {name: METADATA_PROCESSORS[name] for name in ("date", "modified")}

_pipeline_classes: dict[type, type] = {MarkdownReader: PipelineMarkdownReader}


def pipeline_class(reader_class: type) -> type:
    """The class that reads like `reader_class`, then sanitises and cleans."""
    if reader_class not in _pipeline_classes:
        name = f"Pipeline{reader_class.__name__}"
        _pipeline_classes[reader_class] = type(name, (PipelineReader, reader_class), {})
    return _pipeline_classes[reader_class]


def use_pipeline_readers(readers) -> None:
    """Give every enabled format the pipeline's reader."""
    if not plugin_enabled(readers.settings, "reading"):
        return
    policy_for(readers.settings)  # fail early, once, on a malformed setting
    for ext, reader_class in list(readers.reader_classes.items()):
        if reader_class and not issubclass(reader_class, PipelineReader):
            readers.reader_classes[ext] = pipeline_class(reader_class)


@lasts_with_content
def report_skipped(sender, metadata: dict) -> None:
    """Say why a file the reader refused is left out (it never becomes an object)."""
    if metadata.get("status") != "skip" or FINDINGS_KEY not in metadata:
        return
    path, findings = metadata.pop(FINDINGS_KEY)
    report(sender.settings, path, [Finding(*f) for f in findings])


def default_category(content) -> Finding | None:
    """An article without `Category:` is filed under a default: say which."""
    missing = content.metadata.pop(NO_CATEGORY_KEY, False)
    if hasattr(content, NO_CATEGORY_KEY):
        delattr(content, NO_CATEGORY_KEY)
    category = getattr(content, "category", None)
    if not missing or not isinstance(content, Article) or category is None:
        return None
    settings = content.settings
    source = "DEFAULT_CATEGORY"
    if settings.get("USE_FOLDER_AS_CATEGORY") and category.name != settings.get("DEFAULT_CATEGORY"):
        source = "the name of its folder"
    return Finding(
        1,
        f"no Category, so it was filed under '{category.name}' ({source}). Add a"
        " 'Category: ...' line to the metadata block",
    )


@lasts_with_content
def report_findings(content) -> None:
    """Log the findings the reader stored (fresh or from the cache) for this file."""
    if not plugin_enabled(content.settings, "reading"):
        return
    findings = []
    if FINDINGS_KEY in content.metadata:
        _, stored = content.metadata.pop(FINDINGS_KEY)
        findings = [Finding(*f) for f in stored]
    if hasattr(content, FINDINGS_KEY):
        delattr(content, FINDINGS_KEY)
    category = default_category(content)
    if category:
        findings.append(category)
    if findings:
        report(content.settings, content.source_path, findings)


def drop_damaged_cache(pelican) -> None:
    """Start afresh from a content cache file that cannot be loaded, rather than stop the build."""
    settings = pelican.settings
    if not plugin_enabled(settings, "reading") or not settings.get("LOAD_CONTENT_CACHE"):
        return
    for path, problem in damaged_cache_files(settings["CACHE_PATH"], settings.get("GZIP_CACHE")):
        try:
            path.unlink()
        except OSError as err:
            log.warning(
                "%s: the content cache file is damaged (%s) and cannot be removed (%s)."
                " Run 'invoke clean'",
                display_path(str(path)),
                problem,
                err.strerror,
            )
            continue
        log.info(
            "%s: the content cache file is damaged (%s); removed, every file is read"
            " again and the cache rebuilt",
            display_path(str(path)),
            problem,
        )


def expose_word_count(generator) -> None:
    """Give every template the word count of an HTML text (a post's reading time).

    Harmless in any build, so it is not tied to PLUGINS; the theme falls back to
    Jinja's own filters without it.
    """
    generator.env.filters[WORD_COUNT_FILTER] = html_word_count


def register() -> None:
    # Every finding names its own file and line; Pelican's duplicate filter
    # would hide a repeated one on the next live-reload build.
    if hasattr(log, "disable_filter"):
        log.disable_filter()
    # Before any generator loads the content cache.
    signals.initialized.connect(drop_damaged_cache)
    # Before Pelican instantiates the readers of each generator.
    signals.readers_init.connect(use_pipeline_readers)
    # Replay the reader's findings every build, including cached files: for
    # refused files before Pelican drops them, for the rest once they exist.
    signals.article_generator_context.connect(report_skipped)
    signals.page_generator_context.connect(report_skipped)
    signals.content_object_init.connect(report_findings)
    # Each generator has its own template environment.
    signals.generator_init.connect(expose_word_count)
