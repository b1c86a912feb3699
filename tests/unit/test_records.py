"""Parsing Agent Trace files and git-ai notes into head-line records."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.attribution import records
from app.core.attribution.agenttrace import parse_agent_trace
from app.core.attribution.gitai import GitAiNote, NotedLines, note_records, parse_git_ai_note
from app.core.attribution.records import tool_id

TRACE = ".agent-trace/traces.jsonl"
HEAD = "f" * 40
C1 = "1" * 40
C2 = "2" * 40
SESSION = "d9978a8723e02b52"


def trace_line(
    files: list[dict[str, object]],
    *,
    tool: str | None = "cursor",
    revision: str | None = None,
) -> str:
    record: dict[str, object] = {
        "version": "0.1.0",
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2026-01-23T14:30:00Z",
        "files": files,
    }
    if tool is not None:
        record["tool"] = {"name": tool, "version": "2.4.0"}
    if revision is not None:
        record["vcs"] = {"type": "git", "revision": revision}
    return json.dumps(record)


def ai_file(
    path: str, *ranges: tuple[int, int], model: str | None = "anthropic/claude-opus-4-5-20251101"
) -> dict[str, object]:
    contributor: dict[str, object] = {"type": "ai"}
    if model is not None:
        contributor["model_id"] = model
    return {
        "path": path,
        "conversations": [
            {
                "url": "https://api.cursor.com/v1/conversations/12345",
                "contributor": contributor,
                "ranges": [{"start_line": s, "end_line": e} for s, e in ranges],
            }
        ],
    }


def note_text(attestations: str, prompts: dict[str, dict[str, str]]) -> str:
    meta = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.0.23",
        "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
        "prompts": {
            h: {
                "agent_id": agent,
                "human_author": "Developer <dev@example.com>",
                "messages": [],
                "total_additions": 5,
                "total_deletions": 0,
                "accepted_lines": 5,
                "overriden_lines": 0,
            }
            for h, agent in prompts.items()
        },
    }
    return attestations + "---\n" + json.dumps(meta, indent=2)


CLAUDE = {"tool": "claude", "id": "6ef2299e", "model": "Claude-Opus-4-5"}


# --- Agent Trace ---------------------------------------------------------------------------


def test_trace_ranges_at_head_become_records_with_tool_model_and_source() -> None:
    text = trace_line([ai_file("src/parser.ts", (42, 44), (50, 50))], revision=HEAD) + "\n"

    found, notes = parse_agent_trace(text, TRACE, head_sha=HEAD)

    assert notes == []
    [record] = found
    assert record.path == "src/parser.ts"
    assert record.lines == {42, 43, 44, 50}
    assert record.tool == "cursor"
    assert record.model == "anthropic/claude-opus-4-5-20251101"
    assert record.source == f"{TRACE}:1"


def test_record_without_vcs_is_read_as_head_lines() -> None:
    found, _ = parse_agent_trace(trace_line([ai_file("a.py", (1, 2))], tool=None), TRACE)
    assert [(r.path, r.lines, r.tool) for r in found] == [("a.py", frozenset({1, 2}), "unknown")]


def test_only_ai_contributors_count_and_ranges_override_the_conversation() -> None:
    conversation = {
        "contributor": {"type": "ai", "model_id": "openai/gpt-4o"},
        "ranges": [
            {"start_line": 1, "end_line": 3},
            {"start_line": 10, "end_line": 12, "contributor": {"type": "human"}},
        ],
    }
    human = {"contributor": {"type": "mixed"}, "ranges": [{"start_line": 20, "end_line": 21}]}
    handoff = {
        "contributor": {"type": "human"},
        "ranges": [
            {"start_line": 30, "end_line": 30, "contributor": {"type": "ai", "model_id": "X/Y"}}
        ],
    }
    no_contributor = {"ranges": [{"start_line": 40, "end_line": 40}]}
    file: dict[str, object] = {
        "path": "m.py",
        "conversations": [conversation, human, handoff, no_contributor],
    }

    found, notes = parse_agent_trace(trace_line([file]), TRACE)

    assert notes == []
    assert sorted((min(r.lines), max(r.lines), r.model) for r in found) == [
        (1, 3, "openai/gpt-4o"),
        (30, 30, "x/y"),
    ]


def test_records_from_several_lines_keep_their_own_source_line() -> None:
    text = "\n".join(
        [trace_line([ai_file("a.py", (1, 1))]), "", trace_line([ai_file("b.py", (2, 2))])]
    )
    found, _ = parse_agent_trace(text, TRACE)
    assert [(r.path, r.source) for r in found] == [("a.py", f"{TRACE}:1"), ("b.py", f"{TRACE}:3")]


def test_malformed_lines_are_skipped_with_a_note_each() -> None:
    bad_range: dict[str, object] = {
        "path": "c.py",
        "conversations": [
            {
                "contributor": {"type": "ai"},
                "ranges": [{"start_line": "1", "end_line": 2}, {"start_line": 9, "end_line": 3}],
            }
        ],
    }
    text = "\n".join(
        [
            "{not json",
            "[1, 2]",
            json.dumps({"version": "1.0", "files": "a.py"}),
            trace_line([bad_range, ai_file("ok.py", (5, 5))]),
        ]
    )

    found, notes = parse_agent_trace(text, TRACE)

    assert [(r.path, r.lines) for r in found] == [("ok.py", frozenset({5}))]
    assert notes == [
        f"{TRACE}:1: not valid JSON; skipped.",
        f"{TRACE}:2: not an Agent Trace record (no `files` list); skipped.",
        f"{TRACE}:3: not an Agent Trace record (no `files` list); skipped.",
        f"{TRACE}:4: a range without integer start_line/end_line was skipped.",
        f"{TRACE}:4: range 9-3 is invalid or too large; skipped.",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_trace_file_gives_nothing(text: str) -> None:
    assert parse_agent_trace(text, TRACE) == ([], [])


@pytest.mark.parametrize(
    "path", ["../x.py", "src/../../etc/passwd", "/home/me/project/a.py", "C:\\repo\\a.py"]
)
def test_paths_outside_the_repository_are_ignored_with_a_note(path: str) -> None:
    found, notes = parse_agent_trace(trace_line([ai_file(path, (1, 1))]), TRACE)
    assert found == []
    assert len(notes) == 1
    assert "is not inside the repository" in notes[0]


def test_dot_slash_paths_are_normalised_and_hook_pseudo_paths_dropped() -> None:
    text = trace_line([ai_file("./src/a.py", (1, 1)), ai_file(".shell-history", (1, 1))])
    found, notes = parse_agent_trace(text, TRACE)
    assert [r.path for r in found] == ["src/a.py"]
    assert notes == []


def test_huge_ranges_are_bounded() -> None:
    found, notes = parse_agent_trace(trace_line([ai_file("a.py", (1, 10**12))]), TRACE)
    [record] = found
    assert max(record.lines) == records.MAX_LINE_NUMBER
    assert notes == []
    many = "\n".join(trace_line([ai_file("a.py", (1, 999_999))]) for _ in range(3))
    found, notes = parse_agent_trace(many, TRACE)
    assert sum(len(r.lines) for r in found) <= records.MAX_LINES_TOTAL
    assert notes == [f"{TRACE}:3: range 1-999999 is invalid or too large; skipped."]


def test_huge_text_is_cut_and_notes_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "MAX_TEXT_CHARS", 200)
    found, notes = parse_agent_trace("x\n" * 1000, TRACE)
    assert found == []
    assert notes[0] == f"`{TRACE}` is over 200 characters: only the start was read."
    assert len(notes) == records.MAX_NOTES + 1
    assert notes[-1].endswith("more record problems.")


def test_earlier_revision_without_blame_is_skipped_with_one_note() -> None:
    text = "\n".join(trace_line([ai_file(p, (1, 3))], revision=C1) for p in ("a.py", "b.py"))
    found, notes = parse_agent_trace(text, TRACE, head_sha=HEAD)
    assert found == []
    assert len(notes) == 1
    assert notes[0].startswith("2 Agent Trace record(s) were made at earlier revisions")


def test_earlier_revision_is_placed_through_blame_origins() -> None:
    # C2 (child of C1) wrote a.py; head lines 5-7 come from C2's lines 1-3, line 8 from C1.
    origins = {
        "a.py": {
            5: (C2, "a.py", 1),
            6: (C2, "a.py", 2),
            7: (C2, "a.py", 3),
            8: (C1, "a.py", 2),
        }
    }
    parents = {C1: "0" * 40, C2: C1}
    # The reference hook records HEAD (C1) before the edit that C2 then commits.
    at_parent = trace_line([ai_file("a.py", (2, 3))], revision=C1)
    # A writer following the spec's wording records C2 itself.
    at_commit = trace_line([ai_file("a.py", (1, 1))], revision=C2[:12])
    outside = trace_line([ai_file("a.py", (1, 1))], revision="9" * 40)

    found, notes = parse_agent_trace(
        "\n".join([at_parent, at_commit, outside]),
        TRACE,
        head_sha=HEAD,
        origins=origins,
        parents=parents,
    )

    assert {r.source: r.lines for r in found} == {f"{TRACE}:1": {6, 7, 8}, f"{TRACE}:2": {5}}
    assert notes == [
        "1 Agent Trace record(s) were made at revisions outside this PR (neither the head "
        "nor its commits or their parents); they were not used."
    ]


def test_trace_at_an_earlier_revision_follows_a_rename() -> None:
    origins = {"new.py": {1: (C2, "new.py", 1), 2: (C1, "old.py", 1), 3: (C1, "old.py", 2)}}
    text = trace_line([ai_file("old.py", (2, 9))], revision=C1)
    found, notes = parse_agent_trace(
        text, TRACE, head_sha=HEAD, origins=origins, parents={C1: "0" * 40, C2: C1}
    )
    assert notes == []
    assert [(r.path, r.lines) for r in found] == [("new.py", frozenset({3}))]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("claude-code", "claude-code"),
        ("Claude", "claude-code"),
        ("cursor", "cursor"),
        ("github-copilot", "copilot-agent"),
        ("codex", "codex"),
        ("droid", "factory"),
        ("Gemini", "gemini"),
        ("", "unknown"),
    ],
)
def test_tool_names_map_to_our_ids(name: str, expected: str) -> None:
    assert tool_id(name) == expected


# --- git-ai ------------------------------------------------------------------------------


def test_git_ai_note_gives_lines_tool_and_model_per_file() -> None:
    text = note_text(
        f"src/main.rs\n  {SESSION} 1-4,9-10,12\n  e5be5f8723e02b52 20\n"
        f'"src/my file.rs"\n  {SESSION} 7\n',
        {
            SESSION: CLAUDE,
            "e5be5f8723e02b52": {"tool": "cursor", "id": "a1", "model": "unknown"},
        },
    )

    note = parse_git_ai_note(C1, text)

    assert note.notes == ()
    assert note.commit_sha == C1
    assert note.files == (
        NotedLines(
            "src/main.rs", frozenset({1, 2, 3, 4, 9, 10, 12}), "claude-code", "claude-opus-4-5"
        ),
        NotedLines("src/main.rs", frozenset({20}), "cursor", None),
        NotedLines("src/my file.rs", frozenset({7}), "claude-code", "claude-opus-4-5"),
    )


def test_git_ai_short_hashes_are_accepted() -> None:
    note = parse_git_ai_note(C1, note_text("a.py\n  abcdef0 3\n", {"abcdef0": CLAUDE}))
    assert [(f.path, f.lines) for f in note.files] == [("a.py", frozenset({3}))]


def test_git_ai_without_divider_is_not_a_log() -> None:
    note = parse_git_ai_note(C1, "a.py\n  d9978a8723e02b52 1-4\n")
    assert note.files == ()
    assert note.notes == (f"refs/notes/ai:{C1[:12]}: not a git-ai authorship log (no `---`).",)


def test_git_ai_empty_note_gives_nothing() -> None:
    assert parse_git_ai_note(C1, "").files == ()
    assert parse_git_ai_note(C1, note_text("", {})) == GitAiNote(C1)


def test_git_ai_malformed_entries_are_skipped_with_notes() -> None:
    text = note_text(
        f"  {SESSION} 1\n"  # an entry before any path
        f"a.py\n  {SESSION} 1-x\n  nothex 2\n  {SESSION} 5\n  0123456789abcdef 6\n"
        f"../etc/passwd\n  {SESSION} 1\n/abs/path.py\n  {SESSION} 1\n",
        {SESSION: CLAUDE},
    )

    note = parse_git_ai_note(C1, text)

    assert [(f.path, f.lines) for f in note.files] == [("a.py", frozenset({5}))]
    where = f"refs/notes/ai:{C1[:12]}"
    assert note.notes == (
        f"{where}: attestation line '{SESSION} 1' was skipped.",
        f"{where}: attestation line '{SESSION} 1-x' was skipped.",
        f"{where}: attestation line 'nothex 2' was skipped.",
        f"{where}: path '../etc/passwd' is not inside the repository.",
        f"{where}: path '/abs/path.py' is not inside the repository.",
        f"{where}: session 0123456789abcdef of `a.py` is not in the note's prompts.",
    )


def test_git_ai_bad_metadata_json_means_no_lines() -> None:
    note = parse_git_ai_note(C1, f"a.py\n  {SESSION} 1\n---\n{{oops")
    assert note.files == ()
    assert f"refs/notes/ai:{C1[:12]}: the metadata section is not valid JSON." in note.notes


def test_note_records_keep_only_head_lines_whose_origin_line_is_marked() -> None:
    note = parse_git_ai_note(C1, note_text(f"old.py\n  {SESSION} 1-3\n", {SESSION: CLAUDE}))
    # old.py was renamed new.py; head line 2 was rewritten by C2, line 4 inserted by C2.
    origins = {
        "new.py": {
            1: (C1, "old.py", 1),
            2: (C2, "new.py", 2),
            3: (C1, "old.py", 3),
            4: (C2, "new.py", 4),
            5: (C1, "old.py", 4),
        }
    }

    [record] = note_records([note], origins)

    assert record.path == "new.py"
    assert record.lines == {1, 3}
    assert (record.tool, record.model) == ("claude-code", "claude-opus-4-5")
    assert record.source == f"refs/notes/ai:{C1}"


def test_note_records_later_session_wins_on_the_same_line() -> None:
    text = note_text(
        f"a.py\n  {SESSION} 1-2\n  e5be5f8723e02b52 2\n",
        {SESSION: CLAUDE, "e5be5f8723e02b52": {"tool": "codex", "id": "x", "model": "gpt-5"}},
    )
    origins = {"a.py": {1: (C1, "a.py", 1), 2: (C1, "a.py", 2)}}
    found = note_records([parse_git_ai_note(C1, text)], origins)
    assert {(r.tool, tuple(sorted(r.lines))) for r in found} == {
        ("claude-code", (1,)),
        ("codex", (2,)),
    }


def test_note_records_without_notes_or_origins_are_empty() -> None:
    note = parse_git_ai_note(C1, note_text(f"a.py\n  {SESSION} 1\n", {SESSION: CLAUDE}))
    assert note_records([], {"a.py": {1: (C1, "a.py", 1)}}) == []
    assert note_records([note], {}) == []


@given(st.text(max_size=400))
def test_agent_trace_parser_never_raises(text: str) -> None:
    found, notes = parse_agent_trace(text, TRACE)
    assert all(r.lines for r in found)
    assert all(isinstance(n, str) for n in notes)


_NOTE_CHARS = st.text(alphabet=st.sampled_from(' \n-,0123456789abcdef"{}[]:./'), max_size=200)


@given(_NOTE_CHARS, st.one_of(_NOTE_CHARS, st.text(max_size=200)))
def test_git_ai_parser_never_raises(attestations: str, metadata: str) -> None:
    note = parse_git_ai_note(C1, f"{attestations}\n---\n{metadata}")
    assert all(f.lines for f in note.files)


def test_deeply_nested_json_is_a_note_not_a_crash() -> None:
    found, notes = parse_agent_trace("[" * 100_000, TRACE)
    assert found == []
    assert notes == [f"{TRACE}:1: not valid JSON; skipped."]
    note = parse_git_ai_note(C1, f"a.py\n  {SESSION} 1\n---\n" + "[" * 100_000)
    assert note.files == ()


def test_boolean_line_numbers_are_rejected() -> None:
    file: dict[str, object] = {
        "path": "a.py",
        "conversations": [
            {"contributor": {"type": "ai"}, "ranges": [{"start_line": True, "end_line": True}]}
        ],
    }
    found, notes = parse_agent_trace(trace_line([file]), TRACE)
    assert found == []
    assert notes == [f"{TRACE}:1: a range without integer start_line/end_line was skipped."]
