"""Where the `.ai-gate.yml` files of a PR come from: the repository's own at the base, from the
git cache; every other (the org's `.github`, `_extends` targets) from another Reader."""

from __future__ import annotations

from app.adapters.git import Git
from app.adapters.localgit import SYMLINK, read_texts, tree_entries
from app.core.config.load import Reader
from app.errors import ConfigError


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
