"""The job model: what a queued job carries (ids, never objects) and the keys it is known by.

Light on purpose: the web process imports it to route deliveries without loading the
analysis stack.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# The head recorded for a closed PR: queued jobs for it stop.
CLOSED = "closed"


def pr_key(installation_id: int, repository: str, pull_number: int) -> str:
    """How the job state knows a pull request (its newest head, whether it was closed)."""
    return f"{installation_id}:{repository}:{pull_number}"


class Job(BaseModel):
    """What a job needs to find its work again: ids, never objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    installation_id: int
    repository: str  # owner/name
    pull_number: int
    head_sha: str
    delivery_id: str = ""
    event: str = ""
    # A re-run request asks for a fresh check run even when one exists for the sha.
    rerun: bool = False
    # analyse: run the checks; review / action: re-judge from the stored report; label: a
    # label added or removed (re-judge, analyse afresh or nothing, by the label); outcome:
    # record a PR merged or closed (app/tracking.py); rework: a push to the default branch.
    kind: Literal["analyse", "review", "action", "label", "outcome", "rework"] = "analyse"
    actor: str = ""  # who submitted the review or pressed the button
    action: str = ""  # the button's identifier
    label: str = ""  # the label added or removed ("" when the delivery did not name it)

    @property
    def pr_key(self) -> str:
        return pr_key(self.installation_id, self.repository, self.pull_number)

    @property
    def key(self) -> str:
        return f"{self.pr_key}:{self.head_sha}"
