"""Line attribution: which commit last introduced each added line of the PR's final diff.

On GitHub the per-commit patches are replayed in order, carrying an owner for every line;
locally `git blame` answers directly. Lines of merge commits (the base branch merged into the
PR) get no PR owner, so they never count as the PR's AI lines. Authorship records kept in the
repository (Agent Trace, git-ai notes) take precedence over both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.diff import PatchLines
from app.core.models import Commit, FileAttribution, FileDiff, LineRecord

# In `PullRequestSnapshot.touched`: the path was renamed, or changed by a merge itself.
RENAMED_OR_MERGED = "*"
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
Owners = list[str | None]


def apply_patch(owners: Owners, patch: str, owner: str | None) -> Owners:
    """The owners of a file's lines after a patch; added lines belong to `owner`.

    Lines the history never showed (the unchanged base) are None; the list is padded on demand.
    """
    result: Owners = []
    cursor = 0  # index into `owners` (old side)

    def take(count: int) -> None:
        nonlocal cursor
        for _ in range(count):
            result.append(owners[cursor] if cursor < len(owners) else None)
            cursor += 1

    for raw in patch.removesuffix("\n").split("\n"):
        match = _HUNK.match(raw)
        if match:
            old_start, old_len = int(match.group(1)), int(match.group(2) or "1")
            # A pure insertion (`-N,0`) goes after old line N; otherwise the hunk starts at N.
            take(max((old_start if old_len == 0 else old_start - 1) - cursor, 0))
        elif raw.startswith("+"):
            result.append(owner)
        elif raw.startswith("-"):
            cursor += 1
        elif not raw.startswith("\\"):
            take(1)
    result.extend(owners[cursor:])
    return result


def replay(commits: Sequence[Commit], files: Mapping[str, Sequence[FileDiff]]) -> dict[str, Owners]:
    """Owners of every touched path at the head, replaying each commit's patches in order."""
    owners: dict[str, Owners] = {}
    for commit in commits:
        # A merge brings in the base branch: its lines are not the PR's.
        owner = None if len(commit.parents) > 1 else commit.sha
        for f in files.get(commit.sha, ()):
            if f.status == "removed":
                owners.pop(f.path, None)
                continue
            current = owners.pop(f.previous_path, []) if f.previous_path else owners.get(f.path, [])
            if f.patch is None:
                # No patch (binary or too large): nothing is known of this file's lines.
                owners[f.path] = []
                continue
            owners[f.path] = apply_patch(current, f.patch, owner)
    return owners


@dataclass(frozen=True)
class LineAttribution:
    files: tuple[FileAttribution, ...]
    ai_added_lines: int
    added_lines: int
    ai_lines: Mapping[str, frozenset[int]]


def attribute_lines(
    lines: Mapping[str, PatchLines],
    owner_of: Mapping[str, Mapping[int, str | None]],
    ai_commits: frozenset[str],
    records: Iterable[LineRecord] = (),
) -> LineAttribution:
    """Count AI lines per file among the final diff's added lines."""
    recorded: dict[str, set[int]] = {}
    for record in records:
        recorded.setdefault(record.path, set()).update(record.lines)
    per_file: list[FileAttribution] = []
    ai_lines: dict[str, frozenset[int]] = {}
    for path, patch_lines in sorted(lines.items()):
        added = patch_lines.added
        if not added:
            continue
        owners = owner_of.get(path, {})
        ai = {n for n in added if owners.get(n) in ai_commits} | (recorded.get(path, set()) & added)
        ai_lines[path] = frozenset(ai)
        per_file.append(
            FileAttribution(
                path=path,
                added_lines=len(added),
                ai_added_lines=len(ai),
                ai_share=round(len(ai) / len(added), 4),
            )
        )
    total = sum(f.added_lines for f in per_file)
    ai_total = sum(f.ai_added_lines for f in per_file)
    return LineAttribution(tuple(per_file), ai_total, total, ai_lines)


def owners_by_line(owners: Mapping[str, Owners]) -> dict[str, dict[int, str | None]]:
    """Replayed owner lists as path -> {head line number: sha}."""
    return {path: dict(enumerate(values, start=1)) for path, values in owners.items()}


@dataclass(frozen=True)
class LineOutcome:
    """Line attribution of a whole PR: counts with the AI line sets, and how they were found."""

    counts: LineAttribution
    method: Literal["lines", "commits", "none"]
    notes: tuple[str, ...] = ()


def _is_merge(commit: Commit) -> bool:
    return len(commit.parents) > 1


def needs_history(commits: Sequence[Commit], ai_commits: frozenset[str]) -> bool:
    """True when some of the PR's own commits are AI and some are not: only then do lines need
    their commit of origin."""
    own = [c for c in commits if not _is_merge(c)]
    ai = sum(c.sha in ai_commits for c in own)
    return 0 < ai < len(own)


def paths_needing_history(
    paths: Iterable[str],
    touched: Mapping[str, Sequence[str]],
    commits: Sequence[Commit],
    ai_commits: frozenset[str],
) -> set[str]:
    """The paths whose added lines need their commit of origin (blame): changed by AI and
    human commits both, by a merge itself, through a rename, or by commits unknown."""
    own = {c.sha for c in commits if not _is_merge(c)}
    need = set()
    for path in paths:
        shas = touched.get(path)
        unclear = not shas or RENAMED_OR_MERGED in shas or any(s not in own for s in shas)
        if unclear or 0 < sum(s in ai_commits for s in (shas or ())) < len(shas or ()):
            need.add(path)
    return need


def _owners_by_path(
    lines: Mapping[str, PatchLines],
    touched: Mapping[str, Sequence[str]],
    blame: Mapping[str, Mapping[int, str]],
    ai_commits: frozenset[str],
) -> dict[str, Mapping[int, str | None]]:
    """Blamed files line by line; every other file's lines belong to the one class of the
    commits that touched it (an AI commit's, or nobody's)."""
    owner_of: dict[str, Mapping[int, str | None]] = dict(blame)
    for path, patch_lines in lines.items():
        if path in owner_of:
            continue
        shas = [s for s in touched.get(path, ()) if s != RENAMED_OR_MERGED]
        ai = [s for s in shas if s in ai_commits]
        owner = ai[0] if shas and len(ai) == len(shas) else None
        owner_of[path] = dict.fromkeys(patch_lines.added, owner)
    return owner_of


def attribute_pr_lines(
    lines: Mapping[str, PatchLines],
    commits: Sequence[Commit],
    ai_commits: frozenset[str],
    *,
    blame: Mapping[str, Mapping[int, str]] | None,
    commit_files: Mapping[str, Sequence[FileDiff]] | None,
    records: Sequence[LineRecord] = (),
    truncated: bool = False,
    touched: Mapping[str, Sequence[str]] | None = None,
) -> LineOutcome:
    """Attribute every added line: records first, then blame or replayed patches, else commits."""
    notes: list[str] = []
    owner_of: Mapping[str, Mapping[int, str | None]]
    method: Literal["lines", "commits", "none"] = "lines"
    if touched is not None:
        owner_of = _owners_by_path(lines, touched, blame or {}, ai_commits)
    elif blame is not None:
        owner_of = blame
    elif commit_files is not None and not truncated:
        owner_of = owners_by_line(replay(commits, commit_files))
    else:
        own = [c for c in commits if not _is_merge(c)]
        everything_ai = bool(own) and all(c.sha in ai_commits for c in own)
        owner = next(iter(ai_commits)) if everything_ai and ai_commits else None
        owner_of = {path: dict.fromkeys(pl.added, owner) for path, pl in lines.items()}
        method = "commits"
        if truncated:
            notes.append(
                "The PR is over GitHub's 250-commit / 3,000-file limits: line attribution fell "
                "back to commit level for the commits GitHub lists."
            )
        elif needs_history(commits, ai_commits):
            notes.append(
                "Per-commit history was unavailable: mixed-authorship lines are not counted as AI."
            )
    if records:
        method = "lines"
        covered = {r.path for r in records}
        owner_of = {p: o for p, o in owner_of.items() if p not in covered}
    counts = attribute_lines(lines, owner_of, ai_commits, records)
    return LineOutcome(counts, method if counts.added_lines else "none", tuple(notes))
