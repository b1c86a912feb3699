"""Finding a repository's effective `.ai-gate.yml`: org defaults from the org's `.github`
repository, `_extends` chains, the repository's own file from the PR's base, and org floors.
Files are read through a `Reader` (the port: git for the base, GitHub's API for the others)."""

from __future__ import annotations

from collections.abc import Callable

from app.core.config.file import CONFIG_PATH, ConfigDocument, read_document
from app.core.config.merge import Effective, combine
from app.errors import ConfigError

# (repository "owner/name", path, ref or None for the default branch) -> text, or None if absent
Reader = Callable[[str, str, str | None], str | None]
MAX_EXTENDS_DEPTH = 5


def _target(value: object, owner: str, where: str) -> tuple[str, str]:
    """`_extends: name`, `owner/name` or either with `:path` -> (repository, path)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            "`_extends` must be a repository name such as `.github` or "
            "`my-org/policies:ai-gate.yml`",
            path=where,
        )
    repo, _, path = value.strip().partition(":")
    return (repo if "/" in repo else f"{owner}/{repo}"), (path or CONFIG_PATH)


def _chain(read: Reader, doc: ConfigDocument, owner: str, follow: bool) -> list[ConfigDocument]:
    """The document and what it extends, most basic first."""
    chain = [doc]
    seen = {doc.path}
    while "_extends" in chain[0].data:
        if not follow:
            break
        repo, path = _target(chain[0].data["_extends"], owner, chain[0].path)
        where = f"{repo}/{path}"
        if where in seen:
            raise ConfigError(
                f"`_extends` cycle: {' -> '.join([*seen, where])}",
                path=chain[0].path,
                hint="remove one of the `_extends` keys",
            )
        if len(chain) > MAX_EXTENDS_DEPTH:
            raise ConfigError(
                f"`_extends` deeper than {MAX_EXTENDS_DEPTH} files",
                path=chain[0].path,
                hint="extend a file that extends less",
            )
        text = read(repo, path, None)
        if text is None:
            raise ConfigError(
                f"`_extends` target {where} was not found (or is not readable by the app)",
                path=chain[0].path,
                hint="check the repository name and that the app is installed there",
            )
        seen.add(where)
        chain.insert(0, read_document(text, where))
    return chain


def _floor(org: ConfigDocument) -> ConfigDocument | None:
    floor = org.data.get("_floor")
    if floor is None:
        return None
    if not isinstance(floor, dict):
        raise ConfigError("`_floor` must be a mapping of settings", path=org.path)
    return ConfigDocument({str(k): v for k, v in floor.items()}, None, f"{org.path} _floor")


def load_config(
    read: Reader, repo: str, base_ref: str, *, follow_extends: bool = True
) -> Effective:
    """The effective config for a PR of `repo` whose base is `base_ref`."""
    owner = repo.split("/", 1)[0]
    documents: list[ConfigDocument] = []
    floor = None
    org_repo = f"{owner}/.github"
    if repo != org_repo:
        text = read(org_repo, CONFIG_PATH, None)
        if text is not None:
            org = read_document(text, f"{org_repo}/{CONFIG_PATH}")
            documents += _chain(read, org, owner, follow_extends)
            floor = _floor(org)
    # The base, never the PR's head: a PR must not be able to loosen its own gate.
    text = read(repo, CONFIG_PATH, base_ref)
    if text is not None:
        documents += _chain(
            read, read_document(text, f"{repo}/{CONFIG_PATH}"), owner, follow_extends
        )
    return combine(documents, floor)
