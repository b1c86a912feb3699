"""The `ai-gate` check run: created in progress, completed with annotations in batches of 50."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from app.adapters.github.client import Installation
from app.adapters.github.models import CheckRun, check_run, check_runs
from app.core.models import Finding, Report
from app.publishers.markdown import render_summary, render_title
from app.publishers.reading import ordered, written_by
from app.version import CHECK_NAME, installed_version

# GitHub accepts at most 50 annotations per create/update request; further updates append.
# https://docs.github.com/en/rest/checks/runs#update-a-check-run
ANNOTATION_BATCH = 50
ACKNOWLEDGE = {
    "label": "Acknowledge",
    "description": "Accept the AI part (needs write access)",
    "identifier": "acknowledge",
}
ErrorConclusion = Literal["failure", "timed_out", "cancelled", "skipped", "neutral"]
RunStatus = Literal["queued", "in_progress"]


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def annotation(finding: Finding) -> dict[str, Any]:
    """A GitHub annotation for a finding; its fingerprint rides along in raw_details."""
    body: dict[str, Any] = {
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "annotation_level": finding.level,
        "title": f"{finding.check} {finding.rule}"[:255],
        "message": f"{finding.message} ({written_by(finding)})"[:60_000],
        "raw_details": f"ai-gate fingerprint: {finding.fingerprint}",
    }
    return body


def batches(items: Sequence[dict[str, Any]], size: int = ANNOTATION_BATCH) -> Iterator[list[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class CheckRunPublisher:
    """Creates, finds and completes our check run for one head sha."""

    def __init__(
        self,
        api: Installation,
        repo: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        version: str | None = None,
    ) -> None:
        self._api = api
        self._repo = repo
        self._clock = clock
        # Shown in the summary: which ai-gate (and so which checks) made the verdict.
        self._version = version or installed_version()

    def latest(self, head_sha: str) -> CheckRun | None:
        """Our newest run for the sha, whatever its status."""
        return max(self._runs(head_sha, "latest"), key=lambda r: r.id, default=None)

    def open_runs(self, head_sha: str) -> list[int]:
        """Every run of ours for the sha that is not completed (GitHub's `latest` filter
        shows only the newest, so this asks for all)."""
        return [r.id for r in self._runs(head_sha, "all") if not r.completed]

    def _runs(self, head_sha: str, which: Literal["latest", "all"]) -> list[CheckRun]:
        url = f"/repos/{self._repo}/commits/{head_sha}/check-runs"
        listing = self._api.call(
            "GET", url, params={"check_name": CHECK_NAME, "filter": which, "per_page": 100}
        )
        return [r for r in check_runs(listing, f"GET {url}") if r.name == CHECK_NAME]

    def start(
        self, head_sha: str, external_id: str, status: RunStatus = "in_progress"
    ) -> int | None:
        """The sha's open run if any, else a new one; None when the sha was analysed already
        (a second event for the same push, a job that came back after its worker died). A run
        cancelled because the head moved on does not count: the head may come back."""
        run = self.latest(head_sha)
        if run is not None and not run.completed:
            return run.id
        if run is not None and run.conclusion != "cancelled":
            return None
        return self.create(head_sha, external_id, status)

    def create(self, head_sha: str, external_id: str, status: RunStatus = "in_progress") -> int:
        """A new run for the sha: queued (shown at once, before a worker takes the job) or in
        progress."""
        body: dict[str, Any] = {
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": status,
            "external_id": external_id,
            "output": {"title": "Analysing…", "summary": "ai-gate is analysing this commit."},
        }
        if status == "queued":
            body["output"] = {"title": "Queued", "summary": "ai-gate will analyse this commit."}
        else:
            body["started_at"] = _iso(self._clock())
        url = f"/repos/{self._repo}/check-runs"
        return check_run(self._api.call("POST", url, json=body), f"POST {url}").id

    def begin(self, run_id: int) -> None:
        """Move a queued run to in progress: a worker has taken its job."""
        self._api.call(
            "PATCH",
            f"/repos/{self._repo}/check-runs/{run_id}",
            json={
                "status": "in_progress",
                "started_at": _iso(self._clock()),
                "output": {"title": "Analysing…", "summary": "ai-gate is analysing this commit."},
            },
        )

    def complete(self, run_id: int, report: Report, max_annotations: int = 1000) -> None:
        """Complete the run with its verdict, summary and the 50 most severe annotations in
        one request, then append the rest 50 at a time (GitHub adds each batch to the run's
        annotations): the verdict shows before the last annotation is written."""
        title, summary = render_title(report), render_summary(report, self._version)
        # Those that decide the verdict first, then the most severe, within max_annotations.
        notes = [annotation(f) for f in ordered(report.findings) if f.in_diff]
        if len(notes) > max_annotations:
            summary += (
                f"\n\nThe {max_annotations} most severe of {len(notes)} findings are annotated "
                "(`comments.max_annotations`); the report lists them all."
            )
            notes = notes[:max_annotations]
        chunks = list(batches(notes)) or [[]]
        for index, chunk in enumerate(chunks):
            body: dict[str, Any] = {
                "output": {"title": title, "summary": summary, "annotations": chunk}
            }
            if index == 0:
                body |= self._completion(report)
            self._api.call("PATCH", f"/repos/{self._repo}/check-runs/{run_id}", json=body)

    def update_verdict(self, run_id: int, report: Report) -> None:
        """A new conclusion and summary for a completed run; its annotations stay."""
        summary = render_summary(report, self._version)
        body = {"output": {"title": render_title(report), "summary": summary}}
        body |= self._completion(report)
        self._api.call("PATCH", f"/repos/{self._repo}/check-runs/{run_id}", json=body)

    def _completion(self, report: Report) -> dict[str, Any]:
        done: dict[str, Any] = {
            "status": "completed",
            "conclusion": report.verdict.conclusion,
            "completed_at": _iso(self._clock()),
        }
        if report.verdict.acknowledgeable:
            # GitHub shows at most 3 buttons; label ≤ 20, description ≤ 40, identifier ≤ 20.
            done["actions"] = [ACKNOWLEDGE]
        return done

    def fail(self, run_id: int, conclusion: ErrorConclusion, title: str, message: str) -> None:
        """Complete the run with a message instead of leaving it in progress."""
        self._api.call(
            "PATCH",
            f"/repos/{self._repo}/check-runs/{run_id}",
            json={
                "status": "completed",
                "conclusion": conclusion,
                "completed_at": _iso(self._clock()),
                "output": {"title": title[:255], "summary": message[:60_000]},
            },
        )
