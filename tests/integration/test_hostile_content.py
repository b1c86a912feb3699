"""Hostile repository content, fetched through git as the App fetches a pull request, stays
inert: whatever a repository (or the machine's and user's git configuration) names, nothing
runs, and nothing from outside the repository reaches the report.

Each test stages one vector in a repository on the fake GitHub, fetches the PR into a git
cache, writes the linters' workspace and runs the whole analysis (attribution, ruff, mypy,
secrets, licences). What runs would create the marker file; what leaks would put the canary,
the outside directory's path or /etc/passwd's first line in the report.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.adapters.git import Git
from app.adapters.gitcache import GitCache, PullRef
from app.adapters.localgit import changed_files, merge_base
from app.adapters.workspace import materialise_tree
from app.core.config.model import Config
from app.core.models import ConfigInfo, Report
from app.engine import analyse_range
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Changes
from tests.integration.conftest import github_taking

TOKEN = "ghs_" + "H0stileContentT0ken00000000000000000000"
OWNER = "hostile-org"
CANARY = "CANARY-7f3a9c-never-in-a-report"
PASSWD_LINE = "root:x:0:0"


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeGitHub, str]]:
    with github_taking(TOKEN) as served:
        yield served


@dataclass(frozen=True)
class Trap:
    """What a test watches: the marker anything that runs creates, and a directory outside
    the repository whose files hold the canary."""

    marker: Path
    outside: Path

    @property
    def command(self) -> str:
        return f"touch {self.marker}"

    @property
    def python(self) -> str:
        """Python that creates the marker when imported or run."""
        return f"open({str(self.marker)!r}, 'a').write('ran')\n"


@pytest.fixture
def trap(tmp_path: Path) -> Trap:
    outside = tmp_path / "outside"
    outside.mkdir()
    # Not TOML, not Python: whatever reads it fails, and says what it read in its error.
    for name in ("canary.toml", "canary.py", "canary.cfg", "canary.ini"):
        (outside / name).write_text(f"{CANARY} = = =\n")
    return Trap(tmp_path / "ran", outside)


@dataclass(frozen=True)
class Analysed:
    report: Report
    # Every path written into the linters' workspace, and whether any is a symlink.
    written: tuple[str, ...]
    symlinks: tuple[str, ...]
    git_dir: Path

    @property
    def text(self) -> str:
        return self.report.model_dump_json()


def stage(
    github: FakeGitHub,
    repo: str,
    base: Changes,
    head: Changes,
    *,
    symlinks: Mapping[str, str] | None = None,
    gitlinks: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """A base commit and a PR commit on it, in a repository of its own."""
    builder = github.repository(OWNER, repo)
    base_sha = builder.commit(base, "Base")
    head_sha = builder.commit(
        head,
        "Hostile change\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>",
        [base_sha],
        ref="refs/heads/pr",
        symlinks=symlinks,
        gitlinks=gitlinks,
    )
    builder.set_ref("refs/pull/1/head", head_sha)
    return base_sha, head_sha


def analyse(fake: tuple[FakeGitHub, str], cache: Path, repo: str, base: str, head: str) -> Analysed:
    """The App's path for the PR: fetched into the cache, then the whole analysis."""
    _, url = fake
    ref = PullRef(f"{url}/{OWNER}/{repo}.git", 1, base, head, commits=1)
    with GitCache(cache, 10**9).open(ref, TOKEN) as git:
        written, symlinks = _workspace(git, base, head)
        report = analyse_range(
            git, base, head, repository=f"{OWNER}/{repo}", config=Config(), info=ConfigInfo()
        ).report
        return Analysed(report, written, symlinks, git.git_dir)


def _workspace(git: Git, base: str, head: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the analysis writes for the linters, made again here to look at it."""
    targets = sorted(
        f.path
        for f in changed_files(git, merge_base(git, base, head), head)
        if f.path.endswith(".py")
    )
    with materialise_tree(git, base, head, targets, context=True) as workspace:
        paths = sorted(workspace.root.rglob("*"))
        written = tuple(str(p.relative_to(workspace.root)) for p in paths)
        symlinks = tuple(str(p.relative_to(workspace.root)) for p in paths if p.is_symlink())
    return written, symlinks


def assert_inert(trap: Trap, analysed: Analysed) -> None:
    """Nothing ran, nothing from outside the repository is in the report or the workspace."""
    assert not trap.marker.exists(), "something of the repository ran"
    assert analysed.symlinks == ()
    text = analysed.text
    for leaked in (CANARY, str(trap.outside), PASSWD_LINE):
        assert leaked not in text, f"{leaked!r} is in the report"


# ---------------------------------------------------------------- git


def evil_git_config(trap: Trap, directory: Path) -> Path:
    """A git configuration naming a program for every hook git has into a repository's
    work: filters, diff, merge and textconv drivers, fsmonitor, hooks, pager, editor, ssh,
    credential helpers, pack hooks. Reached only through an include and an includeIf."""
    directory.mkdir(parents=True, exist_ok=True)
    cmd = trap.command
    included = directory / "included.cfg"
    included.write_text(
        f'[filter "evil"]\n\tclean = {cmd}\n\tsmudge = {cmd}\n\tprocess = {cmd}\n'
        f"\trequired = true\n"
        f'[diff "evil"]\n\ttextconv = {cmd}\n\tcommand = {cmd}\n'
        f'[merge "evil"]\n\tdriver = {cmd}\n'
        f"[diff]\n\texternal = {cmd}\n"
        f"[core]\n\tfsmonitor = {cmd}\n\thooksPath = {directory}\n\tpager = {cmd}\n"
        f"\teditor = {cmd}\n\tsshCommand = {cmd}\n\taskPass = {cmd}\n"
        f"[credential]\n\thelper = !{cmd}\n"
        f"[uploadpack]\n\tpackObjectsHook = {cmd}\n"
        f"[gc]\n\tauto = 1\n[maintenance]\n\tauto = true\n"
        f"[protocol]\n\tallow = always\n"
        f"[init]\n\ttemplateDir = {directory / 'templates'}\n"
    )
    for hook in ("reference-transaction", "post-checkout", "pre-auto-gc", "post-index-change"):
        (directory / hook).write_text(f"#!/bin/sh\n{cmd}\n")
        (directory / hook).chmod(0o755)
    config = directory / "config"
    config.write_text(
        f'[include]\n\tpath = {included}\n[includeIf "gitdir:/"]\n\tpath = {included}\n'
    )
    return config


def test_the_machines_and_users_git_configuration_is_never_read(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every place git reads configuration from outside the repository (system, global, XDG,
    HOME, the environment's GIT_CONFIG_* and templates) names the programs, through include
    and includeIf; the repository's attributes ask for them. None runs."""
    config = evil_git_config(trap, tmp_path / "evil")
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".gitconfig").write_text(config.read_text())
    (home / ".config" / "git" / "config").write_text(config.read_text())
    templates = tmp_path / "evil" / "templates" / "hooks"
    templates.mkdir(parents=True)
    (templates / "reference-transaction").write_text(f"#!/bin/sh\n{trap.command}\n")
    (templates / "reference-transaction").chmod(0o755)
    environment = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_SYSTEM": str(config),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "include.path",
        "GIT_CONFIG_VALUE_0": str(config),
        "GIT_CONFIG_PARAMETERS": f"'include.path'='{config}'",
        "GIT_TEMPLATE_DIR": str(templates.parent),
        "GIT_EXTERNAL_DIFF": trap.command,
        "GIT_PAGER": trap.command,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # The configuration works: plain git in this environment follows the includes.
    plain = subprocess.run(
        ["git", "config", "--get", "filter.evil.clean"], capture_output=True, text=True, check=True
    )
    assert plain.stdout.strip() == trap.command

    github, _ = fake
    base, head = stage(
        github,
        "machine-config",
        {"pkg/a.py": "A = 1\n", "pkg/old.py": "".join(f"X{i} = {i}\n" for i in range(9))},
        {
            ".gitattributes": "* filter=evil diff=evil merge=evil\n",
            "pkg/a.py": "A = 2\n",
            # Moved in the same commit: its lines' authors are found with `git blame`.
            "pkg/old.py": None,
            "pkg/new.py": "".join(f"X{i} = {i}\n" for i in range(10)),
        },
    )
    analysed = analyse(fake, tmp_path / "cache", "machine-config", base, head)
    assert_inert(trap, analysed)
    assert {f.path for f in analysed.report.findings} <= {"pkg/a.py", "pkg/new.py"}
    # The template's hook was not copied into the cache's repository either.
    assert not (analysed.git_dir / "hooks" / "reference-transaction").exists()


def test_configuration_committed_to_the_tree_is_data(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """A tree carrying git configuration where a checkout would find it (`.git/config`, a
    `.git` file pointing elsewhere, `.gitconfig`, `.lfsconfig`, `.gitmodules`) and
    attributes naming the drivers it defines: read as files, never as configuration, and
    never written where a git run in the workspace would take them."""
    config = evil_git_config(trap, tmp_path / "evil").read_text()
    included = (tmp_path / "evil" / "included.cfg").read_text()
    github, _ = fake
    hostile: Changes = {
        ".gitattributes": "*.py filter=evil diff=evil merge=evil\n",
        ".gitconfig": included,
        ".lfsconfig": included,
        ".git/config": included + config,
        ".git/hooks/post-checkout": f"#!/bin/sh\n{trap.command}\n",
        ".git/hooks/helper.py": trap.python,
        "pkg/.git": f"gitdir: {trap.outside}\n",
        "pkg/.GIT/config.py": trap.python,
        # A ruff configuration extending the tree's `.git/config`: what would write it.
        "ruff.toml": 'extend = ".git/config"\n',
        "pkg/a.py": "A = 2\n",
    }
    # In the base too: the linters' configuration comes from there.
    base, head = stage(github, "tree-config", {**hostile, "pkg/a.py": "A = 1\n"}, hostile)
    analysed = analyse(fake, tmp_path / "cache", "tree-config", base, head)
    assert_inert(trap, analysed)
    assert "pkg/a.py" in analysed.written
    # Git refuses to check out a `.git` path; neither is one written for the linters.
    assert not [p for p in analysed.written if ".git" in p.lower().split("/")]


def test_submodules_are_never_fetched_or_written(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """A gitlink to a commit of another repository on the same host, with a `.gitmodules`
    whose update command and URL are hostile: nothing is fetched from that repository and
    nothing of it is written."""
    github, url = fake
    other = github.repository(OWNER, "submodule-target")
    inner = other.commit({"evil.py": trap.python, "setup.py": trap.python}, "Inner")
    modules = (
        f'[submodule "vendor"]\n\tpath = vendor\n\turl = {url}/{OWNER}/submodule-target.git\n'
        f"\tupdate = !{trap.command}\n"
        f'[submodule "ext"]\n\tpath = ext\n\turl = ext::sh -c {trap.command}\n'
    )
    base, head = stage(
        github,
        "with-submodule",
        {"pkg/a.py": "A = 1\n"},
        {".gitmodules": modules, "pkg/a.py": "import vendor.evil\nA = 2\n"},
        gitlinks={"vendor": inner, "ext": inner},
    )
    github.git.requests.clear()
    analysed = analyse(fake, tmp_path / "cache", "with-submodule", base, head)
    assert_inert(trap, analysed)
    assert not [r for r in github.git.requests if "submodule-target" in r.path]
    assert not [p for p in analysed.written if p.startswith(("vendor", "ext"))]


def test_symlinks_to_outside_the_tree_are_never_followed(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """Configuration files, a package directory, a module and the policy file as symlinks to
    /etc/passwd and to files outside the repository (absolute and climbing): none is
    followed, written as a link, or read through."""
    github, _ = fake
    climbing = "../" * 12 + str(trap.outside).lstrip("/")
    links = {
        "pyproject.toml": "/etc/passwd",
        "ruff.toml": f"{trap.outside}/canary.toml",
        ".ruff.toml": f"{climbing}/canary.toml",
        "setup.cfg": f"{climbing}/canary.cfg",
        "mypy.ini": f"{trap.outside}/canary.ini",
        ".mypy.ini": "/etc/passwd",
        ".pre-commit-config.yaml": "/etc/passwd",
        ".ai-gate.yml": "/etc/passwd",
        "pkg/__init__.py": f"{trap.outside}/canary.py",
        "pkg/outside.py": f"{climbing}/canary.py",
        "lib": str(trap.outside),
    }
    files: Changes = {"pkg/a.py": "from pkg import outside\nfrom lib import canary\nA = 2\n"}
    builder = github.repository(OWNER, "symlinked")
    base = builder.commit({"pkg/a.py": "A = 1\n"}, "Base", symlinks=links)
    head = builder.commit(files, "Change", [base], ref="refs/heads/pr", symlinks=links)
    analysed = analyse(fake, tmp_path / "cache", "symlinked", base, head)
    assert_inert(trap, analysed)
    assert analysed.written == ("pkg", "pkg/a.py")


@pytest.mark.parametrize(
    ("config", "extend"),
    [
        ("pyproject.toml", "{outside}/canary.toml"),
        ("ruff.toml", "{climbing}/canary.toml"),
        (".ruff.toml", "~/canary.toml"),
        ("ruff.toml", "${{HOME}}/{climbing}/canary.toml"),
        ("pkg/ruff.toml", "../shared.toml"),  # in the tree, extending out of it
    ],
)
def test_ruff_configuration_extending_out_of_the_tree_is_never_read(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path, config: str, extend: str
) -> None:
    """ruff follows `extend` wherever it points, expanding `~` and environment variables:
    a configuration reaching outside the repository must not be given to it."""
    github, _ = fake
    climbing = "../" * 12 + str(trap.outside).lstrip("/")
    target = extend.format(outside=trap.outside, climbing=climbing)
    files: Changes = {
        "shared.toml": f'extend = "{climbing}/canary.toml"\n',
        config: (
            f'[tool.ruff]\nextend = "{target}"\n'
            if config.endswith("pyproject.toml")
            else f'extend = "{target}"\n'
        ),
    }
    repo = f"ruff-extend-{config.replace('/', '-').strip('.')}-{len(extend)}"
    base, head = stage(
        github,
        repo,
        {**files, "pkg/a.py": "A = 1\n"},
        {"pkg/a.py": "try:\n    A = 2\nexcept:\n    A = 3\n"},
    )
    analysed = analyse(fake, tmp_path / "cache", repo, base, head)
    assert_inert(trap, analysed)
    # Our rules still ran on the file, on their own, and the report says why.
    assert ("pkg/a.py", "E722") in {(f.path, f.rule) for f in analysed.report.findings}
    assert any("outside the repository" in note for note in analysed.report.notes), (
        analysed.report.notes
    )


# ---------------------------------------------------------------- the linters


def test_mypy_plugins_the_repository_names_are_never_imported(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """Every file mypy reads its configuration from names plugins that are files of the PR
    (by module and by path), a search path outside the tree, and an interpreter to run."""
    github, _ = fake
    plugin = trap.python + "def plugin(version):\n    return object\n"
    configs: Changes = {
        "mypy.ini": "[mypy]\nplugins = evil_plugin\n",
        ".mypy.ini": "[mypy]\nplugins = pkg/evil_path_plugin.py\n",
        "setup.cfg": f"[mypy]\nplugins = evil_plugin\nmypy_path = {trap.outside}\n",
        "pyproject.toml": (
            '[tool.mypy]\nplugins = ["evil_plugin", "pkg.evil_path_plugin"]\n'
            f'python_executable = "pkg/evil_path_plugin.py"\nmypy_path = "{trap.outside}"\n'
        ),
    }
    code = (
        "import canary\nfrom pkg import evil_path_plugin\n\ndef f(x: int) -> str:\n    return x\n"
    )
    plugins: Changes = {"evil_plugin.py": plugin, "pkg/evil_path_plugin.py": plugin}
    base, head = stage(
        github,
        "mypy-plugins",
        {**configs, **plugins, "pkg/__init__.py": ""},
        {**configs, **plugins, "pkg/a.py": code},
    )
    analysed = analyse(fake, tmp_path / "cache", "mypy-plugins", base, head)
    assert_inert(trap, analysed)
    # mypy did run, on the PR's files as data.
    assert ("pkg/a.py", "return-value") in {(f.path, f.rule) for f in analysed.report.findings}


def test_python_startup_files_of_the_pr_never_run(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """`sitecustomize.py`, `usercustomize.py`, a `.pth` and `conftest.py`, at the root, in a
    source root and in a package, imported by the changed code: read, never run."""
    github, _ = fake
    startup = ("sitecustomize.py", "usercustomize.py", "conftest.py", "__main__.py")
    files: dict[str, str | bytes | None] = {
        f"{where}{name}": trap.python for where in ("", "src/", "src/pkg/") for name in startup
    }
    pth = f"import os; os.system({trap.command!r})\n{trap.outside}\n"
    files |= {"evil.pth": pth, "src/evil.pth": pth, "src/pkg/evil.pth": pth}
    files |= {
        "src/pkg/__init__.py": trap.python,
        "src/pkg/a.py": "import sitecustomize\nimport usercustomize\nimport conftest\nA = 2\n",
    }
    base, head = stage(github, "startup-files", {"README.md": "# r\n"}, files)
    analysed = analyse(fake, tmp_path / "cache", "startup-files", base, head)
    assert_inert(trap, analysed)
    assert {"src/pkg/a.py", "src/sitecustomize.py", "conftest.py"} <= set(analysed.written)


def test_huge_invalid_and_binary_python_files_are_data(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """A 3 MB line, invalid UTF-8 and NUL bytes in `.py` files: the analysis completes,
    with the other files checked."""
    github, _ = fake
    head: Changes = {
        "pkg/huge.py": "X = '" + "a" * 3_000_000 + "'\n",
        "pkg/latin1.py": b"X = '\xe9\xff\xfe'\nimport os\n",
        "pkg/nul.py": b"X = 1\x00\nimport os\n",
        "pkg/surrogate.py": b"X = '\xed\xa0\x80'\n",  # an encoded surrogate: not UTF-8
        "pkg/fine.py": "try:\n    X = 1\nexcept:\n    X = 2\n",
    }
    base, head_sha = stage(github, "odd-content", {"pkg/__init__.py": ""}, head)
    analysed = analyse(fake, tmp_path / "cache", "odd-content", base, head_sha)
    assert_inert(trap, analysed)
    assert ("pkg/fine.py", "E722") in {(f.path, f.rule) for f in analysed.report.findings}


ODD_NAMES = [
    "pkg/-rf.py",
    "pkg/--config=evil.py",
    "pkg/--output-format=sarif.py",
    "pkg/new\nline.py",
    "pkg/tab\tname.py",
    "pkg/\u202eyp.evil.py",
    "pkg/\u00fcn\u00efc\u00f6d\u00e9.py",
    "pkg/a b.py",
    'pkg/quote".py',
    "pkg/*.py",
    "pkg/[ab].py",
    "pkg/:(glob)x.py",
    "pkg/:(exclude)y.py",
]


def test_odd_file_names_are_analysed_as_names(
    fake: tuple[FakeGitHub, str], trap: Trap, tmp_path: Path
) -> None:
    """Names with newlines, leading dashes (options to ruff, mypy or git), right-to-left
    marks, quotes, backslashes, glob and pathspec magic, and `.`/`..` segments: each file is
    checked as itself (its finding on its own name), and none is taken for an option."""
    github, _ = fake
    bare_except = "try:\n    X = 1\nexcept:\n    X = 2\n"
    refused = ["pkg/a/../climb.py", "pkg/./dot.py", "pkg/back\\slash.py"]
    files = dict.fromkeys([*ODD_NAMES, *refused], bare_except)
    base, head = stage(github, "odd-names", {"pkg/__init__.py": ""}, files)
    analysed = analyse(fake, tmp_path / "cache", "odd-names", base, head)
    assert_inert(trap, analysed)
    flagged = {f.path for f in analysed.report.findings if f.rule == "E722"}
    # Each name is checked as itself, but those a checkout would refuse or split (`.` and
    # `..` segments; a backslash, Windows' separator) are not written at all.
    assert flagged == set(ODD_NAMES)
    assert not [p for p in analysed.written if "climb" in p or "dot" in p or "slash" in p]
