"""Known AI coding tools and the exact marks they leave, as data, with exact-match look-ups.

Confidence levels (the H/M/L of the attribution catalogue, as numbers):
- HIGH 0.95: the tool's own source or docs, or wide use; a default the tool writes itself.
- MEDIUM 0.8: occasional or opt-in forms, secondary lists.
- LOW 0.6: conventions and third-party lists; still an exact, tool-specific identity.
- WEAK 0.3: evidence that does not prove the tool's hand alone (aider renames the committer
  even for commits the user made; short branch prefixes a human may also pick). It sits below
  the default decision threshold (0.5), so it only ever adds to other evidence of the same tool.

Identities are matched exactly, never by domain or substring: humans commit from `@anthropic.com`
and only `noreply@anthropic.com` is Claude. GitHub noreply addresses are matched by their login;
the numeric id is used only to tell apart products that share a login (Copilot's agent, review
and editor forms all write `<id>+Copilot@…`), because ids mislead (claude-code-action writes
`41898282+claude[bot]`, and 41898282 is github-actions[bot]).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HIGH = 0.95
MEDIUM = 0.8
LOW = 0.6
WEAK = 0.3

_NOREPLY = re.compile(r"^(?:(?P<id>\d+)\+)?(?P<login>[^@+\s]+)@users\.noreply\.github\.com$")


@dataclass(frozen=True)
class IdentityRule:
    """A git identity or GitHub account that only this tool uses.

    Every field given must match (lower-cased, exactly). A name is never enough alone: a rule
    has an email or a login. `account_id` only refines a login shared by several products.
    """

    tool: str
    confidence: float
    email: str | None = None
    login: str | None = None
    name: str | None = None
    account_id: str | None = None

    @property
    def specificity(self) -> int:
        # A tool-specific name beats an account id: Copilot Autofix and Copilot's review
        # suggestions share the id 175728472 and differ only by name.
        weights = ((self.email, 2), (self.login, 2), (self.name, 3), (self.account_id, 1))
        return sum(weight for field, weight in weights if field is not None)


@dataclass(frozen=True)
class TrailerRule:
    """A trailer key only this tool writes, with the value shape it writes (if any)."""

    key: str
    tool: str
    confidence: float
    value: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Marker:
    """A phrase or URL shape a tool writes into commit messages or PR bodies/titles.

    `subject` markers are matched against the commit subject (or PR title) only.
    """

    tool: str
    pattern: re.Pattern[str]
    confidence: float
    commit: bool = True
    pull_request: bool = True
    subject: bool = False


@dataclass(frozen=True)
class BranchRule:
    tool: str
    pattern: re.Pattern[str]
    confidence: float


@dataclass(frozen=True)
class NameSuffix:
    """A suffix a tool appends to the git user's name (aider's `--attribute-author`)."""

    tool: str
    suffix: str
    author_confidence: float
    committer_confidence: float


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _ids(
    tool: str, confidence: float, *, emails: tuple[str, ...] = (), logins: tuple[str, ...] = ()
) -> tuple[IdentityRule, ...]:
    return tuple(IdentityRule(tool, confidence, email=e) for e in emails) + tuple(
        IdentityRule(tool, confidence, login=x) for x in logins
    )


IDENTITIES: tuple[IdentityRule, ...] = (
    # Claude Code (CLI/IDE/web) and claude-code-action / the Claude GitHub App.
    *_ids("claude-code", HIGH, emails=("noreply@anthropic.com",)),
    *_ids("claude-code", HIGH, logins=("claude[bot]", "claude-code[bot]")),
    # GitHub Copilot: the coding agent, code-review suggestions, Autofix, CLI and VS Code.
    *_ids("copilot-agent", HIGH, logins=("copilot-swe-agent[bot]",)),
    IdentityRule("copilot-agent", MEDIUM, login="copilot"),
    IdentityRule("copilot-agent", HIGH, login="copilot", account_id="198982749"),
    IdentityRule("copilot-review", HIGH, login="copilot", account_id="175728472"),
    *_ids("copilot-review", HIGH, logins=("copilot-pull-request-reviewer[bot]",)),
    IdentityRule("copilot-autofix", HIGH, login="copilot", name="copilot autofix powered by ai"),
    # Code scanning's Autofix co-authors as the advanced-security app under the same name;
    # that login alone is CodeQL's, not AI.
    IdentityRule(
        "copilot-autofix",
        HIGH,
        login="github-advanced-security[bot]",
        name="copilot autofix powered by ai",
    ),
    IdentityRule("copilot-cli", HIGH, login="copilot", account_id="223556219"),
    IdentityRule("copilot-cli", HIGH, login="copilot", name="copilot app"),
    *_ids("copilot-cli", HIGH, emails=("copilot@github.com",)),
    # Cursor: editor/CLI agent and cloud agents; Bugbot reviews as cursor[bot].
    *_ids("cursor", HIGH, emails=("cursoragent@cursor.com",)),
    *_ids("cursor", MEDIUM, logins=("cursor[bot]",)),
    # OpenAI Codex: CLI co-author, cloud/app identity, the ChatGPT connector app.
    *_ids("codex", HIGH, emails=("noreply@openai.com", "codex@openai.com")),
    *_ids("codex", HIGH, logins=("chatgpt-codex-connector[bot]",)),
    *_ids("aider", HIGH, emails=("aider@aider.chat",)),
    *_ids("aider", MEDIUM, emails=("noreply@aider.dev",)),  # the co-author's first release
    *_ids("devin", HIGH, logins=("devin-ai-integration[bot]",)),
    *_ids("jules", HIGH, logins=("google-labs-jules[bot]",)),
    *_ids("jules", MEDIUM, logins=("jules-fleet[bot]",)),
    *_ids("gemini", HIGH, logins=("gemini-code-assist[bot]",)),
    *_ids("gemini", MEDIUM, logins=("gemini-cli[bot]",)),
    *_ids("openhands", HIGH, emails=("openhands@all-hands.dev", "opendevin@all-hands.dev")),
    *_ids("openhands", MEDIUM, logins=("openhands-agent",)),
    *_ids("crush", HIGH, emails=("crush@charm.land",)),
    *_ids("crush", MEDIUM, logins=("charmcrush",)),  # `<model> via Crush <…+charmcrush@…>`
    *_ids("termai", MEDIUM, emails=("noreply@termai.io",)),
    *_ids("opencode", HIGH, emails=("noreply@opencode.ai",)),
    *_ids("opencode", MEDIUM, logins=("opencode-agent[bot]",)),
    *_ids("amp", MEDIUM, emails=("amp@ampcode.com",)),
    *_ids("factory", MEDIUM, logins=("factory-droid[bot]",)),
    *_ids("warp", MEDIUM, emails=("agent@warp.dev", "oz-agent@warp.dev")),  # Oz: Warp's agent
    *_ids("forgecode", MEDIUM, emails=("noreply@forgecode.dev",)),
    *_ids("kiro", LOW, logins=("kiro-agent",)),
    *_ids("amazon-q", MEDIUM, logins=("amazon-q-developer[bot]",)),
    *_ids(
        "qodo",
        HIGH,
        logins=(
            "qodo-merge-pro-for-open-source[bot]",
            "qodo-merge-for-open-source[bot]",
            "codiumai-pr-agent-pro[bot]",
            "qodo-merge-pro[bot]",
        ),
    ),
    *_ids("coderabbit", MEDIUM, logins=("coderabbitai[bot]",)),
    *_ids("windsurf", LOW, logins=("windsurf-bot[bot]",)),
    *_ids("cline", LOW, logins=("cline[bot]",)),
    *_ids("continue", LOW, logins=("continue[bot]",)),
    # Continue's CLI (`cn`) co-author, and its cloud agent's.
    *_ids("continue", HIGH, emails=("noreply@continue.dev",)),
    *_ids("continue", MEDIUM, emails=("agent@continue.dev",)),
    *_ids("sweep", LOW, logins=("sweep-ai[bot]",)),
    *_ids("roo", LOW, emails=("roomote@roocode.com",)),
    *_ids("roo", LOW, logins=("roomote[bot]", "roomote-v0[bot]")),  # Roo's cloud agent
)

# Automation that is not AI: seen as authors, committers and co-authors; never an agent, and
# never made AI by a pull-request-level signal either.
NON_AI_LOGINS: frozenset[str] = frozenset(
    {
        "dependabot[bot]",
        "dependabot-preview[bot]",
        "dependabot",
        "renovate[bot]",
        "renovate-bot",
        "github-actions[bot]",
        "github-actions",
        "pre-commit-ci[bot]",
        "mergify[bot]",
        "web-flow",
        "gemini-cli-robot",
        "release-please[bot]",
        "semantic-release-bot",
        "github-merge-queue[bot]",
        "allcontributors[bot]",
        "imgbot[bot]",
        "snyk-bot",
    }
)
NON_AI_EMAILS: frozenset[str] = frozenset(
    {
        "bot@renovateapp.com",
        "actions@github.com",
        "noreply@github.com",  # web-flow: the committer of web edits and the Copilot agent
        "support@github.com",  # dependabot's Signed-off-by
    }
)
NON_AI_BRANCHES: tuple[str, ...] = ("dependabot/", "renovate/", "pre-commit-ci-update-config")
# Text that looks generated but is not AI authorship: review-bot summaries in PR bodies and
# classic code generators. None of it is a signal; it is listed so nobody adds it as one.
NON_AI_MARKERS: tuple[str, ...] = (
    "## Summary by CodeRabbit",
    "Summary by Sourcery",
    "DO NOT EDIT",
    "@generated",
)

# Keys whose value names who reviewed, reported or was told: an agent's identity there is no
# evidence of authorship (Copilot reviews, an agent files an issue). In any other trailer, an
# agent's exact identity is (`Co-authored-by`, `Signed-off-by`: Codex cloud signs off as itself).
NON_AUTHOR_TRAILER_KEYS: frozenset[str] = frozenset(
    {
        "reviewed-by",
        "reported-by",
        "tested-by",
        "acked-by",
        "approved-by",
        "suggested-by",
        "requested-by",
        "cc",
        "reviewer",
        "reviewers",
    }
)
# Keys whose value may name an agent with no email at all (`Co-Authored-By: Claude Opus 4.6`):
# the whole name must be an agent's, so `Claudia` or `Claude Monet` is not Claude.
CO_AUTHOR_TRAILER_KEYS: frozenset[str] = frozenset(
    {"co-authored-by", "co-developed-by", "co-authored", "authored-by", "written-by"}
)
# Keys that say AI was used whatever their value names (`AI-assisted: yes`); a value naming no
# tool counts for the tool `other`.
DISCLOSURE_TRAILER_KEYS: frozenset[str] = frozenset(
    {"ai-assisted", "ai-generated", "ai-tools", "ai-tool", "ai-model", "ai-agent"}
)
# Keys of the kernel's and Fedora's policies and their drifts: they count when the value names a
# known tool, a model, or AI in general (`Assisted-by: AI`, `Generated-by: LLM`), never a
# person (`Assisted-by: Grace Hopper`) or a classic generator (`Generated-by: protoc`).
NAMED_DISCLOSURE_TRAILER_KEYS: frozenset[str] = frozenset(
    {"assisted-by", "generated-by", "claude-generated-by", "ai-assisted-by", "generated-with", "ai"}
)

TRAILERS: tuple[TrailerRule, ...] = (
    TrailerRule("claude-session", "claude-code", HIGH),
    TrailerRule("copilot-session", "copilot-cli", HIGH, _re(r"^[0-9a-f]{8}-[0-9a-f-]{27}$")),
    TrailerRule(
        "agent-logs-url",
        "copilot-agent",
        HIGH,
        _re(r"^https://[^/\s]+/[^/\s]+/[^/\s]+/sessions/"),
    ),
    TrailerRule("amp-thread-id", "amp", HIGH),
    TrailerRule("replit-commit-author", "replit", MEDIUM, _re(r"^(?:Agent|Assistant)\b")),
    TrailerRule("replit-commit-session-id", "replit", WEAK),
    TrailerRule("entire-checkpoint", "entire", MEDIUM),
    TrailerRule("entire-session", "entire", MEDIUM),
    TrailerRule("entire-agent", "entire", MEDIUM),
    TrailerRule("made-with", "cursor", HIGH, _re(r"^Cursor\b")),
)

# The names agents go by, as written in disclosures (`Assisted-by: Claude Code:claude-opus-4.6`)
# and name-only co-authors (`Co-Authored-By: Codex (GPT-5.5)`), with the tool each names.
AGENT_NAMES: tuple[tuple[str, str], ...] = (
    (r"claude(?: ?code)?|anthropic", "claude-code"),
    (r"(?:github )?copilot", "copilot-cli"),
    (r"cursor(?: agent)?", "cursor"),
    (r"(?:openai )?codex", "codex"),
    (r"chatgpt\w*|openai|gpt\S*", "chatgpt"),
    (r"gemini(?:[ -]cli| code assist)?", "gemini"),
    (r"aider", "aider"),
    (r"devin(?: ai)?", "devin"),
    (r"jules", "jules"),
    (r"crush|charm crush", "crush"),
    (r"opencode", "opencode"),
    (r"amp", "amp"),
    (r"windsurf", "windsurf"),
    (r"cline", "cline"),
    (r"roo(?: code)?(?: \w+ mode)?", "roo"),  # `Roo Code Translate Mode`, a Roo mode
    (r"kiro", "kiro"),
    (r"openhands", "openhands"),
    (r"amazon q(?: developer)?", "amazon-q"),
    (r"forgecode", "forgecode"),
    (r"warp", "warp"),
    (r"factory(?: droid)?", "factory"),
    (r"qodo", "qodo"),
    (r"tabnine", "tabnine"),
    (r"continue(?: agent)?", "continue"),
)

MARKERS: tuple[Marker, ...] = (
    Marker("claude-code", _re(r"Generated (?:with|by) \[Claude Code\]\("), HIGH),
    Marker("claude-code", _re(r"claude\.ai/code/session_\w"), HIGH),
    Marker("claude-code", _re(r"Generated with Claude Code\b"), MEDIUM),
    Marker("claude-code", _re(r"\bCo-authored by Claude Code\b", re.IGNORECASE), MEDIUM),
    Marker("copilot-agent", _re(r"^Initial plan$"), MEDIUM, pull_request=False, subject=True),
    Marker(
        "copilot-review",
        _re(r"^Apply suggestions? from (?:code review )?@Copilot\b"),
        MEDIUM,
        pull_request=False,
        subject=True,
    ),
    Marker(
        "copilot-autofix",
        _re(r"^Potential fix for (?:pull request finding|code scanning alert)"),
        MEDIUM,
        subject=True,
    ),
    Marker("cursor", _re(r"Made with \[Cursor\]\("), HIGH),
    Marker("cursor", _re(r"cursor\.com/agents/bc-[0-9a-f-]"), HIGH),
    Marker("cursor", _re(r"cursor\.com/background-agent\?bcId=bc-[0-9a-f-]"), HIGH),
    Marker("codex", _re(r"chatgpt\.com/codex/tasks/task_[a-z]_[0-9a-f]"), HIGH),  # task_e_, task_i_
    Marker("codex", _re(r"\[Codex Task\]\("), MEDIUM),
    Marker("devin", _re(r"Link to Devin run: ?https://app\.devin\.ai/sessions/"), HIGH),
    Marker("devin", _re(r"Link to local Devin session:"), HIGH),
    # Cloud agents' task links, wherever they stand in the body (a squash keeps the PR's).
    Marker("devin", _re(r"app\.devin\.ai/sessions/[0-9a-f]{32}"), HIGH),
    Marker("jules", _re(r"jules\.google\.com/task/\d"), MEDIUM),
    Marker(
        "copilot-agent",
        _re(r"github\.com/[^/\s]+/[^/\s]+/sessions/[0-9a-f]{8}-[0-9a-f]{4}-"),
        MEDIUM,
    ),
    Marker("devin", _re(r"Generated with \[Devin\]\("), MEDIUM),
    Marker("crush", _re(r"Generated with Crush\b"), MEDIUM),
    Marker("termai", _re(r"Generated with termai\b"), MEDIUM),
    Marker("opencode", _re(r"Generated with \[opencode\]\("), HIGH),
    Marker("amp", _re(r"ampcode\.com/threads/T-[0-9a-f]"), HIGH),
    Marker("windsurf", _re(r"Generated with Windsurf\b"), LOW),
    # Continue's CLI (`cn`): its robot line, in the forms its prompt and versions wrote.
    Marker("continue", _re(r"Generated with \[Continue\]\(https://continue\.dev"), HIGH),
    Marker("continue", _re(r"Generated with Continue\b"), MEDIUM),
    Marker("continue", _re(r"[Gg]enerated with \[cn\]\(https://docs\.continue\.dev"), MEDIUM),
    Marker("aider", _re(r"^aider: \S"), MEDIUM, pull_request=False, subject=True),
    Marker("openhands", _re(r"^Fix issue #\d+: \S"), WEAK, commit=False, subject=True),
)

BRANCHES: tuple[BranchRule, ...] = (
    BranchRule("claude-code", _re(r"^claude/(?:issue|pr)-\d+-\d{8}-\d{4}$"), HIGH),
    BranchRule("claude-code", _re(r"^add-claude-github-actions-\d{10,}$"), HIGH),
    BranchRule("claude-code", _re(r"^claude/\S"), MEDIUM),
    BranchRule("copilot-agent", _re(r"^copilot/\S"), MEDIUM),
    BranchRule("cursor", _re(r"^cursor/\S"), MEDIUM),
    BranchRule("codex", _re(r"^codex/\S"), MEDIUM),
    BranchRule("devin", _re(r"^devin/\S"), MEDIUM),
    BranchRule("jules", _re(r"^jules-\d+-[0-9a-f]{8}$"), MEDIUM),
    BranchRule("openhands", _re(r"^openhands-fix-issue-\d+$"), HIGH),
    BranchRule("openhands", _re(r"^openhands/\S"), MEDIUM),
    BranchRule("kiro", _re(r"^kiro/\S"), LOW),
    BranchRule("sweep", _re(r"^sweep/\S"), LOW),
    BranchRule("amazon-q", _re(r"^q/\S"), WEAK),
    BranchRule("aider", _re(r"^aider/\S"), WEAK),
)

# Labels are PR-scoped; no tool labels its PRs reliably, so only config adds label rules.
LABELS: tuple[tuple[str, str, float], ...] = ()

NAME_SUFFIXES: tuple[NameSuffix, ...] = (NameSuffix("aider", " (aider)", MEDIUM, WEAK),)

TOOL_IDS: frozenset[str] = frozenset(
    {r.tool for r in IDENTITIES}
    | {r.tool for r in TRAILERS}
    | {m.tool for m in MARKERS}
    | {b.tool for b in BRANCHES}
    | {tool for _, tool in AGENT_NAMES}
    | {"other"}
)


def noreply_parts(email: str) -> tuple[str | None, str] | None:
    """The (id, login) of a GitHub noreply address (`<id>+<login>@users.noreply.github.com`)."""
    match = _NOREPLY.match(email.strip().lower())
    if match is None:
        return None
    return match["id"], match["login"]


def noreply_login(email: str) -> str | None:
    """The login in a GitHub noreply address, if it is one."""
    parts = noreply_parts(email)
    return parts[1] if parts else None


def match_identity(name: str, email: str, login: str | None = None) -> IdentityRule | None:
    """The most specific rule this exact identity satisfies, if any."""
    name_l, email_l = name.strip().lower(), email.strip().lower()
    parts = noreply_parts(email_l)
    account_id = parts[0] if parts else None
    logins = {x.lower() for x in (login, parts[1] if parts else None) if x}
    best: IdentityRule | None = None
    for rule in IDENTITIES:
        if (
            (rule.email is not None and rule.email != email_l)
            or (rule.login is not None and rule.login not in logins)
            or (rule.name is not None and rule.name != name_l)
            or (rule.account_id is not None and rule.account_id != account_id)
        ):
            continue
        if best is None or (rule.specificity, rule.confidence) > (
            best.specificity,
            best.confidence,
        ):
            best = rule
    return best


def is_non_ai_bot(email: str, login: str | None = None) -> bool:
    """Whether this is known automation that is not AI (dependency, CI and release bots)."""
    email_l = email.strip().lower()
    logins = {x.lower() for x in (login, noreply_login(email_l)) if x}
    return email_l in NON_AI_EMAILS or bool(logins & NON_AI_LOGINS)


def tool_for_identity(email: str, login: str | None = None) -> str | None:
    """The tool whose exact email or login this is; never matched by domain or substring."""
    rule = match_identity("", email, login)
    return rule.tool if rule else None
