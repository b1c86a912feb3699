"""GitHub code scanning: each analysed head's findings uploaded as SARIF (opt-in: `sarif.upload`).

One run per check, each with its own category (`runAutomationDetails.id`), so code scanning
tracks ruff's, mypy's, the secrets' and the licences' alerts apart and closes those a new
analysis of the same category no longer reports; a check without findings still sends its
(empty) run for that reason. Within GitHub's limits:
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
(at most 20 runs per file, 25,000 results per run of which 5,000 are shown, 10 MB gzipped).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
from collections.abc import Iterable
from typing import Any

from app.adapters.github.client import Installation
from app.core.config.model import Config
from app.core.models import Report
from app.errors import SourceError, TransientError
from app.publishers.reading import ordered
from app.publishers.sarif import SCHEMA, render_sarif
from app.version import installed_version

log = logging.getLogger(__name__)

# Every check ai-gate runs, in the order their runs are written.
CHECKS = ("ruff", "mypy", "secrets", "licence")
MAX_RUNS = 20
# GitHub accepts 25,000 results in a run but shows only the 5,000 most severe: those are sent.
MAX_RESULTS = 5_000
MAX_GZIP_BYTES = 10 * 1024 * 1024


def category(check: str) -> str:
    """The code-scanning category of a check's run (the trailing slash: no run id)."""
    return f"ai-gate/{check}/"


def checks_run(config: Config, report: Report) -> list[str]:
    """The checks whose runs are uploaded: those enabled, and any that reported findings."""
    enabled = [name for name in CHECKS if getattr(config.checks, name).enabled]
    extra = sorted({f.check for f in report.findings} - set(enabled))
    return [*enabled, *extra][:MAX_RUNS]


def code_scanning_sarif(
    report: Report, checks: Iterable[str], version: str, max_results: int = MAX_RESULTS
) -> dict[str, Any]:
    """The report as SARIF with one run per check, each run its check's most severe results."""
    runs = []
    for check in checks:
        found = ordered(f for f in report.findings if f.check == check)
        kept = tuple(found[:max_results])
        run = render_sarif(report.model_copy(update={"findings": kept}), version)["runs"][0]
        run["automationDetails"] = {"id": category(check)}
        if len(kept) < len(found):
            run["properties"]["truncated"] = {"results": len(found), "uploaded": len(kept)}
        runs.append(run)
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": runs}


def encode(sarif: dict[str, Any]) -> str:
    """gzip, then base64: the form the upload endpoint takes."""
    compact = json.dumps(sarif, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(compact, mtime=0)).decode("ascii")


def fitted(report: Report, checks: list[str], version: str, max_bytes: int = MAX_GZIP_BYTES) -> str:
    """The encoded SARIF, its runs cut to fewer results until it is under GitHub's 10 MB."""
    limit = MAX_RESULTS
    while True:
        encoded = encode(code_scanning_sarif(report, checks, version, limit))
        # base64 makes 4 characters of 3 bytes: the gzip size is what GitHub limits.
        if len(encoded) * 3 // 4 <= max_bytes or limit <= 1:
            return encoded
        limit //= 2


class CodeScanningPublisher:
    """Uploads a head's SARIF to one repository's code scanning."""

    def __init__(self, api: Installation, repo: str, version: str | None = None) -> None:
        self._api = api
        self._repo = repo
        self._version = version or installed_version()

    def upload(self, report: Report, config: Config, ref: str) -> str | None:
        """Upload the report for `ref` (e.g. `refs/pull/7/head`); the upload's id, or None when
        GitHub refused it. A refusal is logged, not raised: the check run is already complete,
        and code scanning needs a permission and a plan that an organisation may not have."""
        body = {
            "commit_sha": report.head_sha,
            "ref": ref,
            "sarif": fitted(report, checks_run(config, report), self._version),
            "tool_name": "ai-gate",
        }
        try:
            answer = self._api.call("POST", f"/repos/{self._repo}/code-scanning/sarifs", json=body)
        except TransientError:
            raise
        except SourceError as exc:
            # 403: no `security_events: write`, or code scanning is not enabled (private
            # repositories need GitHub Advanced Security); 404: the repository is gone.
            log.warning("code scanning upload for %s@%s refused: %s", self._repo, ref, exc)
            return None
        return str((answer or {}).get("id") or "")
