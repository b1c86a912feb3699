"""The `checks:` section: the settings of every check, with their defaults."""

from __future__ import annotations

import re
from typing import Literal

from license_expression import ExpressionError, LicenseSymbol, LicenseWithExceptionSymbol
from pydantic import Field, field_validator

from app.core.config.ruffrules import RECOMMENDED_RUFF_RULES
from app.core.config.section import Patterns, Section
from app.core.models import Level
from app.core.spdx import is_custom, is_known, licensing

# Where test code and test data live; keyword and entropy hits there are not reported.
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    r"(^|/)(tests?|testing|__tests__)/",
    r"(^|/)(fixtures?|__fixtures__|cassettes|testdata|test_data)/",
    r"(^|/)test_[^/]*\.py$",
    r"(^|/)[^/]*_tests?\.py$",
    r"(^|/)conftest\.py$",
)


CopiedLevel = Literal["off", "notice", "warning", "failure"]


# Strong copyleft: code under these must be released under the same licence when it is
# distributed (AGPL and SSPL: even when it is only offered as a network service), which a
# proprietary or permissively licensed project cannot do.
DEFAULT_DENY: tuple[str, ...] = ("GPL-*", "AGPL-*", "SSPL-1.0")


_GLOB = re.compile(r"^[A-Za-z0-9.+*-]*\*[A-Za-z0-9.+*-]*$")


def _entry_error(entry: str) -> str | None:
    """Why an allow/deny entry is not an SPDX id (or `*` pattern), if it is not one."""
    if _GLOB.match(entry):
        return None
    try:
        parsed = licensing().parse(entry, validate=False)
    except ExpressionError as exc:
        return f"{entry!r} is not an SPDX licence id: {exc}"
    if isinstance(parsed, LicenseWithExceptionSymbol):
        parsed = parsed.license_symbol
    if not isinstance(parsed, LicenseSymbol):
        return f"{entry!r} is an expression; list single SPDX licence ids"
    if not is_known(str(parsed.key)) and not is_custom(str(parsed.key)):
        return f"{entry!r} is not an SPDX licence id (use `LicenseRef-...` for a custom licence)"
    return None


class LicenceConfig(Section):
    enabled: bool = Field(
        default=True,
        description="check licences in added lines and of new dependencies",
        json_schema_extra={"stricter": "true"},
    )
    allow: tuple[str, ...] = Field(
        default=(),
        description="SPDX licence ids (or `*` patterns such as `BSD-*`) that are allowed; when "
        "this list is not empty, a licence not on it is unknown. Empty: every recognised SPDX "
        "licence that is not denied is allowed",
        json_schema_extra={"stricter": "subset"},
    )
    deny: tuple[str, ...] = Field(
        default=DEFAULT_DENY,
        description="SPDX licence ids (or `*` patterns) that fail the check. Default: strong "
        "copyleft (GPL, AGPL, SSPL), whose terms would require the whole project to be released "
        "under them once it is distributed or, for AGPL and SSPL, served over a network",
        json_schema_extra={"stricter": "superset"},
    )
    unknown: Level = Field(
        default="warning",
        description="the level of a licence the policy cannot judge: not on the allow list, not "
        "a recognised SPDX id, a malformed expression, or a dependency without licence data",
        json_schema_extra={"stricter": ["notice", "warning", "failure"]},
    )
    copied_text: CopiedLevel = Field(
        default="warning",
        description="the level of a licence text or licence header pasted into a source file "
        "(a sign of code copied from another project); `off` to not report it",
        json_schema_extra={"stricter": ["off", "notice", "warning", "failure"]},
    )
    own_licences: tuple[str, ...] | None = Field(
        default=None,
        description="SPDX ids of this repository's own licence(s): their tags, notices and "
        "headers in new files are the project's convention, not copied code or a denied "
        "licence. Unset: read from the base branch's LICENSE (or COPYING) file and the "
        "licence declared in pyproject.toml, setup.cfg or package.json",
    )
    dependencies: bool = Field(
        default=True,
        description="look up the licences of dependencies the pull request adds to "
        "pyproject.toml, requirements*.txt and package.json",
        json_schema_extra={"stricter": "true"},
    )
    ignore: Patterns = Field(
        default=(),
        description="regular expressions; files whose path one matches (re.search) are not read "
        "for licence tags, notices and texts, e.g. '^vendor/' or '^tests/fixtures/' "
        "(their manifests are still checked)",
    )

    @field_validator("allow", "deny", "own_licences")
    @classmethod
    def _spdx_ids(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for entry in value or ():
            error = _entry_error(entry)
            if error:
                raise ValueError(error)
        return value


RECOMMENDED_RUFF_IGNORES: tuple[str, ...] = ("S101",)  # assert is fine in tests


class RuffConfig(Section):
    enabled: bool = Field(
        default=True, description="run ruff", json_schema_extra={"stricter": "true"}
    )
    select: tuple[str, ...] = Field(
        default=RECOMMENDED_RUFF_RULES,
        description="ruff rule codes or prefixes to run; the default is the curated set "
        "(README, Curated ruff rules)",
    )
    ignore: tuple[str, ...] = Field(
        default=RECOMMENDED_RUFF_IGNORES, description="ruff rule codes or prefixes to skip"
    )
    # `never` by default: the repository's own ruff run reports its rules already, and under
    # another ruff version (new defaults, new rules under a selected prefix) they were 2 worth a
    # look of 127 on the real-world corpus (bench/realworld).
    repository_rules: Literal["auto", "always", "never"] = Field(
        default="never",
        description="also report the rules the repository's own ruff configuration selects: "
        "`auto` when the repository runs ruff somewhere we can see (a pre-commit hook, a CI "
        "workflow, tox, nox, make or just), `always`, or `never` (only `select`, under the "
        "repository's excludes, per-file ignores and ignored rules)",
    )
    levels: dict[str, Level] = Field(
        default_factory=dict,
        description="the level of a ruff rule's findings by code or prefix (the longest prefix "
        "wins), e.g. `{B006: failure, PERF: warning}`; otherwise the curated level, and "
        "`notice` for rules outside the curated set",
    )


class MypyConfig(Section):
    enabled: bool | Literal["auto"] = Field(
        default="auto",
        description="type-check the changed Python files. `auto`: findings at `level` where the "
        "repository configures mypy (`[tool.mypy]` in pyproject.toml, mypy.ini, `[mypy]` in "
        "setup.cfg) or ships `py.typed`, on the files its mypy configuration covers, tests "
        "excepted; elsewhere only a note counts them. `true`: findings everywhere (notices "
        "that never fail in tests)",
    )
    strict: bool = Field(default=False, description="run mypy with --strict")
    level: Level = Field(default="warning", description="the level of mypy's findings")
    time_limit_seconds: int = Field(
        default=120, ge=5, le=900, description="stop mypy after this many seconds"
    )
    python_version: str | None = Field(
        default=None,
        description="the Python version to check against, e.g. '3.12' (default: ai-gate's own)",
    )

    @field_validator("python_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"3\.\d{1,2}", value):
            raise ValueError(f"{value!r} is not a Python 3 version like '3.12'")
        return value


class SecretsConfig(Section):
    enabled: bool = Field(default=True, description="look for secrets in the added lines")
    level: Level = Field(
        default="failure",
        description="the level of a value that is a secret by its shape: a provider's token "
        "format (with its checksum where it has one), a private-key block, a password in a URL "
        "that is not a placeholder, or a random-looking value assigned to a credential name "
        "outside test code. Weaker hits are notices at most",
    )
    entropy: bool = Field(
        default=False,
        description="also report quoted high-entropy base64 and hex strings (noisy: hashes, "
        "ids and test data look the same)",
    )
    allow: Patterns = Field(
        default=(),
        description="regular expressions; an added line, or a file path, that one of them "
        "matches (re.search) is not scanned, e.g. '^tests/fixtures/'",
    )


class CostSmellsConfig(Section):
    enabled: bool = Field(
        default=True,
        description="report cost smells (`AIG1xx`, README: Cost smells) on added lines",
        json_schema_extra={"stricter": "true"},
    )
    level: Level = Field(
        default="notice",
        description="the level of these findings (never failure unless set)",
        json_schema_extra={"stricter": ["notice", "warning", "failure"]},
    )
    ignore: tuple[str, ...] = Field(
        default=(), description="rule codes not to report, e.g. `[AIG101]`"
    )


class SuppressionsConfig(Section):
    enabled: bool = Field(
        default=True,
        description="report new suppressions on AI-written lines: `# noqa`, `# type: ignore`, "
        "`# nosec`, `# pragma: allowlist secret`, `# pragma: no cover`, file-level `# ruff: "
        "noqa` / `# mypy: ignore-errors`, skip/xfail markers, `assert True`, assertions "
        "removed from tests, loosened ruff, mypy or ai-gate configuration. In `test_paths` "
        "only what weakens the tests is reported (skips, xfails, `assert True`, removed "
        "assertions): suppressions on lines of tests are routine",
        json_schema_extra={"stricter": "true"},
    )
    level: Level = Field(
        default="warning",
        description="the level of these findings",
        json_schema_extra={"stricter": ["notice", "warning", "failure"]},
    )
    see_through: bool = Field(
        default=False,
        description="also run ruff and mypy on AI-written lines as if their new `# noqa` / "
        "`# type: ignore` (and file-level forms) were not there, and report what they hid "
        "(at the level of the check that finds it)",
        json_schema_extra={"stricter": "true"},
    )
    human_lines: bool = Field(
        default=False,
        description="report new suppressions on human-written lines too (by default a "
        "maintainer's suppression is taken as a decision)",
        json_schema_extra={"stricter": "true"},
    )


class ChecksConfig(Section):
    test_paths: Patterns = Field(
        default=DEFAULT_TEST_PATHS,
        description="regular expressions (re.search) for test code and test data (`tests/`, "
        "`test_*.py`, `*_test.py`, `conftest.py`, fixtures, cassettes): there a secret found by "
        "keyword or entropy alone is not reported, a provider-shaped value without a checksum "
        "is a warning at most, and ruff's security (`S`) and async-blocking (`ASYNC`) rules "
        "are not reported; `[]` treats tests like any code",
    )
    ruff: RuffConfig = RuffConfig()
    mypy: MypyConfig = MypyConfig()
    secrets: SecretsConfig = SecretsConfig()
    licence: LicenceConfig = LicenceConfig()
    suppressions: SuppressionsConfig = SuppressionsConfig()
    cost: CostSmellsConfig = CostSmellsConfig()
