"""The gallery's orders: newest, cost, lines and arena rating, sorted in SQL before the page is cut, unknowns last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from canvasbench.arena.ratings import model_ratings
from canvasbench.arena.votes import record_vote
from canvasbench.store import RunStore, reads, writes
from tests.arena_helpers import finished_comparison
from tests.browser_helpers import seed_comparison
from tests.test_app_pages import APP, query, texts

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _comparison(store: RunStore, title: str, hours_ago: int, costs: list[float | None], lines: list[int | None]) -> str:
    models = [f"openai:model-{title}-{i}" for i in range(len(costs))]
    created = NOW - timedelta(hours=hours_ago)
    cid, run_ids = seed_comparison(store, title=f"Order {title}", models=models, created=created)
    for run_id, cost, n in zip(run_ids, costs, lines, strict=True):
        writes.update_run(store, run_id, cost_usd=cost, lines=n)
    return cid


def _four(store: RunStore) -> dict[str, str]:
    """A newest, B all costs unknown but most lines, C costliest, D cheapest with no line count."""
    return {
        "A": _comparison(store, "A", 1, [0.2, 0.3], [60, 40]),
        "B": _comparison(store, "B", 2, [None, None], [500, 400]),
        "C": _comparison(store, "C", 3, [0.9, None], [30, 20]),
        "D": _comparison(store, "D", 4, [0.05], [None]),
    }


def _order(store: RunStore, sort: str, **kw: object) -> list[str]:
    page = reads.gallery_page(store, reads.GalleryFilter(), limit=10, sort=sort, **kw)  # type: ignore[arg-type]
    return [c["title"].removeprefix("Order ") for c in page.cards]


def test_gallery_sorts_by_cost_lines_and_newest_with_unknowns_last() -> None:
    store = RunStore()
    _four(store)
    assert _order(store, "newest") == ["A", "B", "C", "D"]
    assert _order(store, "cost") == ["C", "A", "D", "B"]  # B's cost is unknown: last, never "cheap"
    assert _order(store, "cheapest") == ["D", "A", "C", "B"]
    assert _order(store, "lines") == ["B", "A", "C", "D"]  # D counted no lines: last
    # The order is applied before the page is cut: page 2 of a cost sort holds the two cheapest known.
    second = reads.gallery_page(store, reads.GalleryFilter(), limit=2, offset=2, sort="cost")
    assert [c["title"] for c in second.cards] == ["Order D", "Order B"] and second.total == 4
    first = reads.gallery_page(store, reads.GalleryFilter(), limit=1, sort="cost").cards[0]
    assert first["cost_total"] == 0.9 and first["cost_unknown"] == 1 and first["lines_total"] == 50


def test_gallery_sorts_by_the_best_models_arena_rating() -> None:
    store = RunStore()
    a = finished_comparison(store, ["openai:strong", "openai:weak"])
    b = finished_comparison(store, ["openai:weak", "openai:middling"])
    finished_comparison(store, ["openai:never-voted"])
    for _ in range(3):
        record_vote(store, a[0], a[1][0], a[1][1], "left")  # strong beats weak
        record_vote(store, b[0], b[1][1], b[1][0], "left")  # middling beats weak
    ratings = model_ratings(store)
    assert ratings["openai:weak"] < ratings["openai:middling"] and "openai:never-voted" not in ratings
    page = reads.gallery_page(store, reads.GalleryFilter(), limit=10, sort="rating", ratings=ratings)
    ranked = [(c["id"], c["best_rating"]) for c in page.cards]
    assert ranked[2][1] is None  # no rated model: last
    assert {ranked[0][0], ranked[1][0]} == {a[0], b[0]} and ranked[0][1] >= ranked[1][1]


def test_rounds_are_offered_only_when_runs_have_rounds() -> None:
    store = RunStore()
    ids = _four(store)
    assert reads.gallery_sorts(store) == ("newest", "cost", "cheapest", "lines", "rating")
    assert _order(store, "rounds") == ["A", "B", "C", "D"]  # not offered: newest first
    # Once comparisons asked for repair rounds, the sort appears: fewest rounds first.
    with store.write():
        for title, rounds in (("A", 3), ("B", 1), ("C", 2)):
            store.db.execute("UPDATE runs SET round = ? WHERE comparison_id = ?", [rounds, ids[title]])
            store.db.execute("UPDATE comparisons SET options = json_set(options, '$.repair', 3) WHERE id = ?",
                             [ids[title]])  # fmt: skip
    assert "rounds" in reads.gallery_sorts(store)
    assert _order(store, "rounds") == ["D", "B", "C", "A"]  # D never needed a repair: 0 rounds


def test_the_gallery_page_sorts_and_keeps_the_order_in_its_url() -> None:
    store = RunStore()
    _four(store)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert texts(at).index("Order A") < texts(at).index("Order C")
    at.selectbox(key="gallery.sort").select("cost").run()
    shown = texts(at)
    assert shown.index("$0.90 (1 cost unknown)") < shown.index("$0.50") < shown.index("2 runs · cost unknown")
    assert query(at, "sort") == "cost"
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["sort"] = "lines"  # a tile link's Back: a new session from the URL
    fresh.run()
    assert fresh.selectbox(key="gallery.sort").value == "lines"
    assert texts(fresh).index("900 lines") < texts(fresh).index("100 lines")


def _menu(at: AppTest) -> str:
    """The label of the gallery's sort-and-filter menu, as its button shows it closed."""
    (menu,) = [b for b in at.get("popover") if "tune" in b.proto.popover.icon]
    return str(menu.proto.popover.label)


def test_the_closed_sort_and_filter_menu_says_the_order_and_how_many_filters_are_on() -> None:
    store = RunStore()
    _four(store)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert _menu(at) == "Newest first"
    at.selectbox(key="gallery.sort").select("cost").run()
    at.selectbox(key="gallery.model").select("openai:model-A-0").run()
    assert _menu(at) == "Cost, highest first · 1 filter" and "1 comparisons" in texts(at)
    at.selectbox(key="gallery.status").select("done").run()
    assert _menu(at) == "Cost, highest first · 2 filters"


def test_back_from_a_card_link_keeps_the_search_filters_and_page() -> None:
    # A card is a plain link: opening it and pressing Back starts a new session from the gallery's URL.
    store = RunStore()
    seed_comparison(store, title="Elsewhere", category="svg")
    for i in range(9):  # two pages of cards in category "canvas"
        seed_comparison(store, title=f"Paged {i}", category="canvas", created=NOW - timedelta(hours=i))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="gallery.category").select("canvas").run()
    at.button(key="gallery-next").click().run()
    assert "page 2 of 2" in texts(at)
    back = AppTest.from_file(APP, default_timeout=60)
    for name, value in at.query_params.items():
        back.query_params[name] = value
    back.run()
    assert not back.exception
    assert back.selectbox(key="gallery.category").value == "canvas"
    shown = texts(back)
    assert "9 comparisons · page 2 of 2" in shown and "Paged 8" in shown and "Elsewhere" not in shown
