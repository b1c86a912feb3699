"""The curated ruff rules: each with its level and the reason for it, and the rules left out.

Levels were set by reading what the rules reported on pull-request ranges of public Python
repositories: `failure` only for rules whose findings are almost always real defects (code that
cannot run, or fails whenever the line runs); `warning` for what deserves a reviewer's look;
`notice` for what is worth knowing but seldom worth a comment. Rules that were mostly wrong on
real code are left out of the default set (`LEFT_OUT`, with the reason). A rule outside the
curated set (selected by the repository's own ruff configuration, or by `checks.ruff.select`) is
a notice unless `checks.ruff.levels` says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.models import Level


@dataclass(frozen=True)
class CuratedRule:
    code: str
    level: Level
    reason: str


_RUNS_OR_FAILS = "fails whenever the line runs"

CURATED: tuple[CuratedRule, ...] = (
    # --- failure: code that cannot run or always fails ------------------------------------
    CuratedRule("F404", "failure", "`from __future__` after other statements: a SyntaxError"),
    CuratedRule("F406", "failure", "`import *` inside a function: a SyntaxError"),
    CuratedRule("F407", "failure", "unknown `__future__` feature: a SyntaxError"),
    CuratedRule("F501", "failure", f"invalid `%` format string: {_RUNS_OR_FAILS}"),
    CuratedRule("F502", "failure", f"`%` format expects a mapping: {_RUNS_OR_FAILS}"),
    CuratedRule("F503", "failure", f"`%` format expects a sequence: {_RUNS_OR_FAILS}"),
    CuratedRule("F505", "failure", f"`%` format missing a named argument: {_RUNS_OR_FAILS}"),
    CuratedRule("F506", "failure", f"`%` format mixes positional and named: {_RUNS_OR_FAILS}"),
    CuratedRule("F507", "failure", f"`%` format argument count mismatch: {_RUNS_OR_FAILS}"),
    CuratedRule("F508", "failure", f"`%` format `*` needs a sequence: {_RUNS_OR_FAILS}"),
    CuratedRule("F509", "failure", f"unsupported `%` format character: {_RUNS_OR_FAILS}"),
    CuratedRule("F521", "failure", f"invalid `.format` string: {_RUNS_OR_FAILS}"),
    CuratedRule("F524", "failure", f"`.format` call missing arguments: {_RUNS_OR_FAILS}"),
    CuratedRule("F525", "failure", f"`.format` mixes automatic and manual: {_RUNS_OR_FAILS}"),
    CuratedRule("F621", "failure", "too many expressions in a star assignment: a SyntaxError"),
    CuratedRule("F622", "failure", "two starred expressions in an assignment: a SyntaxError"),
    CuratedRule("F631", "failure", "`assert` on a non-empty tuple is always true"),
    CuratedRule("F632", "failure", "`is` against a literal compares identity, not value"),
    CuratedRule("F633", "failure", "`print >>` is Python 2: a TypeError"),
    CuratedRule("F634", "failure", "`if` on a non-empty tuple is always true"),
    CuratedRule("F701", "failure", "`break` outside a loop: a SyntaxError"),
    CuratedRule("F702", "failure", "`continue` outside a loop: a SyntaxError"),
    CuratedRule("F704", "failure", "`yield`/`await` outside a function: a SyntaxError"),
    CuratedRule("F706", "failure", "`return` outside a function: a SyntaxError"),
    CuratedRule("F707", "failure", "a bare `except:` before other handlers: a SyntaxError"),
    CuratedRule("F821", "failure", "undefined name: a NameError when the line runs"),
    CuratedRule("F822", "failure", "`__all__` names something the module does not define"),
    CuratedRule("F823", "failure", "local variable used before assignment: an error"),
    CuratedRule("F901", "failure", "`raise NotImplemented` raises a TypeError"),
    CuratedRule("B002", "failure", "`++x` is not an increment: it does nothing"),
    CuratedRule("B016", "failure", "raising a literal is a TypeError"),
    # --- warning: worth a reviewer's look -------------------------------------------------
    CuratedRule("E722", "warning", "bare `except:` also catches KeyboardInterrupt and SystemExit"),
    CuratedRule("F601", "warning", "a dictionary literal repeats a key: one value is lost"),
    CuratedRule("F602", "warning", "a dictionary literal repeats a variable key"),
    CuratedRule("F722", "warning", "annotation is not valid syntax (shape strings are, though)"),
    CuratedRule("B003", "warning", "assigning `os.environ` does not change the environment"),
    CuratedRule("B005", "warning", "`.strip()` with several characters strips each of them"),
    CuratedRule("B006", "warning", "mutable default argument shared between calls"),
    CuratedRule(
        "B008",
        "warning",
        "call in a default argument runs once (FastAPI-style "
        "dependency markers such as `Depends()` are not reported)",
    ),
    CuratedRule("B012", "warning", "`return`/`break` in `finally` swallows the exception"),
    CuratedRule("B015", "warning", "comparison whose result is unused: a missing `assert`?"),
    CuratedRule("B017", "warning", "`pytest.raises(Exception)` passes on any error"),
    CuratedRule("B019", "warning", "`lru_cache` on a method keeps every instance alive"),
    CuratedRule("B020", "warning", "loop variable overrides the iterable it loops over"),
    CuratedRule("B025", "warning", "an exception is caught twice; the second handler is dead"),
    CuratedRule("B026", "warning", "star-argument after a keyword argument reorders arguments"),
    CuratedRule("B029", "warning", "`except ()` catches nothing"),
    CuratedRule("B030", "warning", "`except` with something that is not an exception class"),
    CuratedRule("B031", "warning", "a `groupby` group is an iterator used twice"),
    CuratedRule("B032", "warning", "`x: 1` is an annotation, not an assignment"),
    CuratedRule("B034", "warning", "`re.sub` positional `count`/`flags` are easily swapped"),
    CuratedRule("B035", "warning", "dictionary comprehension with a constant key"),
    CuratedRule("B039", "warning", "mutable `ContextVar` default shared by every context"),
    CuratedRule("S102", "warning", "`exec` runs arbitrary code"),
    CuratedRule("S113", "warning", "HTTP call without a timeout can hang forever"),
    CuratedRule("S201", "warning", "Flask `debug=True` exposes a debugger"),
    CuratedRule("S202", "warning", "`tarfile.extractall` without a filter can write anywhere"),
    CuratedRule("S301", "warning", "`pickle` loading runs code from the data"),
    CuratedRule("S302", "warning", "`marshal` loading of untrusted data"),
    CuratedRule("S306", "warning", "`mktemp` is a race: use `mkstemp`"),
    CuratedRule("S307", "warning", "`eval` runs arbitrary code"),
    CuratedRule("S308", "warning", "`mark_safe` disables escaping"),
    CuratedRule("S312", "warning", "Telnet sends everything in clear text"),
    CuratedRule("S323", "warning", "unverified SSL context"),
    CuratedRule("S501", "warning", "HTTP request with certificate checks turned off"),
    CuratedRule("S502", "warning", "insecure SSL/TLS protocol version"),
    CuratedRule("S503", "warning", "SSL defaults that allow insecure versions"),
    CuratedRule("S504", "warning", "SSL socket without a protocol version"),
    CuratedRule("S505", "warning", "cryptographic key too short"),
    CuratedRule("S506", "warning", "`yaml` loader that can build arbitrary objects"),
    CuratedRule("S507", "warning", "SSH client that accepts any host key"),
    CuratedRule("S508", "warning", "SNMP v1/v2 is insecure"),
    CuratedRule("S509", "warning", "SNMPv3 without encryption"),
    CuratedRule(
        "S602",
        "warning",
        "`subprocess` with `shell=True` on a built command (a constant command is not reported)",
    ),
    CuratedRule(
        "S605",
        "warning",
        "`os.system` and the like on a built command (a constant command is not reported)",
    ),
    CuratedRule("S609", "warning", "a wildcard in a shell command can be an option injection"),
    CuratedRule("S610", "warning", "Django `extra()` with raw SQL"),
    CuratedRule("S611", "warning", "Django `RawSQL`"),
    CuratedRule("S612", "warning", "`logging.config.listen` runs received configuration"),
    CuratedRule("S704", "warning", "`Markup` of a built string bypasses escaping"),
    CuratedRule("ASYNC100", "warning", "a timeout scope with no await point cannot time out"),
    CuratedRule("ASYNC105", "warning", "a trio call that must be awaited is not"),
    CuratedRule("ASYNC210", "warning", "blocking HTTP call inside an async function"),
    CuratedRule("ASYNC212", "warning", "blocking httpx call inside an async function"),
    CuratedRule("ASYNC220", "warning", "blocking process creation inside an async function"),
    CuratedRule("ASYNC221", "warning", "blocking process run inside an async function"),
    CuratedRule("ASYNC222", "warning", "blocking process wait inside an async function"),
    CuratedRule("ASYNC250", "warning", "`input()` blocks the event loop"),
    CuratedRule("ASYNC251", "warning", "`time.sleep` blocks the event loop"),
    # --- notice: worth knowing ------------------------------------------------------------
    CuratedRule("E711", "notice", "`== None`: deliberate in SQLAlchemy and pandas filters"),
    CuratedRule("E712", "notice", "`== True`: deliberate in SQLAlchemy and pandas filters"),
    CuratedRule("E721", "notice", "`type(x) == T` ignores subclasses, often on purpose"),
    CuratedRule("F401", "notice", "unused import (re-exports in `__init__.py` look the same)"),
    CuratedRule(
        "F811",
        "notice",
        "redefined before use: a test that never runs, or (mostly, "
        "on real code) a harmless repeated import",
    ),
    CuratedRule("F841", "notice", "local variable assigned but never used"),
    CuratedRule("F842", "notice", "annotated local variable never used"),
)

LEFT_OUT: Mapping[str, str] = {
    "E4, E70x, E713, E714, E731, E74x": "style: a formatter's or the repository's own business",
    "E902": "ruff could not read a file of ai-gate's workspace: not a fault of the change",
    "F402, F403, F405, F504, F522, F523": "rarely wrong in practice (re-exports, "
    "harmless extra arguments)",
    "F541": "noise on real code: an f-string without placeholders is harmless",
    "B004, B007, B009, B010, B011, B013, B014, B018, B021, B022, B024, B027, B028, B033": (
        "style or test idioms"
    ),
    "B023": "mostly wrong on real code: closures called within the same iteration",
    "B904, B905, B911, B912": "style: exception chaining and `zip(strict=)`",
    "BLE001": "mostly deliberate on real code (log and continue); bare `except:` (E722) is kept",
    "S103": "mostly wrong on real code: `0o755` and the like are normal",
    "S104": "mostly wrong on real code: servers in containers bind `0.0.0.0` on purpose, and "
    'any `"0.0.0.0"` literal is reported',
    "S105, S106, S107": "the secrets check reports hard-coded credentials once, with evidence",
    "S108": "mostly wrong on real code: `/tmp` in tests and plain strings",
    "S110, S112": "noise on real code: `except: pass` and `except: continue` are mostly "
    "deliberate best-effort code; bare `except:` (E722) is kept",
    "S303, S324": "mostly checksums and cache keys, not security",
    "S310": "mostly wrong on real code: `https` API URLs",
    "S311": "mostly wrong on real code: random numbers that are not secrets",
    "S313-S320, S321": "parsing trusted XML and FTP use are seldom faults",
    "S608": "mostly wrong on real code (none of 10 read was true): fixed SQL clauses with "
    "bound values, error messages",
    "S601, S603, S604, S606, S607": "mostly wrong on real code: fixed argument lists, `git` "
    "and `docker` by name, sandbox APIs whose purpose is running commands",
    "S701, S702": "mostly wrong on real code: templates that render prompts, not HTML",
    "ASYNC109, ASYNC110, ASYNC115, ASYNC116": "mostly wrong on real code: timeout "
    "parameters and polling loops in tests",
    "ASYNC230, ASYNC240": "mostly wrong on real code: small file and path operations in "
    "command-line and test code",
}

# What each curated rule reported on the judged real-world corpus (bench/realworld, 43 ranges
# of 12 repositories, default configuration), as "true or look of judged", from
# `python -m bench.realworld --findings` ("per rule"); rules that reported nothing there are
# absent. None of these was a defect that would fail at run time ("true"): each deserved a
# look (an opt-in unpickling of sandbox data, an unused import, a bare `except:`).
_CORPUS = "corpus at a204fcf"
MEASURED_PRECISION: Mapping[str, str] = {
    "S301": f"3 of 3 true or look ({_CORPUS})",
    "F401": f"2 of 2 true or look ({_CORPUS})",
    "B017": f"1 of 1 true or look ({_CORPUS})",
    "E722": f"1 of 1 true or look ({_CORPUS})",
}

RECOMMENDED_RUFF_RULES: tuple[str, ...] = tuple(r.code for r in CURATED)
_LEVELS: Mapping[str, Level] = {r.code: r.level for r in CURATED}

# Ruff reports syntax errors without a code (`invalid-syntax`); older versions as E999.
SYNTAX_ERRORS = frozenset(("invalid-syntax", "syntax-error", "E999"))
# Syntax that is valid, just newer than the Python version ruff assumed.
_NEWER_SYNTAX = re.compile(r"on Python 3\.\d+ \(syntax was (?:added|removed) in Python")
# Builtins that only newer Pythons have: undefined only under an older target version.
_NEWER_BUILTINS = re.compile(
    r"Undefined name `(?:ExceptionGroup|BaseExceptionGroup|EncodingWarning|aiter|anext|"
    r"PythonFinalizationError|_IncompleteInputError)`"
)
# Calls that frameworks read as markers in a default (FastAPI, Typer, pydantic, DI containers).
_DEFAULT_MARKERS = re.compile(
    r"function call `(?:[\w.]+\.)?(?:Depends|Security|Query|Path|Body|Header|Cookie|Form|"
    r"File|Field|Option|Argument|Provide|Inject|Annotated)`"
)
# S602/S605 say a constant command "seems safe".
_SEEMS_SAFE = re.compile(r"seems safe")


def level_for(rule: str, message: str = "", levels: Mapping[str, Level] | None = None) -> Level:
    """How serious a ruff rule's finding is: configured levels, then the curated table."""
    for prefix in sorted(levels or {}, key=len, reverse=True):
        if rule.startswith(prefix):
            return (levels or {})[prefix]
    if rule in SYNTAX_ERRORS:
        return "notice" if _NEWER_SYNTAX.search(message) else "failure"
    if rule == "F821" and _NEWER_BUILTINS.search(message):
        return "warning"
    return _LEVELS.get(rule, "notice")


def is_reported(rule: str, message: str) -> bool:
    """False for findings of a curated rule that are known to be wrong (see the reasons)."""
    if rule == "B008":
        return not _DEFAULT_MARKERS.search(message)
    if rule in ("S602", "S605"):
        return not _SEEMS_SAFE.search(message)
    return True
