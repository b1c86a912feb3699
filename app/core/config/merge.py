"""Combining config documents: org defaults, `_extends` chains, the repository file, and org
floors that a repository may tighten but not loosen. Pure: documents in, config out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.core.config.file import META_KEYS, ConfigDocument, validate
from app.core.config.model import Config
from app.core.models import ConfigInfo

Leaf = object


@dataclass(frozen=True)
class Effective:
    config: Config
    # dotted setting -> the file it came from (settings left at their default are absent)
    sources: Mapping[str, str]
    notes: tuple[str, ...]


def _leaves(
    data: Mapping[str, object], prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], Leaf]:
    out: dict[tuple[str, ...], Leaf] = {}
    for key, value in data.items():
        if not prefix and key in META_KEYS:
            continue
        if isinstance(value, Mapping):
            out |= _leaves({str(k): v for k, v in value.items()}, (*prefix, key))
        else:
            out[(*prefix, key)] = value
    return out


def _set(data: dict[str, object], path: tuple[str, ...], value: Leaf) -> None:
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value


def _field(path: tuple[str, ...]) -> FieldInfo | None:
    model: type[BaseModel] = Config
    info: FieldInfo | None = None
    for key in path:
        info = model.model_fields.get(key)
        if info is None:
            return None
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return info


def _strictness(path: tuple[str, ...]) -> object:
    info = _field(path)
    extra = info.json_schema_extra if info is not None else None
    return extra.get("stricter") if isinstance(extra, dict) else None


def is_looser(path: tuple[str, ...], value: Leaf, floor: Leaf) -> bool:
    """Whether `value` loosens the floor; settings without an order are locked to the floor."""
    rule = _strictness(path)
    if value == floor:
        return False
    if rule == "true":
        return floor is True and value is not True
    if rule == "false":
        return floor is False and value is not False
    if (
        rule in ("lower", "higher")
        and isinstance(value, int | float)
        and isinstance(floor, int | float)
    ):
        return value > floor if rule == "lower" else value < floor
    if rule == "lower" and value is None:
        return floor is not None  # no limit is looser than any limit
    if rule in ("subset", "superset") and isinstance(value, list | tuple):
        # allow-lists may only shrink, deny-lists only grow
        if not isinstance(floor, list | tuple):
            return True
        if rule == "subset" and floor and not value:
            return True  # an empty allow-list allows everything
        inner, outer = (value, floor) if rule == "subset" else (floor, value)
        return not set(inner) <= set(outer)
    if rule == "all-when-empty" and isinstance(value, list | tuple):
        # An empty list means everything (every path, every branch): the strictest value.
        if not value:
            return False
        return not isinstance(floor, list | tuple) or not floor or not set(floor) <= set(value)
    if rule == "fewer" and isinstance(value, list | tuple) and isinstance(floor, list | tuple):
        return not set(value) <= set(floor)  # an exclusion list may only shrink
    if isinstance(rule, list) and value in rule and floor in rule:
        return rule.index(value) < rule.index(floor)  # ordered lenient -> strict
    return True


def combine(documents: Sequence[ConfigDocument], floor: ConfigDocument | None) -> Effective:
    """Later documents override earlier ones; then the floor is enforced."""
    merged: dict[str, object] = {}
    sources: dict[str, str] = {}
    for doc in documents:
        validate(doc.data, doc.node, doc.path)  # each file's own errors, with its own lines
        for path, value in _leaves(doc.data).items():
            _set(merged, path, value)
            sources[".".join(path)] = doc.path
    notes: list[str] = []
    if floor is not None:
        validate(floor.data, floor.node, floor.path)
        floor_leaves = _leaves(floor.data)
        current = _leaves(merged)
        blocks = merged.get("overrides")
        if isinstance(blocks, list):
            merged["overrides"] = _floored_overrides(blocks, floor, notes)
            current.pop(("overrides",), None)  # the floor's own blocks are added after them
        for path, minimum in floor_leaves.items():
            if path == ("overrides",) and isinstance(minimum, list):
                own = merged.get("overrides")
                merged["overrides"] = [*(own if isinstance(own, list) else []), *minimum]
                sources["overrides"] = f"{floor.path} (floor)"
                continue
            dotted = ".".join(path)
            value = current.get(path, _default(path))
            if is_looser(path, value, minimum):
                if path in current:
                    notes.append(
                        f"`{dotted}: {value}` from {sources[dotted]} would loosen the "
                        f"organisation's floor; `{minimum}` applies."
                    )
                _set(merged, path, minimum)
                sources[dotted] = f"{floor.path} (floor)"
    config = validate(merged, None, documents[-1].path if documents else "config")
    return Effective(config, sources, tuple(notes))


def _floored_overrides(
    blocks: list[object], floor: ConfigDocument, notes: list[str]
) -> list[object]:
    """A repository's override blocks with every key that would loosen the floor set back to
    it: an override is no way around the organisation's minimum."""
    floor_leaves = _leaves(floor.data)
    out: list[object] = []
    for n, block in enumerate(blocks, start=1):
        if not isinstance(block, dict):
            out.append(block)
            continue
        fixed = dict(block)
        for section in ("checks", "gate"):
            raw = block.get(section)
            if not isinstance(raw, dict):
                continue
            inner: dict[str, object] = {str(k): v for k, v in raw.items()}
            for path, value in _leaves(inner, (section,)).items():
                minimum = floor_leaves.get(path, value)
                if path in floor_leaves and is_looser(path, value, minimum):
                    notes.append(
                        f"`overrides[{n}].{'.'.join(path)}: {value}` would loosen the "
                        f"organisation's floor; `{minimum}` applies."
                    )
                    _set(inner, path[1:], minimum)
            fixed[section] = inner
        out.append(fixed)
    return out


def config_info(effective: Effective) -> ConfigInfo:
    """What the report says about where its configuration came from."""
    files = tuple(dict.fromkeys(s.removesuffix(" (floor)") for s in effective.sources.values()))
    return ConfigInfo(
        sources=files or ("defaults",), settings=dict(effective.sources), notes=effective.notes
    )


def _default(path: tuple[str, ...]) -> Leaf:
    value: object = Config()
    for key in path:
        value = getattr(value, key, None)
    return value
