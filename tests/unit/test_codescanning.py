"""The SARIF ai-gate uploads to code scanning, and the one `ai-gate check --format sarif` writes,
held to the SARIF 2.1.0 schema and to GitHub's limits."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from typing import Any

from app.core.config.model import Config
from app.publishers.codescanning import (
    MAX_RESULTS,
    category,
    checks_run,
    code_scanning_sarif,
    encode,
    fitted,
)
from app.publishers.sarif import render_sarif
from tests.builders import make_finding, make_report
from tests.fakes.schemas import sarif_errors


def decode(encoded: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(encoded)))
    return data


def test_check_sarif_is_valid_sarif_2_1_0() -> None:
    report = make_report([make_finding(0), make_finding(1, check="mypy", rule="arg-type")])
    assert sarif_errors(render_sarif(report, "1.2.3")) == []


def test_one_run_per_enabled_check_each_in_its_own_category_empty_ones_included() -> None:
    report = make_report([make_finding(0), make_finding(1, check="secrets", rule="aws-key")])
    config = Config.model_validate({"checks": {"mypy": {"enabled": False}}})

    sarif = code_scanning_sarif(report, checks_run(config, report), "1.2.3")

    assert sarif_errors(sarif) == []
    runs = sarif["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == [
        "ai-gate/ruff/",
        "ai-gate/secrets/",
        "ai-gate/licence/",
    ]
    assert [[res["ruleId"] for res in r["results"]] for r in runs] == [
        ["ruff/E722"],
        ["secrets/aws-key"],
        [],  # an empty run closes the licence alerts a new analysis no longer reports
    ]
    assert all(r["tool"]["driver"]["version"] == "1.2.3" for r in runs)


def test_a_check_past_githubs_shown_results_keeps_its_most_severe() -> None:
    findings = [make_finding(i, level="notice") for i in range(MAX_RESULTS + 3)]
    findings.append(make_finding(MAX_RESULTS + 10, level="failure"))

    [run] = code_scanning_sarif(make_report(findings), ["ruff"], "1")["runs"]

    assert len(run["results"]) == MAX_RESULTS
    assert run["results"][0]["level"] == "error"
    assert run["properties"]["truncated"] == {"results": MAX_RESULTS + 4, "uploaded": MAX_RESULTS}


def test_upload_form_is_gzip_then_base64_and_shrinks_to_fit_the_size_limit() -> None:
    # Messages that do not compress away: each finding's text is its own digest.
    findings = [
        make_finding(i, message=hashlib.sha512(str(i).encode()).hexdigest() * 2)
        for i in range(3000)
    ]
    report = make_report(findings)
    whole = decode(encode(code_scanning_sarif(report, ["ruff"], "1")))
    assert whole == json.loads(json.dumps(code_scanning_sarif(report, ["ruff"], "1")))

    small = fitted(report, ["ruff"], "1", max_bytes=100_000)

    assert len(base64.b64decode(small)) <= 100_000
    [run] = decode(small)["runs"]
    assert 0 < len(run["results"]) < 3000
    assert run["properties"]["truncated"]["results"] == 3000


def test_categories_are_unique_per_check() -> None:
    assert len({category(c) for c in ("ruff", "mypy", "secrets", "licence")}) == 4
