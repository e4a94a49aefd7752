"""The sweep matrix: a sweep's runs read back as prompts × contestants, repeats in one cell, summaries both ways."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from canvasbench.ids import new_id
from canvasbench.present.matrix import build_matrix
from canvasbench.store import RunStore, reads, writes
from tests.arena_helpers import png
from tests.test_app_pages import APP, texts

PROMPTS = [("matrix-orbit", "Orbit"), ("matrix-clock", "Clock"), ("matrix-maze", "Maze")]
CONTESTANTS = ["gemini:flash", "openai:gpt", "anthropic:opus", "openrouter:vendor/a-very-long-model-name-v2"]
VERDICTS = {"gemini:flash": "renders", "openai:gpt": "blank", "anthropic:opus": "renders with errors"}


def seed_sweep(store: RunStore, sweep_id: str, *, repeat_first: bool = False) -> dict[tuple[str, str], str]:
    """A sweep of 3 prompts × 4 contestants stored as the runner stores it; returns (prompt, model) -> comparison.

    Lines are 100 × (prompt number) + contestant number; cost 0.01 × (contestant number + 1), unknown for the
    last contestant; verdicts as VERDICTS, no check for the last contestant.
    """
    where = {}
    for p, (prompt_id, title) in enumerate(PROMPTS, start=1):
        prompt = {"id": prompt_id, "title": title, "category": "matrix", "kind": "html", "text": f"Draw {title}."}
        models = [CONTESTANTS[0], *CONTESTANTS] if repeat_first and p == 1 else CONTESTANTS
        cid, run_ids = writes.create_comparison(store, prompt=prompt, model_ids=models, options={}, sweep_id=sweep_id)
        for run_id, model in zip(run_ids, models, strict=True):
            m = CONTESTANTS.index(model)
            writes.update_run(
                store, run_id, status="done", lines=100 * p + m, artifact_kind="html", artifact="<p>x</p>",
                cost_usd=None if m == 3 else 0.01 * (m + 1), finished_at=writes.utc_now(),
            )  # fmt: skip
            if model in VERDICTS:
                writes.save_render_check(
                    store,
                    {"run_id": run_id, "checked_at": writes.utc_now(), "verdict": VERDICTS[model],
                     "screenshot": png(64, 40, (40 * m, 120, 200)), "evidence": "seen"},
                )  # fmt: skip
            where[(prompt_id, model)] = cid
    return where


def test_a_sweep_reads_back_as_prompts_by_contestants_with_summaries() -> None:
    store = RunStore()
    sweep = new_id()
    seed_sweep(store, sweep, repeat_first=True)
    seed_sweep(store, new_id())  # another sweep: not in this matrix
    found = reads.matrix_runs(store, reads.MatrixFilter(sweep_id=sweep))
    matrix = build_matrix(found.runs)
    assert [p[1] for p in matrix.prompts] == ["Orbit", "Clock", "Maze"] and matrix.contestants == CONTESTANTS
    assert len(matrix.cell("matrix-orbit", "gemini:flash")) == 2  # a repeat shares its cell
    flash = matrix.column_summary["gemini:flash"]
    assert (flash.renders, flash.runs, flash.median_lines) == (4, 4, 150)  # 100, 100, 200, 300
    assert flash.cost_usd is not None and round(flash.cost_usd, 4) == 0.04
    last = matrix.column_summary[CONTESTANTS[3]]
    assert (last.renders, last.cost_usd, last.cost_unknown) == (0, None, 3)
    clock = matrix.row_summary["matrix-clock"]
    assert (clock.renders, clock.runs, clock.cost_unknown, clock.median_lines) == (2, 4, 1, 201.5)
    by_category = reads.matrix_runs(store, reads.MatrixFilter(category="matrix", until="2999-01-01"))
    assert by_category.comparisons == 6 and len(build_matrix(by_category.runs).cell("matrix-maze", "openai:gpt")) == 2
    assert reads.matrix_runs(store, reads.MatrixFilter(since="2999-01-01")).runs == []
    cut = reads.matrix_runs(store, reads.MatrixFilter(category="matrix"), max_comparisons=4)
    assert cut.cut and cut.comparisons == 4


def test_the_matrix_page_shows_the_newest_sweep_and_links_each_cell() -> None:
    store = RunStore()
    seed_sweep(store, new_id())
    where = seed_sweep(store, new_id())
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/matrix_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "3 prompts × 4 contestants" in shown
    body = "".join(e.proto.body for e in at.get("html"))
    assert body.count('class="cb-cell"') == 12
    assert f'href="comparison?comparison={where[("matrix-maze", "openai:gpt")]}"' in body
    assert "openrouter:vendor/a-very-long-model-name-v2 · provider openrouter" in body  # the whole id on hover


def test_a_link_to_the_matrix_names_its_sweep() -> None:
    store = RunStore()
    older = seed_sweep(store, "sweep-older")
    seed_sweep(store, "sweep-newer")
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/matrix_page.py")
    at.query_params["sweep"] = "sweep-older"  # opened from a link: a fresh session with the sweep in its URL
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="matrix.sweep").value == "sweep-older"
    assert "3 prompts × 4 models · 12 runs" in str(at.selectbox(key="matrix.sweep").format_func("sweep-older"))
    body = "".join(e.proto.body for e in at.get("html"))
    assert f"comparison?comparison={older[('matrix-orbit', 'gemini:flash')]}" in body


def test_untrusted_titles_and_model_ids_in_the_matrix_are_text() -> None:
    store = RunStore()
    prompt = {"id": "evil", "title": "<img src=x onerror=alert(1)>", "category": "<b>cat</b>", "kind": "html",
              "text": "x"}  # fmt: skip
    writes.create_comparison(store, prompt=prompt, model_ids=["openai:<script>alert(2)</script>"], sweep_id="s")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/matrix_page.py").run()
    body = "".join(e.proto.body for e in at.get("html"))
    assert "<img src=x" not in body and "<script>" not in body and "<b>cat" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "&lt;script&gt;alert(2)&lt;/script&gt;" in body


def test_a_long_matrix_shows_a_page_of_prompts_and_pages_on() -> None:
    store = RunStore()
    for n in range(13):  # thirteen prompts, two contestants each: more rows than one page
        prompt = {"id": f"p{n:02d}", "title": f"Prompt {n:02d}", "category": "long", "kind": "html", "text": "x"}
        writes.create_comparison(store, prompt=prompt, model_ids=["openai:gpt", "gemini:flash"], options={})
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/matrix_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "matrix.sweep" not in [s.key for s in at.selectbox]  # no sweep to pick: no picker of one choice
    body = "".join(e.proto.body for e in at.get("html"))
    assert body.count('class="cb-row"') == 10 and "Prompt 00" in body and "Prompt 12" not in body
    assert body.count('data-summary="column"') == 2 and "0/13 render" in body  # the columns count every prompt
    assert "Prompts 1–10 of 13" in texts(at)
    at.button(key="matrix-next").click().run()
    body = "".join(e.proto.body for e in at.get("html"))
    assert body.count('class="cb-row"') == 3 and "Prompt 12" in body and "Prompt 00" not in body
    at.selectbox(key="matrix.category").select("long").run()  # a new filter starts on the first page again
    assert "Prompt 00" in "".join(e.proto.body for e in at.get("html"))


def test_back_from_a_cells_comparison_returns_to_the_same_page_of_prompts() -> None:
    # A cell is a plain link: opening it and pressing Back starts a new session from the matrix's URL.
    store = RunStore()
    for n in range(13):
        prompt = {"id": f"p{n:02d}", "title": f"Prompt {n:02d}", "category": "long", "kind": "html", "text": "x"}
        writes.create_comparison(store, prompt=prompt, model_ids=["openai:gpt", "gemini:flash"], options={})
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/matrix_page.py").run()
    at.selectbox(key="matrix.category").select("long").run()
    at.button(key="matrix-next").click().run()
    back = AppTest.from_file(APP, default_timeout=60)
    for name, value in at.query_params.items():
        back.query_params[name] = value
    back.run()
    back.switch_page("pages/matrix_page.py").run()
    assert not back.exception, [e.value for e in back.exception]
    body = "".join(e.proto.body for e in back.get("html"))
    assert "Prompt 12" in body and "Prompt 00" not in body and "Prompts 11–13 of 13" in texts(back)
    assert back.selectbox(key="matrix.category").value == "long"
