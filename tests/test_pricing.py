"""Pricing: the shipped table, the user's overrides, and what a run costs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from canvasbench.errors import PriceFileError, UsageError
from canvasbench.measure.pricing import (
    Price,
    cost_usd,
    find_price,
    load_prices,
    price_of,
)
from canvasbench.present import formatting
from canvasbench.providers.base import Usage

# The price table of the provider-facts brief: (model, input, output, long tier or None, cached or None).
BRIEF_PRICES = [
    ("gemini-3-pro-preview", 2.00, 12.00, (200_000, 4.00, 18.00), None),
    ("gemini-3.1-pro-preview", 2.00, 12.00, (200_000, 4.00, 18.00), None),
    ("gemini-3-flash-preview", 0.50, 3.00, None, None),
    ("gemini-2.5-pro", 1.25, 10.00, (200_000, 2.50, 15.00), None),
    ("gemini-2.5-flash", 0.30, 2.50, None, None),
    ("gemini-2.5-flash-lite", 0.10, 0.40, None, None),
    ("gpt-5.2", 1.75, 14.00, None, 0.175),
    ("claude-opus-4-6", 5.00, 25.00, None, None),
    ("claude-sonnet-4-6", 3.00, 15.00, None, None),
    ("claude-haiku-4-5", 1.00, 5.00, None, None),
]


def write_user_prices(text: str) -> Path:
    """Write the user price file where the isolated environment points CANVASBENCH_PRICES."""
    path = Path(os.environ["CANVASBENCH_PRICES"])
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("model", "inp", "out", "long", "cached"), BRIEF_PRICES)
def test_shipped_table_has_every_brief_model(
    model: str, inp: float, out: float, long: tuple[int, float, float] | None, cached: float | None
) -> None:
    price = load_prices()[model]
    assert (price.input_per_m, price.output_per_m) == (inp, out)
    if long is not None:
        assert (price.long_context_threshold, price.long_input_per_m, price.long_output_per_m) == long
    if cached is not None:
        assert price.cached_input_per_m == cached
    assert price.as_of and price.source


def test_every_shipped_entry_says_when_and_where() -> None:
    for price in load_prices().values():
        assert price.as_of[:4].isdigit(), price
        assert price.source.startswith("https://"), price


def test_flash_run_costs_input_plus_output_plus_thinking_at_output_rate() -> None:
    usage = Usage(input_tokens=1_000, output_tokens=20_000, thinking_tokens=5_000)
    cost, price = price_of("gemini:gemini-3-flash-preview", usage)  # type: ignore[misc]
    assert price.model == "gemini-3-flash-preview"
    assert cost == pytest.approx((1_000 * 0.50 + 25_000 * 3.00) / 1e6)


def test_thinking_tokens_cost_the_same_as_output_tokens() -> None:
    price = load_prices()["claude-opus-4-6"]
    with_thinking = cost_usd(price, Usage(input_tokens=500, output_tokens=1_000, thinking_tokens=9_000))
    all_output = cost_usd(price, Usage(input_tokens=500, output_tokens=10_000))
    assert with_thinking == pytest.approx(all_output)
    assert with_thinking == pytest.approx((500 * 5 + 10_000 * 25) / 1e6)


def test_long_context_tier_applies_to_the_whole_request_above_the_threshold() -> None:
    price = load_prices()["gemini-3-pro-preview"]
    at_threshold = cost_usd(price, Usage(input_tokens=200_000, output_tokens=10_000))
    above = cost_usd(price, Usage(input_tokens=200_001, output_tokens=10_000))
    assert at_threshold == pytest.approx((200_000 * 2 + 10_000 * 12) / 1e6)
    assert above == pytest.approx((200_001 * 4 + 10_000 * 18) / 1e6)


def test_a_big_answer_to_a_small_prompt_stays_on_the_normal_tier() -> None:
    price = load_prices()["gemini-2.5-pro"]
    cost = cost_usd(price, Usage(input_tokens=1_000, output_tokens=60_000, thinking_tokens=200_000))
    assert cost == pytest.approx((1_000 * 1.25 + 260_000 * 10) / 1e6)


def test_cached_tokens_bill_at_the_cached_price_and_only_the_rest_at_the_input_price() -> None:
    price = load_prices()["gpt-5.2"]
    cost = cost_usd(price, Usage(input_tokens=10_000, cached_tokens=8_000, output_tokens=1_000))
    assert cost == pytest.approx((2_000 * 1.75 + 8_000 * 0.175 + 1_000 * 14) / 1e6)


def test_cached_tokens_without_a_cached_price_bill_as_input() -> None:
    price = Price("m", 0.5, 3.0, None, None, None, None, "2026-11", "test")
    with_cache = cost_usd(price, Usage(input_tokens=10_000, cached_tokens=8_000, output_tokens=100))
    without = cost_usd(price, Usage(input_tokens=10_000, output_tokens=100))
    assert with_cache == pytest.approx(without)


def test_cache_writes_bill_at_the_cache_write_price_reads_at_the_cached_price_the_rest_as_input() -> None:
    price = load_prices()["claude-sonnet-4-6"]
    usage = Usage(input_tokens=10_000, cached_tokens=6_000, cache_write_tokens=3_000, output_tokens=1_000)
    assert cost_usd(price, usage) == pytest.approx((1_000 * 3.0 + 6_000 * 0.30 + 3_000 * 3.75 + 1_000 * 15) / 1e6)


def test_cache_writes_without_a_write_price_bill_as_input() -> None:
    price = load_prices()["gpt-5.2"]
    assert price.cache_write_per_m is None
    written = cost_usd(price, Usage(input_tokens=10_000, cache_write_tokens=4_000, output_tokens=100))
    assert written == pytest.approx(cost_usd(price, Usage(input_tokens=10_000, output_tokens=100)))


@pytest.mark.parametrize(
    ("model", "cached"),
    [("gemini-3-pro-preview", 0.20), ("gemini-3.1-pro-preview", 0.20), ("gemini-3-flash-preview", 0.05),
     ("gemini-2.5-pro", 0.125), ("gemini-2.5-flash", 0.03), ("gemini-2.5-flash-lite", 0.01)],
)
def test_gemini_implicit_cache_hits_bill_at_a_tenth_of_input(model: str, cached: float) -> None:
    price = load_prices()[model]
    assert price.cached_input_per_m == pytest.approx(cached) == pytest.approx(price.input_per_m / 10)


def test_cached_price_scales_with_the_long_context_tier() -> None:
    price = Price("m", 2.0, 12.0, 0.2, 100, 4.0, 18.0, "2026-11", "test")
    cost = cost_usd(price, Usage(input_tokens=1_000, cached_tokens=500, output_tokens=10))
    assert cost == pytest.approx((500 * 4.0 + 500 * 0.4 + 10 * 18.0) / 1e6)


def test_missing_usage_counts_cost_nothing_but_the_price_is_still_known() -> None:
    result = price_of("openai:gpt-5.2", Usage())
    assert result is not None
    assert result[0] == 0.0
    assert formatting.cost(result[0]) == "$0.00"


def test_unknown_model_has_no_cost_and_shows_unknown_never_zero() -> None:
    assert price_of("ollama:llama3.3:70b", Usage(input_tokens=100, output_tokens=100)) is None
    assert find_price("openai:gpt-99", load_prices()) is None
    assert formatting.cost(None) == "unknown"
    assert formatting.price(None) == "unknown"


def test_find_price_prefers_the_exact_model_id_over_the_bare_name() -> None:
    write_user_prices(
        """
[models."openrouter:gpt-5.2"]
input_per_m = 2.0
output_per_m = 16.0
"""
    )
    prices = load_prices()
    assert find_price("openrouter:gpt-5.2", prices).output_per_m == 16.0  # type: ignore[union-attr]
    assert find_price("openai:gpt-5.2", prices).output_per_m == 14.0  # type: ignore[union-attr]
    assert find_price("gpt-5.2", prices).output_per_m == 14.0  # type: ignore[union-attr]


def test_user_file_overrides_an_entry_and_adds_a_new_model() -> None:
    path = write_user_prices(
        """
[models."gemini-3-flash-preview"]
input_per_m = 0.40
output_per_m = 2.00
as_of = 2026-12-01
source = "our negotiated rate"

[models."my-local-model"]
input_per_m = 0
output_per_m = 0
"""
    )
    prices = load_prices()
    flash = prices["gemini-3-flash-preview"]
    assert (flash.input_per_m, flash.output_per_m, flash.as_of, flash.source) == (
        0.40,
        2.00,
        "2026-12-01",
        "our negotiated rate",
    )
    local = prices["my-local-model"]
    assert str(path) in local.source and local.as_of  # defaults: the file and its date
    free = price_of("ollama:my-local-model", Usage(input_tokens=500, output_tokens=9_000))
    assert free is not None and free[0] == 0.0  # a known zero price is $0, not unknown
    assert prices["gpt-5.2"].output_per_m == 14.0  # the rest of the shipped table is still there


def test_explicit_user_file_argument_wins_over_the_environment(tmp_path: Path) -> None:
    other = tmp_path / "team-prices.toml"
    other.write_text('[models."gpt-5.2"]\ninput_per_m = 1\noutput_per_m = 2\n', encoding="utf-8")
    assert load_prices(other)["gpt-5.2"].output_per_m == 2.0
    assert load_prices()["gpt-5.2"].output_per_m == 14.0


def test_missing_user_file_is_fine() -> None:
    assert not Path(os.environ["CANVASBENCH_PRICES"]).exists()
    assert "gpt-5.2" in load_prices()


@pytest.mark.parametrize(
    ("text", "entry", "problem"),
    [
        ('[models."gpt-5.2"]\ninput_per_m = "cheap"\noutput_per_m = 2\n', "gpt-5.2", "must be a number"),
        ('[models."gpt-5.2"]\ninput_per_m = true\noutput_per_m = 2\n', "gpt-5.2", "must be a number"),
        ('[models."my-model"]\ninput_per_m = -1\noutput_per_m = 2\n', "my-model", "must not be negative"),
        ('[models."my-model"]\ninput_per_m = 1\n', "my-model", "missing output_per_m"),
        ('[models."my-model"]\ninput = 1\noutput_per_m = 2\n', "my-model", "unknown key(s) input"),
        (
            '[models."my-model"]\ninput_per_m = 1\noutput_per_m = 2\nlong_context_threshold = 1000\n',
            "my-model",
            "missing long_input_per_m, long_output_per_m",
        ),
        ('[models."ok"]\ninput_per_m = 1\noutput_per_m = 2\n[models.bad]\n', "bad", "missing input_per_m"),
        ("[models.gpt-5.2]\ninput_per_m = 1\noutput_per_m = 2\n", "gpt-5", '[models."gpt-5.2"]'),
    ],
)
def test_malformed_user_file_names_the_file_and_the_entry(text: str, entry: str, problem: str) -> None:
    path = write_user_prices(text)
    with pytest.raises(PriceFileError) as info:
        load_prices()
    message = str(info.value)
    assert str(path) in message
    assert f'entry "{entry}"' in message
    assert problem in message


def test_invalid_toml_names_the_file() -> None:
    path = write_user_prices('[models."gpt-5.2"\ninput_per_m = 1\n')
    with pytest.raises(PriceFileError, match="not valid TOML") as info:
        load_prices()
    assert str(path) in str(info.value)


def test_prices_outside_a_models_table_are_refused_with_a_hint() -> None:
    write_user_prices('["gpt-5.2"]\ninput_per_m = 1\noutput_per_m = 2\n')
    with pytest.raises(PriceFileError, match=r'\[models\."MODEL"\]'):
        load_prices()


def test_price_formats_for_people() -> None:
    prices = load_prices()
    assert formatting.price(prices["gemini-3-flash-preview"]) == "$0.50 / $3.00 per 1M"
    assert formatting.price(prices["gemini-3-pro-preview"]) == (
        "$2.00 / $12.00 per 1M ($4.00 / $18.00 above 200,000 input)"
    )
    assert formatting.price(prices["gpt-5-nano"]) == "$0.05 / $0.40 per 1M"
    assert formatting.cost(0.0042) == "$0.0042"
    assert formatting.cost(0.00002) == "<$0.0001"
    assert formatting.cost(1.5) == "$1.50"
    assert prices["gpt-5.2"].as_dict()["cached_input_per_m"] == 0.175


@pytest.mark.parametrize(
    "text", ["[models\nx = 1\n", "[other]\nx = 1\n", "models = 3\n"], ids=["not toml", "other table", "not a table"]
)
def test_the_price_and_endpoints_files_report_problems_the_same_way(text: str, tmp_path: Path) -> None:
    # One reader for the user's TOML files: the same words for the same problem, whichever file has it.
    from canvasbench.providers.endpoints import load_endpoints

    prices, endpoints = tmp_path / "prices.toml", tmp_path / "endpoints.toml"
    prices.write_text(text, encoding="utf-8")
    endpoints.write_text(text.replace("models", "endpoints"), encoding="utf-8")
    with pytest.raises(PriceFileError) as price_error:
        load_prices(prices)
    with pytest.raises(UsageError) as endpoints_error:
        load_endpoints(endpoints)

    def shape(message: str, path: Path, what: str, key: str) -> str:
        message = re.sub(r"\(.*\)", "(...)", message.replace(str(path), "PATH").replace(what, "FILE"))
        return re.sub(r"\[KEY\.[^\]]*\]", "[KEY.NAME]", message.replace(key, "KEY"))

    assert shape(str(price_error.value), prices, "Price file", "models") == shape(
        str(endpoints_error.value), endpoints, "Endpoints file", "endpoints"
    )
