"""The wheel users install (`pipx install ai-gate`, `uvx ai-gate check`): built from the source,
installed into a fresh virtual environment, and run there on a small repository.

Offline by construction: the wheel is built with the project venv's setuptools (no isolated
build environment to download), and installed with `--no-deps --no-index`. Its dependencies
are not installed again: the project venv's site-packages, which holds exactly the locked
versions, is made visible to the fresh venv by a `.pth` line. A path added that way is not a
site directory, so the project's own editable install (a `.pth` finder there) stays invisible,
and only the wheel can provide `app`. Wheels of all ~90 dependencies on disk for
`--find-links` would need a download at test time, which is not allowed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from app.version import installed_version
from tests.gitrepo import commit, git

ROOT = Path(__file__).resolve().parents[2]
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what it is made of (the work tree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in ("app", "workers"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(dist),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    [built] = dist.glob("ai_gate-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed and the locked dependencies visible."""
    env = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin/python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return env


def test_the_wheel_holds_the_engine_and_the_console_script_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    assert "app/engine.py" in names
    assert "workers/celery_app.py" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "ai-gate = app.cli:entry" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert wheel.name.startswith(f"ai_gate-{installed_version()}-py3-none-any")


def test_ai_gate_runs_from_the_fresh_venv_not_the_source(venv: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import app, sys; print(app.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert Path(where).is_relative_to(venv)
    version = subprocess.run(
        [str(venv / "bin/ai-gate"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"ai-gate {installed_version()}"


def test_ai_gate_check_from_the_wheel_analyses_a_small_repository(
    venv: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"pkg/old.py": "def f():\n    return 1\n"}, "Initial")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(
        repo,
        {"pkg/new.py": "def g():\n    try:\n        return 2\n    except:\n        return 3\n"},
        f"Add g\n\n{CLAUDE}",
    )

    done = subprocess.run(
        [
            str(venv / "bin/ai-gate"),
            "check",
            "--repo",
            str(repo),
            "--base",
            "main",
            "--format",
            "json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "AI_GATE_PYPI_URL": "",
            "AI_GATE_NPM_URL": "",
        },
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["attribution"]["tools"] == ["claude-code"]
    assert [(f["path"], f["start_line"], f["rule"]) for f in report["findings"]] == [
        ("pkg/new.py", 4, "E722")
    ]
