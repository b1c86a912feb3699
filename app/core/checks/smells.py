"""Cost smells (`checks.cost`): code patterns that run up infrastructure bills, read from the
AST of the changed Python files (never executed). Our rules are `AIG1xx`; where ruff has the
rule already it is ruff's (see `RUFF_EQUIVALENTS`) and not repeated here.

Conservative by design: each rule fires only on a shape whose cost is plain from the code
itself (a whole table fetched, a query per row, a key that never expires), never on a name
guessed from a variable alone. Test paths are skipped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from app.core.checks.check import Checked, CheckInput
from app.core.config.checks import CostSmellsConfig
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, PullRequestSnapshot

CHECK = "cost"


@dataclass(frozen=True)
class SmellRule:
    code: str
    name: str
    summary: str


RULES: tuple[SmellRule, ...] = (
    SmellRule(
        "AIG101",
        "whole-table-load",
        "a whole table loaded: `SELECT *` with no `WHERE` or `LIMIT`, or an ORM query of every row",
    ),
    SmellRule(
        "AIG102", "query-per-row", "a query or HTTP call for each row of a query result (N+1)"
    ),
    SmellRule("AIG103", "cache-without-expiry", "a Redis key written without an expiry"),
    SmellRule(
        "AIG104",
        "sync-client-in-async",
        "a synchronous database or network client made inside `async def`",
    ),
    SmellRule(
        "AIG105",
        "http-without-timeout",
        "an HTTP call or client with no timeout (or `timeout=None`) that ruff's S113 does not see",
    ),
    SmellRule(
        "AIG106",
        "polling-without-sleep",
        "a `while True` loop that asks an HTTP server the same thing with no sleep or backoff",
    ),
    SmellRule(
        "AIG107",
        "swallowed-error-in-handler",
        "a broad `except` in a web request handler that neither re-raises nor logs",
    ),
)
# What ruff already checks, so ai-gate does not repeat it (curated ruff rules, README).
RUFF_EQUIVALENTS: Mapping[str, str] = {
    "S113": "`requests`/`httpx` module calls without a timeout",
    "ASYNC210, ASYNC212": "blocking HTTP calls inside `async def`",
    "ASYNC220, ASYNC221, ASYNC222": "blocking subprocess calls inside `async def`",
    "ASYNC251": "`time.sleep` inside `async def`",
    "B019": "`functools.cache`/`lru_cache` on methods (unbounded, keeps instances alive)",
    "E722": "bare `except:`",
}


_SELECT_STAR = re.compile(r"^\s*select\s+\*\s+from\s+[\w.\"`\[\]]+\s*;?\s*$", re.I)
_QUERY_RESULT = re.compile(r"\.(?:all|fetchall|scalars|execute|objects)\b")
_QUERY_CALL = re.compile(r"\.(?:execute|query|objects\.\w+|fetchone|fetchall)$|^session\.get$")
_HTTP_MODULES = ("requests", "httpx", "urllib3", "aiohttp")
_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "request"})
_SYNC_CLIENTS = frozenset(
    {"sqlite3.connect", "psycopg2.connect", "pymysql.connect", "MySQLdb.connect",
     "redis.Redis", "redis.StrictRedis", "redis.from_url", "boto3.client", "boto3.resource",
     "smtplib.SMTP", "smtplib.SMTP_SSL", "requests.Session", "httpx.Client"}
)  # fmt: skip
_BLOCKING_OPENERS = frozenset(
    {"urllib.request.urlopen", "request.urlopen", "urlopen", "http.client.HTTPConnection",
     "http.client.HTTPSConnection"}
)  # fmt: skip
_EXPIRY_KEYWORDS = frozenset({"ex", "px", "exat", "pxat", "keepttl"})
_PAUSE = re.compile(r"sleep|wait|backoff|retry|throttl|rate_limit|timeout", re.I)
_ROUTE = re.compile(
    r"(?:^|\.)(?:app|router|api|bp|blueprint|\w+_router|\w+_bp)\."
    r"(?:get|post|put|patch|delete|route|api_route|websocket)$"
)
_LOGS = re.compile(
    r"(?:^|\.)(?:exception|error|warning|warn|critical|log|capture_exception)$|^print$"
)


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a name or attribute chain (calls in the chain keep their name)."""
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _chain(node: ast.AST) -> list[str]:
    """The attribute names along a call chain, innermost first (`s.query(X).all()`)."""
    names: list[str] = []
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            node = node.func
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names[::-1]


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_http_call(call: ast.Call) -> bool:
    name = dotted(call.func)
    head, _, method = name.rpartition(".")
    return head in _HTTP_MODULES and method in _HTTP_METHODS


def _whole_table(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _SELECT_STAR.match(node.value)
    ):
        return f"`{' '.join(node.value.split())}` reads every column of every row"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        chain = _chain(node)
        if chain[-2:] == ["query", "all"] and not node.args:
            return "`.query(...).all()` with no filter or limit loads every row"
    return None


def _n_plus_one(loop: ast.For | ast.AsyncFor) -> str | None:
    if not _QUERY_RESULT.search(ast.unparse(loop.iter)):
        return None
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if _QUERY_CALL.search(name) or _is_http_call(node):
                return f"`{name}(...)` runs once per row of `{ast.unparse(loop.iter)[:60]}`"
    return None


def _redis_set(call: ast.Call) -> str | None:
    name = dotted(call.func)
    if not name.endswith(".set") or "redis" not in name.lower():
        return None
    if len(call.args) > 2 or any(k.arg in _EXPIRY_KEYWORDS for k in call.keywords):
        return None
    if any(k.arg is None for k in call.keywords):  # **options may carry the expiry
        return None
    return f"`{name}(...)` without `ex`/`px`: the key never expires"


def _no_timeout(call: ast.Call) -> str | None:
    name = dotted(call.func)
    timeout = _kw(call, "timeout")
    # urlopen(url, data, timeout) and HTTPConnection(host, port, timeout): the third argument.
    if name in _BLOCKING_OPENERS and len(call.args) < 3 and timeout is None:
        return f"`{name}(...)` without `timeout` waits forever on a stalled server"
    # The module-level calls (`requests.get`) are ruff's S113; clients are ours.
    module, method = name.partition(".")[0], name.rpartition(".")[2]
    if module in ("httpx", "requests") and method not in _HTTP_METHODS and _is_none(timeout):
        return f"`{name}(timeout=None)` switches the client's timeout off"
    return None


def _assigned(body: ast.Module) -> set[str]:
    """Names a loop body (re)binds: a page number, a window, a batch."""
    names: set[str] = set()
    for node in ast.walk(body):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(
            node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr
        ):
            targets = [node.target]
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _polling(loop: ast.While) -> str | None:
    """A `while True` that asks an HTTP server the same thing again and again: the call's
    arguments use nothing the loop changes (a loop that pages, batches or reads input is no
    poll). Database loops are left alone: on real code they claim rows or retry a write."""
    if not (isinstance(loop.test, ast.Constant) and loop.test.value is True):
        return None
    body = ast.Module(body=loop.body, type_ignores=[])
    calls = [n for n in ast.walk(body) if isinstance(n, ast.Call)]
    if any(_PAUSE.search(dotted(c.func)) or dotted(c.func) == "input" for c in calls):
        return None
    changing = _assigned(body)
    for call in calls:
        if not _is_http_call(call):
            continue
        used = {
            n.id
            for arg in [*call.args, *(k.value for k in call.keywords)]
            for n in ast.walk(arg)
            if isinstance(n, ast.Name)
        }
        if not used & changing:
            return f"`while True` calls `{dotted(call.func)}(...)` with no sleep or backoff"
    return None


def _swallows(handler: ast.ExceptHandler) -> bool:
    broad = handler.type is None or dotted(handler.type) in ("Exception", "BaseException")
    if not broad:
        return False
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Raise):
            return False
        if isinstance(node, ast.Call) and (
            _LOGS.search(dotted(node.func)) or dotted(node.func) == "print"
        ):
            return False
    return True


def _handler_excepts(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.ExceptHandler]:
    if not any(_ROUTE.search(dotted(d)) for d in fn.decorator_list):
        return
    for node in ast.walk(fn):
        if isinstance(node, ast.ExceptHandler) and _swallows(node):
            yield node


def _async_clients(fn: ast.AsyncFunctionDef) -> Iterator[tuple[ast.Call, str]]:
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue  # a nested function may run in a thread
        if isinstance(node, ast.Call) and dotted(node.func) in _SYNC_CLIENTS:
            yield (
                node,
                f"`{dotted(node.func)}(...)` blocks the event loop inside `async def {fn.name}`",
            )
        stack.extend(ast.iter_child_nodes(node))


def smells(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(rule, line, message) of every cost smell in a module."""
    out: list[tuple[str, int, str]] = []
    for node in ast.walk(tree):
        if (why := _whole_table(node)) is not None:
            out.append(("AIG101", getattr(node, "lineno", 1), why))
        if isinstance(node, ast.For | ast.AsyncFor) and (why := _n_plus_one(node)):
            out.append(("AIG102", node.lineno, why))
        if isinstance(node, ast.Call):
            if (why := _redis_set(node)) is not None:
                out.append(("AIG103", node.lineno, why))
            if (why := _no_timeout(node)) is not None:
                out.append(("AIG105", node.lineno, why))
        if isinstance(node, ast.AsyncFunctionDef):
            out += [("AIG104", c.lineno, why) for c, why in _async_clients(node)]
        if isinstance(node, ast.While) and (why := _polling(node)):
            out.append(("AIG106", node.lineno, why))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out += [
                ("AIG107", h.lineno, f"a broad `except` in request handler `{node.name}` "
                 "swallows the error: neither re-raised nor logged")
                for h in _handler_excepts(node)
            ]  # fmt: skip
    return out


def smell_findings(
    snapshot: PullRequestSnapshot,
    config: CostSmellsConfig,
    lines: Mapping[str, PatchLines],
    test_paths: Sequence[str] = (),
) -> list[Finding]:
    """Cost smells on the changed, non-test Python files (kept on added lines by the filter)."""
    if not config.enabled:
        return []
    tests = [re.compile(p) for p in test_paths]
    names = {r.code: r.name for r in RULES}
    found: list[Finding] = []
    for f in snapshot.files:
        text = snapshot.contents.get(f.path)
        if f.status == "removed" or text is None or not f.path.endswith(".py"):
            continue
        if any(p.search(f.path) for p in tests):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        rows = text.split("\n")
        added = lines.get(f.path, PatchLines()).added
        for rule, line, why in sorted(set(smells(tree)), key=lambda s: (s[1], s[0])):
            if rule in config.ignore:
                continue
            row = rows[line - 1] if 0 < line <= len(rows) else ""
            found.append(
                Finding(
                    check=CHECK,
                    rule=rule,
                    level=config.level,
                    path=f.path,
                    start_line=line,
                    end_line=line,
                    message=f"{why} ({names[rule]}; README: Cost smells, {rule}).",
                    in_diff=line in added,
                    fingerprint=fingerprint(CHECK, rule, f.path, row),
                )
            )
    return found


class CostSmellsCheck:
    """Cost smells (`AIG1xx`) in the added Python lines."""

    name = CHECK
    apart = False

    def run(self, given: CheckInput) -> Checked:
        checks = given.checks
        return Checked(smell_findings(given.snapshot, checks.cost, given.lines, checks.test_paths))
