"""Models and prices: providers and key status (never the key), a connectivity check, catalogue, overrides."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

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
from ui.text import literal


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


def _key_cell(status: dict[str, Any]) -> None:
    """The key column, redrawn each second while its server is being probed, so the page never waits for it."""
    url = status.get("base_url")
    if status["needs_key"] or not url:
        st.markdown(_key_text(status))
        return
    shared_watch().get(url)  # start the probe before the first draw

    def draw() -> None:
        st.markdown(_key_text(status))

    views.polling(lambda: shared_watch().pending(url), draw)


def _run_check(provider: str, model_id: str) -> None:
    results = dict(state.get(state.CONNECTIVITY) or {})
    if not model_id or ":" not in model_id:
        results[provider] = {
            "model_id": model_id,
            "ok": False,
            "status": "not sent",
            "answer": "",
            "error": f"Type a model id like `{provider}:model-name` first.",
            "ttft_s": None,
            "latency_s": None,
        }
    else:
        with st.spinner(f"Asking {model_id}…"):
            results[provider] = asdict(actions.check_connectivity(model_id))
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


def _providers(prices: dict[str, Price]) -> None:
    st.header("Providers")
    catalogue = known_models()
    results = state.get(state.CONNECTIVITY) or {}
    for status in frame.key_statuses():
        provider = status["provider"]
        models = [m for m in catalogue if m.provider == provider]
        with st.container(border=True):
            name, keys, pick, check = st.columns([2, 5, 3.5, 1], vertical_alignment="center")
            name.markdown(f"**{md(provider)}**")
            with keys:
                _key_cell(status)
            if models:
                # The cheapest catalogued model: a connectivity check should cost next to nothing.
                def out_price(mid: str) -> float:
                    price = find_price(mid, prices)
                    return price.output_per_m if price else float("inf")

                ids = [m.model_id for m in models]
                cheapest = min(range(len(ids)), key=lambda i: out_price(ids[i]))
                model_id = pick.selectbox(
                    "Model to check",
                    ids,
                    index=cheapest,
                    key=f"conn-model-{provider}",
                    label_visibility="collapsed",
                )
            else:
                model_id = pick.text_input(
                    "Model to check",
                    placeholder=f"{provider}:model",
                    key=f"conn-model-{provider}",
                    label_visibility="collapsed",
                )
            if check.button("Check", key=f"conn-{provider}", help="Send one tiny request and show the answer"):
                _run_check(provider, (model_id or "").strip())
                results = state.get(state.CONNECTIVITY) or {}
            if provider in results:
                _show_check(results[provider])


def _catalogue(prices: dict[str, Price]) -> None:
    st.header("Catalogue")
    rows = []
    for info in known_models():
        price = find_price(info.model_id, prices)
        rows.append(
            {
                "model": info.model_id,
                "name": info.display_name,
                "max output": info.max_output_tokens,
                "thinking": info.supports_thinking,
                "temperature": info.supports_temperature,
                # Prices as text: a column format would round gpt-5-nano's cached $0.005 to $0.01.
                "input $/M": formatting.per_million(price.input_per_m) if price else None,
                "output $/M": formatting.per_million(price.output_per_m) if price else None,
                "cached input $/M": formatting.per_million(price.cached_input_per_m) if price else None,
                "long context from": f"{price.long_context_threshold} tokens"
                if price and price.long_context_threshold
                else None,
                "as of": price.as_of if price else None,
                "source": price.source if price else None,
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "max output": st.column_config.NumberColumn(format="%d"),
            "source": st.column_config.LinkColumn(),
        },
    )
    st.caption("Prices in US$ per million tokens. A model missing here can still be used: type its id.")


def _overrides(prices: dict[str, Price], shipped: dict[str, Price]) -> None:
    st.header("Your overrides")
    path = user_prices_path()
    st.markdown("Price file (your entries replace the shipped ones whole):")
    literal(path)
    added = {name: p for name, p in prices.items() if shipped.get(name) != p}
    if not path.exists():
        st.caption("The file does not exist yet: the shipped prices are in use.")
    elif not added:
        st.caption("The file adds nothing over the shipped prices.")
    else:
        st.dataframe(
            [
                {
                    "entry": name,
                    "input $/M": formatting.per_million(p.input_per_m),
                    "output $/M": formatting.per_million(p.output_per_m),
                    "as of": p.as_of,
                    "source": p.source,
                    "new": name not in shipped,
                }
                for name, p in sorted(added.items())
            ],
            hide_index=True,
        )
    st.markdown("OpenAI-compatible endpoints file:")
    literal(endpoints_path())
    try:
        from canvasbench.providers.endpoints import BUILTIN_ENDPOINTS, load_endpoints

        custom = {n: e for n, e in load_endpoints().items() if BUILTIN_ENDPOINTS.get(n) != e}
    except CanvasBenchError as exc:
        st.warning(md(exc))
        return
    if custom:
        st.dataframe(
            [
                {
                    "name": e.name,
                    "base URL": e.base_url,
                    "key variable": e.key_env or "–",
                    "key needed": e.needs_key,
                    "max output": e.max_output_tokens,
                }
                for e in custom.values()
            ],
            hide_index=True,
        )
    else:
        st.caption("No endpoints of your own: the built-in ones (openrouter, ollama, vllm) are listed above.")


def main() -> None:
    """Providers and checks, the catalogue with prices, and the user's override files."""
    st.title("Models and prices")
    prices, shipped, warning = _prices()
    if warning:
        st.warning(md(warning))
    _providers(prices)
    _catalogue(prices)
    _overrides(prices, shipped)


main()
