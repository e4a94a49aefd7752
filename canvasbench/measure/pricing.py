"""Model prices (shipped table + the user's overrides) and the cost of one run as a pure function."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from canvasbench.errors import PriceFileError
from canvasbench.paths import DATA_DIR, user_prices_path
from canvasbench.providers.base import Usage
from canvasbench.user_files import read_tables

SHIPPED_PRICES_PATH = DATA_DIR / "prices.toml"

_PRICE_KEYS = (
    "input_per_m", "output_per_m", "cached_input_per_m", "cache_write_per_m", "long_input_per_m", "long_output_per_m"
)
_ENTRY_KEYS = frozenset((*_PRICE_KEYS, "long_context_threshold", "batch_factor", "as_of", "source"))
_LONG_KEYS = ("long_context_threshold", "long_input_per_m", "long_output_per_m")


@dataclass(frozen=True)
class Price:
    """One model's price in USD per 1M tokens, with where and when it was read."""

    model: str
    input_per_m: float
    output_per_m: float
    cached_input_per_m: float | None
    long_context_threshold: int | None
    long_input_per_m: float | None
    long_output_per_m: float | None
    as_of: str
    source: str
    cache_write_per_m: float | None = None  # input written to a prompt cache (Anthropic: 1.25x input)
    batch_factor: float | None = None  # the share of the price a batch engine charges (None: unknown)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict, e.g. for the runs.price JSON column."""
        return asdict(self)


def load_prices(user_file: Path | None = None) -> dict[str, Price]:
    """The shipped price table with the user's file (default: `user_prices_path()`) laid over it."""
    prices = _read_price_file(SHIPPED_PRICES_PATH, user=False)
    path = user_file if user_file is not None else user_prices_path()
    if path.exists():
        # A user entry replaces the shipped one whole: a half-merged price would be nobody's price.
        prices.update(_read_price_file(path, user=True))
    return prices


def find_price(model_id: str, prices: dict[str, Price]) -> Price | None:
    """The price for `provider:model`: the exact id first, then the bare model name; None if unknown."""
    if model_id in prices:
        return prices[model_id]
    _, sep, bare = model_id.partition(":")
    if sep and bare in prices:
        return prices[bare]
    return None


def cost_usd(price: Price, usage: Usage) -> float:
    """USD for one request: thinking bills as output, cache reads and writes at their prices, long prompts higher."""
    input_tokens = usage.input_tokens or 0
    billed_output = (usage.output_tokens or 0) + (usage.thinking_tokens or 0)
    # Cache reads and writes are parts of input_tokens; never let a bad report bill more of them than input.
    cached = min(usage.cached_tokens or 0, input_tokens)
    written = min(usage.cache_write_tokens or 0, input_tokens - cached)

    input_rate, output_rate = price.input_per_m, price.output_per_m
    cached_rate = price.cached_input_per_m if price.cached_input_per_m is not None else input_rate
    write_rate = price.cache_write_per_m if price.cache_write_per_m is not None else input_rate
    long_tier = price.long_context_threshold is not None and input_tokens > price.long_context_threshold
    if long_tier and price.long_input_per_m is not None and price.long_output_per_m is not None:
        # Google bills the whole request at the higher tier, cache prices scaled by the same factor.
        if input_rate > 0:
            factor = price.long_input_per_m / input_rate
            cached_rate, write_rate = cached_rate * factor, write_rate * factor
        else:
            cached_rate = write_rate = price.long_input_per_m
        input_rate, output_rate = price.long_input_per_m, price.long_output_per_m

    fresh = input_tokens - cached - written
    total = fresh * input_rate + cached * cached_rate + written * write_rate + billed_output * output_rate
    return total / 1_000_000


def price_of(
    model_id: str, usage: Usage, prices: dict[str, Price] | None = None, *, batch: bool = False
) -> tuple[float, Price] | None:
    """(cost in USD, the price used) for a run (`batch`: run on a batch engine), or None when unknown."""
    table = prices if prices is not None else load_prices()
    price = find_price(model_id, table)
    if price is None or (batch and price.batch_factor is None):
        return None
    cost = cost_usd(price, usage)
    return (cost * price.batch_factor if batch and price.batch_factor is not None else cost), price


# --- reading and checking price files -------------------------------------------------------------


def _read_price_file(path: Path, *, user: bool) -> dict[str, Price]:
    models = read_tables(path, what="Price file", key="models", example='[models."MODEL"]', error=PriceFileError)

    default_as_of, default_source = "", ""
    if user:
        # A user's own entry may skip as_of/source: the file itself is the source, its date the as-of.
        default_as_of = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()
        default_source = f"user price file {path}"
    return {name: _parse_entry(path, name, entry, default_as_of, default_source) for name, entry in models.items()}


def _parse_entry(path: Path, name: str, entry: Any, default_as_of: str, default_source: str) -> Price:
    def fail(problem: str) -> PriceFileError:
        return PriceFileError(f'Price file {path}, entry "{name}": {problem}.')

    if not isinstance(entry, dict):
        raise fail('must be a table of prices, e.g. [models."NAME"] with input_per_m = 1.0')
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    nested = [key for key in unknown if isinstance(entry[key], dict)]
    if nested:
        # [models.gpt-5.2] (unquoted) is TOML for models -> "gpt-5" -> "2": the dot split the name.
        raise fail(f'quote model names that contain dots, e.g. [models."{name}.{nested[0]}"]')
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")
    for required in ("input_per_m", "output_per_m"):
        if required not in entry:
            raise fail(f"missing {required} (USD per 1M tokens)")

    values: dict[str, float | None] = {}
    for key in _PRICE_KEYS:
        raw = entry.get(key)
        if raw is None:
            values[key] = None
            continue
        # bool is an int in Python; `true` is never a price.
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise fail(f"{key} must be a number of USD per 1M tokens, got {raw!r}")
        if raw < 0:
            raise fail(f"{key} must not be negative, got {raw!r}")
        values[key] = float(raw)

    threshold = entry.get("long_context_threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0):
        raise fail(f"long_context_threshold must be a positive whole number of tokens, got {threshold!r}")
    present = [key for key in _LONG_KEYS if entry.get(key) is not None]
    if present and len(present) != len(_LONG_KEYS):
        missing = [key for key in _LONG_KEYS if key not in present]
        raise fail(f"the long-context tier needs all of {', '.join(_LONG_KEYS)}; missing {', '.join(missing)}")

    texts: dict[str, str] = {}
    for key, default in (("as_of", default_as_of), ("source", default_source)):
        raw = entry.get(key, default)
        if key == "as_of" and isinstance(raw, date):  # an unquoted TOML date is fine too
            raw = raw.isoformat()
        if not isinstance(raw, str) or not raw.strip():
            raise fail(f"{key} must be a non-empty string")
        texts[key] = raw.strip()

    input_per_m, output_per_m = values["input_per_m"], values["output_per_m"]
    assert input_per_m is not None and output_per_m is not None  # checked as required above
    return Price(
        model=name,
        input_per_m=input_per_m,
        output_per_m=output_per_m,
        cached_input_per_m=values["cached_input_per_m"],
        cache_write_per_m=values["cache_write_per_m"],
        long_context_threshold=threshold,
        long_input_per_m=values["long_input_per_m"],
        long_output_per_m=values["long_output_per_m"],
        as_of=texts["as_of"],
        source=texts["source"],
        batch_factor=_batch_factor(entry.get("batch_factor"), fail),
    )


def _batch_factor(raw: Any, fail: Any) -> float | None:
    """A batch factor is a share of the price: above 0, at most 1."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw <= 1:
        raise fail(f"batch_factor must be a number above 0 and at most 1 (0.5 is half price), got {raw!r}")
    return float(raw)
