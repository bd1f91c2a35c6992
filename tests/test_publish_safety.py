"""Publishing cannot destroy: rsync never aims at the project, --github only shows commits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nextsale import publish

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Site",
    "GIT_AUTHOR_EMAIL": "site@example.invalid",
    "GIT_COMMITTER_NAME": "Site",
    "GIT_COMMITTER_EMAIL": "site@example.invalid",
}


def _invoke(project: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), **GIT_ENV}
    return subprocess.run(
        [sys.executable, "-m", "invoke", "publish", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout


def _commit_everything(project: Path) -> None:
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "sources")


@pytest.mark.parametrize(
    "dest",
    ["host:site", "deploy@host:/var/www/site", "host::module/path", "rsync://host/module"],
)
def test_remote_destinations_pass(dest, tmp_path):
    assert publish.is_remote(dest)
    assert publish.check_destination(dest, tmp_path) == dest


def test_local_forms_with_a_colon_stay_local(tmp_path):
    assert not publish.is_remote("./a:b")
    assert not publish.is_remote("/srv/a:b")
    assert publish.check_destination("/srv/a:b", tmp_path / "project") == "/srv/a:b"


@pytest.mark.parametrize(
    ("dest", "words"),
    [
        (".", "is the project itself"),
        ("..", "contains the project"),
        ("/", "contains the project"),
        ("content", "lies inside the project"),
        ("output", "lies inside the project"),
        ("./-x", "lies inside the project"),
        ("--help", "looks like an option"),
        ("-e sh", "looks like an option"),
        ("", "is empty"),
        ("@:path", "names no host"),
        ("host:", "names no folder on the host"),
        ("deploy@host:~", "names no folder on the host"),
        ("host:/", "names no folder on the host"),
        ("host::", "names no folder on the host"),
    ],
)
def test_destinations_that_would_take_the_project_are_refused(dest, words, tmp_path):
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    with pytest.raises(publish.PublishRefused) as refused:
        publish.check_destination(dest, project, cwd=project)
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_link_to_the_project_is_the_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "alias").symlink_to(project)
    with pytest.raises(publish.PublishRefused, match="is the project itself"):
        publish.check_destination(str(tmp_path / "alias"), project)


def test_a_file_is_not_a_destination(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(publish.PublishRefused, match="is a file"):
        publish.check_destination(str(tmp_path / "notes.txt"), tmp_path / "project")


def test_rsync_ends_its_options_before_the_paths(tmp_path):
    source = tmp_path / "site"
    source.mkdir()
    (source / "index.html").write_text("<p>hi</p>", encoding="utf-8")
    dest = tmp_path / "odd -v: name"
    command = publish.rsync_command(source, str(dest))
    assert command[-3:] == ["--", f"{source}/", str(dest)]
    subprocess.run(command, check=True, capture_output=True)
    assert (dest / "index.html").read_text(encoding="utf-8") == "<p>hi</p>"


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"SSH_HOST": "", "SSH_USER": "deploy", "SSH_TARGET_DIR": "/srv"}, "SSH_HOST"),
        ({"SSH_HOST": "-oProxyCommand=x", "SSH_USER": "u", "SSH_TARGET_DIR": "/s"}, "SSH_HOST"),
        ({"SSH_HOST": "h", "SSH_USER": "u", "SSH_TARGET_DIR": "/s", "SSH_PORT": "22; x"}, "PORT"),
        ({"SSH_HOST": "h", "SSH_USER": "u", "SSH_TARGET_DIR": None}, "SSH_TARGET_DIR"),
        ({"SSH_HOST": "h", "SSH_USER": "u", "SSH_TARGET_DIR": "/"}, "no folder on the host"),
    ],
)
def test_unusable_ssh_settings_are_named(settings, name):
    with pytest.raises(publish.PublishRefused, match=name):
        publish.default_destination(settings)


def test_default_destination_comes_from_the_settings():
    settings = {"SSH_HOST": "h", "SSH_USER": "u", "SSH_TARGET_DIR": "/srv/www", "SSH_PORT": 2222}
    assert publish.default_destination(settings) == ("u@h:/srv/www", 2222)
    assert publish.rsync_command(Path("/o"), "u@h:/srv/www", 2222)[4:6] == ["-e", "ssh -p 2222"]


def test_publish_dest_dot_refuses_and_deletes_nothing(project_copy, tmp_path):
    before = sorted(p.name for p in project_copy.iterdir())
    for dest in (".", str(project_copy.parent), "content", "--help", "--dest=--help"):
        done = _invoke(project_copy, f"--dest={dest}", home=tmp_path)
        log = done.stdout + done.stderr
        assert done.returncode == 1, log
        assert "Not published: publish --dest" in log
        assert "Traceback" not in log and "rsync  version" not in log
    assert sorted(p.name for p in project_copy.iterdir()) == before
    assert (project_copy / "content" / "articles").is_dir()


def test_publish_rsyncs_into_a_folder_outside_the_project(project_copy, tmp_path):
    dest = tmp_path / "server"
    dest.mkdir()
    (dest / "stale.html").write_text("old", encoding="utf-8")
    done = _invoke(project_copy, "--dest", str(dest), home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (dest / "index.html").is_file()
    assert not (dest / "stale.html").exists()  # --delete still works where it should
    assert (project_copy / "content" / "articles").is_dir()


def test_github_refuses_a_project_without_commits(project_copy, tmp_path):
    repo = tmp_path / "pages"
    repo.mkdir()
    _git(repo, "init", "-q")
    done = _invoke(project_copy, "--github", "--repo", str(repo), home=tmp_path)
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "committed sources only" in log and "Traceback" not in log


def test_github_refuses_a_pages_repository_that_is_not_one(project_copy, tmp_path):
    _commit_everything(project_copy)
    done = _invoke(project_copy, "--github", "--repo", str(tmp_path / "nowhere"), home=tmp_path)
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "is not a git repository" in log and "Traceback" not in log


def test_a_bad_pages_branch_setting_is_named(tmp_path):
    with pytest.raises(publish.PublishRefused, match="GITHUB_PAGES_BRANCH"):
        publish.pages_branch({"GITHUB_PAGES_BRANCH": "-x"})
    assert publish.pages_branch({"GITHUB_PAGES_BRANCH": "gh-pages"}) == "gh-pages"


def test_github_refuses_a_dirty_tree_and_names_the_files(project_copy, tmp_path):
    _commit_everything(project_copy)
    post = project_copy / "content" / "articles" / "follow-up-calendar.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
    (project_copy / "content" / "articles" / "new-post.md").write_text("Title: x\n", "utf-8")
    (project_copy / "notes.txt").write_text("not a source", encoding="utf-8")
    (project_copy / "content" / "images" / "import-report.json").write_text("{}", "utf-8")
    done = _invoke(project_copy, "--github", home=tmp_path)
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "content/images/import-report.json" in log  # ignored by git, yet it would publish
    assert "content/articles/follow-up-calendar.md" in log
    assert "content/articles/new-post.md" in log
    assert "notes.txt" not in log  # not a source of the site
    assert "gh-pages" not in _git(project_copy, "branch", "--list")


def test_github_publishes_the_committed_sources(project_copy, tmp_path):
    _commit_everything(project_copy)
    (project_copy / "notes.txt").write_text("not a source", encoding="utf-8")
    head = _git(project_copy, "rev-parse", "HEAD").strip()
    done = _invoke(project_copy, "--github", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert head[:12] in done.stdout
    files = _git(project_copy, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert "index.html" in files and ".nojekyll" in files
    assert head[:12] in _git(project_copy, "log", "-1", "--format=%s", "gh-pages")
