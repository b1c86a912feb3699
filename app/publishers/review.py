"""One review per head sha with inline comments on the most severe new findings.

Each comment hides its finding's fingerprint, so a later push neither repeats a comment nor
forgets one: a comment whose finding is gone is edited to say in which commit it was resolved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.adapters.github.client import Installation
from app.core.config.model import CommentsConfig
from app.core.diff import PatchLines
from app.core.models import LEVEL_ORDER, Finding, Report
from app.publishers.reading import ordered, written_by

FP_MARK = "<!-- ai-gate:fp={} -->"
REVIEW_MARK = "<!-- ai-gate:review head={} -->"
RESOLVED_MARK = "<!-- ai-gate:resolved -->"
_FP = re.compile(r"<!-- ai-gate:fp=([0-9a-f]+) -->")


def comment_body(finding: Finding) -> str:
    """Markdown for one inline comment, with a suggestion block when the fix is known."""
    parts = [
        f"**{finding.check} {finding.rule}** ({finding.level}, {written_by(finding)}): "
        f"{finding.message}"
    ]
    if finding.decisive:
        parts.append("This finding fails the gate.")
    if finding.suggestion is not None:
        parts += ["", "```suggestion", finding.suggestion.text, "```"]
    if finding.url:
        parts += ["", f"<sub>[{finding.rule}]({finding.url}) · ai-gate</sub>"]
    parts.append(FP_MARK.format(finding.fingerprint))
    return "\n".join(parts)


def review_comment(finding: Finding, lines: PatchLines) -> dict[str, Any] | None:
    """The review API's comment object, or None when the line is not part of the diff."""
    # GitHub answers 422 for a line outside the diff, and one bad comment fails the review.
    # https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
    s = finding.suggestion
    if s is not None and all(n in lines.added for n in range(s.start_line, s.end_line + 1)):
        comment: dict[str, Any] = {
            "path": finding.path,
            "line": s.end_line,
            "side": "RIGHT",
            "body": comment_body(finding),
        }
        if s.start_line != s.end_line:
            comment |= {"start_line": s.start_line, "start_side": "RIGHT"}
        return comment
    if finding.start_line not in lines.commentable:
        return None
    body = comment_body(finding.model_copy(update={"suggestion": None}))
    return {"path": finding.path, "line": finding.start_line, "side": "RIGHT", "body": body}


def choose(
    findings: Sequence[Finding],
    lines: Mapping[str, PatchLines],
    already: set[str],
    config: CommentsConfig,
) -> list[dict[str, Any]]:
    """The most severe commentable findings not commented before, at most `max_comments`."""
    threshold = LEVEL_ORDER[config.min_level]
    # Findings that decide the verdict first: they are the ones a maintainer must read.
    ranked = ordered(
        f
        for f in findings
        if f.in_diff
        and f.fingerprint not in already
        and (f.decisive or LEVEL_ORDER[f.level] >= threshold)
    )
    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    for finding in ranked:
        if len(chosen) >= config.max_comments or finding.fingerprint in seen:
            continue
        comment = review_comment(finding, lines.get(finding.path, PatchLines()))
        if comment is not None:
            chosen.append(comment)
            seen.add(finding.fingerprint)
    return chosen


class ReviewPublisher:
    """Posts the review and marks resolved comments for one pull request."""

    def __init__(self, api: Installation, repo: str, number: int) -> None:
        self._api = api
        self._repo = repo
        self._number = number

    def publish(
        self, report: Report, lines: Mapping[str, PatchLines], config: CommentsConfig
    ) -> int:
        """Comment new findings and mark gone ones resolved; returns comments posted."""
        if not config.enabled:
            return 0
        base = f"/repos/{self._repo}/pulls/{self._number}"
        existing = list(self._api.paginate(f"{base}/comments"))
        ours = {m.group(1): c for c in existing if (m := _FP.search(str(c.get("body") or "")))}
        self._mark_resolved(ours, report)
        reviews = list(self._api.paginate(f"{base}/reviews"))
        mark = REVIEW_MARK.format(report.head_sha)
        if any(mark in str(r.get("body") or "") for r in reviews):
            return 0  # this head sha already has its review
        comments = choose(report.findings, lines, set(ours), config)
        if not comments:
            return 0
        body = (
            f"ai-gate found {len(comments)} new issue(s) worth a look on the added lines; "
            f"the `ai-gate` check run lists them all.\n\n{mark}"
        )
        self._api.call(
            "POST",
            f"{base}/reviews",
            json={
                "commit_id": report.head_sha,
                "event": config.event,
                "body": body,
                "comments": comments,
            },
        )
        return len(comments)

    def _mark_resolved(self, ours: Mapping[str, dict[str, Any]], report: Report) -> None:
        current = {f.fingerprint for f in report.findings}
        for fp, comment in ours.items():
            body = str(comment.get("body") or "")
            if fp in current or RESOLVED_MARK in body:
                continue
            note = f"✅ **Resolved** in {report.head_sha[:12]}: this finding is gone.\n\n"
            self._api.call(
                "PATCH",
                f"/repos/{self._repo}/pulls/comments/{comment['id']}",
                json={
                    "body": note
                    + "~~"
                    + body.split("\n", 1)[0]
                    + "~~\n"
                    + body.split("\n", 1)[-1]
                    + f"\n{RESOLVED_MARK}"
                },
            )
