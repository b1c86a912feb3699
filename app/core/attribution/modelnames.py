"""Model names as agents write them, turned into the provider's API id.

Canonical ids have the shape each provider's API uses, which is also what price data is keyed
by: Anthropic joins version numbers with dashes (`claude-opus-4-5`), OpenAI, Google and others
keep dots (`gpt-5.4`, `gemini-2.5-pro`, `glm-5.3`). A name that states no model (`Claude`)
gives None; nothing is guessed.
"""

from __future__ import annotations

import re

# An API id anywhere in the text, after any provider path (`anthropic/`, `openrouter/x/`) or an
# agent's name (`OpenHands-GPT-5`).
_API_ID = re.compile(
    r"(?<![\w.])(?P<id>(?:claude|gpt|gemini|glm|deepseek|qwen\d*|kimi|grok|codestral"
    r"|devstral|mistral|llama\d*|o[1-9])(?:[-.][a-z0-9]+)+|o[1-9])(?![\w-])",
    re.IGNORECASE,
)
# Display names: `Claude Opus 4.5`, `Claude 3.5 Sonnet`, `Opus 4.6`, `Gemini 2.5 Pro`.
_CLAUDE_FAMILY_FIRST = re.compile(
    r"(?<!\w)(?:claude\s+)?(?P<family>opus|sonnet|haiku)\s+(?P<version>\d+(?:\.\d+)?)(?![\w.])",
    re.IGNORECASE,
)
_CLAUDE_VERSION_FIRST = re.compile(
    r"(?<!\w)claude\s+(?P<version>\d+(?:\.\d+)?)\s+(?P<family>opus|sonnet|haiku)(?!\w)",
    re.IGNORECASE,
)
_GEMINI = re.compile(
    r"(?<!\w)gemini\s+(?P<version>\d+(?:\.\d+)?)\s+(?P<tier>pro|flash-lite|flash|ultra)(?!\w)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"<[^<>]*@[^<>]*>")
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")


def _anthropic(model_id: str) -> str:
    return _DIGIT_DOT.sub("-", model_id)


# Families whose ids may carry no version number (`deepseek-chat`, `codestral-latest`); any
# other id needs a digit, so `claude.ai`, `gemini-cli` or `gemini-code-assist` are not models.
_UNVERSIONED = re.compile(r"^(?:deepseek|codestral|devstral|mistral)-", re.IGNORECASE)


def _is_model(raw: str) -> bool:
    return any(ch.isdigit() for ch in raw) or bool(_UNVERSIONED.match(raw))


def _canonical_id(raw: str) -> str:
    model_id = raw.lower()
    return _anthropic(model_id) if model_id.startswith("claude") else model_id


def model_from_text(text: str) -> str | None:
    """The model a trailer, identity name or disclosure names, as the provider's API id."""
    found = find_model(text)
    return found[0] if found else None


def find_model(text: str) -> tuple[str, int, int] | None:
    """The first model named in the text, as (API id, start, end) of the words naming it."""
    text = _EMAIL.sub(lambda m: " " * len(m[0]), text)
    for found in _API_ID.finditer(text):
        if _is_model(found["id"]):
            return _canonical_id(found["id"]), found.start(), found.end()
    return _display_name(text)


def _display_name(text: str) -> tuple[str, int, int] | None:
    if match := _CLAUDE_FAMILY_FIRST.search(text):
        model = f"claude-{match['family'].lower()}-{_anthropic(match['version'])}"
    elif match := _CLAUDE_VERSION_FIRST.search(text):
        model = f"claude-{_anthropic(match['version'])}-{match['family'].lower()}"
    elif match := _GEMINI.search(text):
        model = f"gemini-{match['version']}-{match['tier'].lower()}"
    else:
        return None
    return model, match.start(), match.end()
