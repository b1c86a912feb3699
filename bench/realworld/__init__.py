"""Precision of `ai-gate check` on PR-sized ranges of public repositories, against our judgements.

    .venv/bin/python -m bench.realworld [--mirrors DIR] [--only OWNER/NAME] [--jobs N]
                                        [--judge FILE] [--findings]

`ranges.tsv` names the ranges (repository, id, base, head, why chosen); `judgements.tsv` holds
one verdict per finding, keyed by (repository, range, path, line, rule): `true` (a defect or a
real risk), `look` (worth a maintainer's look), `noise` (what the rule says, worth no one's
time) or `false` (the finding is wrong). The key holds nothing of ai-gate's own code, so the
judgements carry over when our checks change: a re-run scores the findings that remain and
lists the new ones as unjudged. Only our verdicts and reasons are stored, never the
repositories' code; the repositories are read from mirrors fetched beforehand (bare git
directories at `DIR/owner+name/repo`), and ranges whose repository is absent are skipped.
"""
