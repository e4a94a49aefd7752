"""`canvasbench models`: the known models, whether their provider's key is set, and their price."""

from __future__ import annotations

import json
from typing import Any

import click

from canvasbench.cli.common import clean_errors
from canvasbench.errors import PriceFileError
from canvasbench.measure.pricing import SHIPPED_PRICES_PATH, Price, find_price, load_prices
from canvasbench.present import formatting
from canvasbench.providers.catalogue import known_models
from canvasbench.providers.registry import key_status


def model_rows() -> tuple[list[dict[str, Any]], str | None]:
    """One row per catalogued model (key status, never the key; price or None), and a price-file warning."""
    warning = None
    try:
        prices = load_prices()
    except PriceFileError as exc:  # still list the models: only the user's own price file is broken
        warning = f"{exc} Showing the shipped prices only."
        # The shipped table laid over itself: the same as having no user file at all.
        prices = load_prices(user_file=SHIPPED_PRICES_PATH)
    rows = []
    for info in known_models():
        status = key_status(info.provider)
        price: Price | None = find_price(info.model_id, prices)
        rows.append(
            {
                "model_id": info.model_id,
                "provider": info.provider,
                "display_name": info.display_name,
                "max_output_tokens": info.max_output_tokens,
                "key_set": status.is_set or not status.needs_key,
                "key_env_vars": list(status.env_vars),
                "price": None
                if price is None
                else {
                    "input_per_m": price.input_per_m,
                    "output_per_m": price.output_per_m,
                    "as_of": price.as_of,
                    "source": price.source,
                },
                "price_text": formatting.price(price),
            }
        )
    return rows, warning


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@clean_errors
def models_command(as_json: bool) -> None:
    """List the known models: provider, maximum output, whether the API key is set, price per 1M tokens."""
    rows, warning = model_rows()
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps([{k: v for k, v in r.items() if k != "price_text"} for r in rows], indent=2))
        return
    head = ["model", "provider", "max output", "key", "price (in / out)"]
    body = [
        [
            r["model_id"],
            r["provider"],
            formatting.count(r["max_output_tokens"]),
            "set" if r["key_set"] else "missing (" + " or ".join(r["key_env_vars"]) + ")",
            r["price_text"],
        ]
        for r in rows
    ]
    click.echo(formatting.table(head, body))
