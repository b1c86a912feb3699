"""Budget alerts: when a repository or a service passes its `alert_ratio` or its monthly
budget, one notification per threshold per month, to the operator's Slack-compatible incoming
webhook and/or a generic JSON webhook (`AI_GATE_ALERT_SLACK_URL`, `AI_GATE_ALERT_WEBHOOK_URL`).

The crossing is recorded in the store first (app/adapters/alertlog.py: the first worker to
insert it wins), then delivered by whichever job comes next, with exponential backoff between
attempts; a target that took a notification is not sent it again when another target failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx

from app.adapters.alertlog import Alert, AlertLog
from app.adapters.outcomes import WHOLE, Budget, Outcomes
from app.core.periods import month_key

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_SECONDS = 3600.0
# How long a claimed alert is left to its worker before another may try it.
LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    name: Literal["slack", "webhook"]
    url: str


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: 2, 4, 8, … capped at an hour."""
    return float(min(2**attempts, MAX_BACKOFF_SECONDS))


def alert_text(alert: Alert, url: str = "") -> str:
    """One line a person reads in a channel."""
    what = (
        f"service `{alert.service}` of {alert.repository}"
        if alert.service
        else f"repository {alert.repository}"
    )
    passed = (
        "its monthly budget" if alert.threshold >= 1 else f"{alert.threshold:.0%} of its budget"
    )
    pr = f" with pull request #{alert.pull_request}" if alert.pull_request else ""
    link = f" {url}" if url else ""
    return (
        f"ai-gate: {what} passed {passed} in {alert.month}{pr}: "
        f"${alert.usd:,.2f} of ${alert.budget_usd:,.2f}.{link}"
    )


def alert_json(alert: Alert) -> dict[str, object]:
    """The generic webhook's body."""
    return {
        "kind": "ai-gate.budget",
        "scope": "service" if alert.service else "repository",
        "repository": alert.repository,
        "service": alert.service or None,
        "month": alert.month,
        "threshold": alert.threshold,
        "month_to_date_usd": round(alert.usd, 2),
        "budget_usd": alert.budget_usd,
        "pull_request": alert.pull_request or None,
        "text": alert_text(alert),
    }


class Alerts:
    """Raises alerts as PRs are booked, and delivers them."""

    def __init__(
        self,
        log_: AlertLog,
        outcomes: Outcomes,
        targets: Sequence[Target],
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.log = log_
        self.outcomes = outcomes
        self.targets = tuple(targets)
        self.client = client or httpx.Client(timeout=10.0)
        self.clock = clock
        self.sleep = sleep

    def crossings(
        self,
        repository: str,
        pull_request: int,
        budget_list: Iterable[Budget],
        services: Iterable[str],
        at: datetime,
    ) -> list[str]:
        """Raise the thresholds this PR's booking crossed (once a month each); the lines that
        say so in the PR's summary."""
        touched = set(services)
        lines = []
        for budget in budget_list:
            if budget.monthly_usd <= 0 or (
                budget.service != WHOLE and budget.service not in touched
            ):
                continue
            spend = self.outcomes.month_spend(repository, budget.service, at)
            for threshold in sorted({budget.alert_ratio, 1.0}):
                if spend < threshold * budget.monthly_usd - 1e-9:
                    continue
                raised = self.log.raise_once(
                    repository,
                    budget.service,
                    month_key(at),
                    threshold,
                    spend,
                    budget.monthly_usd,
                    pull_request,
                    at,
                )
                if raised:
                    lines.append(_summary_line(budget, threshold, spend))
        return lines

    def deliver_due(self, rounds: int = 3, deadline: float | None = None) -> int:
        """Deliver the alerts due now; an alert that failed and comes due again within this
        call's few rounds is tried again (2 s, then 4 s later). Returns how many were sent."""
        sent = 0
        for round_ in range(rounds):
            now = self.clock()
            claimed = self.log.claim_due(now, now + timedelta(seconds=LEASE_SECONDS))
            if not claimed and round_ > 0:
                break
            failed = 0
            for alert in claimed:
                if self._deliver(alert):
                    sent += 1
                else:
                    failed += 1
            if not failed or not self.targets:
                break
            wait = backoff(round_ + 1)
            if deadline is not None and time.monotonic() + wait > deadline:
                break
            self.sleep(wait)
        return sent

    def _deliver(self, alert: Alert) -> bool:
        took = set(alert.delivered)
        errors = []
        for target in self.targets:
            if target.name in took:
                continue
            try:
                self._post(target, alert)
                took.add(target.name)
            except httpx.HTTPError as exc:
                errors.append(f"{target.name}: {type(exc).__name__}: {exc}")
        now = self.clock()
        if not errors:
            self.log.delivered(alert, frozenset(took), now)
            return True
        retry = (
            now + timedelta(seconds=backoff(alert.attempts + 1))
            if alert.attempts + 1 < MAX_ATTEMPTS
            else None
        )
        log.warning("alert %s not delivered (attempt %d): %s", alert.id, alert.attempts + 1, errors)
        self.log.retry_later(alert, frozenset(took), "; ".join(errors), retry)
        return False

    def close(self) -> None:
        """Close the HTTP connections (a worker keeps them for its life)."""
        self.client.close()

    def _post(self, target: Target, alert: Alert) -> None:
        body = {"text": alert_text(alert)} if target.name == "slack" else alert_json(alert)
        response = self.client.post(target.url, json=body)
        response.raise_for_status()


def _summary_line(budget: Budget, threshold: float, spend: float) -> str:
    what = f"Service `{budget.service}`" if budget.service else "The repository"
    passed = "its monthly budget" if threshold >= 1 else f"{threshold:.0%} of its monthly budget"
    return (
        f"{what} passed {passed} with this pull request: ${spend:,.2f} of "
        f"${budget.monthly_usd:,.2f} this month; the operator was alerted."
    )
