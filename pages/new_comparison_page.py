"""New comparison: choose a prompt, models and repeats, see the cost estimate, launch into the comparison's page."""

from __future__ import annotations

from typing import Any, cast

import streamlit as st

from canvasbench.errors import CanvasBenchError, UsageError
from canvasbench.present import batch_words, formatting
from canvasbench.providers.base import THINKING_LEVELS, ThinkingLevel
from canvasbench.providers.catalogue import known_models, model_info
from canvasbench.providers.demo import MODEL_IDS, is_demo_database
from canvasbench.redact import prompt_key_warning
from canvasbench.run.acceptable import MAX_REPAIR
from canvasbench.run.batch_sweep import batchable
from canvasbench.run.comparisons import MAX_REPEAT, repeat_models
from canvasbench.run.prompt_suite import SuitePrompt, load_suite
from canvasbench.run.recipes import Recipe, repeat_recipes
from canvasbench.store import reads
from ui import actions, data, frame, state
from ui.format import md, one_line
from ui.html_table import show_table
from ui.launch_once import form_key, launch_once
from ui.recipe_form import added_recipes, recipe_estimate, recipes_section
from ui.text import literal, md_iso

# Launch clicked again on the same form (a double click, or a repeated click on a slow page) started nothing new.
ONCE_NOTE = (
    "Launch was clicked again for the same prompt, models and options: this is the comparison the first click "
    "started, and nothing was sent twice. Re-run starts another."
)

OWN = "own"  # the prompt choice that is not a suite prompt: the user writes their own
QP_EDIT = "edit"  # the suite prompt's text box open (bound to ?edit=, so a link or Back keeps it open)
QP_MORE = "more"  # the "More options" section open (bound to ?more=, so a link or Back keeps it open)


def _suite() -> list[SuitePrompt] | None:
    try:
        return load_suite()
    except CanvasBenchError as exc:
        st.warning(f"The prompt suite cannot be read: {md(exc)}  \nWrite your own prompt instead.")
        return None


def _prompt() -> tuple[SuitePrompt | None, str, str]:
    """The chosen suite prompt (or None), the prompt text as edited, and the title for an own prompt."""
    suite = _suite() or []
    by_id = {p.id: p for p in suite if p.id != OWN}
    # One box for where the prompt comes from and which one: "write my own" is its first choice. A second
    # control (suite or own) cost the page's cold load one more widget kind for the same choice.
    if st.session_state.get(state.NEW_SOURCE) not in (OWN, *by_id):
        st.session_state[state.NEW_SOURCE] = next(iter(by_id), OWN)

    def named(pid: str) -> str:
        if pid == OWN:
            return "✎ Write my own prompt"
        return f"{by_id[pid].title}  ·  {by_id[pid].category} · {by_id[pid].kind}"

    # The picker sits in a menu whose button says what is chosen: a closed menu draws nothing in the browser, and
    # the select box's code (shared with the models' box) was most of what put this page over 1.5x the one-line
    # app's cold load. The menu's widget still runs here, so the choice holds while it is closed.
    current = str(st.session_state[state.NEW_SOURCE])
    label = "Prompt: your own" if current == OWN else f"Prompt: {by_id[current].title}"
    with st.popover(md(one_line(label, 90)), icon=":material/description:", width="stretch"):
        chosen = st.selectbox(
            "Prompt: one of the suite, or your own", [OWN, *by_id], format_func=named, key=state.NEW_SOURCE
        )
    if chosen != OWN:
        prompt = by_id[chosen]
        return prompt, _suite_text(prompt), ""
    title = st.text_input("Title (optional)", key=state.NEW_OWN_TITLE, placeholder="shown in the gallery")
    text = st.text_area(
        "Prompt text",
        key=state.NEW_OWN_TEXT,
        height=180,
        placeholder="Describe the one-file program the models should write (HTML page or SVG image)…",
    )
    return None, text, title


def _suite_text(prompt: SuitePrompt) -> str:
    """The suite prompt's text, shown as written; its text box (to edit it) is one click away, in ?edit=true.

    Most launches run the prompt as it is: a text box in view cost the page's cold load one more widget kind.
    """
    key = state.suite_text_key(prompt.id)
    # Kept in session state: closed, the box is not drawn, and Streamlit forgets an undrawn widget's value.
    st.session_state[key] = st.session_state.get(key, prompt.text)
    text = str(st.session_state[key])
    shown = st.empty()  # the text above its Edit section, drawn once whether the section is open is known
    edited = text.strip() != prompt.text.strip()
    edit = st.expander(
        "Edited: launched as your own prompt (open to change it)" if edited
        else "Edit the prompt text (an edited prompt is saved as your own)",
        icon=":material/edit:", key=QP_EDIT, on_change="rerun", bind="query-params",
    )  # fmt: skip
    if not edit.open:
        with shown:
            literal(text, max_height=220)
        return text
    with edit:
        return st.text_area("Prompt text", height=220, key=key)


def _models() -> list[str]:
    """Catalogue models chosen and ids typed by hand (one box: a second one for typed ids cost the page's cold load
    one more widget kind), in the order chosen; a typed entry may hold several ids separated by commas."""
    st.header("Models", anchor=False)
    keys = {s["provider"]: s for s in frame.key_statuses()}

    def has_key(provider: str) -> bool:
        s = keys.get(provider)
        return s is None or s["is_set"] or not s["needs_key"]

    catalogue = known_models()
    # In the demo its stand-ins come first: the one thing there that runs without a key.
    stand_ins = list(MODEL_IDS) if is_demo_database(data.store().path) else []
    listed = [*stand_ins, *(m.model_id for m in catalogue)]
    # A menu whose button lists what is chosen, as the prompt's (see `_prompt`). Each id is typed text: escaped,
    # and isolated so a bidi override in one cannot reverse the rest of the label.
    before = [str(mid) for mid in st.session_state.get(state.NEW_MODELS) or []]
    named = ", ".join(md_iso(mid, 48) for mid in before[:4])
    named += f" and {len(before) - 4} more" if len(before) > 4 else ""
    label = f"{len(before)} model{'s' if len(before) != 1 else ''}: {named}" if before else "Choose models"
    with st.popover(label, icon=":material/smart_toy:", width="stretch"):
        chosen = st.multiselect(
            "From the catalogue, or type any provider:model and press Enter",
            listed,
            # Only the catalogue's ids get the note: a typed id is sent back to the browser as its formatted text
            # when the choice is restored (after a page switch), and a note there would become part of the id.
            format_func=lambda mid: mid + ("" if mid not in listed or has_key(mid.split(":", 1)[0]) else "  (no key)"),
            key=state.NEW_MODELS,
            placeholder="Choose models to compare, or type e.g. openrouter:qwen/qwen3-coder, ollama:llama3.3",
            accept_new_options=True,
        )
    missing = [s for s in keys.values() if s["needs_key"] and not s["is_set"]]
    if missing:
        hints = "; ".join(f"**{md(s['provider'])}**: `{' or '.join(s['env_vars'])}`" for s in missing)
        st.caption(
            f"No key set for {hints}. Set it in the environment or `.streamlit/secrets.toml`, then restart the "
            "dashboard (see **Models**)."
        )
    return [mid for entry in chosen for mid in actions.parse_model_list(entry)]


def _options(model_ids: list[str]) -> None:
    """Max output tokens, thinking level, temperature and deadline (their values: `_chosen`)."""
    st.subheader("Options", anchor=False)
    c1, c2, c3 = st.columns(3)
    c1.number_input(
        "Max output tokens (0: the model's own maximum)", min_value=0, max_value=1_000_000, step=4096,
        key=state.NEW_MAX_TOKENS,
    )  # fmt: skip
    c2.selectbox("Thinking", THINKING_LEVELS, key=state.NEW_THINKING)
    with c3:
        set_temperature = st.checkbox("Set a temperature", key=state.NEW_SET_TEMPERATURE)
        st.slider("Temperature", 0.0, 2.0, step=0.05, key=state.NEW_TEMPERATURE, disabled=not set_temperature)
    left, right = st.columns(2)
    left.number_input(
        "Deadline per run, minutes (0: none)", min_value=0.0, max_value=24 * 60.0, step=5.0, key=state.NEW_DEADLINE,
        help="Stop a run this long after it starts, keeping its text. Without one, a run only stops when it "
        "brings no new text for 5 minutes (keep-alive pings do not count).",
    )  # fmt: skip
    right.number_input(
        "Runs per model and recipe (samples, to see each one's variance)", min_value=1, max_value=MAX_REPEAT,
        key=state.NEW_REPEAT,
    )  # fmt: skip
    no_temp = [m for m in model_ids if (info := model_info(m)) is not None and not info.supports_temperature]
    if set_temperature and no_temp:
        st.caption(f"Sent without a temperature (the API refuses one): {md(', '.join(no_temp))}")


ACCEPTS = {"renders": "renders", "judge": "judge score ≥ K"}


def _repair(model_ids: list[str]) -> None:
    """Repair rounds and what counts as acceptable (their values: `_chosen`)."""
    st.subheader("Repair rounds", anchor=False)
    left, right = st.columns(2)
    repair = left.number_input(
        "Repair rounds (0: the first answer only)", min_value=0, max_value=MAX_REPAIR, key=state.NEW_REPAIR,
        help="A page that is not acceptable goes back to its model with the render check's findings "
        "(errors with line numbers, blank output, screenshots), round by round, until it is acceptable.",
    )  # fmt: skip
    with right:
        accept = st.segmented_control(
            "Acceptable when the page", options=list(ACCEPTS), format_func=ACCEPTS.__getitem__,
            key=state.NEW_ACCEPT, disabled=not repair,
        )  # fmt: skip
    if repair:
        st.caption(
            "The cost estimate is for the first answers: each repair round sends the conversation so far "
            "again and costs about as much as one more answer, or more."
        )
    if not repair or accept != "judge":
        return
    score, judge = st.columns([1, 3])
    score.number_input("K (0-10)", min_value=0, max_value=10, key=state.NEW_ACCEPT_SCORE)
    judges = list(dict.fromkeys([*model_ids, *(m.model_id for m in known_models())]))
    judge.selectbox(
        "Judge model", judges, index=None, key=state.NEW_JUDGE_MODEL, accept_new_options=True,
        placeholder="Choose or type (provider:model) the model that scores",
    )  # fmt: skip


# The rarer choices and their values when untouched. They live in session state, not only in their widgets:
# closed, the "More options" section draws none of them, and Streamlit forgets a widget's value when it is not
# drawn; a launch must still use what was set.
ADVANCED_DEFAULTS: dict[str, Any] = {
    state.NEW_MAX_TOKENS: 0,
    state.NEW_THINKING: THINKING_LEVELS[0],
    state.NEW_SET_TEMPERATURE: False,
    state.NEW_TEMPERATURE: 1.0,
    state.NEW_DEADLINE: 0.0,
    state.NEW_REPEAT: 1,
    state.NEW_REPAIR: 0,
    state.NEW_ACCEPT: "renders",
    state.NEW_ACCEPT_SCORE: 7,
    state.NEW_BATCH: False,
}
KEPT = (state.NEW_JUDGE_MODEL, state.NEW_RECIPE_PLAN, state.NEW_RECIPE_BUILD, state.NEW_RECIPE_FIX,
        state.NEW_RECIPE_REPAIR, state.NEW_RECIPE_NAME, state.NEW_BATCH_OR_STREAM)  # fmt: skip


def _keep_choices() -> None:
    """Every rarer choice held in session state across runs, whether or not its widget is drawn."""
    for key, default in ADVANCED_DEFAULTS.items():
        value = st.session_state.get(key)
        st.session_state[key] = default if value is None else value
    for key in KEPT:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _chosen(model_ids: list[str]) -> tuple[dict[str, Any], dict[str, Any], int]:
    """(options, repair, repeats) as keyword arguments for actions.launch, from the values kept in session state."""
    get = st.session_state.get
    options = {
        "max_output_tokens": int(get(state.NEW_MAX_TOKENS) or 0) or None,
        "thinking": cast(ThinkingLevel, get(state.NEW_THINKING) or "default"),
        "temperature": float(get(state.NEW_TEMPERATURE) or 0) if get(state.NEW_SET_TEMPERATURE) else None,
        "deadline_s": float(get(state.NEW_DEADLINE) or 0) * 60 or None,
    }
    repair: dict[str, Any] = {"repair": int(get(state.NEW_REPAIR) or 0), "accept": "renders"}
    if repair["repair"] and get(state.NEW_ACCEPT) == "judge":
        repair["accept"] = f"judge>={int(get(state.NEW_ACCEPT_SCORE) or 0)}"
        repair["judge_model"] = get(state.NEW_JUDGE_MODEL)
    return options, repair, int(get(state.NEW_REPEAT) or 1)


def _in_effect(options: dict[str, Any], repair: dict[str, Any], repeat: int, recipes: list[Recipe]) -> str:
    """The rarer choices in effect, in a few words: the closed section's label says what a launch will use."""
    said = ["as a batch" if st.session_state.get(state.NEW_BATCH) else "streamed live"]
    said += [f"{repeat} run{'s' if repeat != 1 else ''} per model"]
    said.append(f"max {formatting.count(options['max_output_tokens'])} output tokens"
                if options["max_output_tokens"] else "the model's own output limit")  # fmt: skip
    if options["thinking"] != "default":
        said.append(f"thinking {options['thinking']}")
    if options["temperature"] is not None:
        said.append(f"temperature {options['temperature']:g}")
    if options["deadline_s"]:
        said.append(f"deadline {options['deadline_s'] / 60:g} min")
    rounds = repair["repair"]
    said.append(f"{rounds} repair round{'s' if rounds != 1 else ''}" if rounds else "no repair rounds")
    said.append(f"{len(recipes)} recipe{'s' if len(recipes) != 1 else ''}" if recipes else "no build recipes")
    return " · ".join(said)


def _estimate(model_ids: list[str], text: str, repeat: int, recipes: list[Recipe]) -> None:
    """Per model, before launch: about how many tokens go in and come out and what that costs; context warnings.

    A recipe's first answer counts its planner's design and the builder reading it.
    """
    if not (model_ids or recipes) or not text.strip():
        return
    rows, warnings = [], []
    for model_id in dict.fromkeys(model_ids):
        guess = data.estimate(model_id, text)
        rows.append(
            {
                "model": model_id,
                "prompt tokens ≈": guess.input_tokens,
                "typical output tokens": guess.output_tokens,
                "output from": "your past runs" if guess.output_from_history else "a default guess",
                "cost ≈": formatting.cost(guess.cost_usd * repeat if guess.cost_usd is not None else None),
            }
        )
        if guess.warning:
            warnings.append(guess.warning)
    costs = {m: data.estimate(m, text).cost_usd for m in dict.fromkeys(model_ids)}
    for recipe in recipes:
        guess = recipe_estimate(recipe, text)
        rows.append(
            {
                "model": f"{recipe.name} (recipe)",
                "prompt tokens ≈": guess["input_tokens"],
                "typical output tokens": guess["output_tokens"],
                "output from": "planner + builder" if recipe.plan else "builder",
                "cost ≈": formatting.cost(guess["cost_usd"] * repeat if guess["cost_usd"] is not None else None),
            }
        )
        costs[recipe.name] = guess["cost_usd"]
    for warning in warnings:
        st.warning(md(warning), icon=":material/warning:")
    # Model ids are escaped: the label is markdown, and an id is typed text.
    total = formatting.cost_total({m: c * repeat if c is not None else None for m, c in costs.items()}, name=md)
    label = f"Estimated cost: {total}"
    with st.expander(label, icon=":material/payments:"):
        # HTML, not a data grid: a closed expander still builds its content, and the grid's script was a large
        # part of this page's cold load.
        header = list(rows[0])
        show_table("estimate", header, [[formatting.count(v) if isinstance(v, int) else v for v in r.values()]
                                        for r in rows], right=[1, 2, 4])  # fmt: skip
        st.caption(
            "Prompt tokens ≈ characters / 4; output = the median of the model's finished runs in this database "
            "(thinking included), else 16,000 tokens. A recipe adds its planner's design to the builder's prompt "
            "and both steps' costs (repairs not included). Repeats multiply the cost."
        )


BATCH_HELP = (
    "Each provider runs every request on its own batch engine (Gemini Batch Mode, the OpenAI Batch API, Anthropic "
    "Message Batches) at half the price, within 24 hours. Nothing streams: no live lanes, no time to first token "
    "or tokens/s; the dashboard collects the results while it is open (or run `canvasbench batches --wait`)."
)


def _batch_widgets(model_ids: list[str]) -> None:
    """Run as a batch, and stream the models without a batch API (their values: `_batch_choice`)."""
    st.subheader("Batch", anchor=False)
    as_batch = st.toggle("Run as batch: half price, results within hours", key=state.NEW_BATCH, help=BATCH_HELP)
    if as_batch and batchable(model_ids)[1]:
        st.checkbox("Stream the models without a batch API", key=state.NEW_BATCH_OR_STREAM)


def _batch_choice(model_ids: list[str], repeat: int) -> tuple[bool, bool]:
    """(run as a batch, stream the models without a batch API), from the values kept in session state; beside
    Launch, what that means: the batch suggested from many requests, or what a batch will do."""
    requests = len(model_ids) * repeat
    if not st.session_state.get(state.NEW_BATCH):
        if requests >= batch_words.SUGGEST_BATCH_AT:
            st.info(md(f"{batch_words.suggestion(requests)} Turn on “Run as batch” under More options."),
                    icon=":material/savings:")  # fmt: skip
        return False, False
    st.caption(
        f"Runs as a batch: {requests} request(s) go to the batch engines; the comparison's page then shows them "
        "waiting. The estimate above is at the streaming price; a batch is charged at the batch price (about "
        f"half). A batch pays off from about {batch_words.SUGGEST_BATCH_AT} requests; below that, streaming shows "
        "the race live. Turn it off under More options."
    )
    _batched, stream_only = batchable(model_ids)
    if not stream_only:
        return True, False
    stream_rest = bool(st.session_state.get(state.NEW_BATCH_OR_STREAM))
    if not stream_rest:
        st.warning(md(actions.no_batch_api(stream_only)), icon=":material/block:")
    return True, stream_rest


def _exists(comparison_id: str | None) -> bool:
    """Whether the comparison is still in the database (not deleted since it was launched)."""
    return bool(comparison_id) and reads.get_comparison(data.store(), str(comparison_id)) is not None


def _refused_whole(launched: actions.BatchLaunch) -> bool:
    """Whether every run of a batch launch failed (its jobs refused when submitted): Launch again sends it again,
    as a batch (Re-run streams it at the full price), and nothing was sent before to pay for twice."""
    if launched.streamed_comparison or not launched.refused or not launched.batch_comparison:
        return False
    return all(run["status"] == "failed" for run in reads.live_runs(data.store(), launched.batch_comparison))


def _launch_batch(
    key: str, prompt: dict[str, Any], model_ids: list[str], stream_rest: bool, options: dict[str, Any]
) -> None:
    """Submit through the core (once per form), then open the batch comparison (its runs wait there, saying so)."""
    launched, fresh = launch_once(
        key,
        lambda: actions.launch_batch(prompt, model_ids, stream_the_rest=stream_rest, **options),
        lambda before: _exists(before.batch_comparison or before.streamed_comparison) and not _refused_whole(before),
    )
    for comparison_id in (launched.streamed_comparison, launched.batch_comparison):
        if comparison_id:
            state.remember_launch(comparison_id)
    if not fresh:
        st.session_state[state.ACTION_NOTE] = ONCE_NOTE
    elif launched.refused:
        st.session_state[state.ACTION_ERROR] = " ".join(launched.refused)
    if fresh and launched.streamed_comparison and launched.batch_comparison:
        st.session_state[state.ACTION_NOTE] = (
            "The models without a batch API stream in a comparison of their own: the gallery lists it."
        )
    opened = launched.batch_comparison or launched.streamed_comparison
    st.switch_page("pages/comparison_page.py", query_params={state.QP_COMPARISON: str(opened)})


def _more(model_ids: list[str]) -> tuple[list[Recipe], dict[str, Any], dict[str, Any], int]:
    """Batch, repeats, output limit, thinking, temperature, deadline, repair rounds and build recipes behind one click.

    Closed (most launches), none of their ~20 widgets is drawn; open, it stays open (it is in the URL: ?more=true).
    """
    _keep_choices()
    options, repair, repeat = _chosen(model_ids)
    recipes = added_recipes()
    more = st.expander(
        f"More options: {_in_effect(options, repair, repeat, recipes)}",
        icon=":material/tune:",
        key=QP_MORE,
        on_change="rerun",
        bind="query-params",
    )
    if not more.open:
        return recipes, options, repair, repeat
    with more:
        _batch_widgets(model_ids)
        recipes = recipes_section(model_ids)
        _options(model_ids)
        _repair(model_ids)
    options, repair, repeat = _chosen(model_ids)
    return recipes, options, repair, repeat


def main() -> None:
    """The page: the form; Launch opens the new comparison's page, where its models stream live."""
    st.title("New comparison", anchor=False)
    suite, text, title = _prompt()
    warning = prompt_key_warning(text)
    if warning:  # the prompt is stored and sent as written: say so while it can still be changed
        st.warning(md(warning), icon=":material/key:")
    model_ids = _models()
    recipes, options, repair, repeat = _more(model_ids)
    _estimate(model_ids, text, repeat, recipes)
    as_batch, stream_rest = _batch_choice(model_ids, repeat)
    if st.button("Launch", key="launch", type="primary", icon=":material/rocket_launch:"):
        try:
            specs = [r.spec for r in recipes]
            prompt = actions.validate_launch(suite, text, title, model_ids, specs)
            actions.validate_repair(as_batch=as_batch, **repair)
            if as_batch and recipes:  # a batch answers once, hours later: a recipe's steps follow each other
                raise UsageError("Build recipes do not run on batch engines: turn off “Run as batch” to run them "
                                 "streamed, or remove the recipes.")  # fmt: skip
            contestants = repeat_models(model_ids, repeat)
            key = form_key(prompt, contestants, options, repair, specs, repeat, as_batch, stream_rest)
            if as_batch:
                _launch_batch(key, prompt, contestants, stream_rest, {**options, **repair})
                return
            comparison_id, fresh = launch_once(key, lambda: actions.launch(
                prompt, contestants, **options, **repair, recipes=repeat_recipes(specs, repeat),
            ), _exists)  # fmt: skip
        except UsageError as exc:
            st.error(md(exc))
            return
        except CanvasBenchError as exc:
            st.error(f"The comparison could not start: {md(exc)}")
            return
        if not fresh:
            st.session_state[state.ACTION_NOTE] = ONCE_NOTE
        state.remember_launch(comparison_id)
        # The comparison's own page shows its live lanes; the form is left behind, not armed for a second launch.
        st.switch_page("pages/comparison_page.py", query_params={state.QP_COMPARISON: comparison_id})


main()
