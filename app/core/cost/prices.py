"""Prices of LLM requests from genai-prices (never a table of ours), as of the data's own date:
a request is priced at its own size, so a long-context tier applies only to a long request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import genai_prices
from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import get_snapshot

_CHECKED = re.compile(r"\b(?:verified|checked|as of|updated)(?: on)? (\d{4}-\d{2}-\d{2})\b", re.I)


@cache
def price_date() -> date | None:
    """The last day the bundled price data was checked against providers' pages.

    genai-prices keeps no snapshot date, but its maintainers note in the data when they last
    verified a price; the newest such note dates the data as a whole.
    """
    comments = [p.price_comments or "" for p in get_snapshot().providers]
    comments += [m.price_comments or "" for p in get_snapshot().providers for m in p.models]
    found = [date.fromisoformat(d) for text in comments for d in _CHECKED.findall(text)]
    return max(found, default=None)


def price_source() -> str:
    return f"genai-prices {genai_prices.__version__}"


def price_moment() -> datetime | None:
    """When requests are priced: noon UTC on the data's date, so a run never reads the clock.

    None (only if the data carries no date at all) lets the library use the current time.
    """
    day = price_date()
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) if day else None


@dataclass(frozen=True)
class TokenUse:
    """Token totals over `requests` requests; cached and written tokens are parts of input."""

    input: float
    cached: float = 0
    cache_write: float = 0
    output: float = 0
    requests: int = 1


@dataclass(frozen=True)
class Price:
    model: str  # the library's id for what it priced
    provider: str
    input_usd: float
    output_usd: float

    @property
    def usd(self) -> float:
        return self.input_usd + self.output_usd


# Per-request shares are rounded to a millionth of a token so that cached + written + plain adds
# up to the request's input exactly; the library rejects parts that exceed the whole by a hair.
_QUANTUM = Decimal("0.000001")


def _per_request(total: float, n: int) -> Decimal:
    return (Decimal(repr(float(total))) / n).quantize(_QUANTUM)


def request_usage(use: TokenUse) -> Usage:
    """One of `use.requests` equal requests, as the price library takes usage."""
    n = max(1, use.requests)
    cached = _per_request(use.cached, n)
    written = _per_request(use.cache_write, n)
    plain = max(Decimal(0), _per_request(use.input, n) - cached - written)
    return Usage(
        input_tokens=cached + written + plain,
        cache_read_tokens=cached,
        cache_write_tokens=written,
        output_tokens=_per_request(use.output, n),
    )


def price(model_ref: str, use: TokenUse) -> Price | None:
    """The library's price for `use`, request by request; None if it cannot price the model."""
    try:
        calc = calc_price(
            request_usage(use), model_ref=model_ref, genai_request_timestamp=price_moment()
        )
    except LookupError:
        return None
    n = max(1, use.requests)
    return Price(
        calc.model.id, calc.provider.id, float(calc.input_price * n), float(calc.output_price * n)
    )


def price_day() -> str | None:
    """The data's date as ISO text, if it has one."""
    day = price_date()
    return day.isoformat() if day else None


def dated_sources() -> str:
    """The price data named with its date, for a summary."""
    day = price_date()
    return f"{price_source()}, data checked {day.isoformat()}" if day else price_source()
