"""Shapes of GitHub's JSON the fake answers with (users, PR files, commits)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

JSON = dict[str, Any]


def fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def git_blob_sha(data: bytes) -> str:
    """The object id git (and GitHub) gives a blob with this content."""
    header = f"blob {len(data)}\0".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


def github_base64(data: bytes) -> str:
    # GitHub wraps base64 content at 60 characters with a trailing newline; clients must cope.
    encoded = base64.b64encode(data).decode("ascii")
    if not encoded:
        return ""
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


def user_json(login: str, user_type: str = "User") -> JSON:
    return {
        "login": login,
        "id": int(hashlib.sha1(login.encode(), usedforsecurity=False).hexdigest()[:7], 16),
        "node_id": f"U_{login}",
        "type": user_type,
        "site_admin": False,
        "html_url": f"https://github.com/{login}",
    }


def _count_patch_lines(patch: str) -> tuple[int, int]:
    additions = deletions = 0
    for line in patch.splitlines():
        if line.startswith("@@"):
            continue
        if line.startswith("+"):
            additions += 1
        elif line.startswith("-"):
            deletions += 1
    return additions, deletions


def make_file(
    filename: str,
    *,
    status: str = "modified",
    patch: str | None = None,
    additions: int | None = None,
    deletions: int | None = None,
    sha: str | None = None,
    previous_filename: str | None = None,
) -> JSON:
    """A "pull request file" dict; additions/deletions are derived from `patch` when omitted."""
    counted_add, counted_del = _count_patch_lines(patch) if patch is not None else (0, 0)
    adds = counted_add if additions is None else additions
    dels = counted_del if deletions is None else deletions
    item: JSON = {
        "sha": sha if sha is not None else fake_sha(f"file:{filename}"),
        "filename": filename,
        "status": status,
        "additions": adds,
        "deletions": dels,
        "changes": adds + dels,
    }
    if patch is not None:
        item["patch"] = patch
    if previous_filename is not None:
        item["previous_filename"] = previous_filename
    return item


def make_commit(
    sha: str,
    message: str,
    author_name: str = "Octo Cat",
    author_email: str = "octo@example.com",
    login: str | None = None,
    parents: Sequence[str] = (),
    date: str = "2024-01-01T00:00:00Z",
) -> JSON:
    """A commit dict as returned by `GET /repos/{o}/{r}/pulls/{n}/commits`."""
    person = {"name": author_name, "email": author_email, "date": date}
    user = user_json(login) if login is not None else None
    return {
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "commit": {
            "message": message,
            "author": dict(person),
            "committer": dict(person),
            "tree": {"sha": fake_sha(f"tree:{sha}")},
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None},
        },
        "author": user,
        "committer": dict(user) if user is not None else None,
        "parents": [{"sha": p} for p in parents],
    }
