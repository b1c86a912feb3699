"""Memory of a process and all its descendants, read from /proc (Linux).

RSS counts a page once per process that maps it, so a parent and its forked children count
their shared pages twice; PSS divides each shared page among the processes that share it, so
the tree's PSS is what it actually occupies. Both are reported.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class TreeMemory:
    rss_mib: float
    pss_mib: float
    processes: int


def descendants(pid: int) -> list[int]:
    """The process and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                continue
    return found


def tree_memory(pid: int) -> TreeMemory:
    rss = pss = 0
    pids = descendants(pid)
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return TreeMemory(rss / 1024, pss / 1024, len(pids))


class PeakSampler:
    """Samples a process tree's memory every `interval` seconds until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = TreeMemory(0.0, 0.0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = tree_memory(self.pid)
            if now.rss_mib > self.peak.rss_mib:
                self.peak = TreeMemory(
                    now.rss_mib, max(now.pss_mib, self.peak.pss_mib), now.processes
                )
            elif now.pss_mib > self.peak.pss_mib:
                self.peak = TreeMemory(self.peak.rss_mib, now.pss_mib, self.peak.processes)
            time.sleep(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
