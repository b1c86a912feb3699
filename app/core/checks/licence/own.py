"""The repository's own licence, read from its base branch, so its own headers are never judged
as copied or denied licence text."""

from __future__ import annotations

import json
from collections.abc import Mapping

from app.core.basefiles import LICENCE_FILES, cfg_section, toml_table
from app.core.checks.licence.policy import normalise
from app.core.checks.licence.texts import named_licences
from app.core.config.checks import LicenceConfig


def _declared(base_configs: Mapping[str, str]) -> list[str]:
    """SPDX expressions the package metadata declares (PEP 639, Poetry, setup.cfg, npm)."""
    pyproject = base_configs.get("pyproject.toml")
    candidates: list[object] = []
    project = toml_table(pyproject, "project")
    if project is not None:
        licence = project.get("license")
        candidates.append(licence.get("text") if isinstance(licence, dict) else licence)
    poetry = toml_table(pyproject, "tool", "poetry")
    if poetry is not None:
        candidates.append(poetry.get("license"))
    metadata = cfg_section(base_configs.get("setup.cfg"), "metadata")
    if metadata is not None:
        candidates.append(metadata.get("license"))
    if (package := base_configs.get("package.json")) is not None:
        try:
            data = json.loads(package)
        except ValueError:
            data = None
        candidates.append(data.get("license") if isinstance(data, dict) else None)
    found = [normalise(c) for c in candidates if isinstance(c, str) and c.strip()]
    return [f for f in found if f is not None]


def own_licences(base_configs: Mapping[str, str]) -> tuple[str, ...]:
    """SPDX ids of the repository's licence: its licence file's, and its metadata's."""
    found: list[str] = []
    for name in LICENCE_FILES:
        if (text := base_configs.get(name)) is not None:
            found += named_licences(text)
    for expression in _declared(base_configs):
        parts = expression.replace(" AND ", " OR ").split(" OR ")
        found += [part.split(" WITH ")[0].strip("() ") for part in parts]
    return tuple(dict.fromkeys(f for f in found if f))


def with_own_licences(config: LicenceConfig, base_configs: Mapping[str, str]) -> LicenceConfig:
    """The licence config with `own_licences` read from the repository unless configured."""
    if config.own_licences is not None:
        return config
    return config.model_copy(update={"own_licences": own_licences(base_configs)})
