"""SARIF 2.1.0 (`ai-gate check --format sarif`), for GitHub code scanning and other viewers.

Findings become results; attribution, cost and the verdict travel as run properties, since
SARIF has no place of its own for them.
"""

from __future__ import annotations

from typing import Any

from app.core.models import Finding, Level, Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS: dict[Level, str] = {"failure": "error", "warning": "warning", "notice": "note"}


def _rule_id(finding: Finding) -> str:
    return f"{finding.check}/{finding.rule}"


def _rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": _rule_id(finding),
        "name": finding.rule,
        "properties": {"check": finding.check},
    }
    if finding.url:
        rule["helpUri"] = finding.url
    return rule


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": _rule_id(finding),
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.level],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.start_line, "endLine": finding.end_line},
                }
            }
        ],
        "properties": {"in_diff": finding.in_diff, "ai_attributed": finding.ai_attributed},
    }
    if finding.fingerprint:
        # Code scanning matches results across runs by this, as our review comments do.
        result["partialFingerprints"] = {"aiGateFingerprint/v1": finding.fingerprint}
    return result


def render_sarif(report: Report, version: str) -> dict[str, Any]:
    """The report as one SARIF run."""
    rules: dict[str, int] = {}
    rule_list: list[dict[str, Any]] = []
    results = []
    for finding in report.findings:
        rule_id = _rule_id(finding)
        if rule_id not in rules:
            rules[rule_id] = len(rule_list)
            rule_list.append(_rule(finding))
        results.append(_result(finding, rules[rule_id]))
    properties: dict[str, Any] = {
        "schema_version": report.schema_version,
        "repository": report.repository,
        "base_sha": report.base_sha,
        "head_sha": report.head_sha,
        "attribution": report.attribution.model_dump(mode="json"),
        "cost": report.cost.model_dump(mode="json") if report.cost else None,
        "verdict": report.verdict.model_dump(mode="json"),
        "notes": list(report.notes),
    }
    run = {
        "tool": {
            "driver": {
                "name": "ai-gate",
                "version": version,
                "rules": rule_list,
            }
        },
        "results": results,
        "properties": properties,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
