"""Which pieces of evidence decided the attribution, and which were only seen."""

from __future__ import annotations

from app.core.attribution.detection import judge
from app.core.models import Attribution


def mark_counted(attribution: Attribution, min_confidence: float) -> Attribution:
    """Each signal marked counted when it made its commit, or the pull request, AI-attributed.

    A commit that is AI only through pull-request-level evidence (`inherited`) had too little
    of its own: its own signals were seen, not counted.
    """
    pr_level = [s for s in attribution.signals if not s.source.startswith("commit:")]
    pr_tools = set(judge(pr_level, min_confidence).tools)
    commit_tools = {f"commit:{c.sha}": set(c.tools) for c in attribution.commits if not c.inherited}
    signals = tuple(
        s.model_copy(
            update={
                "counted": s.tool in commit_tools.get(s.source, set())
                if s.source.startswith("commit:")
                else s.tool in pr_tools
            }
        )
        for s in attribution.signals
    )
    return attribution.model_copy(update={"signals": signals})
