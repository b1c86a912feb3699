"""Parsing `.ai-gate.yml` text into a Config, with line and column for every error."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from app.core.config.model import Config
from app.errors import ConfigError

CONFIG_PATH = ".ai-gate.yml"
# Keys that steer loading and are not settings themselves.
META_KEYS = frozenset({"_extends", "_floor"})


@dataclass(frozen=True)
class ConfigDocument:
    """One config file: its mapping, its YAML node (for line numbers) and where it came from."""

    data: dict[str, object]
    node: yaml.Node | None
    path: str


def read_document(text: str, path: str = CONFIG_PATH) -> ConfigDocument:
    """The file's top-level mapping; a ConfigError for YAML errors or a non-mapping."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"YAML syntax error: {problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check indentation and quoting near this line",
        ) from exc
    if data is None:
        return ConfigDocument({}, node, path)
    if not isinstance(data, dict):
        raise ConfigError(
            "the file must be a mapping of settings",
            path=path,
            line=1,
            hint="start with a key such as `gate:`",
        )
    return ConfigDocument({str(k): v for k, v in data.items()}, node, path)


def validate(data: dict[str, object], node: yaml.Node | None, path: str) -> Config:
    """A Config from a mapping; errors point at the offending key's line and column."""
    try:
        return Config.model_validate({k: v for k, v in data.items() if k not in META_KEYS})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line, column = locate(node, loc)
        dotted = ".".join(str(p) for p in loc)
        hint = (
            "remove it or check its spelling"
            if first["type"] == "extra_forbidden"
            else "see `ai-gate config schema` for allowed values"
        )
        raise ConfigError(
            f"{dotted}: {first['msg']}", path=path, line=line, column=column, hint=hint
        ) from exc


def parse_config(text: str, path: str = CONFIG_PATH) -> Config:
    """A validated Config; raises ConfigError naming the file, line, column and a hint."""
    doc = read_document(text, path)
    return validate(doc.data, doc.node, path)


def locate(node: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
    """The line and column (1-based) of the YAML node at `loc`, or of its nearest parent."""
    best: tuple[int | None, int | None] = (None, None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == str(part)), None)
            if match is None:
                break
            best = (match[0].start_mark.line + 1, match[0].start_mark.column + 1)
            node = match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            best = (node.start_mark.line + 1, node.start_mark.column + 1)
        else:
            break
    return best
