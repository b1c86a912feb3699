"""Command line of the real-world precision bench (see the package docstring)."""

from __future__ import annotations

import argparse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.realworld.corpus import (
    VERDICTS,
    read_judgements,
    read_ranges,
    write_template,
)
from bench.realworld.run import RangeRun, line_text, mirror_of, run_range
from bench.realworld.score import UNJUDGED, Score, Tally, score

DEFAULT_MIRRORS = Path("/work/.mirror")
LEVELS = ("failure", "warning", "notice")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.realworld", description=__doc__)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="fetched repos")
    parser.add_argument("--only", action="append", default=[], help="owner/name (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="ranges run at once")
    parser.add_argument("--judge", type=Path, help="write the unjudged findings to this TSV")
    parser.add_argument(
        "--findings",
        action="store_true",
        help="also list every finding with its verdict and reason, and the counts per rule",
    )
    parser.add_argument(
        "--config", type=Path, help="an .ai-gate.yml to use instead of each base's (variants)"
    )
    return parser


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _row(name: str, tally: Tally, width: int = 10) -> str:
    counts = " ".join(f"{tally.counts[v]:>5}" for v in (*VERDICTS, UNJUDGED))
    shares = f"{_pct(tally.precision):>9} {_pct(tally.useful):>9}"
    return f"{name:<{width}} {tally.total:>5} {counts} {shares}"


def print_table(result: Score) -> None:
    """Counts and shares per check, per level and in all."""
    head = " ".join(f"{v:>5}" for v in VERDICTS)
    print(f"{'':<10} {'all':>5} {head} {'unjdg':>5} {'precision':>9} {'true+look':>9}")
    for name in sorted(result.by_check):
        print(_row(name, result.by_check[name]))
    for level in LEVELS:
        if level in result.by_level:
            print(_row(level, result.by_level[level]))
    print(_row("all", result.overall))


def finding_lines(result: Score) -> list[str]:
    """Every finding with its level, verdict and reason, grouped by range, for a reviewer."""
    lines = []
    for finding, judgement in result.judged:
        k = finding.key
        verdict = judgement.verdict if judgement else UNJUDGED
        reason = f" — {judgement.reason}" if judgement else ""
        lines.append(
            f"  {k.range:<8} {k.path}:{k.line} {k.rule} [{finding.level}] {verdict}{reason}"
        )
    return lines


def rule_lines(result: Score) -> list[str]:
    """Counts per rule, most findings first: what `MEASURED_PRECISION` is filled from."""
    ordered = sorted(result.by_rule.items(), key=lambda item: (-item[1].total, item[0]))
    return [_row(rule, tally, width=26) for rule, tally in ordered]


def print_report(runs: list[RangeRun], result: Score, skipped: int) -> None:
    failed = [r for r in runs if r.error]
    print(f"ranges: {len(runs) - len(failed)} run, {skipped} skipped (not fetched), ", end="")
    print(f"{len(failed)} failed")
    for r in failed:
        print(f"  failed {r.range.repository} {r.range.id}: {r.error}")
    for r in runs:
        who = "AI: " + ", ".join(r.ai_tools) if r.ai_tools else "human"
        print(f"  {r.range.id:<8} {len(r.findings):>4} findings  {who}")
        policy = [x for x in r.reasons if "disclosure" in x or "signed off" in x]
        print("".join(f"           {x}\n" for x in policy), end="")
    print()
    print_table(result)
    print("\nfalse findings at failure level:")
    for finding, judgement in result.false_failures:
        k = finding.key
        print(f"  {k.repository} {k.range} {k.path}:{k.line} {k.rule} — {judgement.reason}")
    print(f"\nunjudged findings: {len(result.unjudged)}")
    for finding in result.unjudged:
        k = finding.key
        print(f"  {k.repository} {k.range} {k.path}:{k.line} {k.rule} [{finding.level}]")
    if result.gone:
        counts = Counter(j.verdict for j in result.gone)
        gone = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])
        print(f"\njudged findings no longer reported: {gone}")
        for j in result.gone:
            if j.verdict in ("true", "look"):  # lost, unless the code was fixed
                k = j.key
                print(f"  {j.verdict}: {k.repository} {k.range} {k.path}:{k.line} {k.rule}")
    if len(failed) == len(runs):
        print("\nno range ran: nothing is measured (fetch the repositories, or see --mirrors)")
        return
    print("\ntargets:")
    for name, met in result.targets():
        print(f"  [{'met' if met else 'NOT met'}] {name}")
    if "failure" not in result.by_level:
        # Silence meets every target: the judged findings no longer reported show what it cost.
        print("  (no failure-level finding at all: the failure targets hold vacuously)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ranges = [r for r in read_ranges() if not args.only or r.repository in args.only]
    here = [r for r in ranges if mirror_of(args.mirrors, r.repository).is_dir()]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(
            pool.map(
                lambda r: run_range(mirror_of(args.mirrors, r.repository), r, args.config), here
            )
        )
    findings = [f for run in runs for f in run.findings]
    ran = {run.range.id for run in runs if not run.error}
    result = score(findings, read_judgements(), ran)
    print_report(runs, result, len(ranges) - len(here))
    if args.findings:
        print("\nevery finding (range, place, rule, level, verdict, reason):")
        print("\n".join(finding_lines(result)))
        print("\nper rule:")
        print("\n".join(rule_lines(result)))
    if args.judge:
        heads = {r.id: r for r in here}
        for finding in result.unjudged:
            k = finding.key
            rng = heads[k.range]
            text = line_text(mirror_of(args.mirrors, k.repository), k, rng.head)
            print(f"\n{k.range} {k.path}:{k.line} {k.rule} [{finding.level}] {finding.message}")
            print(f"    {text[:160]}")
        write_template(args.judge, [f.key for f in result.unjudged])
        print(f"\n{len(result.unjudged)} unjudged findings written to {args.judge}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
