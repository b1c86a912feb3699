"""The repository's own licence, read from its base branch: its own headers are never copied
licence text nor a denied licence."""

from __future__ import annotations

import pytest

from app.core.checks.licence.own import own_licences, with_own_licences
from app.core.config.checks import LicenceConfig
from app.core.config.model import Config
from app.core.models import Report
from app.core.pipeline import analyse
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot
from tests.unit.test_licence import APACHE_HEADER, GPL_HEADER, GPL_PREAMBLE, MIT_TEXT, unmask

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
APACHE_LICENCE = unmask(
    """
                                 Apache License
                           Version 2.0, January 2004

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRI|BUTION
"""
)


@pytest.mark.parametrize(
    ("base_configs", "expected"),
    [
        ({"LICENSE": APACHE_LICENCE}, ("Apache-2.0",)),
        ({"LICENSE.md": "\n".join(MIT_TEXT)}, ("MIT",)),
        ({"COPYING": "\n".join(GPL_PREAMBLE)}, ("GPL-3.0-only",)),
        ({"pyproject.toml": '[project]\nlicense = "MIT OR Apache-2.0"\n'}, ("MIT", "Apache-2.0")),
        ({"pyproject.toml": '[project]\nlicense = {text = "BSD-3-Clause"}\n'}, ("BSD-3-Clause",)),
        ({"pyproject.toml": '[tool.poetry]\nlicense = "MIT"\n'}, ("MIT",)),
        ({"setup.cfg": "[metadata]\nlicense = Apache-2.0\n"}, ("Apache-2.0",)),
        ({"package.json": '{"license": "ISC"}'}, ("ISC",)),
        ({"pyproject.toml": '[project]\nlicense = "Proprietary"\n'}, ()),  # not SPDX: nothing
        ({"pyproject.toml": "not [ toml"}, ()),
        ({}, ()),
    ],
)
def test_own_licences_from_the_base_branch(
    base_configs: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert own_licences(base_configs) == expected


def test_configured_own_licences_win_even_when_empty() -> None:
    base = {"LICENSE": APACHE_LICENCE}
    assert with_own_licences(LicenceConfig(), base).own_licences == ("Apache-2.0",)
    assert with_own_licences(LicenceConfig(own_licences=()), base).own_licences == ()
    assert with_own_licences(LicenceConfig(own_licences=("MIT",)), base).own_licences == ("MIT",)


def _report(lines: list[str], base_configs: dict[str, str]) -> Report:
    f = make_file("pkg/new_module.py", [*lines, "import os"])
    snapshot = make_snapshot(files=[f], commits=[make_commit(trailers=[CLAUDE])])
    snapshot = snapshot.model_copy(update={"base_configs": base_configs})
    return analyse(snapshot, Config(), FakeLinters())


def test_the_projects_own_apache_header_is_not_copied_licence_text() -> None:
    report = _report(APACHE_HEADER, {"LICENSE": APACHE_LICENCE})
    assert report.findings == ()
    elsewhere = _report(APACHE_HEADER, {"LICENSE": "\n".join(MIT_TEXT)})
    assert [f.rule for f in elsewhere.findings] == ["copied-licence-text"]


def test_a_gpl_projects_own_header_is_neither_copied_nor_denied() -> None:
    report = _report(GPL_HEADER, {"COPYING": "\n".join(GPL_PREAMBLE)})
    assert report.findings == ()
    assert report.verdict.conclusion == "success"
    # The same header in an MIT project is a denied licence: the planted true finding stays.
    mit = _report(GPL_HEADER, {"LICENSE": "\n".join(MIT_TEXT)})
    assert [f.rule for f in mit.findings] == ["notice-denied"]
    assert mit.verdict.conclusion == "failure"
