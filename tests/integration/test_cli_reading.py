"""`ai-gate check` on real git histories: what the base branch says about the repository (its
licence, its generated files), true findings still reported, and a quiet stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import github_token
from tests.fakes.registry_server import FakeRegistry, FakeRegistryServer
from tests.gitrepo import commit, git
from tests.unit.test_licence import APACHE_HEADER, unmask

BIN = Path(sys.executable).parent / "ai-gate"
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
APACHE_LICENCE = unmask(
    "                                 Apache License\n"
    "   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRI|BUTION\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(
        tmp_path,
        {
            "LICENSE": APACHE_LICENCE,
            ".gitattributes": "src/client/** linguist-generated=true\n",
            "pkg/__init__.py": "",
        },
        "Initial",
    )
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def run_check(repo: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "check", "--repo", str(repo), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "AI_GATE_PYPI_URL": "", "AI_GATE_NPM_URL": "", **(env or {})},
    )


def test_base_branch_licence_and_attributes_shape_the_report_and_true_findings_stay(
    repo: Path,
) -> None:
    header = "\n".join(APACHE_HEADER)
    token = github_token("k3Jw8ZpQ2mN5vT7xR1sW4yB6hJ0mF9")
    service = f'{header}\nTOKEN = "{token}"\n\n\ndef f():\n    return undefined_name\n'
    commit(
        repo,
        {
            "pkg/service.py": service,
            "src/client/models.py": "try:\n    x = 1\nexcept:\n    pass\n",
            "poetry.lock": "".join(f'[[package]]\nname = "dep{i}"\n' for i in range(300)),
            "tests/test_service.py": 'API_KEY = "test-api-key"\npassword = "Zq8v7LmP2wX9dT3k"\n',
        },
        f"Add the service\n\n{CLAUDE}",
    )

    done = run_check(repo)

    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = {(f["path"], f["rule"], f["level"], f["decisive"]) for f in report["findings"]}
    # The planted true findings: a real token shape and an undefined name fail the gate.
    assert ("pkg/service.py", "github-token", "failure", True) in found
    assert ("pkg/service.py", "F821", "failure", True) in found
    # The project's own Apache header; generated code; test data: nothing.
    assert {f["path"] for f in report["findings"]} == {"pkg/service.py"}
    assert not any(f["check"] == "licence" for f in report["findings"])
    assert {a["path"]: a["reason"] for a in report["set_aside"]} == {
        "poetry.lock": "lock file",
        "src/client/models.py": "generated (linguist-generated)",
    }
    # Counted: the service and the test file; not the lock file nor the generated client.
    assert report["attribution"]["added_lines"] == len(service.splitlines()) + 2


def test_stderr_has_no_library_log_lines_while_dependencies_are_looked_up(repo: Path) -> None:
    # A registry of its own: the session's shared one counts other tests' look-ups.
    registry = FakeRegistry()
    registry.add_pypi("requests", license_expression="Apache-2.0")
    commit(repo, {"requirements.txt": "requests==2.32.0\n"}, f"Add requests\n\n{CLAUDE}")

    with FakeRegistryServer(registry) as server:
        done = run_check(repo, {"AI_GATE_PYPI_URL": server.url, "AI_GATE_NPM_URL": server.url})

    assert done.returncode == 0
    assert done.stderr == ""
    assert registry.paths() == ["/pypi/requests/json"]  # the look-up did happen
