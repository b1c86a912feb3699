"""The `labels.ai_generated` label, added to a pull request whose analysis found AI-written code."""

from __future__ import annotations

from collections.abc import Sequence

from app.adapters.github.client import Installation
from app.core.models import Report


class LabelPublisher:
    """Adds our label to one pull request; it never removes one a person put there or left."""

    def __init__(self, api: Installation, repo: str, number: int) -> None:
        self._api = api
        self._repo = repo
        self._number = number

    def publish(self, report: Report, label: str | None, present: Sequence[str]) -> bool:
        """Add `label` when the report attributes code to AI and the PR (whose labels are
        `present`) lacks it; whether it was added."""
        if not label or not report.attribution.ai or label in present:
            return False
        # Adding keeps the PR's other labels (a PUT would replace them).
        # https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
        self._api.call(
            "POST",
            f"/repos/{self._repo}/issues/{self._number}/labels",
            json={"labels": [label]},
        )
        return True
