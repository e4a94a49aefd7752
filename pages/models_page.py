"""Models and prices: providers and key status (never the key), a connectivity check, catalogue, overrides."""

from __future__ import annotations

import time
from dataclasses import asdict
from html import escape
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from canvasbench.errors import CanvasBenchError
from canvasbench.measure.pricing import SHIPPED_PRICES_PATH, Price, find_price, load_prices
from canvasbench.paths import endpoints_path, user_prices_path
from canvasbench.present import formatting
from canvasbench.providers.catalogue import known_models
from canvasbench.providers.reachability import shared_watch
from canvasbench.redact import redact_url
from canvasbench.status import run_state
from ui import actions, frame, state, views
from ui.format import KEY_MISSING, KEY_SET, KEY_UNKNOWN, md
from ui.html_table import Cell, table_html
from ui.text import literal_html

QP_CHECK = "check"  # the connectivity check open (bound to ?check=, so a rerun, link or Back keeps it open)
# Captions and lines of the app's own text inside one HTML block (a caption's look: smaller, faded, both themes).
CAPTION = '<p style="font-size:0.875rem;opacity:0.6;margin:0.25rem 0 1rem">{}</p>'
SAID = '<p style="margin:0.5rem 0 0.25rem">{}</p>'
PROBE_WAIT_S = 0.3  # at most this long for the keyless servers' probes before the providers table is drawn


def _prices() -> tuple[dict[str, Price], dict[str, Price], str | None]:
    """All prices in effect, the shipped ones alone, and a warning when the user's price file is broken."""
    shipped = load_prices(user_file=SHIPPED_PRICES_PATH)  # the shipped table laid over itself: no user file
    try:
        return load_prices(), shipped, None
    except CanvasBenchError as exc:
        return shipped, shipped, f"{exc} Showing the shipped prices only."


def _key_text(status: dict[str, Any]) -> str:
    names = " or ".join(status["env_vars"])
    if not status["needs_key"]:
        return _server_text(status.get("base_url")) + (f" (key optional: `{names}`)" if names else "")
    if status["is_set"]:
        return f"{KEY_SET} key set (`{names}`)"
    return f"{KEY_MISSING} no key — set `{names}` in the environment or `.streamlit/secrets.toml`, then restart"


def _server_text(base_url: str | None) -> str:
    """A keyless endpoint: no key to set, so say whether its server answers (probed off this script run)."""
    if not base_url:
        return f"{KEY_UNKNOWN} no key needed; not checked"
    reach = shared_watch().get(base_url)
    if reach is None:
        return f"{KEY_UNKNOWN} no key needed; checking {md(redact_url(base_url))} …"
    if reach.reachable:
        return f"{KEY_SET} no key needed; a server answers at {md(reach.url)}"
    return (
        f"{KEY_MISSING} no key needed, but not reachable at {md(reach.url)} ({md(reach.reason)}): start the "
        "server, or set its `base_url` in the endpoints file below"
    )


def _provider_rows(statuses: list[dict[str, Any]]) -> str:
    """Providers and their key or server, as one markdown table: one element, where rows of columns were ~20."""
    lines = ["| Provider | Key or server |", "| --- | --- |"]
    lines += [f"| **{md(s['provider'])}** | {_key_text(s)} |" for s in statuses]
    return "\n".join(lines)


def _providers_table(statuses: list[dict[str, Any]]) -> None:
    """The providers table, redrawn each second while a keyless server is being probed: the page never waits."""
    urls = [s["base_url"] for s in statuses if not s["needs_key"] and s.get("base_url")]
    for url in urls:
        shared_watch().get(url)  # start the probes before the first draw
    # A local server answers (or refuses) in milliseconds: a short wait for them all spares the page a redraw
    # each second and a whole second run when they end. A slow one is still shown as being checked, then updated.
    deadline = time.monotonic() + PROBE_WAIT_S
    for url in urls:
        shared_watch().wait(url, max(0.0, deadline - time.monotonic()))

    def draw() -> None:
        st.markdown(_provider_rows(statuses))

    views.polling(lambda: any(shared_watch().pending(url) for url in urls), draw)


def _run_check(model_id: str) -> None:
    """Send one tiny request to the model; the answer is kept per provider until that provider is checked again."""
    results = dict(state.get(state.CONNECTIVITY) or {})
    if ":" not in model_id:
        results[model_id] = {
            "model_id": model_id,
            "ok": False,
            "status": "not sent",
            "answer": "",
            "error": f"Type a model id with its provider, like `ollama:{model_id or 'model-name'}`, first.",
            "ttft_s": None,
            "latency_s": None,
        }
    else:
        with st.spinner(f"Asking {model_id}…"):
            results[model_id.split(":", 1)[0]] = asdict(actions.check_connectivity(model_id))
    st.session_state[state.CONNECTIVITY] = results


def _show_check(result: dict[str, Any]) -> None:
    who = f"**{md(result['model_id'])}**"
    if result["ok"]:
        timing = f" in {formatting.duration(result['latency_s'])}" + (
            f" (first token after {formatting.duration(result['ttft_s'])})" if result.get("ttft_s") is not None else ""
        )
        st.success(f"{who} answered “{md(result['answer'] or '(empty)')}”{timing}.", icon=":material/check_circle:")
    else:
        status, error = result["status"], result["error"]
        said = status if status == "not sent" else run_state(status, None, error)  # the one word for its state
        st.error(f"{who} did not answer ({md(said)}): {md(error or 'no details')}")


def _check_choices(statuses: list[dict[str, Any]], prices: dict[str, Price]) -> tuple[list[str], int | None]:
    """Catalogue models by provider, each provider's cheapest first (a check should cost next to nothing),
    and the one to offer: the cheapest of the first provider with a key."""

    def out_price(mid: str) -> float:
        price = find_price(mid, prices)
        return price.output_per_m if price else float("inf")

    catalogue = known_models()
    choices: list[str] = []
    offer: int | None = None
    for status in statuses:
        ids = sorted((m.model_id for m in catalogue if m.provider == status["provider"]), key=out_price)
        if ids and offer is None and (status["is_set"] or not status["needs_key"]):
            offer = len(choices)
        choices += ids
    return choices, offer if offer is not None else (0 if choices else None)


_CHOSEN = "models.check_model"  # the connectivity check's model, kept while its box is not drawn


def _providers(prices: dict[str, Price]) -> None:
    st.header("Providers", anchor=False)
    statuses = frame.key_statuses()
    _providers_table(statuses)
    choices, offer = _check_choices(statuses, prices)
    typed = st.session_state.get("conn-model") or st.session_state.get(_CHOSEN)
    if typed and typed not in choices:  # an id typed earlier stays one of the choices
        choices.append(typed)
    # One model box and one button for every provider, behind one click. Drawn only while open (`.open`): a closed
    # expander's widgets are still drawn in the browser, and the model box's scripts were a large part of this
    # page's cold load. ?check=true keeps it open across the Check's rerun, a link or Back; the model chosen is
    # kept apart from the box, which is gone while the expander is closed.
    check = st.expander(
        "Connectivity check: send one model a tiny request and see its answer",
        icon=":material/network_check:",
        key=QP_CHECK,
        on_change="rerun",
        bind="query-params",
    )
    if check.open:
        with check, st.container(horizontal=True, vertical_alignment="bottom"):
            model_id = st.selectbox(
                "The model to ask",
                choices,
                index=choices.index(typed) if typed in choices else offer,
                key="conn-model",
                accept_new_options=True,
                placeholder="provider:model",
                width=420,
            )
            st.session_state[_CHOSEN] = model_id
            if st.button("Check", key="conn-check", help="Send one tiny request to this model and show the answer"):
                _run_check(str(model_id or "").strip())
    for result in (state.get(state.CONNECTIVITY) or {}).values():
        _show_check(result)


def _linked(table: str, urls: list[str]) -> str:
    """The table's escaped source URLs made links (http and https only) named by their site, so the table fits."""
    for url in dict.fromkeys(u for u in urls if u.startswith(("https://", "http://"))):
        text, site = escape(url), escape(urlsplit(url).hostname or url)
        link = f'<a href="{text}" title="{text}" target="_blank" rel="noopener noreferrer">{site}</a>'
        table = table.replace(f">{text}<", f">{link}<")
    return table


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _catalogue(prices: dict[str, Price]) -> None:
    st.header("Catalogue", anchor=False)
    rows: list[list[Cell]] = []
    sources = []
    for info in known_models():
        price = find_price(info.model_id, prices)
        rows.append(
            [
                info.model_id,
                info.display_name,
                formatting.count(info.max_output_tokens) if info.max_output_tokens else "–",
                ", ".join(
                    n
                    for n, ok in (("thinking", info.supports_thinking), ("temperature", info.supports_temperature))
                    if ok
                )
                or "–",
                # Prices as text: gpt-5-nano's cached $0.005 must not round to $0.01.
                formatting.per_million(price.input_per_m) if price else "–",
                formatting.per_million(price.output_per_m) if price else "–",
                formatting.per_million(price.cached_input_per_m) if price else "–",
                formatting.count(price.long_context_threshold) if price and price.long_context_threshold else "–",
                price.as_of if price else "–",
                price.source if price else "–",
            ]
        )
        sources.append(price.source if price else "")
    # One escaped HTML table: the data grid's script (about 1.4 MB) is not loaded for a dozen rows.
    header = ["model", "name", "max output", "supports", "input $/M", "output $/M", "cached $/M",
              "long context from", "as of", "source"]  # fmt: skip
    caption = CAPTION.format(
        "Prices in US$ per million tokens; cached: cached input; long context from: the prompt tokens above which "
        "a long-context price applies. A model missing here can still be used: type its id."
    )
    st.html(_linked(table_html("catalogue", header, rows, right=[2, 4, 5, 6, 7]), sources) + caption)


def _overrides(prices: dict[str, Price], shipped: dict[str, Price]) -> None:
    """The user's price and endpoint files and what they add, as one escaped HTML block (it was ten elements)."""
    st.header("Your overrides", anchor=False)
    path = user_prices_path()
    parts = [SAID.format("Price file (your entries replace the shipped ones whole):"), literal_html(path)]
    added = {name: p for name, p in prices.items() if shipped.get(name) != p}
    if not path.exists():
        parts.append(CAPTION.format("The file does not exist yet: the shipped prices are in use."))
    elif not added:
        parts.append(CAPTION.format("The file adds nothing over the shipped prices."))
    else:
        rows = [
            [name, formatting.per_million(p.input_per_m), formatting.per_million(p.output_per_m), p.as_of, p.source,
             _yes(name not in shipped)]
            for name, p in sorted(added.items())
        ]  # fmt: skip
        header = ["entry", "input $/M", "output $/M", "as of", "source", "new"]
        parts.append(_linked(table_html("overrides", header, rows, right=[1, 2]), [str(r[4]) for r in rows]))
    parts += [SAID.format("OpenAI-compatible endpoints file:"), literal_html(endpoints_path())]
    try:
        from canvasbench.providers.endpoints import BUILTIN_ENDPOINTS, load_endpoints

        custom = {n: e for n, e in load_endpoints().items() if BUILTIN_ENDPOINTS.get(n) != e}
    except CanvasBenchError as exc:
        st.html("".join(parts))
        st.warning(md(exc))
        return
    if custom:
        header = ["name", "base URL", "key variable", "key needed", "max output"]
        rows = [
            [e.name, redact_url(e.base_url), e.key_env or "–", _yes(e.needs_key),
             formatting.count(e.max_output_tokens) if e.max_output_tokens else "–"]
            for e in custom.values()
        ]  # fmt: skip
        parts.append(table_html("endpoints", header, rows, right=[4]))
    else:
        parts.append(CAPTION.format(
            "No endpoints of your own: the built-in ones (openrouter, ollama, vllm) are listed above."))  # fmt: skip
    st.html("".join(parts))


def main() -> None:
    """Providers and checks, the catalogue with prices, and the user's override files."""
    st.title("Models and prices", anchor=False)
    prices, shipped, warning = _prices()
    if warning:
        st.warning(md(warning))
    _providers(prices)
    _catalogue(prices)
    _overrides(prices, shipped)


main()
