"""An undefined name on an untouched line is the change's finding when the change removed the
name's module-level binding (the recall corpus's "unused imports" clean-ups)."""

from __future__ import annotations

from app.core.checks.removedbindings import removed_bindings, undefined_name
from app.core.config.model import Config, GateConfig
from app.core.models import FileDiff
from app.core.pipeline import analyse
from app.core.ports import LintDiagnostic
from tests.builders import FakeLinters, make_commit, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
# Base: 1 import os, 2 import json as j, 3 from x import (a, 4 b as c), 5 def helper():,
# 6 pass, 7 LIMIT = 3; the change removes 1-4, the definition and the constant, and adds a line.
PATCH = "\n".join(
    [
        "@@ -1,12 +1,6 @@",
        "-import os",
        "-import json as j, re.sub",
        "-from .x import (a,",
        "-    b as c)",
        "+import sys",
        "-def helper():",
        "-    retries = 2",
        "-    pass",
        "-LIMIT: int = 3",
        " ",
        " def run():",
        "     return os.getcwd(), j, a, c, helper, LIMIT, retries, sys",
    ]
)


def modified(path: str, patch: str) -> FileDiff:
    return FileDiff(path=path, status="modified", blob_sha="b" * 40, patch=patch, additions=1)


def f821(path: str, line: int, name: str) -> LintDiagnostic:
    return LintDiagnostic(
        path=path, line=line, end_line=line, rule="F821", message=f"Undefined name `{name}`"
    )


def test_module_level_bindings_a_patch_removes_are_named_with_where_they_stood() -> None:
    found = removed_bindings(PATCH)
    assert found == {"os": 1, "j": 1, "re": 1, "a": 1, "c": 1, "helper": 2, "LIMIT": 2}
    # Nested bindings (a local variable) say nothing about another scope.
    assert "retries" not in found


def test_added_context_and_indented_lines_bind_nothing() -> None:
    patch = "@@ -1,3 +1,3 @@\n import os\n+import re\n-    import json\n-    x = 1\n-x == 2\n"
    assert removed_bindings(patch) == {}
    assert removed_bindings(None) == {}


def test_the_name_is_read_from_ruffs_message() -> None:
    assert undefined_name("Undefined name `os`") == "os"
    assert undefined_name("Unused import") is None


def test_a_name_the_change_unbound_is_reported_on_its_untouched_line_and_fails_the_gate() -> None:
    snapshot = make_snapshot(
        files=[modified("pkg/a.py", PATCH)],
        commits=[make_commit(trailers=[CLAUDE])],
        contents={"pkg/a.py": "import sys\n\ndef run():\n    return os.getcwd()\n"},
    )
    linters = FakeLinters([f821("pkg/a.py", 6, "os"), f821("pkg/a.py", 6, "retries")])

    report = analyse(snapshot, Config(gate=GateConfig(fail_on="failure")), linters)

    [finding] = report.findings
    assert (finding.rule, finding.start_line, finding.level) == ("F821", 6, "failure")
    assert finding.message == "Undefined name `os` (this change removed its binding at line 1)"
    assert finding.in_diff
    assert report.verdict.conclusion == "failure"


def test_an_undefined_name_the_change_did_not_unbind_stays_out() -> None:
    """Already undefined at the base (a name a framework injects, say): not the change's."""
    patch = "@@ -1,3 +1,3 @@\n-print(_('old'))\n+print('new')\n \n x = _('kept')\n"
    snapshot = make_snapshot(files=[modified("pkg/a.py", patch)])
    report = analyse(snapshot, Config(), FakeLinters([f821("pkg/a.py", 3, "_")]))
    assert report.findings == ()
