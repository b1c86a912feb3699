"""A content-addressed cache of git blobs: a sha names its bytes, so entries never go stale."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

import redis


class BlobCache(Protocol):
    def get(self, sha: str) -> bytes | None: ...

    def put(self, sha: str, data: bytes) -> None: ...


class MemoryBlobCache:
    """An in-process LRU bounded by total bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._max = max_bytes
        self._size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha: str) -> bytes | None:
        with self._lock:
            data = self._items.get(sha)
            if data is not None:
                self._items.move_to_end(sha)
            return data

    def put(self, sha: str, data: bytes) -> None:
        if len(data) > self._max:
            return
        with self._lock:
            old = self._items.pop(sha, None)
            self._size -= len(old) if old is not None else 0
            self._items[sha] = data
            self._size += len(data)
            while self._size > self._max:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted)


class RedisBlobCache:
    """Blobs shared by every worker, expiring after a while of disuse."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = 7 * 24 * 3600) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    def get(self, sha: str) -> bytes | None:
        data = self._redis.getex(f"ai-gate:blob:{sha}", ex=self._ttl)
        return data if isinstance(data, bytes) else None

    def put(self, sha: str, data: bytes) -> None:
        self._redis.set(f"ai-gate:blob:{sha}", data, ex=self._ttl)
