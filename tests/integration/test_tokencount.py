"""Token counts from a child process: the same counts as in-process, a fallback when the child
cannot count, and a worker that never loads the vocabulary itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.adapters.tokencount import Counting
from app.core.cost.tokens import FALLBACK_NAME, default_tokenizer

TEXTS = ["def f(x: int) -> int:\n    return x * 2\n", "hello world", "é" * 50]


def test_the_child_counts_what_the_tokenizer_counts_in_process() -> None:
    with Counting() as counting:
        counted = counting.count([*TEXTS, TEXTS[0]])
    tokenizer = default_tokenizer()
    assert counted.name == tokenizer.name
    assert [counted.count(t) for t in TEXTS] == [tokenizer.count(t) for t in TEXTS]


def test_a_child_that_cannot_count_gives_the_chars_per_token_rule() -> None:
    with Counting(command=["false"]) as counting:
        counted = counting.count(TEXTS)
    assert counted.name == FALLBACK_NAME
    assert counted.count("abcdefgh") == 2


def test_a_child_that_cannot_start_or_nothing_to_count_gives_the_rule() -> None:
    with Counting(command=["/nonexistent/python"]) as counting:
        assert counting.count(TEXTS).name == FALLBACK_NAME
    with Counting() as counting:
        assert counting.count([]).name == FALLBACK_NAME


def test_the_engine_never_loads_the_vocabulary_in_its_own_process(tmp_path: Path) -> None:
    from tests.gitrepo import RepoBuilder

    builder = RepoBuilder(tmp_path / "r.git")
    base = builder.commit({"a.py": "x = 1\n"}, "Base")
    ai = "Add f\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
    builder.commit(
        {"a.py": "x = 1\ndef f() -> int:\n    return 1\n"}, ai, [base], ref="refs/heads/f"
    )
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.adapters.localgit import open_checkout, resolve_range\n"
        "from app.core.config.model import Config\n"
        "from app.core.models import ConfigInfo\n"
        "from app.engine import analyse_range\n"
        f"git = open_checkout(Path({str(builder.git_dir)!r}))\n"
        "base, head = resolve_range(git, 'main', 'f')\n"
        "report = analyse_range(git, base, head, repository='r', config=Config(),"
        " info=ConfigInfo()).report\n"
        "print(report.cost.output_tokens > 0, report.cost.tokenizer.startswith('o200k'),"
        " 'bpe_openai' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["True", "True", "False"]
