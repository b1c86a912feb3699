"""What is analysed, and under which settings: top-level `paths` / `exclude`, per-path
`overrides`, and the base branches the gate applies to (`gate.branches`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.core.config.model import Config, GateConfig, Override
from app.core.diff import parse_patch
from app.core.generated import without_paths
from app.core.globs import matches
from app.core.models import PullRequestSnapshot, SetAside


def only_paths(snapshot: PullRequestSnapshot, paths: Iterable[str]) -> PullRequestSnapshot:
    """The snapshot reduced to these files (for running the checks on one group)."""
    keep = frozenset(paths)
    return without_paths(snapshot, frozenset(f.path for f in snapshot.files) - keep)


def out_of_scope(
    snapshot: PullRequestSnapshot, config: Config
) -> tuple[PullRequestSnapshot, tuple[SetAside, ...]]:
    """The snapshot without files outside `paths` or in `exclude`, and what was left out."""
    if not config.paths and not config.exclude:
        return snapshot, ()
    aside: list[SetAside] = []
    for f in snapshot.files:
        if f.status == "removed":
            continue
        if config.paths and not matches(config.paths, f.path):
            reason = "outside `paths`"
        elif matches(config.exclude, f.path):
            reason = "in `exclude`"
        else:
            continue
        added = len(parse_patch(f.patch).added) if f.patch is not None else f.additions
        aside.append(SetAside(path=f.path, reason=reason, added_lines=added))
    return without_paths(snapshot, frozenset(a.path for a in aside)), tuple(aside)


def _merged(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            out[key] = _merged(current, value)
        else:
            out[key] = value
    return out


def applying(config: Config, path: str) -> tuple[int, ...]:
    """The indices of the override blocks that match the path, in order."""
    return tuple(n for n, o in enumerate(config.overrides) if matches(o.paths, path))


def with_overrides(config: Config, blocks: Iterable[Override]) -> Config:
    """The config as these override blocks make it for their paths (the keys they set win)."""
    data = config.model_dump()
    for block in blocks:
        data["checks"] = _merged(data["checks"], block.checks.model_dump(exclude_unset=True))
        data["gate"] = _merged(data["gate"], block.gate.model_dump(exclude_unset=True))
    data["overrides"] = ()
    return Config.model_validate(data)


def groups(config: Config, paths: Iterable[str]) -> dict[tuple[int, ...], list[str]]:
    """Paths grouped by the override blocks that apply to them (`()`: none)."""
    out: dict[tuple[int, ...], list[str]] = {}
    for path in paths:
        out.setdefault(applying(config, path), []).append(path)
    return out


def path_gates(config: Config, paths: Iterable[str]) -> dict[str, GateConfig]:
    """The gate settings of each path an override changes them for."""
    out: dict[str, GateConfig] = {}
    for key, members in groups(config, paths).items():
        if not key:
            continue
        gate = with_overrides(config, [config.overrides[n] for n in key]).gate
        if gate != config.gate:
            out.update(dict.fromkeys(members, gate))
    return out


def gated_branch(gate: GateConfig, base_ref: str | None) -> bool:
    """Whether the gate applies to a PR into this base branch (unknown: it does)."""
    return not gate.branches or base_ref is None or matches(gate.branches, base_ref)
