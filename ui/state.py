"""Every session-state key and query parameter the dashboard uses, in one place."""

from __future__ import annotations

from typing import Any

import streamlit as st

# Query parameters (deep links that survive a reload).
QP_COMPARISON = "comparison"
QP_RUN = "run"
QP_VIEW = "view"  # preview / code / response / reasoning, bound to the view switch
QP_SORT = "sort"  # the gallery's order (absent: newest first), so Back from a tile link keeps it
QP_SWEEP = "sweep"  # the sweep the matrix shows

# Session-state keys.
GALLERY_PAGE = "gallery.page"
GALLERY_CATEGORY = "gallery.category"
GALLERY_MODEL = "gallery.model"
GALLERY_STATUS = "gallery.status"
GALLERY_TEXT = "gallery.text"
GALLERY_SORT = "gallery.sort"
GALLERY_SORT_KEPT = "gallery.sort_kept"  # the order chosen, kept across page switches
MATRIX_SWEEP = "matrix.sweep"
MATRIX_CATEGORY = "matrix.category"
MATRIX_DATES = "matrix.dates"
ACTION_ERROR = "comparison.action_error"  # what a re-run or delete callback could not do, shown once
ACTION_NOTE = "comparison.action_note"

LAUNCHED = "new.launched"  # comparison ids launched from this session, newest first
NEW_SOURCE = "new.source"
NEW_SUITE_ID = "new.suite_id"
NEW_OWN_TEXT = "new.own_text"
NEW_OWN_TITLE = "new.own_title"
NEW_MODELS = "new.models"
NEW_EXTRA_MODELS = "new.extra_models"
NEW_MAX_TOKENS = "new.max_tokens"
NEW_THINKING = "new.thinking"
NEW_SET_TEMPERATURE = "new.set_temperature"
NEW_TEMPERATURE = "new.temperature"
NEW_DEADLINE = "new.deadline"
NEW_REPEAT = "new.repeat"
NEW_BATCH = "new.batch"
NEW_BATCH_OR_STREAM = "new.batch_or_stream"
NEW_REPAIR = "new.repair"
NEW_ACCEPT = "new.accept"
NEW_ACCEPT_SCORE = "new.accept_score"
NEW_JUDGE_MODEL = "new.judge_model"
NEW_RECIPES = "new.recipes"  # the recipes added on the launch form (their canonical specs)
NEW_RECIPE_PLAN = "new.recipe_plan"
NEW_RECIPE_BUILD = "new.recipe_build"
NEW_RECIPE_FIX = "new.recipe_fix"
NEW_RECIPE_REPAIR = "new.recipe_repair"
NEW_RECIPE_NAME = "new.recipe_name"

# The New comparison form's choices: kept in session state on every page's run (see `keep_choices`).
NEW_FORM = (NEW_SOURCE, NEW_MODELS, NEW_OWN_TITLE, NEW_OWN_TEXT, NEW_MAX_TOKENS, NEW_THINKING, NEW_SET_TEMPERATURE,
            NEW_TEMPERATURE, NEW_DEADLINE, NEW_REPEAT, NEW_BATCH, NEW_BATCH_OR_STREAM, NEW_REPAIR, NEW_ACCEPT,
            NEW_ACCEPT_SCORE, NEW_JUDGE_MODEL, NEW_RECIPE_PLAN, NEW_RECIPE_BUILD, NEW_RECIPE_FIX, NEW_RECIPE_REPAIR,
            NEW_RECIPE_NAME)  # fmt: skip
# The metrics and leaderboard filters (their pages drop a chosen value the database no longer has, first).
FILTERS = ("metrics.prompts", "metrics.categories", "metrics.models", "metrics.statuses", "metrics.dates",
           "leaderboard.by", "leaderboard.category", "leaderboard.dates")  # fmt: skip

METRICS_RUNS_TABLE = "runs"  # the runs grid open (bound to ?runs=, so a link or Back keeps it open)
METRICS_TIMELINE = "metrics.timeline_comparison"
METRICS_EXPORT_ARTIFACT = "metrics.export_artifact"  # the runs export carries each run's code
CONNECTIVITY = "models.connectivity"  # provider -> last check result


def suite_text_key(prompt_id: str) -> str:
    """The editable text area of one suite prompt (its own key, so switching prompts shows each text)."""
    return f"new.suite_text.{prompt_id}"


KEPT = "kept."  # the prefix of `keep_choices`' copies (keys of no widget: Streamlit never drops them)
_PAGE = "kept.page"  # the page of the last run `keep_choices` saw


def keep_choices(page: str) -> None:
    """The launch form's choices (prompt, models, own prompt, suite prompt edits, options) and the metrics and
    leaderboard filters, held across runs and pages (`page`: the url path of the page this run draws).

    Streamlit drops a widget's value on a run that does not draw it (another page, another suite prompt shown, a
    closed section). Each run, before any widget, copies every value there is and puts back a dropped one, so the
    page is as left when drawn again. On the first run of a visit to a page every value is also set again: a value
    held only on the server is not sent to the browser, whose box then showed empty (the models chosen, after a
    visit to another page). Only then: a value set by code is sent to the browser on that run, and set on every
    run it overwrote what was being typed while a rerun was on its way (a title lost) and took an Enter in the
    models box as "select all".
    """
    prefix = suite_text_key("")
    keys = {*NEW_FORM, *FILTERS}
    keys.update(str(k).removeprefix(KEPT) for k in st.session_state if str(k).removeprefix(KEPT).startswith(prefix))
    arrived = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page
    for key in keys:
        if key in st.session_state:
            st.session_state[KEPT + key] = st.session_state[key]
            if arrived:
                st.session_state[key] = st.session_state[key]
        elif KEPT + key in st.session_state:
            st.session_state[key] = st.session_state[KEPT + key]


def get(key: str, default: Any = None) -> Any:
    """A session value, or `default` when unset."""
    return st.session_state.get(key, default)


def launched() -> list[str]:
    """Comparison ids launched from this browser session, newest first."""
    value = st.session_state.get(LAUNCHED)
    if not isinstance(value, list):
        value = []
        st.session_state[LAUNCHED] = value
    return value


def remember_launch(comparison_id: str) -> None:
    """Record a comparison launched from this session so the page shows it again after a page switch."""
    ids = launched()
    if comparison_id in ids:
        ids.remove(comparison_id)
    ids.insert(0, comparison_id)
    del ids[10:]
