"""Finding a repository's effective `.ai-gate.yml`: org defaults from the org's `.github`
repository, `_extends` chains, the repository's own file from the PR's base, and org floors."""

from __future__ import annotations

from collections.abc import Callable

from app.adapters.git import Git
from app.adapters.localgit import SYMLINK, read_texts, tree_entries
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


def base_reader(git: Git, repo: str, base_sha: str, others: Reader) -> Reader:
    """A Reader taking the repository's own files at the base from git (already fetched) and
    any other repository's (the org's `.github`, `_extends` targets) from `others`."""

    def read(name: str, path: str, ref: str | None) -> str | None:
        if name != repo or ref != base_sha:
            return others(name, path, ref)
        entry = tree_entries(git, base_sha, [path]).get(path)
        if entry is None:
            return None
        if entry[0] == SYMLINK:
            # A link's blob is its target's name: read as YAML it would be a confusing string,
            # and following it could reach outside the repository.
            raise ConfigError(
                "is a symbolic link; ai-gate reads the configuration only from a regular file",
                path=f"{repo}/{path}",
                hint="replace the link with the file itself",
            )
        texts, _ = read_texts(git, {path: entry[1]})
        return texts.get(path)

    return read
