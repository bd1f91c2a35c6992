"""Invoke tasks for The Next Sale (`invoke -l` lists them)."""

from __future__ import annotations

import logging
import shlex
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

from invoke import Exit, task

from nextsale import build as sitebuild
from nextsale import placing
from nextsale import publish as publishing

sitebuild.setup_logging(logging.INFO)

ROOT = Path(__file__).resolve().parent
CONFIG = {
    "settings_base": ROOT / "pelicanconf.py",
    "settings_publish": ROOT / "publishconf.py",
    "output": ROOT / "output",
    "cache": ROOT / "cache",
    "host": "127.0.0.1",
    "port": 8000,
}


def _publish_setting(name: str):
    return sitebuild.load_settings(CONFIG["settings_publish"], {})[name]


def _build(settings_file: Path, strict: bool, output: Path | None = None) -> None:
    result = sitebuild.build(settings_file, output or CONFIG["output"], strict=strict)
    sitebuild.report(result)
    if not result.ok:
        raise Exit(code=1)


def _tool(c, module: str, args: str = "") -> None:
    """Run one of the core's command-line tools (`python -m nextsale...`) here."""
    c.run(f"{shlex.quote(sys.executable)} -m {module} {args}", pty=False)


@task
def clean(c):
    """Remove the generated site and the content cache."""
    placing.clean_leftovers(CONFIG["output"])  # staging folders of interrupted builds
    for folder in (CONFIG["output"], CONFIG["cache"]):
        shutil.rmtree(folder, ignore_errors=True)


@task
def build(c):
    """Build the development site into output/ (relative URLs, drafts visible)."""
    _build(CONFIG["settings_base"], strict=False)


@task(pre=[clean])
def rebuild(c):
    """Clean, then build the development site from scratch."""
    _build(CONFIG["settings_base"], strict=False)


@task
def serve(c, port=CONFIG["port"]):
    """Serve output/ at http://127.0.0.1:8000 (no rebuilds)."""
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    class Handler(ComplexHTTPRequestHandler):
        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

    server = RootedHTTPServer(str(CONFIG["output"]), (CONFIG["host"], int(port)), Handler)
    print(f"Serving {CONFIG['output']} at http://{CONFIG['host']}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@task
def livereload(c, port=CONFIG["port"]):
    """Build, serve at http://127.0.0.1:8000 and rebuild + reload the browser on every edit."""
    from livereload import Server
    from tornado.ioloop import IOLoop

    from nextsale.live import LiveSite
    from nextsale.watch import EventWatcher

    # The live-reload server injects its own script and websocket into every
    # page it serves; only these local builds let the policy allow them.
    policy = sitebuild.load_settings(CONFIG["settings_base"], {})["CONTENT_SECURITY_POLICY"]
    live = "script-src 'self' 'unsafe-inline'; connect-src 'self'"
    overrides = {"CONTENT_SECURITY_POLICY": f"{policy}; {live}"}

    # One process keeps the site between rebuilds, so an edit costs what it changed.
    site = LiveSite(CONFIG["settings_base"], CONFIG["output"], overrides=overrides)

    def rebuild_quietly():
        sitebuild.report(site.rebuild())
        # Once livereload has sent the reload (this runs in its event loop).
        IOLoop.current().add_callback(site.tidy)

    sitebuild.report(site.rebuild())  # the first build, before serving it
    site.tidy()
    # Rebuild as soon as a save is over, not at livereload's next 0.8 s poll.
    server = Server(watcher=EventWatcher())
    for pattern in (
        "content/**/*",
        "theme/templates/**/*.html",
        "theme/static/**/*",
        "plugins/**/*.py",
        "pelicanconf.py",
    ):
        server.watch(str(ROOT / pattern), rebuild_quietly)
    server.serve(host=CONFIG["host"], port=int(port), root=str(CONFIG["output"]))


@task
def preview(c):
    """Build with publish settings, failing on any warning (output/ kept if it fails)."""
    _build(CONFIG["settings_publish"], strict=True)


@task(
    help={
        "dest": "rsync destination (default: SSH_USER@SSH_HOST:SSH_TARGET_DIR from publishconf)",
        "github": "publish to the GitHub Pages branch with ghp-import instead of rsync",
        "repo": "git repository that receives the GitHub Pages branch (default: this one)",
        "push": "push the GitHub Pages branch to origin after committing it",
    }
)
def publish(c, dest=None, github=False, repo=None, push=False):
    """Strict publish build, then upload by rsync over SSH or to GitHub Pages."""
    try:
        if github:
            revision = publishing.committed_revision(ROOT)
            repo_dir = publishing.pages_repository(Path(repo) if repo else ROOT)
            branch = publishing.pages_branch(
                sitebuild.load_settings(CONFIG["settings_publish"], {})
            )
        elif dest is None:
            dest, port = publishing.default_destination(
                sitebuild.load_settings(CONFIG["settings_publish"], {})
            )
        else:
            dest, port = publishing.check_destination(dest, ROOT), None
    except publishing.PublishRefused as refused:
        raise Exit(f"Not published: {refused}", code=1) from None
    preview(c)
    if github:
        command = [sys.executable, "-m", "ghp_import", "-n", "-b", branch]
        command += ["-p"] if push else []
        command += [
            "-m",
            f"Publish The Next Sale from {revision[:12]}",
            "--",
            f"{CONFIG['output']}/",
        ]
        with c.cd(str(repo_dir)):
            c.run(shlex.join(command))
        print(f"Committed the site of {revision[:12]} to branch {branch} of {repo_dir}.")
        return
    c.run(shlex.join(publishing.rsync_command(CONFIG["output"], dest, port)))


@task
def check(c):
    """Strict publish build plus every validator (HTML, links, feeds, newsletter): one summary."""
    import tempfile

    from nextsale import sitecheck

    with tempfile.TemporaryDirectory(prefix="nextsale-check-") as scratch:
        published, relative = Path(scratch) / "published", Path(scratch) / "relative"
        results = []
        build_result = sitebuild.build(CONFIG["settings_publish"], published, strict=True)
        results.append(("publish build (strict)", [] if build_result.ok else [build_result.failed]))
        if build_result.ok:
            dev_result = sitebuild.build(CONFIG["settings_base"], relative)
            host = urlparse(_publish_setting("SITE_CANONICAL_URL")).netloc
            checks = [
                ("HTML (Nu checker)", lambda: sitecheck.nu_html_problems(published)),
                ("feeds (feedparser)", lambda: sitecheck.feed_problems(published)),
                ("redirects", lambda: sitecheck.broken_redirects(published, host)),
                ("links and anchors", lambda: sitecheck.broken_links(relative, host)),
            ]
            if not dev_result.ok:
                checks.pop()
                results.append(("development build", [dev_result.failed]))
            for name, run_check in checks:
                try:
                    results.append((name, run_check()))
                except sitecheck.ToolMissing as missing:
                    results.append((name, [str(missing)]))
            newsletter = c.run(
                f"{shlex.quote(sys.executable)} -m nextsale.newsletter.check "
                f"{shlex.quote(str(published))} --settings "
                f"{shlex.quote(str(CONFIG['settings_publish']))}",
                warn=True,
                hide=True,
            )
            lines = newsletter.stdout.strip().splitlines()
            results.append(("newsletter pre-send", [] if newsletter.ok else lines[:-1] or lines))
    print()
    for name, problems in results:
        for problem in problems:
            print(f"    {problem}")
        print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(problems)} problem(s)")
    failed = sum(bool(problems) for _, problems in results)
    print(f"{len(results) - failed} of {len(results)} checks passed.")
    if failed:
        raise Exit(code=1)


@task(
    help={
        "fix": "rewrite alias tags in each article's Tags line to canonical slugs",
        "limit": "lines printed per section (0: all)",
    }
)
def taxonomy_lint(c, fix=False, limit=50):
    """Report unknown, alias, single-use, unused and near-duplicate tags."""
    content = shlex.quote(str(ROOT / "content"))
    _tool(
        c, "nextsale.taxonomy.lint", ("--fix " if fix else "") + f"--limit {int(limit)} {content}"
    )


@task(
    name="import",
    help={
        "sources": "files or folders to import (several: quote them, space-separated)",
        "settings": "the site's settings file, for PATH, CRUFT_* and the taxonomy "
        "(default: pelicanconf.py)",
        "dest": "folder for the new articles (default: PATH/articles)",
        "date": "YYYY-MM-DD for posts whose text gives no date (else they become drafts)",
        "force": "overwrite existing articles",
        "report": "where to write the JSON import report",
        "taxonomy": "taxonomy file to match tags with (default: the one the build uses)",
        "fetch-images": "download each post's images into PATH/images/<slug>/",
        "site-url": "the old site's address, for relative links in posts without their own",
    },
)
def import_posts(
    c,
    sources,
    settings="",
    dest="",
    date="",
    force=False,
    report="import-report.json",
    taxonomy="",
    fetch_images=False,
    site_url="",
):
    """Import a blog: platform exports, Markdown posts, saved pages, text copies."""
    args = [*shlex.split(sources), "--settings", settings or str(CONFIG["settings_base"])]
    args += ["--report", report]
    args += ["--dest", dest] if dest else []
    args += ["--date", date] if date else []
    args += ["--force"] if force else []
    args += ["--taxonomy", taxonomy] if taxonomy else []
    args += ["--fetch-images"] if fetch_images else []
    args += ["--site-url", site_url] if site_url else []
    _tool(c, "nextsale.importer", shlex.join(args))


@task(help={"date": "date of the new issue, YYYY-MM-DD (default: today)"})
def newsletter(c, date=None):
    """Draft the next newsletter issue from the articles published since the last one."""
    extra = f" --date {shlex.quote(date)}" if date else ""
    settings = shlex.quote(str(CONFIG["settings_base"]))
    _tool(c, "nextsale.newsletter.draft", f"--settings {settings}{extra}")


@task(name="newsletter-check", help={"issue": "only this issue (NNN-slug)"})
def newsletter_check(c, issue=None):
    """Check the built newsletter emails before sending (subject, alt text, links, text part)."""
    extra = f" --issue {shlex.quote(issue)}" if issue else ""
    output, settings = (shlex.quote(str(CONFIG[k])) for k in ("output", "settings_base"))
    _tool(c, "nextsale.newsletter.check", f"{output} --settings {settings}{extra}")


@task(
    name="newsletter-send",
    help={
        "issue": "the issue: its file name (003-slug.md), NNN-slug, slug or number",
        "list": "subscriber list: one address a line, or CSV with an 'email' column "
        "(kept outside content/ and output/)",
        "suppress": "unsubscribed addresses (default: newsletter-suppressed.txt beside the list)",
        "test": "send only to these addresses (space-separated), subject marked [TEST]",
        "dry_run": "list what would be sent; send nothing",
        "rate": "messages per second (default 5)",
        "retry_uncertain": "send to the addresses an interrupted send left uncertain",
        "retry_failed": "send again to the addresses refused permanently before",
        "force": "send to everyone on the list again, even if the issue was sent",
    },
)
def newsletter_send(
    c,
    issue,
    list="",
    suppress="",
    test="",
    dry_run=False,
    rate="5",
    retry_uncertain=False,
    retry_failed=False,
    force=False,
):
    """Send a built issue to a subscriber list through the SMTP relay in NEWSLETTER_SMTP_*."""
    args = [issue, "--output", str(CONFIG["output"]), "--content", str(ROOT / "content")]
    args += ["--journal-dir", str(ROOT / "newsletter-sends"), "--rate", str(rate)]
    args += ["--list", list] if list else []
    args += ["--suppress", suppress] if suppress else []
    args += ["--test", *shlex.split(test)] if test else []
    args += ["--dry-run"] * dry_run + ["--retry-uncertain"] * retry_uncertain
    args += ["--retry-failed"] * retry_failed + ["--force"] * force
    _mail_tool(c, "nextsale.newsletter.send", args)


def _mail_tool(c, module: str, args: list[str]) -> None:
    """Run a sending tool; its own message says what went wrong, so no invoke report on top."""
    result = c.run(f"{shlex.quote(sys.executable)} -m {module} {shlex.join(args)}", warn=True)
    if result.failed:
        raise Exit(code=result.exited)


@task(
    name="newsletter-unsubscribe",
    help={
        "address": "the address to suppress (several: quote them, space-separated)",
        "suppress": "the suppression file (default: newsletter-suppressed.txt here)",
    },
)
def newsletter_unsubscribe(c, address, suppress=""):
    """Add an address to the suppression file: no issue is sent to it again."""
    suppress = suppress or str(ROOT / "newsletter-suppressed.txt")
    _mail_tool(
        c, "nextsale.newsletter.unsubscribe", [*shlex.split(address), "--suppress", suppress]
    )


@task(
    auto_shortflags=False,
    help={
        "sizes": "corpus sizes, comma-separated (e.g. 100,1000,5000,10000)",
        "repeats": "A/B pairs per size",
        "plugin_costs": "also time the build with each plugin switched off",
        "profile": "add pyinstrument profiles of the full build and of one edit at 1,000 articles",
        "one_core": "also A/B ours and vanilla Pelican pinned to one CPU (taskset -c 0)",
        "one_core_sizes": "sizes for the one-core run, comma-separated (default: --sizes)",
        "edit_loop": "time saving a post until it is rebuilt, as in invoke livereload",
        "edit_loop_sizes": "sizes for the edit loop, comma-separated (default: 1000)",
        "hugo": "time Hugo on the same posts when it is installed (default: yes)",
    },
)
def bench(
    c,
    sizes="1000",
    repeats=3,
    plugin_costs=False,
    profile=False,
    one_core=False,
    one_core_sizes="",
    edit_loop=False,
    edit_loop_sizes="1000",
    hugo=True,
):
    """Benchmark our build against vanilla Pelican (and Hugo); add the run to bench/RESULTS.md."""
    args = ["--sizes", *sizes.split(","), "--repeats", str(repeats)]
    args += ["--plugin-costs"] if plugin_costs else []
    args += ["--profile"] if profile else []
    args += ["--one-core"] if one_core else []
    args += ["--one-core-sizes", *one_core_sizes.split(",")] if one_core_sizes else []
    args += ["--edit-loop", "--edit-loop-sizes", *edit_loop_sizes.split(",")] if edit_loop else []
    args += [] if hugo else ["--no-hugo"]
    c.run(f"{shlex.quote(sys.executable)} {ROOT / 'bench' / 'bench.py'} {shlex.join(args)}")


@task
def test(c, k=None):
    """Run the whole test suite (pass -k EXPRESSION to select tests)."""
    select = f"-k {shlex.quote(k)}" if k else ""
    c.run(f"{shlex.quote(sys.executable)} -m pytest {select}", pty=False)


@task
def lint(c):
    """Check style and common mistakes with ruff."""
    c.run(f"{shlex.quote(sys.executable)} -m ruff check .")
    c.run(f"{shlex.quote(sys.executable)} -m ruff format --check .")
