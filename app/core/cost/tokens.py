"""Token counts for cost estimates, offline.

We count with OpenAI's `o200k_base` vocabulary (the GPT-4o / GPT-5 family) through `bpe_openai`, a
tiktoken-compatible BPE whose vocabulary files ship inside its wheel, so counting needs no network.
Anthropic publishes no offline tokenizer for Claude, and Google's and others' differ too; on source
code the modern byte-level BPEs land within about 10-20% of each other, which is well inside the
other assumptions of an estimate (how often an agent rewrote or re-read something). When the
library cannot be imported we fall back to a characters/4 rule, and every count says which
counter produced it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

ENCODING = "o200k_base"
# o200k_base measured 4.0-4.4 characters per token on Python sources (this repository, pydantic),
# so chars/4 matches it on code and errs a little high, the safe side for a budget. Bytes/3.6
# would overcount code by ~15%; it suits prose and non-Latin text better than code.
CHARS_PER_TOKEN = 4
FALLBACK_NAME = "chars/4 approximation (bpe_openai unavailable)"
# The library refuses a million characters, or 200,000 tokens, per call: split at line ends.
_CHUNK_CHARS = 100_000


class _Encoding(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


class TokenCounter(Protocol):
    """Anything that counts tokens and says what counted them."""

    @property
    def name(self) -> str: ...

    def count(self, text: str) -> int: ...


class RecordingCounter:
    """Counts nothing; keeps every text it is asked about (to have them counted elsewhere)."""

    name = "recording"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def count(self, text: str) -> int:
        self.texts.append(text)
        return 0


@dataclass(frozen=True)
class PrecountedCounter:
    """Counts made elsewhere, by text; a text not among them is counted by the chars/4 rule."""

    name: str
    counts: Mapping[str, int]

    def count(self, text: str) -> int:
        known = self.counts.get(text)
        return known if known is not None else math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens; `name` is shown in the report so readers know what counted."""

    name: str
    encoding: _Encoding | None = None

    def count(self, text: str) -> int:
        """Tokens in `text`, exactly for the BPE, approximately for the fallback."""
        if not text:
            return 0
        if self.encoding is None:
            return math.ceil(len(text) / CHARS_PER_TOKEN)
        return sum(len(self.encoding.encode_ordinary(chunk)) for chunk in _chunks(text))


def _chunks(text: str) -> list[str]:
    if len(text) <= _CHUNK_CHARS:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + _CHUNK_CHARS, len(text))
        if end < len(text):
            newline = text.rfind("\n", start, end)
            end = newline + 1 if newline > start else end
        out.append(text[start:end])
        start = end
    return out


def fallback_tokenizer() -> Tokenizer:
    """The characters/4 rule used when the BPE library is missing."""
    return Tokenizer(FALLBACK_NAME)


@cache
def default_tokenizer() -> Tokenizer:
    """The o200k_base BPE, loaded once on first use (about a second), else the fallback."""
    with warnings.catch_warnings():
        # bpe-openai 0.1.4 reads its vocabulary files (on import) with importlib.resources'
        # open_binary, deprecated since Python 3.11: a warning about the library, not about us.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import bpe_openai  # type: ignore[import-untyped]  # ships no py.typed marker
        except ImportError:
            return fallback_tokenizer()
        encoding: _Encoding = bpe_openai.get_encoding(ENCODING)
    return Tokenizer(f"{ENCODING} (bpe-openai {bpe_openai.__version__})", encoding)


def count_tokens(text: str) -> int:
    """Tokens in `text` with the default tokenizer."""
    return default_tokenizer().count(text)
