"""Typed values the analysis core takes in and gives out. Nothing here knows about GitHub."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["notice", "warning", "failure"]
Conclusion = Literal["success", "neutral", "failure", "action_required"]
FileStatus = Literal["added", "modified", "removed", "renamed", "copied", "changed", "unchanged"]

SCHEMA_VERSION = "1.0"
LEVEL_ORDER: Mapping[str, int] = {"notice": 0, "warning": 1, "failure": 2}
# Repository permissions that may merge (and so may skip or acknowledge the gate).
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Identity(Frozen):
    """A git author or committer, with the GitHub login when GitHub knows it."""

    name: str = ""
    email: str = ""
    login: str | None = None


class Commit(Frozen):
    sha: str
    message: str
    author: Identity = Identity()
    committer: Identity = Identity()
    parents: tuple[str, ...] = ()


class FileDiff(Frozen):
    """One changed file of the pull request; `patch` is absent for binary or huge diffs."""

    path: str
    status: FileStatus = "modified"
    previous_path: str | None = None
    blob_sha: str | None = None
    patch: str | None = None
    additions: int = 0
    deletions: int = 0


class PullRequestInfo(Frozen):
    number: int
    # GitHub's own totals; more than the lists hold means GitHub truncated them.
    commits_total: int | None = None
    files_total: int | None = None
    title: str = ""
    body: str = ""
    author_login: str = ""
    author_type: str = "User"
    head_ref: str = ""
    base_ref: str = ""
    labels: tuple[str, ...] = ()
    draft: bool = False


class Review(Frozen):
    """A submitted pull request review (the latest per reviewer is what counts)."""

    login: str
    user_type: str = "User"
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    commit_id: str | None = None


class Acknowledgement(Frozen):
    """A maintainer accepting the AI part of a head sha from the check run's button."""

    login: str
    permission: str
    at: str


class LabelGrant(Frozen):
    """Who added a label to the pull request, and their permission on the repository (as
    GitHub says: its issue events and the collaborator permission endpoint)."""

    label: str
    # Empty when GitHub's events name no one (the label predates the events kept).
    login: str = ""
    permission: str = "none"


class LineRecord(Frozen):
    """Lines of a head file that an authorship record says an agent wrote."""

    path: str
    lines: frozenset[int]
    tool: str
    model: str | None = None
    source: str  # e.g. `.agent-trace/traces.jsonl:12` or `refs/notes/ai:<sha>`


class PullRequestSnapshot(Frozen):
    """Everything the core needs about one head sha; built by an adapter."""

    repository: str
    base_sha: str
    head_sha: str
    pull_request: PullRequestInfo | None = None
    files: tuple[FileDiff, ...] = ()
    commits: tuple[Commit, ...] = ()
    # Head contents of changed files that were fetched (text only), by path.
    contents: Mapping[str, str] = Field(default_factory=dict)
    # Notes from the adapter about what it could not fetch (shown in the summary).
    notes: tuple[str, ...] = ()
    # Reviews and acknowledgements, fetched only when the gate asks for a human review.
    reviews: tuple[Review, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    # The repository's own tool configuration files read from the base (name -> text).
    base_configs: Mapping[str, str] = Field(default_factory=dict)
    # Per-commit file patches (sha -> files), fetched only when line attribution needs them.
    commit_files: Mapping[str, tuple[FileDiff, ...]] | None = None
    # Head line -> commit sha per path, from `git blame` (only files that need it).
    blame: Mapping[str, Mapping[int, str]] | None = None
    # Head path -> the commits of the range that changed it (`lines.RENAMED_OR_MERGED` marks
    # one whose history only blame can follow); None when unknown.
    touched: Mapping[str, tuple[str, ...]] | None = None
    # Line-level authorship records kept in the repository (Agent Trace, git-ai notes).
    records: tuple[LineRecord, ...] = ()
    # Who added `gate.skip_label`, fetched only when the PR carries it.
    label_grants: tuple[LabelGrant, ...] = ()


class Signal(Frozen):
    """One piece of evidence that AI wrote something, naming the exact text matched."""

    kind: str
    tool: str
    source: str
    evidence: str
    confidence: float = 1.0
    model: str | None = None
    # Whether it made its commit (or the pull request) AI-attributed; a weak signal is listed
    # as evidence seen but not counted.
    counted: bool = True


class CommitAttribution(Frozen):
    sha: str
    ai: bool
    tools: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    # The strongest tool's combined confidence (noisy-or of its signals on this commit).
    confidence: float = 0.0
    # AI only through pull-request-level signals (tools that leave no mark on commits).
    inherited: bool = False


class FileAttribution(Frozen):
    path: str
    added_lines: int
    ai_added_lines: int
    ai_share: float


class Attribution(Frozen):
    ai: bool = False
    confidence: float = 0.0
    tools: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    signals: tuple[Signal, ...] = ()
    commits: tuple[CommitAttribution, ...] = ()
    added_lines: int = 0
    ai_added_lines: int = 0
    ai_share: float = 0.0
    files: tuple[FileAttribution, ...] = ()
    # How added lines were attributed: per line (blame, patches, records) or per commit.
    line_method: Literal["lines", "commits", "none"] = "none"


class Suggestion(Frozen):
    """Text that replaces head lines start_line..end_line (a ```suggestion block)."""

    start_line: int
    end_line: int
    text: str


class Finding(Frozen):
    check: str
    rule: str
    level: Level
    path: str
    start_line: int
    end_line: int
    message: str
    in_diff: bool = True
    ai_attributed: bool = False
    fingerprint: str = ""
    url: str | None = None
    suggestion: Suggestion | None = None
    # Counted by the gate toward a failing verdict (listed first by every publisher).
    decisive: bool = False
    # Shown, but never fails the gate (mypy in tests with `checks.mypy.enabled: true`).
    advisory: bool = False


class Cost(Frozen):
    """Tokens and dollars to generate the AI part; `usd` None means unpriced, never free."""

    model: str | None = None
    source: Literal["estimate", "reported"] = "estimate"
    # All input tokens, cached ones included (as providers bill them: cached is a part of input).
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    usd: float | None = None
    usd_low: float | None = None
    usd_high: float | None = None
    assumptions: tuple[str, ...] = ()
    # Input tokens written to the prompt cache (a part of input_tokens).
    cache_write_tokens: int = 0
    input_usd: float | None = None
    output_usd: float | None = None
    # The price library and the date its data was last checked against providers' pages.
    price_data: str | None = None
    price_date: str | None = None
    tokenizer: str | None = None
    # Budget lines for the summary, e.g. "Month to date: $12.40 of $500.00".
    budget: tuple[str, ...] = ()


class Verdict(Frozen):
    conclusion: Conclusion
    reasons: tuple[str, ...] = ()
    # Whether a maintainer's Acknowledge would change the outcome (human review or AI size).
    acknowledgeable: bool = False


class ConfigInfo(Frozen):
    """Where the effective configuration came from, and what was wrong with it."""

    sources: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    # dotted setting -> the file that set it (settings left at their default are absent)
    settings: Mapping[str, str] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()


class CommitDisclosure(Frozen):
    """An AI-attributed commit and the disclosure it carries (None: none in an accepted form)."""

    sha: str
    disclosure: str | None = None
    # The signals that made it AI-attributed (`kind: evidence`).
    evidence: tuple[str, ...] = ()


class Disclosure(Frozen):
    """What the PR disclosed of its AI work, under `gate.disclosure`."""

    mode: Literal["off", "warn", "require"] = "off"
    # The disclosure found in the PR body (a ticked checkbox or a trailer line), if any.
    pull_request: str | None = None
    commits: tuple[CommitDisclosure, ...] = ()
    # AI only by PR-level evidence (no AI commit) and no disclosure in the body.
    undisclosed_pull_request: bool = False
    pull_request_evidence: tuple[str, ...] = ()
    # `sha: Signed-off-by: …` naming an agent (under `gate.forbid_agent_signoff`).
    agent_signoffs: tuple[str, ...] = ()


class SetAside(Frozen):
    """A changed file left out of the checks and the AI line counts: lock, generated, vendored."""

    path: str
    reason: str
    added_lines: int = 0


class Report(Frozen):
    schema_version: str = SCHEMA_VERSION
    repository: str
    base_sha: str
    head_sha: str
    pull_request: int | None = None
    attribution: Attribution = Attribution()
    findings: tuple[Finding, ...] = ()
    cost: Cost | None = None
    verdict: Verdict
    config: ConfigInfo = ConfigInfo()
    notes: tuple[str, ...] = ()
    # Lock, generated and vendored files: neither checked nor counted.
    set_aside: tuple[SetAside, ...] = ()
    # The disclosure policy's view (None when `gate.disclosure` is off and sign-offs are not
    # checked).
    disclosure: Disclosure | None = None
