"""The one analysis path of the App and `ai-gate check`: a git repository's base..head read
into a snapshot, the changed Python files written to a workspace with what the linters need
around them, and the pure core run over both."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.adapters.git import Git
from app.adapters.linehistory import with_line_history
from app.adapters.linters import TreeLinters
from app.adapters.localgit import read_range
from app.adapters.tokencount import Counting
from app.adapters.workspace import materialise_tree
from app.core.checks.ruff import python_files
from app.core.config.model import Config
from app.core.cost.estimate import pull_request_cost
from app.core.cost.tokens import RecordingCounter
from app.core.diff import PatchLines
from app.core.models import (
    Acknowledgement,
    ConfigInfo,
    LabelGrant,
    PullRequestInfo,
    PullRequestSnapshot,
    Report,
    Review,
)
from app.core.pipeline import (
    Attributed,
    ai_commits_of,
    analyse,
    attribute,
    detect_commits,
    needs_contents,
    scope_snapshot,
)
from app.core.ports import LicenceResolver
from app.deadline import Deadline

# Seconds kept for publishing (GitHub's writes are spaced a second apart) when the checks run
# close to the job's time limit.
PUBLISH_RESERVE = 30.0


@dataclass(frozen=True)
class Analysis:
    report: Report
    # Added and commentable head lines of the files in scope, where the review may comment.
    lines: Mapping[str, PatchLines]


def analyse_range(
    git: Git,
    base_sha: str,
    head_sha: str,
    *,
    repository: str,
    config: Config,
    info: ConfigInfo,
    pull_request: PullRequestInfo | None = None,
    logins: Mapping[str, tuple[str | None, str | None]] | None = None,
    reviews: Sequence[Review] = (),
    acknowledgements: Sequence[Acknowledgement] = (),
    month_to_date_usd: float | None = None,
    licences: LicenceResolver | None = None,
    deadline: Deadline | None = None,
    progress: Callable[[str], None] = lambda _: None,
    counting: Counting | None = None,
    label_grants: Sequence[LabelGrant] = (),
) -> Analysis:
    """The report of base..head (and the snapshot it was made from, for publishing).

    The linters stop short of `deadline` by a reserve for publishing: one cut short is a note
    in a report that is still published. `counting` is a token-counting child started early
    (one is started here otherwise)."""
    with counting or Counting() as counter:
        return _analyse_range(
            git,
            base_sha,
            head_sha,
            counter,
            repository=repository,
            config=config,
            info=info,
            pull_request=pull_request,
            logins=logins,
            reviews=reviews,
            acknowledgements=acknowledgements,
            month_to_date_usd=month_to_date_usd,
            licences=licences,
            deadline=deadline,
            progress=progress,
            label_grants=label_grants,
        )


def _analyse_range(
    git: Git,
    base_sha: str,
    head_sha: str,
    counter: Counting,
    *,
    repository: str,
    config: Config,
    info: ConfigInfo,
    pull_request: PullRequestInfo | None,
    logins: Mapping[str, tuple[str | None, str | None]] | None,
    reviews: Sequence[Review],
    acknowledgements: Sequence[Acknowledgement],
    month_to_date_usd: float | None,
    licences: LicenceResolver | None,
    deadline: Deadline | None,
    progress: Callable[[str], None],
    label_grants: Sequence[LabelGrant],
) -> Analysis:
    deadline = deadline or Deadline.never()
    checks_deadline = deadline.sooner(min(PUBLISH_RESERVE, 0.25 * max(deadline.remaining(), 0)))
    progress(f"reading {base_sha[:12]}..{head_sha[:12]}")
    snapshot = read_range(
        git,
        base_sha,
        head_sha,
        repository=repository,
        wanted=needs_contents,
        pull_request=pull_request,
        logins=logins,
    ).model_copy(
        update={
            "reviews": tuple(reviews),
            "acknowledgements": tuple(acknowledgements),
            "label_grants": tuple(label_grants),
        }
    )
    attributed = attribute_range(git, snapshot, config)
    snapshot = attributed.snapshot
    targets = sorted(python_files(snapshot))
    checks = config.checks
    progress(
        f"{len(snapshot.files):,} changed files, {len(snapshot.commits):,} commits; "
        f"checking {len(targets):,} Python files"
    )
    # Counted by the child before the workspace is written and the linters start: the
    # vocabulary's memory never meets theirs.
    tokens = counter.count(cost_texts(attributed, config), deadline)
    with materialise_tree(
        git,
        base_sha,
        head_sha,
        targets if checks.ruff.enabled or checks.mypy.enabled else [],
        context=checks.mypy.enabled is not False,  # "auto" runs mypy too
    ) as workspace:
        linters = TreeLinters(
            workspace.root,
            workspace.source_roots,
            deadline=checks_deadline,
            ruff_config=workspace.ruff_config,
        )
        report = analyse(
            snapshot,
            config,
            linters,
            info,
            month_to_date_usd,
            licences,
            tokenizer=tokens,
            attributed=attributed,
        )
    if workspace.notes:
        report = report.model_copy(update={"notes": (*report.notes, *workspace.notes)})
    return Analysis(report, attributed.lines)


def attribute_range(git: Git, snapshot: PullRequestSnapshot, config: Config) -> Attributed:
    """A range read by `read_range`, scoped and attributed. Commits are detected once, on the
    files in scope: the verdicts choose the files git blames, then attribute their lines."""
    snapshot, aside = scope_snapshot(snapshot, config)
    commit_level = detect_commits(snapshot, config)
    snapshot = with_line_history(git, snapshot, ai_commits_of(commit_level))
    return attribute(snapshot, config, aside, commit_level)


def cost_texts(attributed: Attributed, config: Config) -> list[str]:
    """The texts the cost estimate will count, found by running it with a recorder."""
    recorder = RecordingCounter()
    ai_lines = attributed.outcome.counts.ai_lines
    pull_request_cost(attributed.snapshot, attributed.attribution, ai_lines, config.cost, recorder)
    return recorder.texts
