"""Repair rounds in the dashboard (AppTest): the launch form's choice, rounds as steps, one tile per contestant."""

from __future__ import annotations

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore, reads
from tests.fakes.fixtures import fake_env, fake_server  # noqa: F401  (pytest fixtures)
from tests.fakes.server import FakeServer
from tests.round_seed import FIX, NEVER, STEADY, seed_rounds

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SLOW = "openai:fake;chunks=400;interval_ms=50"  # still streaming when the test reads what was stored


def _form(at: AppTest) -> AppTest:
    at.query_params["more"] = "true"  # "More options" open: repair rounds
    at.switch_page("pages/new_comparison_page.py").run()
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Write one HTML page with a bouncing ball.").run()
    at.multiselect(key="new.models").select(SLOW).run()
    return at


def _stop(at: AppTest, comparison_id: str) -> None:
    """Cancel the launched runs (no round follows a cancelled one) and wait until they say so."""
    at.switch_page("pages/gallery_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    at.button(key=f"cancel-all-{comparison_id}").click().run()
    store, deadline = RunStore(), time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(r["status"] == "cancelled" for r in reads.runs_of(store, comparison_id)):
            return
        time.sleep(0.2)
    raise AssertionError("the runs were not cancelled")


def test_launch_form_stores_the_repair_rounds_and_the_acceptance_with_the_comparison(
    fake_env: FakeServer,  # noqa: F811
) -> None:
    at = _form(AppTest.from_file(APP, default_timeout=60).run())
    at.number_input(key="new.repair").set_value(2).run()
    at.segmented_control(key="new.accept").set_value("judge").run()
    at.number_input(key="new.accept_score").set_value(8).run()
    at.button(key="launch").click().run()
    # A judge bar without a judge is refused on the form, saying what to do; nothing is launched.
    assert "needs a judge" in at.error[0].value and "choose a Judge model" in at.error[0].value
    assert not RunStore().db.execute("SELECT count(*) FROM comparisons").fetchone()[0]

    picker = at.selectbox(key="new.judge_model")
    judge = next(m for m in picker.options if m.startswith("anthropic:"))  # the catalogue is offered
    picker.set_value(judge).run()
    at.button(key="launch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (comparison_id,) = at.session_state["new.launched"]
    stored = reads.get_comparison(RunStore(), comparison_id)
    assert stored is not None
    options = json.loads(stored["options"])
    assert (options["repair"], options["accept"], options["judge_model"]) == (2, "judge>=8", judge)
    _stop(at, comparison_id)


def _said(at: AppTest) -> str:
    """What the page says in text, markdown escapes removed."""
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption]).replace("\\", "")


def test_comparison_page_shows_each_contestants_rounds_as_steps_and_rounds_to_acceptable() -> None:
    store = RunStore()
    comparison_id, chains = seed_rounds(store)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/comparison_page.py")
    at.query_params["comparison"] = comparison_id
    at.run()
    assert not at.exception
    said = _said(at)
    assert "round 0 · crashed → round 1 · renders" in said
    assert "round 0 · blank → round 1 · blank → round 2 · crashed" in said
    assert "acceptable after 1 repair round (" in said and "$0.0300" in said  # both rounds' cost
    assert "acceptable on the first answer (round 0)" in said
    assert "not within 2 rounds" in said
    # One column per contestant, each showing its last round: three previews, not six.
    assert len(at.get("iframe")) == 3
    fixed = chains[FIX]
    assert at.segmented_control(key=f"round-step-{fixed[0]}").value == 1
    assert "Repair 1: it crashed." in "\n".join(e.proto.body for e in at.get("html"))  # the message it was sent

    # One click: round 0's own preview and verdict; another: the diff from the round before.
    at.segmented_control(key=f"round-step-{fixed[0]}").set_value(0).run()
    assert not at.exception
    assert not [t for t in at.toggle if t.key == f"round-diff-{fixed[1]}"]  # round 0 repairs nothing
    at.segmented_control(key=f"round-step-{fixed[0]}").set_value(1).run()
    at.toggle(key=f"round-diff-{fixed[1]}").set_value(True).run()
    frames = [e.proto.srcdoc for e in at.get("iframe")]
    assert len(frames) == 4 and any("round 0 --&gt;" in f or "round 0 -->" in f for f in frames)


def test_gallery_shows_one_tile_per_contestant_its_last_round_with_a_rounds_mark() -> None:
    seed_rounds(RunStore())
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/gallery_page.py").run()
    assert not at.exception
    (card,) = [e.proto.body for e in at.get("html") if 'class="cb-tile"' in e.proto.body]
    tiles = card.split('class="cb-tile"')[1:]
    assert len(tiles) == 3  # six runs, three contestants
    by_model = {model: next(t for t in tiles if short in t) for model, short in
                ((FIX, "Flash"), (STEADY, "GPT"), (NEVER, "Opus"))}  # fmt: skip
    assert "2 rounds" in by_model[FIX] and ">renders<" in by_model[FIX]  # the final round's verdict, not round 0's
    assert "rounds" not in by_model[STEADY]
    assert "3 rounds" in by_model[NEVER] and ">crashed<" in by_model[NEVER]
    assert "sample" not in card  # a round is not a sample
