"""The licence check through the fake GitHub, a real worker and fake package registries."""

from __future__ import annotations

from tests.fakes.github_server import FakeGitHub
from tests.fakes.registry_server import FakeRegistry
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    ai_change,
    annotations_of,
    our_runs,
    pull_request_payload,
    stage_pr,
    wait_completed,
)

REQUIREMENTS = "requests==2.32.0\nshiny-gpl-widgets>=1.0  # charts\n"
VENDORED = "# SPDX-License-Identifier: GPL-3.0-only\ndef helper() -> int:\n    return 1\n"


def test_new_dependencies_and_licence_tags_are_judged_and_lookups_are_cached(
    github: FakeGitHub, registry: FakeRegistry, redis_server: str
) -> None:
    registry.add_pypi("requests", license_expression="Apache-2.0")
    registry.add_pypi(
        "Shiny_GPL.Widgets",
        classifiers=["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"],
    )
    pr = stage_pr(
        github,
        {"README.md": "# charts\n"},
        [ai_change({"requirements.txt": REQUIREMENTS, "pkg/vendored.py": VENDORED}, "Add charts")],
    )
    head, number = pr.head_sha, pr.number
    payload = pull_request_payload(pr)

    assert deliver(redis_server, "pull_request", payload).status_code == 202
    wait_completed(github, head)

    [run] = our_runs(github, head)
    found = annotations_of(github, int(run["id"]))
    assert ("requirements.txt", 2, "dependency-denied") in found
    assert ("pkg/vendored.py", 1, "spdx-denied") in found
    # an allowed dependency is not annotated
    assert not any(path == "requirements.txt" and line == 1 for path, line, _ in found)
    assert run["conclusion"] == "failure"
    summary = run["output"]["summary"]
    assert "| licence | 2 |" in summary
    assert summary.count("### Cost") == 1
    looked_up = sorted(p for p in registry.paths() if p.startswith("/pypi/"))
    assert looked_up == ["/pypi/requests/json", "/pypi/shiny-gpl-widgets/json"]

    # A re-run of the same head reads both licences from the shared cache, not the registry.
    rerun = {
        "action": "rerequested",
        "repository": payload["repository"],
        "installation": payload["installation"],
        "check_run": {
            "id": run["id"],
            "name": "ai-gate",
            "head_sha": head,
            "pull_requests": [{"number": number, "head": {"sha": head}}],
        },
    }
    assert deliver(redis_server, "check_run", rerun).status_code == 202
    wait_until(
        lambda: sum(r["status"] == "completed" for r in our_runs(github, head)) == 2,
        "a second completed run",
    )
    assert sorted(p for p in registry.paths() if p.startswith("/pypi/")) == looked_up
