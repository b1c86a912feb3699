"""Token counting: exact with the o200k_base BPE, a stated approximation without it."""

from __future__ import annotations

import sys

import pytest

from app.core.cost import tokens
from app.core.cost.tokens import FALLBACK_NAME, Tokenizer, default_tokenizer, fallback_tokenizer


def test_counts_a_known_string_exactly() -> None:
    # tiktoken's o200k_base encodes "hello world" as [24912, 2375].
    assert default_tokenizer().count("hello world") == 2


def test_names_the_vocabulary_that_counted() -> None:
    assert default_tokenizer().name.startswith("o200k_base (bpe-openai ")


def test_empty_text_is_no_tokens() -> None:
    assert default_tokenizer().count("") == 0
    assert fallback_tokenizer().count("") == 0


def test_text_past_the_library_limit_is_counted_in_chunks() -> None:
    line = "x = 1\n"
    assert default_tokenizer().count(line) == 5
    # 1.2 million characters: one call would be refused, chunks at line ends lose nothing.
    assert default_tokenizer().count(line * 200_000) == 5 * 200_000


def test_fallback_counts_four_characters_a_token_rounding_up() -> None:
    assert fallback_tokenizer().count("abcdefgh") == 2
    assert fallback_tokenizer().count("abcdefghi") == 3
    assert fallback_tokenizer().name == FALLBACK_NAME


def test_missing_library_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    default_tokenizer.cache_clear()
    monkeypatch.setitem(sys.modules, "bpe_openai", None)  # makes `import bpe_openai` fail
    try:
        tokenizer = default_tokenizer()
        assert tokenizer == Tokenizer(FALLBACK_NAME)
        assert tokens.count_tokens("abcdefgh") == 2
    finally:
        default_tokenizer.cache_clear()
