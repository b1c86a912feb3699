"""Budget alerts across workers: crossing 80% and then 100% of a monthly budget sends exactly
two notifications to each of the operator's webhooks, though two workers book the PRs (one of
them twice, at once) and both restart in between, and a webhook fails once on the way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.adapters.alertlog import AlertLog
from app.adapters.state import MemoryJobState
from app.adapters.store import SqlStore
from app.core.config.model import Config
from app.core.models import Attribution, Cost, FileAttribution, Report, Verdict
from app.jobs.deps import Deps, build_deps
from app.jobs.model import Job
from app.settings import Settings
from app.tracking import after_booking
from tests.builders import make_pull_request
from tests.fakes.hooks import FakeHooks, FakeHooksServer
from tests.fakes.keys import private_key_pem

REPO = "octo/alerts"
CONFIG = Config.model_validate(
    {
        "services": {"services/*/**": "{1}"},
        "cost": {"budget": {"monthly_usd": 10.0, "alert_ratio": 0.8}},
    }
)


@pytest.fixture
def hooks() -> Iterator[FakeHooks]:
    fake = FakeHooks()
    with FakeHooksServer(fake) as server:
        fake.base_url = server.url  # type: ignore[attr-defined]
        yield fake


def start_worker(url: str, hooks: FakeHooks, tmp: Path) -> Deps:
    """What `ai-gate worker` builds at start-up, on the shared database."""
    base = hooks.base_url  # type: ignore[attr-defined]
    settings = Settings(
        GITHUB_APP_ID=1,
        GITHUB_APP_PRIVATE_KEY=private_key_pem(),
        GITHUB_WEBHOOK_SECRET="s",
        DATABASE_URL=url,
        AI_GATE_CACHE_DIR=str(tmp / "cache"),
        AI_GATE_ALERT_SLACK_URL=f"{base}/slack",
        AI_GATE_ALERT_WEBHOOK_URL=f"{base}/hook",
        AI_GATE_PYPI_URL="",
        AI_GATE_NPM_URL="",
    )
    return build_deps(settings, MemoryJobState(), SqlStore(url))


def report(number: int, usd: float, head: str = "") -> Report:
    return Report(
        repository=REPO,
        base_sha="b" * 40,
        head_sha=head or f"{number:040x}",
        pull_request=number,
        attribution=Attribution(
            ai=True,
            tools=("claude-code",),
            added_lines=10,
            ai_added_lines=10,
            files=(
                FileAttribution(
                    path="services/pay/a.py", added_lines=10, ai_added_lines=10, ai_share=1.0
                ),
            ),
        ),
        cost=Cost(model="claude-sonnet-4-5", source="reported", usd=usd),
        verdict=Verdict(conclusion="success"),
    )


def book(deps: Deps, number: int, usd: float, at: datetime) -> Report:
    """What an analysis job does once its report is made (app/jobs/analyse.py)."""
    made = report(number, usd)
    job = Job(installation_id=1, repository=REPO, pull_number=number, head_sha=made.head_sha)
    deps.ledger.record_cost(REPO, number, made.head_sha, usd, at)
    pr = make_pull_request(
        number, title=f"PR {number}", html_url=f"https://github.com/{REPO}/pull/{number}"
    )
    booked = after_booking(job, deps, pr, made, CONFIG, at)
    assert deps.alerts is not None
    deps.alerts.deliver_due()
    return booked


def close(*workers: Deps) -> None:
    for deps in workers:
        deps.ledger.close()  # type: ignore[attr-defined]
        if deps.alerts is not None:
            deps.alerts.close()


def test_crossing_80_then_100_percent_sends_two_notifications(
    url: str,
    hooks: FakeHooks,
    tmp_path: Path,
) -> None:
    at = datetime(2025, 5, 6, 12, tzinfo=UTC)
    first, second = start_worker(url, hooks, tmp_path), start_worker(url, hooks, tmp_path)
    quiet = book(first, 1, 5.0, at)  # 50%: nothing to say
    assert quiet.cost is not None
    assert not any("passed" in line for line in quiet.cost.budget)
    # Slack refuses the first attempt: retried with backoff, and the generic webhook, which
    # took it, is not sent it twice.
    hooks.fail_next("/slack")
    # PR 2 (85%) booked by both workers at once, as a redelivered event would be.
    results: list[Report] = []
    threads = [
        threading.Thread(target=lambda w=w: results.append(book(w, 2, 3.5, at)))
        for w in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    said = [line for r in results for line in (r.cost.budget if r.cost else ()) if "passed" in line]
    assert said == [
        "The repository passed 80% of its monthly budget with this pull request: $8.50 of "
        "$10.00 this month; the operator was alerted."
    ]
    # Both workers restart; then PR 3 crosses 100%, and PR 4 passes nothing new.
    close(first, second)
    first, second = start_worker(url, hooks, tmp_path), start_worker(url, hooks, tmp_path)
    crossed = book(first, 3, 2.0, at)
    assert crossed.cost is not None
    assert any("passed its monthly budget" in line for line in crossed.cost.budget)
    book(second, 4, 0.5, at)
    book(first, 3, 2.0, at)  # a re-run of the head that crossed

    slack, generic = hooks.delivered("/slack"), hooks.delivered("/hook")
    assert len(slack) == 2
    assert len(generic) == 2
    assert "passed 80% of its budget" in slack[0]["text"]
    assert "passed its monthly budget" in slack[1]["text"]
    assert [(g["threshold"], g["month"], g["scope"]) for g in generic] == [
        (0.8, "2025-05", "repository"),
        (1.0, "2025-05", "repository"),
    ]
    assert generic[0]["month_to_date_usd"] == 8.5
    assert sum(1 for r in hooks.received if r.path == "/slack" and r.status == 500) == 1
    alerts = AlertLog(first.ledger).all()  # type: ignore[arg-type]
    assert [(a.threshold, a.pull_request) for a in alerts] == [(0.8, 2), (1.0, 3)]
    close(first, second)


def test_a_service_budget_alerts_on_its_own(url: str, hooks: FakeHooks, tmp_path: Path) -> None:
    at = datetime(2025, 5, 6, 12, tzinfo=UTC)
    config = CONFIG.model_copy(
        update={
            "cost": CONFIG.cost.model_copy(
                update={
                    "budget": CONFIG.cost.budget.model_copy(
                        update={"monthly_usd": None, "services": {"pay": 4.0}}
                    )
                }
            )
        }
    )
    deps = start_worker(url, hooks, tmp_path)
    made = report(1, 4.0)
    deps.ledger.record_cost(REPO, 1, made.head_sha, 4.0, at)
    job = Job(installation_id=1, repository=REPO, pull_number=1, head_sha=made.head_sha)
    booked = after_booking(job, deps, make_pull_request(1), made, config, at)
    assert booked.cost is not None
    assert booked.cost.budget[-2:] == (
        "Service `pay` passed 80% of its monthly budget with this pull request: $4.00 of "
        "$4.00 this month; the operator was alerted.",
        "Service `pay` passed its monthly budget with this pull request: $4.00 of $4.00 this "
        "month; the operator was alerted.",
    )
    assert deps.alerts is not None
    assert deps.alerts.deliver_due() == 2
    assert {g["service"] for g in hooks.delivered("/hook")} == {"pay"}
    close(deps)
