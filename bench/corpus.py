"""Attribution on real histories: our labels for public commits, re-scored on local mirrors.

    .venv/bin/python -m bench.attribution --corpus [--mirrors /work/.mirror] [--labels FILE]

`bench/attribution_corpus.tsv` holds one labelled commit a row (repository, sha, expected,
tool, why), never the repositories' code. `expected` is `ai`, `human`, or `unmarked`: agent
work that leaves no mark at all, which no deterministic tool can see; it is listed and counted
apart, not scored. A repository is scored when its mirror is on this machine, as the search
tool's `fetch` leaves it (`<mirrors>/<owner>+<name>/repo`, a bare git directory); the others
are skipped and counted (CI has none).

Each labelled commit is judged in the range `ai-gate check` would see around it: the merge
that brought it in with that merge's side (`M^1..M`; the default branch's merge, else the first
merge on any ref, as a fork's pull requests are), so a merge subject naming an agent's branch
counts as it would in a real range; a commit on the default branch's own line, or one no merge
brought in, alone (`C^..C`).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.adapters.git import Git
from app.adapters.localgit import commits, open_checkout, rev
from app.core.attribution.detection import detect
from app.core.models import Attribution, CommitAttribution, PullRequestSnapshot
from app.errors import UsageError

LABELS = Path(__file__).with_name("attribution_corpus.tsv")
MIRRORS = Path("/work/.mirror")
COLUMNS = ("repository", "sha", "expected", "tool", "why")
Expected = Literal["ai", "human", "unmarked"]
EXPECTED: dict[str, Expected] = {"ai": "ai", "human": "human", "unmarked": "unmarked"}


@dataclass(frozen=True)
class Label:
    repository: str
    sha: str
    expected: Expected
    tool: str
    why: str


@dataclass(frozen=True)
class Outcome:
    label: Label
    attribution: Attribution  # of the range around the labelled commit

    @property
    def predicted(self) -> bool:
        verdict = self.commit_verdict
        return verdict is not None and verdict.ai

    @property
    def commit_verdict(self) -> CommitAttribution | None:
        return next((c for c in self.attribution.commits if c.sha == self.label.sha), None)

    def evidence(self) -> list[str]:
        source = f"commit:{self.label.sha}"
        return [
            f"{s.kind} {s.tool} {s.confidence}: {s.evidence}"
            for s in self.attribution.signals
            if s.source == source
        ]


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    scored_repos: list[str] = field(default_factory=list)
    skipped_repos: list[str] = field(default_factory=list)
    missing: list[Label] = field(default_factory=list)

    def scored(self, expected: Iterable[str]) -> list[Outcome]:
        wanted = set(expected)
        return [o for o in self.outcomes if o.label.expected in wanted]

    @property
    def true_positives(self) -> int:
        return sum(o.predicted for o in self.scored(["ai"]))

    @property
    def false_negatives(self) -> list[Outcome]:
        return [o for o in self.scored(["ai"]) if not o.predicted]

    @property
    def false_positives(self) -> list[Outcome]:
        return [o for o in self.scored(["human"]) if o.predicted]

    @property
    def precision(self) -> float:
        flagged = self.true_positives + len(self.false_positives)
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        positives = len(self.scored(["ai"]))
        return self.true_positives / positives if positives else 1.0


def load_labels(path: Path) -> list[Label]:
    """The labelled commits; a malformed row stops the run with its line number."""
    labels = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        header = next(rows, None)
        if tuple(header or ()) != COLUMNS:
            raise UsageError(f"{path}: the header must be {' '.join(COLUMNS)}")
        for line, row in enumerate(rows, start=2):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != len(COLUMNS) or row[2] not in EXPECTED:
                raise UsageError(f"{path}:{line}: expected 5 columns and ai|human|unmarked")
            repository, sha, expected, tool, why = row
            labels.append(Label(repository, sha, EXPECTED[expected], tool, why))
    return labels


def mirror_of(mirrors: Path, repository: str) -> Path | None:
    """The fetched git directory of `owner/name`, if this machine has it."""
    path = mirrors / repository.replace("/", "+") / "repo"
    return path if path.is_dir() else None


class History:
    """One mirror's default-branch line and the range around a commit."""

    def __init__(self, git: Git) -> None:
        self.git = git
        head = rev(git, "HEAD")
        out = git.run("rev-list", "--first-parent", head).decode() if head else ""
        self.head = head
        # Default-branch commits, newest first: a larger index is an older commit.
        self.mainline = {sha: index for index, sha in enumerate(out.split())}

    def exists(self, sha: str) -> bool:
        return bool(rev(self.git, sha))

    def parents(self, sha: str) -> list[str]:
        return self.git.run("rev-list", "--parents", "-n", "1", sha).decode().split()[1:]

    def bringing_merge(self, sha: str) -> str | None:
        """The merge that brought this commit in: the oldest default-branch commit that has it,
        if that is a merge; else the oldest merge on any ref whose second side holds it."""
        if not self.head or sha in self.mainline:
            return sha if len(self.parents(sha)) > 1 else None
        path = self.git.run("rev-list", "--ancestry-path", f"{sha}..{self.head}").decode()
        on_line = [c for c in path.split() if c in self.mainline]
        merge = max(on_line, key=self.mainline.__getitem__) if on_line else None
        if merge and len(self.parents(merge)) > 1:
            return merge
        merges = self.git.run(
            "rev-list",
            "--all",
            "--merges",
            "--ancestry-path",
            "--topo-order",
            "--reverse",
            f"^{sha}",
        ).decode()
        for candidate in merges.split():
            if not self._is_ancestor(sha, self.parents(candidate)[0]):
                return candidate
        return None

    def _is_ancestor(self, sha: str, of: str) -> bool:
        out = self.git.run("merge-base", sha, of, ok_codes=(0, 1)).decode().strip()
        return out == sha

    def snapshot(self, repository: str, sha: str) -> PullRequestSnapshot:
        """The range a local check would see around this commit (see the module docstring)."""
        merge = self.bringing_merge(sha)
        head = merge or sha
        parents = self.parents(head)
        found = commits(self.git, parents[0], head) if parents else ()
        return PullRequestSnapshot(
            repository=repository,
            base_sha=parents[0] if parents else head,
            head_sha=head,
            commits=found,
        )


def score(labels: Sequence[Label], mirrors: Path) -> Report:
    """Judge every labelled commit whose repository is fetched here."""
    report = Report()
    by_repo: dict[str, list[Label]] = {}
    for label in labels:
        by_repo.setdefault(label.repository, []).append(label)
    for repository, rows in by_repo.items():
        path = mirror_of(mirrors, repository)
        if path is None:
            report.skipped_repos.append(repository)
            continue
        report.scored_repos.append(repository)
        history = History(open_checkout(path))
        for label in rows:
            if not history.exists(label.sha):
                report.missing.append(label)
                continue
            snapshot = history.snapshot(repository, label.sha)
            report.outcomes.append(Outcome(label, detect(snapshot)))
    return report


def _miss(kind: str, outcome: Outcome) -> list[str]:
    label = outcome.label
    lines = [f"  {kind} {label.repository} {label.sha[:12]} ({label.tool}): {label.why}"]
    lines += [f"      {e}" for e in outcome.evidence()] or ["      (no signal)"]
    return lines


def _tools(outcome: Outcome) -> tuple[str, ...]:
    verdict = outcome.commit_verdict
    return verdict.tools if verdict is not None else ()


def render(report: Report, labels: Sequence[Label]) -> list[str]:
    """The figures and every miss, as printed."""
    ai, human = report.scored(["ai"]), report.scored(["human"])
    unmarked = report.scored(["unmarked"])
    repos = len(report.scored_repos)
    out = [
        f"attribution corpus: {len(labels)} labelled commits in "
        f"{repos + len(report.skipped_repos)} repositories; {repos} fetched here, "
        f"{len(report.skipped_repos)} skipped (not fetched)",
        f"scored: {len(ai) + len(human)} commits ({len(ai)} agent, {len(human)} human); "
        f"{len(unmarked)} agent commits with no mark at all (not scored); "
        f"{len(report.missing)} labelled commits missing from their mirror",
    ]
    if not ai and not human:
        return out
    fp, fn = report.false_positives, report.false_negatives
    out.append(
        f"precision {report.precision:.4f} ({report.true_positives}/"
        f"{report.true_positives + len(fp)}), recall {report.recall:.4f} "
        f"({report.true_positives}/{len(ai)})"
    )
    tools = Counter(o.label.tool for o in ai)
    out.append("agent commits by tool: " + ", ".join(f"{t} {n}" for t, n in sorted(tools.items())))
    for outcome in fp:
        out += _miss("false positive", outcome)
    for outcome in fn:
        out += _miss("missed", outcome)
    differ = [o for o in ai if o.predicted and o.label.tool not in _tools(o)]
    if differ:
        out.append(f"{len(differ)} agent commits found under another tool than labelled:")
        out += [
            f"  {o.label.repository} {o.label.sha[:12]}: labelled {o.label.tool}, found "
            f"{', '.join(_tools(o))}"
            for o in differ
        ]
    for outcome in unmarked:
        flagged = " (flagged)" if outcome.predicted else ""
        out.append(
            f"  unmarked{flagged} {outcome.label.repository} {outcome.label.sha[:12]}: "
            f"{outcome.label.why}"
        )
    return out


def main(mirrors: Path = MIRRORS, labels_path: Path = LABELS) -> Report:
    """Score the corpus and print the figures and every miss."""
    labels = load_labels(labels_path)
    report = score(labels, mirrors)
    print("\n".join(render(report, labels)))
    return report
