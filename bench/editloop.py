"""Time the author's edit loop: save one post, wait for the site to be rebuilt.

    python bench/editloop.py CORPUS WORK [--edits 3] [--watcher] [--profile-edit FILE]

One long-lived process, as `invoke livereload`: the corpus is built once with
the development settings, then a scripted sequence of edits of every kind is
applied, each followed by the rebuild `invoke livereload` runs
(`nextsale.live.LiveSite.rebuild`, in the same process). An edit's time runs
from the file write to that call returning, when every page is on disk; each
edit's page is then read back to check it says what the edit wrote. With
--watcher, each edit goes through the watcher `invoke livereload` uses
(`nextsale.watch.EventWatcher`) on a tornado IOLoop, as livereload's server
runs it: the time then also covers the system's report of the write, its way
from watchdog's thread to the IOLoop, and the quiet period the watcher waits
for the burst of events to end before `examine()` runs the rebuild. After
each edit, untimed, the session frees the last build's garbage
(`LiveSite.tidy`), as `invoke livereload` does once the reload is sent.
Prints one JSON object: {kind: [{"seconds", "rebuild_seconds",
"rebuild_cpu_seconds", "changed"}]}.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import resource
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

KINDS = ("body", "title", "date", "tags", "new", "delete", "publish")
# The files `invoke livereload` watches, relative to the content folder or the project.
WATCHED = ("content/**/*", "theme/templates/**/*.html", "theme/static/**/*", "plugins/**/*.py")


def make_drafts(corpus: Path, edits: int) -> list[Path]:
    """Turn `edits` generated posts into drafts, to be published during the loop."""
    posts = _posts(corpus)
    drafts = random.Random(7).sample(posts[: len(posts) // 2], edits)
    for post in drafts:
        text = post.read_text(encoding="utf-8")
        post.write_text(text.replace("\nSlug:", "\nStatus: draft\nSlug:", 1), encoding="utf-8")
    return drafts


def _posts(corpus: Path) -> list[Path]:
    return sorted((corpus / "articles" / "generated").glob("*.md"))


def _meta(text: str, key: str) -> str:
    return re.search(rf"^{key}: (.*)$", text, re.MULTILINE)[1]


def _set_meta(text: str, key: str, value: str) -> str:
    return re.sub(rf"^{key}: .*$", lambda _: f"{key}: {value}", text, count=1, flags=re.MULTILINE)


def page_of(output: Path, text: str) -> Path:
    """The article's page under the development settings' URLs."""
    slug = _meta(text, "Slug")
    if re.search(r"^Status: draft$", text, re.MULTILINE):
        return output / "drafts" / slug / "index.html"
    return output / _meta(text, "Date")[:4] / slug / "index.html"


class Script:
    """The scripted edits: each returns a check of the rebuilt output."""

    def __init__(self, corpus: Path, drafts: list[Path], edits: int) -> None:
        every = _posts(corpus)
        posts = [p for p in every if p not in drafts]
        # Posts deleted during the loop are ones no other post links to.
        linked = set(re.findall(r"post-\d+\.md", "".join(p.read_text("utf-8") for p in every)))
        unlinked = [p for p in posts if p.name not in linked]
        rng = random.Random(2026)
        self.doomed = unlinked[-edits:]
        self.victims = rng.sample([p for p in posts if p not in self.doomed], 4 * edits + 1)
        self.template = self.victims.pop()  # new posts are written from it
        self.drafts = list(drafts)
        taxonomy = tomllib.loads((corpus / "taxonomy.toml").read_text(encoding="utf-8"))
        self.tags = sorted(taxonomy.get("tags", {}))
        self.folder = corpus / "articles" / "generated"
        dates = (datetime.fromisoformat(_meta(p.read_text("utf-8"), "Date")) for p in posts)
        self.last_date = max(dates)
        self.counter = 0

    def edit(self, kind: str, output: Path) -> tuple[Callable[[], None], Callable[[], bool]]:
        """(write, check): the file change, and whether the rebuilt output shows it."""
        self.counter += 1
        mark = f"edit {self.counter}"
        if kind == "new":
            self.last_date += timedelta(hours=5)
            path = self.folder / f"new-{self.counter:03d}.md"
            title = f"A new note, {mark}"
            text = _set_meta(self.template.read_text("utf-8"), "Slug", path.stem)
            text = _set_meta(text, "Title", title)
            text = _set_meta(text, "Date", f"{self.last_date:%Y-%m-%d %H:%M}")
            return _writer(path, text), lambda: title in _read(page_of(output, text))
        if kind == "delete":
            path = self.doomed.pop()
            page = page_of(output, path.read_text("utf-8"))
            return path.unlink, lambda: not page.exists() and not page.parent.exists()
        if kind == "publish":
            path = self.drafts.pop()
            text = path.read_text("utf-8")
            draft_page = page_of(output, text)
            text = text.replace("\nStatus: draft\n", "\n", 1)
            page = page_of(output, text)
            return _writer(path, text), lambda: page.exists() and not draft_page.exists()
        path = self.victims.pop()
        text = path.read_text("utf-8")
        if kind == "body":
            sentence = f"One more sentence for the loop, {mark}."
            text = text.rstrip("\n") + f"\n\n{sentence}\n"
            return _writer(path, text), lambda: sentence in _read(page_of(output, text))
        if kind == "title":
            text = _set_meta(text, "Title", f"A retitled note, {mark}")
            title = f"A retitled note, {mark}"
            return _writer(path, text), lambda: title in _read(page_of(output, text))
        if kind == "date":
            moved = datetime.fromisoformat(_meta(text, "Date")) + timedelta(days=1, minutes=7)
            text = _set_meta(text, "Date", f"{moved:%Y-%m-%d %H:%M}")
            return _writer(
                path, text
            ), lambda: f'datetime="{moved:%Y-%m-%dT%H:%M}' in _read(page_of(output, text))
        if kind == "tags":
            tag = self.tags[self.counter % len(self.tags)]
            text = _set_meta(text, "Tags", tag)
            return _writer(path, text), lambda: f"tags/{tag}/" in _read(page_of(output, text))
        raise ValueError(f"unknown edit kind {kind!r}; one of {', '.join(KINDS)}")


def _writer(path: Path, text: str) -> Callable[[], None]:
    return lambda: path.write_text(text, encoding="utf-8")


def _read(page: Path) -> str:
    return page.read_text(encoding="utf-8") if page.exists() else ""


class Loop:
    """`invoke livereload`'s LiveSite and rebuild, on a corpus and output of our own."""

    def __init__(self, corpus: Path, work: Path) -> None:
        from nextsale import build as sitebuild
        from nextsale.live import LiveSite

        self.corpus = corpus
        self.output = work / "editloop-output"
        self.settings = ROOT / "pelicanconf.py"
        policy = sitebuild.load_settings(self.settings, {})["CONTENT_SECURITY_POLICY"]
        live = "script-src 'self' 'unsafe-inline'; connect-src 'self'"
        overrides = {
            "CONTENT_SECURITY_POLICY": f"{policy}; {live}",
            "CACHE_PATH": str(work / "editloop-cache"),
        }
        self.site = LiveSite(self.settings, self.output, content=corpus, overrides=overrides)
        self.rebuild_seconds = self.rebuild_cpu_seconds = self._children_cpu = 0.0
        self.profile_next: Path | None = None

    def rebuild(self) -> None:
        profiler = None
        if self.profile_next:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        started, cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF)
        self._children_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
        result = self.site.rebuild()
        self.rebuild_seconds = time.perf_counter() - started
        self.rebuild_cpu_seconds = _cpu_seconds(resource.RUSAGE_SELF) - cpu
        if profiler is not None:
            profiler.stop()
            profiler.last_session.save(str(self.profile_next))
            self.profile_next = None
        if not result.ok:
            raise SystemExit(f"rebuild failed: {result.failed}")

    def tidy(self) -> None:
        """What `invoke livereload` does once the reload is sent. The rebuild's
        processes are reaped by then: their CPU time counts for the rebuild."""
        self.site.tidy()
        self.rebuild_cpu_seconds += _cpu_seconds(resource.RUSAGE_CHILDREN) - self._children_cpu


def _cpu_seconds(who: int) -> float:
    """User + system time of this process, or of the processes it forked and reaped."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _watcher(loop: Loop) -> Callable[[Callable[[], None], str], None]:
    """save(write, kind): make the edit, return once the watcher has had it rebuilt."""
    from tornado.ioloop import IOLoop
    from tornado.locks import Event
    from tornado.util import TimeoutError as Timeout

    from nextsale.watch import EventWatcher

    watcher = EventWatcher()
    for pattern in WATCHED:
        base = loop.corpus if pattern.startswith("content/") else ROOT
        watcher.watch(str(base / pattern.removeprefix("content/")), loop.rebuild)
    watcher.watch(str(loop.settings), loop.rebuild)
    io_loop = IOLoop.current()
    rebuilt = Event()

    def poll() -> None:
        """What livereload's handler does when the watcher calls it back."""
        if watcher.examine()[0]:
            rebuilt.set()

    if not watcher.start(poll):
        raise SystemExit("no file events here: the watcher would poll")

    def save(write: Callable[[], None], kind: str) -> None:
        async def saved_and_rebuilt() -> None:
            rebuilt.clear()
            write()
            await rebuilt.wait(timeout=timedelta(minutes=10))

        try:
            io_loop.run_sync(saved_and_rebuilt)
        except Timeout:
            raise SystemExit(f"the watcher did not notice the {kind} edit") from None

    return save


def run(
    corpus: Path,
    work: Path,
    edits: int = 3,
    through_watcher: bool = False,
    profile_edit: Path | None = None,
) -> dict:
    """Build once, then time `edits` edits of every kind, interleaved."""
    logging.basicConfig(level=logging.ERROR)
    drafts = make_drafts(corpus, edits)
    script = Script(corpus, drafts, edits)
    loop = Loop(corpus, work)
    loop.rebuild()
    loop.tidy()
    results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    save = _watcher(loop) if through_watcher else None
    for round_number in range(edits):
        for kind in KINDS:
            write, check = script.edit(kind, loop.output)
            if kind == "body" and round_number == 0:
                loop.profile_next = profile_edit
            started = time.perf_counter()
            if save is None:
                write()
                loop.rebuild()
            else:
                save(write, kind)
            seconds = time.perf_counter() - started
            loop.tidy()  # as `invoke livereload` does once the reload is sent
            results[kind].append(
                {
                    "seconds": seconds,
                    "rebuild_seconds": loop.rebuild_seconds,
                    "rebuild_cpu_seconds": loop.rebuild_cpu_seconds,
                    "changed": check(),
                }
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a generated corpus (bench/corpus.py); edited")
    parser.add_argument("work", type=Path, help="scratch folder for the output and cache")
    parser.add_argument("--edits", type=int, default=3, help="edits of each kind")
    parser.add_argument("--watcher", action="store_true", help="through the live watcher")
    parser.add_argument("--profile-edit", type=Path, help="save a pyinstrument session here")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = run(args.corpus, args.work, args.edits, args.watcher, args.profile_edit)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
