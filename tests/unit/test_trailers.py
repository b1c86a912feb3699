import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.attribution.trailers import parse_trailers, render_trailers, trailer_blocks

KEY = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,24}", fullmatch=True)
VALUE = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S"), include_characters=" "),
    min_size=1,
    max_size=40,
).filter(lambda v: v == v.strip() and bool(v))
TRAILERS = st.lists(st.tuples(KEY, VALUE), min_size=1, max_size=6)
# Prose: colons only after the first word, so no line is `Token: value` (a line like
# `note: this` *is* a trailer by git's rules, and belongs in the trailer tests).
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-,.'!?()", min_size=1, max_size=10)
LATER_WORD = st.tuples(WORD, st.sampled_from(["", ":"])).map("".join)
PROSE_LINE = st.tuples(WORD, st.lists(LATER_WORD, min_size=1, max_size=8)).map(
    lambda t: " ".join([t[0], *t[1]])
)
PROSE = st.lists(
    st.lists(PROSE_LINE, min_size=1, max_size=4).map("\n".join), min_size=1, max_size=4
).map("\n\n".join)
SUBJECT = "Add the feature"


def message(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


@given(TRAILERS, PROSE)
def test_parse_of_render_round_trips_with_lower_cased_keys(
    trailers: list[tuple[str, str]], body: str
) -> None:
    parsed = parse_trailers(message(SUBJECT, body, render_trailers(trailers)))
    assert [(t.key, t.value) for t in parsed] == [(k.lower(), v) for k, v in trailers]
    assert [t.line for t in parsed] == [f"{k}: {v}" for k, v in trailers]


@given(PROSE, PROSE)
def test_prose_never_yields_trailers(subject: str, body: str) -> None:
    assert parse_trailers(message(subject, body)) == []
    assert parse_trailers(message(subject + " (#12)", body, "---------", body)) == []


@given(TRAILERS, PROSE_LINE, st.integers(min_value=1, max_value=6))
def test_a_prose_line_inside_or_after_the_block_unmakes_it(
    trailers: list[tuple[str, str]], prose: str, at: int
) -> None:
    lines = render_trailers(trailers).split("\n")
    lines.insert(min(at, len(lines)), prose)
    assert parse_trailers(message(SUBJECT, "\n".join(lines))) == []


@given(TRAILERS, KEY, VALUE, st.sampled_from([" ", "   ", "\t"]))
def test_an_indented_line_is_never_a_trailer_of_its_own(
    trailers: list[tuple[str, str]], key: str, value: str, indent: str
) -> None:
    block = render_trailers(trailers)
    continued = parse_trailers(message(SUBJECT, f"{block}\n{indent}{key}: {value}"))
    # Git folds a continuation line into the trailer before it.
    assert [t.key for t in continued] == [k.lower() for k, _ in trailers]
    assert continued[-1].value.endswith(f"{key}: {value}")
    assert parse_trailers(message(SUBJECT, f"{indent}{key}: {value}\n{block}")) == []


@given(KEY, VALUE)
def test_keys_match_in_any_case(key: str, value: str) -> None:
    variants = {key, key.lower(), key.upper(), key.swapcase()}
    keys = {parse_trailers(message(SUBJECT, f"{k}: {value}"))[0].key for k in variants}
    assert keys == {key.lower()}


@given(TRAILERS)
def test_quoted_or_fenced_trailers_are_examples(trailers: list[tuple[str, str]]) -> None:
    block = render_trailers(trailers)
    quoted = "\n".join(f"> {line}" for line in block.split("\n"))
    assert parse_trailers(message(SUBJECT, quoted)) == []
    fenced = message(SUBJECT + " (#3)", f"```\n{block}\n```", "* second commit")
    assert parse_trailers(fenced) == []


@given(TRAILERS)
def test_the_subject_line_is_never_a_trailer(trailers: list[tuple[str, str]]) -> None:
    # Lines glued under the subject are trailers; the subject line itself never is.
    parsed = parse_trailers(render_trailers(trailers))
    assert [(t.key, t.value) for t in parsed] == [(k.lower(), v) for k, v in trailers[1:]]


def test_trailers_glued_to_a_closing_sentence_or_the_subject_are_read() -> None:
    claude = "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"
    after_prose = message(SUBJECT, f"The renamed paths keep their limits.\n{claude}")
    assert [t.line for t in parse_trailers(after_prose)] == [claude]
    under_subject = f"debug: log the parsed value\n{claude}"
    assert [t.line for t in parse_trailers(under_subject)] == [claude]
    squash = message(SUBJECT + " (#9)", "* one", "Made-with: Cursor", f"* two\n{claude}")
    assert [t.key for t in parse_trailers(squash)] == ["made-with", "co-authored-by"]


@pytest.mark.parametrize(
    "before",
    [
        "Disclose AI help with a trailer like:",
        "Add one of these, for example",
        "Agents write their name and model, e.g.",
        "Contributors add trailers such as",
        "- keep the tests green",
    ],
)
def test_trailers_glued_to_an_introduction_are_a_quotation(before: str) -> None:
    assert parse_trailers(message(SUBJECT, f"{before}\nAssisted-by: Claude:claude-opus-4-6")) == []


def test_every_trailer_paragraph_after_the_subject_is_read() -> None:
    copilot = message(
        SUBJECT,
        "Co-authored-by: Copilot App <223556219+Copilot@users.noreply.github.com>",
        "Copilot-Session: f71d9868-eef8-4fb0-84c6-df7c9a6a0ade",
    )
    assert [t.key for t in parse_trailers(copilot)] == ["co-authored-by", "copilot-session"]
    noted = message(SUBJECT, "Assisted-By: openai/gpt-5.5 via Crush", "Comment added by myself")
    assert [t.value for t in parse_trailers(noted)] == ["openai/gpt-5.5 via Crush"]


def test_a_one_line_message_with_escaped_line_breaks_is_read_as_lines() -> None:
    text = "Fix lint\\n\\n- run pre-commit\\n\\nCo-authored-by: openhands <openhands@all-hands.dev>"
    assert [(t.key, t.value) for t in parse_trailers(text)] == [
        ("co-authored-by", "openhands <openhands@all-hands.dev>")
    ]
    # A real message that mentions `\\n\\n` in its prose keeps its lines as they are.
    prose = message(SUBJECT, "Split on \\n\\n before parsing.\\nCo-authored-by: A <a@b.c>")
    assert parse_trailers(prose) == []


def test_a_paragraph_introduced_as_an_example_is_a_quotation() -> None:
    policy = message(
        "Add an AI contribution policy",
        "Disclose AI help with a trailer:",
        "Assisted-by: AGENT_NAME:MODEL_VERSION",
        "Signed-off-by: Jane Doe <jane@example.org>",
    )
    assert [t.key for t in parse_trailers(policy)] == ["signed-off-by"]


def test_squash_keeps_every_commit_paragraph_and_the_combined_block() -> None:
    squash = message(
        "Add retries (#42)",
        "* Add retry helper",
        "Co-Authored-By: Claude <noreply@anthropic.com>",
        "* Use it in the client\n\nexplained here: in prose",
        "Agent-Logs-Url: https://github.com/o/r/sessions/1",
        "---------",
        "Co-authored-by: Ada <ada@example.com>",
    )
    blocks = trailer_blocks(squash)
    assert [[t.key for t in b] for b in blocks] == [
        ["co-authored-by"],
        ["agent-logs-url"],
        ["co-authored-by"],
    ]


def test_crlf_messages_and_cherry_pick_notes() -> None:
    text = (
        "Fix\r\n\r\nCo-authored-by: A <a@example.com>\r\n(cherry picked from commit "
        "0123456789abcdef0123456789abcdef01234567)\r\n"
    )
    assert [(t.key, t.value) for t in parse_trailers(text)] == [
        ("co-authored-by", "A <a@example.com>")
    ]
