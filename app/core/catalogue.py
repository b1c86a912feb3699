"""Known AI coding tools and the exact marks they leave, as data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    """One AI coding tool: the identities and logins that prove its hand."""

    id: str
    emails: frozenset[str] = frozenset()
    logins: frozenset[str] = frozenset()


TOOLS: tuple[Tool, ...] = (
    Tool(
        "claude-code",
        emails=frozenset({"noreply@anthropic.com"}),
        logins=frozenset({"claude[bot]", "claude-code[bot]"}),
    ),
    Tool(
        "copilot-agent",
        emails=frozenset({"copilot@github.com"}),
        logins=frozenset({"copilot", "copilot-swe-agent[bot]"}),
    ),
    Tool("cursor", emails=frozenset({"cursoragent@cursor.com"}), logins=frozenset({"cursor[bot]"})),
    Tool(
        "codex",
        emails=frozenset({"noreply@openai.com", "codex@openai.com"}),
        logins=frozenset({"chatgpt-codex-connector[bot]"}),
    ),
    Tool("aider", emails=frozenset({"aider@aider.chat"})),
    Tool("devin", logins=frozenset({"devin-ai-integration[bot]"})),
    Tool("jules", logins=frozenset({"google-labs-jules[bot]"})),
    Tool("openhands", emails=frozenset({"openhands@all-hands.dev", "opendevin@all-hands.dev"})),
    Tool("amp", emails=frozenset({"amp@ampcode.com"})),
    Tool("crush", emails=frozenset({"crush@charm.land"})),
    Tool(
        "opencode",
        emails=frozenset({"noreply@opencode.ai"}),
        logins=frozenset({"opencode-agent[bot]"}),
    ),
    Tool("factory", logins=frozenset({"factory-droid[bot]"})),
    Tool("warp", emails=frozenset({"agent@warp.dev"})),
)

_NOREPLY_SUFFIX = "@users.noreply.github.com"


def noreply_login(email: str) -> str | None:
    """The login in a GitHub noreply address (`<id>+<login>@users.noreply.github.com`)."""
    email = email.strip().lower()
    if not email.endswith(_NOREPLY_SUFFIX):
        return None
    local = email[: -len(_NOREPLY_SUFFIX)]
    return local.split("+", 1)[1] if "+" in local else local


def tool_for_identity(email: str, login: str | None = None) -> Tool | None:
    """The tool whose exact email or login this is; never matched by domain or substring."""
    email = email.strip().lower()
    candidates = {x.lower() for x in (login, noreply_login(email)) if x}
    for tool in TOOLS:
        if email in tool.emails or candidates & tool.logins:
            return tool
    return None
