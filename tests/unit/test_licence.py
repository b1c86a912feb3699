"""The licence check: SPDX expressions under the policy, tags, notices and pasted texts in added
lines, licence files, and the licences of new dependencies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.checks.licence.findings import licence_findings
from app.core.checks.licence.policy import Policy
from app.core.checks.licence.texts import MAX_LINES
from app.core.config.checks import LicenceConfig
from app.core.diff import parse_patch
from app.core.manifests import Dependency
from app.core.models import FileDiff, Finding
from app.core.ports import ResolvedLicence
from tests.builders import make_file, make_snapshot


def unmask(text: str) -> str:
    # Licence phrases are stored with a `|` inside a word so that the licence check, run on this
    # repository, does not report this test file as pasted licence text.
    return text.replace("|", "")


TAG = "SPDX-License-" + "Identifier:"
MIT_TEXT = unmask(
    """Copyright (c) 2021 Someone Else

Permission is hereby gr|anted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be incl|uded in all
copies or substantial portions of the Software."""
).split("\n")
GPL_PREAMBLE = unmask(
    """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

                            Preamble

  The GNU General Public License is a free, copy|left license for
software and other kinds of works."""
).split("\n")
GPL_HEADER = unmask(
    """# This program is free software: you can redistribute it and/or modify
# it under the terms of the GNU General Public Lic|ense as published by
# the Free Software Foundation, either version 3 of the License, or
# (at your option) any later version.
#
# You should have received a copy of the GNU General Public Lic|ense
# along with this program.  If not, see <https://www.gnu.org/licenses/>."""
).split("\n")
APACHE_HEADER = unmask(
    """# Licensed under the Apache Lic|ense, Version 2.0 (the "License");
# you may not use this file except in compl|iance with the License.
# You may obtain a copy of the License at"""
).split("\n")


def judge(expression: str, **config: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    decision = Policy(LicenceConfig(**config)).judge(expression)
    return decision.status, decision.expression, decision.because


def scan(
    files: Sequence[FileDiff],
    config: LicenceConfig | None = None,
    contents: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[str]]:
    snapshot = make_snapshot(files=files, contents=contents)
    lines = {f.path: parse_patch(f.patch) for f in files}
    return licence_findings(snapshot, config or LicenceConfig(), lines, None)


def rules(findings: Sequence[Finding]) -> list[tuple[str, int, str, str]]:
    return sorted((f.path, f.start_line, f.rule, f.level) for f in findings)


# --- expressions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "status", "normalised", "because"),
    [
        ("MIT OR GPL-3.0-only", "allowed", "MIT OR GPL-3.0-only", ()),
        ("MIT AND GPL-3.0-only", "denied", "MIT AND GPL-3.0-only", ("GPL-3.0-only",)),
        ("Apache-2.0 WITH LLVM-exception", "allowed", "Apache-2.0 WITH LLVM-exception", ()),
        ("GPL-2.0+", "denied", "GPL-2.0-or-later", ("GPL-2.0-or-later",)),
        (
            "gpl-3.0 OR agpl-3.0",
            "denied",
            "GPL-3.0-only OR AGPL-3.0-only",
            ("GPL-3.0-only", "AGPL-3.0-only"),
        ),
        ("SSPL-1.0", "denied", "SSPL-1.0", ("SSPL-1.0",)),
        ("LGPL-2.1-or-later", "allowed", "LGPL-2.1-or-later", ()),
        ("MIT OR FooBar-1.0", "allowed", "MIT OR FooBar-1.0", ()),
        ("GPL-3.0-only AND FooBar-1.0", "denied", "GPL-3.0-only AND FooBar-1.0", ("GPL-3.0-only",)),
        (
            "FooBar-1.0 OR GPL-3.0-only",
            "unknown",
            "FooBar-1.0 OR GPL-3.0-only",
            ("`FooBar-1.0` is not a recognised SPDX licence",),
        ),
        (
            "LicenseRef-Acme",
            "unknown",
            "LicenseRef-Acme",
            ("`LicenseRef-Acme` is a custom licence",),
        ),
        (
            "MIT WITH GPL-3.0",
            "unknown",
            "MIT WITH GPL-3.0-only",
            ("`GPL-3.0-only` is not a licence exception",),
        ),
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "denied",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            ("GPL-2.0-only",),
        ),
    ],
)
def test_expressions_under_the_default_policy(
    expression: str, status: str, normalised: str, because: tuple[str, ...]
) -> None:
    assert judge(expression) == (status, normalised, because)


def test_garbage_is_unknown_with_the_parser_message() -> None:
    status, expression, because = judge("MIT AND (((")
    assert (status, expression) == ("unknown", "MIT AND (((")
    assert because[0].startswith("not a valid SPDX expression (")
    assert judge("  ")[0::2] == ("unknown", ("the licence is empty",))


def test_allow_list_makes_everything_else_unknown() -> None:
    allow = ("MIT", "Apache-2.0", "BSD-*")
    assert judge("BSD-3-Clause", allow=allow)[0] == "allowed"
    assert judge("ISC", allow=allow) == ("unknown", "ISC", ("`ISC` is not on the allow list",))
    assert judge("ISC OR MIT", allow=allow)[0] == "allowed"
    assert judge("ISC AND MIT", allow=allow)[0] == "unknown"
    assert judge("ISC AND GPL-3.0-only", allow=allow)[0] == "denied"


def test_exact_entry_beats_a_pattern_and_with_exception_can_be_allowed() -> None:
    assert judge("GPL-2.0-only", allow=("GPL-2.0-only",))[0] == "allowed"
    assert judge("GPL-2.0", allow=("GPL-2.0-only",))[0] == "allowed"  # same licence, old spelling
    classpath = "GPL-2.0-only WITH Classpath-exception-2.0"
    assert judge(classpath, allow=(classpath,))[0] == "allowed"
    assert judge(classpath, allow=(classpath,), deny=("GPL-2.0-only",))[0] == "allowed"
    assert judge("MIT", allow=("MIT",), deny=("MIT",))[0] == "denied"  # same id: deny wins


def test_or_later_may_be_taken_as_the_named_version() -> None:
    deny = ("GPL-3.0-or-later",)
    assert judge("GPL-3.0+", deny=deny)[0] == "allowed"
    assert judge("GPL-3.0+", deny=(*deny, "GPL-3.0-only"))[0] == "denied"
    assert judge("GPL-3.0-only", deny=deny)[0] == "allowed"


def test_config_rejects_what_it_cannot_use() -> None:
    with pytest.raises(ValidationError, match="'GPLv3' is not an SPDX licence id"):
        LicenceConfig(deny=("GPLv3",))
    with pytest.raises(ValidationError, match="is an expression"):
        LicenceConfig(allow=("MIT OR Apache-2.0",))
    with pytest.raises(ValidationError, match="is not a regular expression"):
        LicenceConfig(ignore=("(",))
    with pytest.raises(ValidationError):
        LicenceConfig.model_validate({"unknown": "error"})
    assert LicenceConfig(allow=("LicenseRef-Acme", "BSD-*")).allow == ("LicenseRef-Acme", "BSD-*")


def test_every_field_is_documented_and_floors_are_declared() -> None:
    fields = LicenceConfig.model_fields
    assert all(info.description for info in fields.values())
    stricter = {
        name: (info.json_schema_extra or {}).get("stricter")  # type: ignore[union-attr]
        for name, info in fields.items()
    }
    assert stricter["enabled"] == stricter["dependencies"] == "true"
    assert stricter["unknown"] == ["notice", "warning", "failure"]
    assert LicenceConfig().deny == ("GPL-*", "AGPL-*", "SSPL-1.0")
    assert LicenceConfig().unknown == "warning"


# --- tags and notices in added lines --------------------------------------------------------


def test_spdx_tags_on_added_lines() -> None:
    f = make_file(
        "src/lib.c",
        [
            f"// {TAG} MIT AND GPL-3.0-only",
            f"/* {TAG} MIT OR GPL-3.0-only */",
            f"# {TAG} Nonsense-License-9",
            f'"""{TAG} MIT AND ((("""',
            f"<!-- {TAG} BSD-3-Clause AND (MIT OR Apache-2.0) -->",
            "int x = 1;",
        ],
    )
    findings, notes = scan([f])
    assert rules(findings) == [
        ("src/lib.c", 1, "spdx-denied", "failure"),
        ("src/lib.c", 3, "spdx-unknown", "warning"),
        ("src/lib.c", 4, "spdx-unknown", "warning"),
    ]
    assert findings[0].message == (
        "SPDX licence tag `MIT AND GPL-3.0-only` is denied by the licence policy (GPL-3.0-only)"
    )
    assert findings[1].message == (
        "SPDX licence tag `Nonsense-License-9` cannot be judged by the licence policy: "
        "`Nonsense-License-9` is not a recognised SPDX licence"
    )
    assert all(f.check == "licence" and f.fingerprint for f in findings)
    assert notes == []


def test_unknown_level_follows_the_config() -> None:
    f = make_file("a.py", [f"# {TAG} Nonsense-License-9"])
    findings, _ = scan([f], LicenceConfig(unknown="failure"))
    assert rules(findings) == [("a.py", 1, "spdx-unknown", "failure")]


def test_gpl_header_is_one_denied_notice_with_its_version() -> None:
    f = make_file("pkg/mod.py", [*GPL_HEADER, "x = 1"])
    findings, _ = scan([f])
    assert rules(findings) == [("pkg/mod.py", 2, "notice-denied", "failure")]
    assert "`GPL-3.0-or-later` is denied" in findings[0].message


@pytest.mark.parametrize(
    ("line", "licence"),
    [
        ("This project is licensed und|er the GPLv2.", "GPL-2.0-only"),
        ("Licensed und|er the GPL version 3, see COPYING.", "GPL-3.0-only"),
        ("Available und|er GPL-2.0 or later.", "GPL-2.0-or-later"),
        ("Released und|er the terms of the GNU GPL v3 or later.", "GPL-3.0-or-later"),
        ("Distributed und|er the AGPL.", "AGPL-3.0-or-later"),
        ("Licensed und|er the GNU Affero General Public License version 3.", "AGPL-3.0-only"),
        ("Copyright Acme; licensed und|er the Server Side Public License.", "SSPL-1.0"),
    ],
)
def test_denied_notices_name_the_licence(line: str, licence: str) -> None:
    # Only denied notices are findings by default, so each case must resolve to a denied id.
    findings, _ = scan([make_file("README.md", ["# Title", "", unmask(line)])])
    assert rules(findings) == [("README.md", 3, "notice-denied", "failure")]
    assert f"`{licence}` is denied" in findings[0].message


def test_allowed_notices_are_silent_unless_an_allow_list_leaves_them_out() -> None:
    lines = [*APACHE_HEADER, "", unmask("# Released und|er the MIT license."), "import os"]
    assert scan([make_file("pkg/mod.py", lines)], LicenceConfig(copied_text="off"))[0] == []
    findings, _ = scan(
        [make_file("pkg/mod.py", lines)], LicenceConfig(allow=("MIT",), copied_text="off")
    )
    # The header's second sentence is Apache's own boilerplate text: it names the licence.
    assert rules(findings) == [("pkg/mod.py", 2, "notice-unknown", "warning")]
    assert "`Apache-2.0` is not on the allow list" in findings[0].message


def test_pre_existing_lines_are_not_reported() -> None:
    # The GPL header and the tag are context lines of the patch: only `y = 2` was added.
    context = [*GPL_HEADER, f"# {TAG} GPL-3.0-only", "x = 1"]
    patch = f"@@ -1,{len(context)} +1,{len(context) + 1} @@\n"
    patch += "".join(f" {line}\n" for line in context) + "+y = 2\n"
    f = FileDiff(path="pkg/mod.py", patch=patch)
    head = "\n".join([*context, "y = 2"]) + "\n"
    assert scan([f], contents={f.path: head}) == ([], [])
    assert scan([f], contents={}) == ([], [])


def test_removed_and_binary_files_are_not_read() -> None:
    removed = FileDiff(path="LICENSE", status="removed", patch="@@ -1 +0,0 @@\n-GPL\n")
    binary = FileDiff(path="blob.bin", status="added", patch=None)
    assert scan([removed, binary], contents={}) == ([], [])


def test_ignored_paths_are_not_read() -> None:
    f = make_file("vendor/lib.py", [f"# {TAG} GPL-3.0-only"])
    assert scan([f], LicenceConfig(ignore=("^vendor/",)))[0] == []
    assert scan([f], LicenceConfig(enabled=False)) == ([], [])


def test_huge_files_are_read_up_to_a_bound() -> None:
    lines = ["x = 1"] * MAX_LINES + [f"# {TAG} GPL-3.0-only"]
    findings, notes = scan([make_file("gen.py", lines)])
    assert findings == []
    assert notes == [f"`gen.py`: only its first {MAX_LINES} added lines were read for licences."]


# --- pasted licence texts -----------------------------------------------------------------


def test_copied_mit_text_in_a_python_file() -> None:
    f = make_file("pkg/vendored.py", ['"""', *MIT_TEXT, '"""', "def f(): ..."])
    findings, _ = scan([f])
    assert rules(findings) == [("pkg/vendored.py", 4, "copied-licence-text", "warning")]
    assert findings[0].message == (
        "Possible copied code: a MIT licence text was pasted into pkg/vendored.py"
    )


def test_copied_gpl_text_is_copied_and_denied() -> None:
    f = make_file("src/util.js", ["/*", *GPL_PREAMBLE, "*/", "export const x = 1;"])
    findings, _ = scan([f])
    assert rules(findings) == [
        ("src/util.js", 7, "copied-licence-text", "warning"),
        ("src/util.js", 7, "notice-denied", "failure"),
    ]
    copied = next(f for f in findings if f.rule == "copied-licence-text")
    assert copied.message == (
        "Possible copied code: a GPL-3.0-only licence text was pasted into src/util.js"
    )


def test_copied_text_level_off_and_own_licences() -> None:
    f = make_file("pkg/mod.py", [*APACHE_HEADER, "import os"])
    assert rules(scan([f])[0]) == [("pkg/mod.py", 2, "copied-licence-text", "warning")]
    assert scan([f], LicenceConfig(own_licences=("Apache-2.0",)))[0] == []
    assert scan([f], LicenceConfig(copied_text="off"))[0] == []
    assert rules(scan([f], LicenceConfig(copied_text="failure"))[0]) == [
        ("pkg/mod.py", 2, "copied-licence-text", "failure")
    ]


def test_licence_text_in_documentation_is_not_copied_code() -> None:
    findings, _ = scan([make_file("docs/credits.md", MIT_TEXT)])
    assert findings == []


def test_bsd_clauses_tell_two_from_three() -> None:
    two = [
        unmask("Redistribution and use in source and binary forms, with or with|out"),
        "modification, are permitted provided that the following conditions are met:",
    ]
    three = [*two, unmask("may be used to end|orse or promote products derived from this")]
    [two_found] = scan([make_file("a.go", two)])[0]
    [three_found] = scan([make_file("a.go", three)])[0]
    assert "BSD-2-Clause" in two_found.message
    assert "BSD-3-Clause" in three_found.message


# --- licence files ------------------------------------------------------------------------


def test_mit_licence_file_is_neither_copied_nor_denied() -> None:
    assert scan([make_file("LICENSE", MIT_TEXT)]) == ([], [])


def test_new_gpl_licence_file_is_denied_once() -> None:
    text = [*GPL_PREAMBLE, "", *[line.removeprefix("# ") for line in GPL_HEADER]]
    findings, _ = scan([make_file("COPYING", text)])
    assert rules(findings) == [("COPYING", 6, "licence-file-denied", "failure")]
    assert findings[0].message == (
        "Licence file `GPL-3.0-only` is denied by the licence policy (GPL-3.0-only)"
    )


def test_unrecognised_new_licence_file_is_unknown() -> None:
    findings, _ = scan([make_file("LICENSE.txt", ["All rights reserved by Acme Corp."])])
    assert rules(findings) == [("LICENSE.txt", 1, "licence-file-unknown", "warning")]


# --- dependencies -------------------------------------------------------------------------


class FakeResolver:
    """Canned licences by package name, recording what it was asked."""

    def __init__(self, answers: Mapping[str, ResolvedLicence]) -> None:
        self.answers = answers
        self.asked: list[list[str]] = []

    def licences(self, deps: Sequence[Dependency]) -> Mapping[Dependency, ResolvedLicence]:
        self.asked.append([d.name for d in deps])
        return {d: self.answers[d.name] for d in deps if d.name in self.answers}


REQUIREMENTS = make_file("requirements.txt", ["gplthing==1", "mitthing", "mystery", "flaky"])
ANSWERS = {
    "gplthing": ResolvedLicence(expression="GPL-3.0-or-later", source="https://pypi/gplthing"),
    "mitthing": ResolvedLicence(expression="MIT", source="https://pypi/mitthing"),
    "mystery": ResolvedLicence(source="https://pypi/mystery", detail="it is not on PyPI"),
    "flaky": ResolvedLicence(source="https://pypi/flaky", error="PyPI answered 503"),
}


def test_new_dependencies_are_judged_on_their_manifest_line() -> None:
    resolver = FakeResolver(ANSWERS)
    snapshot = make_snapshot(files=[REQUIREMENTS])
    lines = {REQUIREMENTS.path: parse_patch(REQUIREMENTS.patch)}
    findings, notes = licence_findings(snapshot, LicenceConfig(), lines, resolver)
    assert resolver.asked == [["gplthing", "mitthing", "mystery", "flaky"]]
    assert rules(findings) == [
        ("requirements.txt", 1, "dependency-denied", "failure"),
        ("requirements.txt", 3, "dependency-unknown", "warning"),
    ]
    denied, unknown = sorted(findings, key=lambda f: f.start_line)
    assert denied.message == (
        "New dependency `gplthing` (PyPI): `GPL-3.0-or-later` is denied by the licence policy "
        "(GPL-3.0-or-later)"
    )
    assert denied.url == "https://pypi/gplthing"
    assert unknown.message.endswith("cannot be judged by the licence policy: it is not on PyPI")
    assert notes == ["Licence of `flaky` (pypi) not checked: PyPI answered 503."]


def test_without_a_resolver_dependencies_are_a_note() -> None:
    findings, notes = scan([REQUIREMENTS])
    assert findings == []
    assert notes == [
        "Licences of 4 new dependencies were not checked: no package registry is configured."
    ]


def test_dependencies_off_asks_no_registry() -> None:
    resolver = FakeResolver(ANSWERS)
    snapshot = make_snapshot(files=[REQUIREMENTS])
    lines = {REQUIREMENTS.path: parse_patch(REQUIREMENTS.patch)}
    config = LicenceConfig(dependencies=False)
    assert licence_findings(snapshot, config, lines, resolver) == ([], [])
    assert resolver.asked == []


def test_fingerprint_survives_the_line_moving() -> None:
    first = scan([make_file("a.py", [f"# {TAG} GPL-3.0-only"])])[0]
    moved = scan([make_file("a.py", ["import os", "", f"# {TAG} GPL-3.0-only"])])[0]
    assert [f.start_line for f in moved] == [3]
    assert first[0].fingerprint == moved[0].fingerprint


def test_lesser_gpl_notice_is_allowed_by_default_and_named_under_an_allow_list() -> None:
    line = unmask("Released und|er the terms of the GNU LGPL v3 or later.")
    assert scan([make_file("README.md", [line])])[0] == []
    [finding] = scan([make_file("README.md", [line])], LicenceConfig(allow=("MIT",)))[0]
    assert finding.rule == "notice-unknown"
    assert "`LGPL-3.0-or-later` is not on the allow list" in finding.message


_PHRASES = (
    "Licensed under the MIT",
    "subject to the terms of the Mozilla Public License, v. 2.0",
    "under the GNU Lesser General Public License version 2.1",
    "SPDX-License-Identifier: Apache-2.0",
    "Permission is hereby granted, free of charge, to any person",
    "Redistribution and use in source and binary forms, with or without",
    "you may not use this file except in compliance with the",
    "released under GPLv3",
    "x = compute(values)",
    "# see the docs",
)


@given(
    st.lists(
        st.one_of(st.sampled_from(_PHRASES), st.text(max_size=60)).map(
            lambda t: t.replace("\n", " ")
        ),
        max_size=8,
    )
)
@settings(max_examples=300, deadline=None)
def test_the_gate_never_hides_a_licence_mention(lines: list[str]) -> None:
    from app.core.checks.licence.texts import comment_runs, hits_in, may_name_a_licence

    added = list(enumerate(lines, start=1))
    if not may_name_a_licence(added):
        assert [h for run in comment_runs(added) for h in hits_in(run)] == []


def test_a_tag_inside_a_string_literal_ends_where_the_expression_ends() -> None:
    f = make_file(
        "tests/test_vendored.py",
        [
            f'HEADER = "# {TAG} GPL-3.0-only\\ndef helper() -> int:\\n"',
            f"TEXT = '{TAG} MIT'  # allowed",
        ],
    )
    findings, _ = scan([f])
    assert rules(findings) == [("tests/test_vendored.py", 1, "spdx-denied", "failure")]
    assert "`GPL-3.0-only`" in findings[0].message
