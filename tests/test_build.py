"""The build driver and the invoke tasks, run as an author would run them."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, article, run_sitebuild, write_files

GOOD = {
    "articles/keep.md": article(
        "Keep the receipt", "A good paragraph about the second sale.", slug="keep"
    ),
}


def test_strict_build_fails_on_warning_without_traceback(tmp_path):
    content = tmp_path / "content"
    write_files(
        content,
        {
            "articles/broken.md": article(
                "Broken link", "See [the guide]({filename}/articles/nowhere.md)."
            )
        },
    )
    done = run_sitebuild(content, tmp_path / "out", publish=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "nowhere.md" in done.stderr
    assert not (tmp_path / "out").exists()


def test_failed_build_keeps_previous_output(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(content, GOOD)
    first = run_sitebuild(content, output, publish=True)
    assert first.returncode == 0, first.stderr
    page = output / "2024" / "keep" / "index.html"
    before = page.read_text(encoding="utf-8")

    # Break the site: a second article that needs a missing file.
    write_files(
        content,
        {
            "articles/oops.md": article(
                "Oops", "Broken: [x]({filename}/articles/missing.md).", slug="oops"
            )
        },
    )
    second = run_sitebuild(content, output, publish=True)
    assert second.returncode == 1
    assert "left untouched" in second.stderr
    assert page.read_text(encoding="utf-8") == before
    assert not (output / "2024" / "oops").exists()
    assert not list(tmp_path.glob(".out.*")), "staging folders must be cleaned up"


def test_development_build_warns_but_succeeds(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(
        content,
        GOOD
        | {"articles/oops.md": article("Oops", "Broken: [x]({filename}/articles/missing.md).")},
    )
    done = run_sitebuild(content, output)
    assert done.returncode == 0, done.stderr
    assert "missing.md" in done.stderr
    assert (output / "2024" / "keep" / "index.html").exists()


def test_invoke_lists_every_task_with_a_docstring():
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "-l"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    for name in (
        "clean",
        "build",
        "rebuild",
        "serve",
        "livereload",
        "preview",
        "publish",
        "test",
        "lint",
    ):
        line = next((ln for ln in listed.splitlines() if ln.strip().startswith(name + " ")), "")
        assert line.split(maxsplit=1)[1:], f"task {name} has no one-line description"


def test_publish_rsyncs_to_a_local_folder(project_copy, tmp_path):
    dest = tmp_path / "server"
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--dest", str(dest)],
        cwd=project_copy,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    index = (dest / "index.html").read_text(encoding="utf-8")
    assert "https://" in index  # publish settings: absolute URLs
    assert not (dest / "drafts").exists()


def test_publish_to_github_pages_branch(project_copy, tmp_path):
    repo = tmp_path / "pages-repo"
    git = ["git", "-c", "user.name=Site", "-c", "user.email=site@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        [*git, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "init"],
        check=True,
    )
    # --github publishes committed sources only.
    subprocess.run(["git", "init", "-q", str(project_copy)], check=True)
    subprocess.run([*git, "-C", str(project_copy), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(project_copy), "commit", "-q", "-m", "sources"], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--github", "--repo", str(repo)],
        cwd=project_copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "GIT_AUTHOR_NAME": "Site",
            "GIT_AUTHOR_EMAIL": "site@example.invalid",
            "GIT_COMMITTER_NAME": "Site",
            "GIT_COMMITTER_EMAIL": "site@example.invalid",
            "PATH": __import__("os").environ["PATH"],
            "HOME": str(tmp_path),
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "gh-pages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "index.html" in files and ".nojekyll" in files


def test_invoke_check_summarises_the_validators(project_copy):
    def check():
        return subprocess.run(
            [sys.executable, "-m", "invoke", "check"],
            cwd=project_copy,
            capture_output=True,
            text=True,
            timeout=900,
        )

    done = check()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "5 of 5 checks passed." in done.stdout

    article_file = project_copy / "content" / "articles" / "follow-up-calendar.md"
    article_file.write_text(
        article_file.read_text(encoding="utf-8").replace("Category:", "Catgory:"), "utf-8"
    )
    done = check()
    assert done.returncode == 1
    assert "FAIL publish build (strict)" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
