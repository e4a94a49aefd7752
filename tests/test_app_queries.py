"""Read-side queries behind the gallery and metrics: newest first, filters, paging, no texts in lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from canvasbench.store import RunStore, reads, writes
from tests.browser_helpers import seed_comparison


def _seed(store: RunStore) -> list[str]:
    now = datetime.now(UTC)
    ids = [
        seed_comparison(store, title=f"Canvas {i}", category="canvas", created=now - timedelta(hours=i))[0]
        for i in range(5)
    ]
    ids.append(
        seed_comparison(
            store,
            title="100% _wild_ svg",
            category="svg",
            models=("openai:gpt-5.2",),
            statuses=["failed"],
            created=now - timedelta(days=3),
        )[0]
    )
    return ids


def test_gallery_lists_newest_first_with_runs_but_no_texts() -> None:
    store = RunStore()
    ids = _seed(store)
    page = reads.gallery_page(store, reads.GalleryFilter(), limit=4)
    assert page.total == 6 and [c["id"] for c in page.cards] == ids[:4]
    runs = page.cards[0]["runs"]
    assert [r["model_id"] for r in runs] == [
        "gemini:gemini-3-flash-preview",
        "openai:gpt-5.2",
        "anthropic:claude-opus-4-6",
    ]
    assert runs[0]["lines"] > 0 and runs[0]["latency_s"] == 20.0
    for key in ("response", "artifact", "reasoning", "timeline"):
        assert key not in runs[0]
    second = reads.gallery_page(store, reads.GalleryFilter(), limit=4, offset=4)
    assert [c["id"] for c in second.cards] == ids[4:]


def test_gallery_filters_and_literal_text_search() -> None:
    store = RunStore()
    ids = _seed(store)
    assert reads.gallery_page(store, reads.GalleryFilter(category="svg")).total == 1
    assert reads.gallery_page(store, reads.GalleryFilter(status="failed")).cards[0]["id"] == ids[5]
    assert reads.gallery_page(store, reads.GalleryFilter(model_id="anthropic:claude-opus-4-6")).total == 5
    # % and _ are searched for literally, not as wildcards.
    assert reads.gallery_page(store, reads.GalleryFilter(text="100%")).total == 1
    assert reads.gallery_page(store, reads.GalleryFilter(text="0%")).total == 1
    assert reads.gallery_page(store, reads.GalleryFilter(text="s_g")).total == 0


def test_list_queries_read_the_covering_index_not_the_texts() -> None:
    store = RunStore()
    plan = " ".join(
        str(row)
        for row in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT r.lines, r.truncated, r.model_id FROM runs r INDEXED BY runs_list_cover "
            "WHERE r.comparison_id IN ('a', 'b')"
        )
    )
    assert "COVERING INDEX runs_list_cover" in plan


def test_runs_table_filters_by_model_status_category_and_date() -> None:
    store = RunStore()
    _seed(store)
    assert len(reads.runs_table(store)) == 16
    assert len(reads.runs_table(store, reads.RunFilter(model_ids=("openai:gpt-5.2",)))) == 6
    assert len(reads.runs_table(store, reads.RunFilter(statuses=("failed",)))) == 1
    assert len(reads.runs_table(store, reads.RunFilter(categories=("svg",)))) == 1
    today = datetime.now(UTC).date()
    recent = reads.runs_table(store, reads.RunFilter(since=(today - timedelta(days=1)).isoformat()))
    assert len(recent) == 15
    old = reads.runs_table(store, reads.RunFilter(until=(today - timedelta(days=2)).isoformat()))
    assert len(old) == 1


def test_data_version_changes_when_a_run_changes() -> None:
    store = RunStore()
    ids = _seed(store)
    before = reads.data_version(store)
    assert reads.data_version(store) == before
    run_id = reads.runs_of(store, ids[0])[0]["id"]
    writes.update_run(store, run_id, status="failed")
    assert reads.data_version(store) != before


def test_timeline_and_live_progress_of_one_comparison() -> None:
    store = RunStore()
    ids = _seed(store)
    runs = reads.timeline(store, ids[0])
    assert len(runs) == 3 and len(runs[0]["samples"]) == 11
    live = reads.live_runs(store, ids[0], tail_chars=50)
    assert live[0]["lines_so_far"] > 10 and len(live[0]["tail"]) == 50
