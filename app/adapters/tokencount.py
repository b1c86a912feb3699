"""Token counts made in a child process, so the BPE's vocabulary (well over 100 MB resident
once loaded) lives as long as one job's counting, not for the worker's lifetime.

A job starts the child first (`python -m app.adapters.tokencount`): it loads the vocabulary
while the job waits on GitHub and git. Once the snapshot is read, the engine learns which
texts the cost estimate will count (a recording pass over the same code), sends them (JSON
on stdin; the tokenizer's name and the counts come back on stdout), and waits for the
answer before the linters start: the child's memory is gone by then.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from app.core.cost.tokens import FALLBACK_NAME, PrecountedCounter, default_tokenizer
from app.deadline import Deadline

COMMAND = (sys.executable, "-I", "-m", "app.adapters.tokencount")


class Counting:
    """A child process that counts tokens once; use as a context manager."""

    def __init__(self, command: Sequence[str] = COMMAND) -> None:
        self._proc: subprocess.Popen[bytes] | None
        try:
            self._proc = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._proc = None

    def count(self, texts: Sequence[str], deadline: Deadline | None = None) -> PrecountedCounter:
        """The counts of these texts; the chars/4 rule for all if the child could not count."""
        unique = list(dict.fromkeys(texts))
        proc, self._proc = self._proc, None
        if proc is None or not unique:
            self._stop(proc)
            return PrecountedCounter(FALLBACK_NAME, {})
        timeout = max((deadline or Deadline.never()).remaining(), 1.0)
        try:
            out, _ = proc.communicate(json.dumps(unique).encode(), timeout=min(timeout, 300.0))
            answer = json.loads(out)
            counts = answer["counts"]
            if proc.returncode != 0 or len(counts) != len(unique):
                raise ValueError("incomplete counts")
            return PrecountedCounter(str(answer["name"]), dict(zip(unique, counts, strict=True)))
        except (subprocess.TimeoutExpired, OSError, ValueError, KeyError, TypeError):
            self._stop(proc)
            return PrecountedCounter(FALLBACK_NAME, {})

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes] | None) -> None:
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        self._stop(proc)


def main() -> None:
    # The vocabulary first: it loads while the parent is still reading the pull request.
    tokenizer = default_tokenizer()
    texts = json.load(sys.stdin)
    json.dump({"name": tokenizer.name, "counts": [tokenizer.count(t) for t in texts]}, sys.stdout)


if __name__ == "__main__":
    main()
