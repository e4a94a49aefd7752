"""The dashboard under AppTest: every page on empty and populated databases, filters, deep links, bad input."""

from __future__ import annotations

import html
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from canvasbench.store import RunStore
from tests.browser_helpers import seed_comparison
from tests.html_tables import html_table

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = (
    "pages/gallery_page.py", "pages/new_comparison_page.py", "pages/metrics_page.py", "pages/models_page.py",
    "pages/matrix_page.py",
)


def open_page(page: str = "pages/gallery_page.py", **query: str) -> AppTest:
    """Run the app on one page (optionally with query parameters) and return the finished AppTest."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/gallery_page.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything shown as text on the page, joined (markdown, titles, captions, alerts)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    # Untrusted one-line texts (titles, model names) are shown as escaped HTML: read them as a user would.
    # Entities stay as they are: a raw `<` there would be markup.
    parts.extend(re.sub(r"<[^>]+>", "", e.proto.body) for e in at.get("html"))
    return "\n".join(parts)


def query(at: AppTest, name: str) -> str | None:
    """A query parameter's current value."""
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def iframes(at: AppTest) -> list[str]:
    """The srcdoc of every st.iframe on the page."""
    return [e.proto.srcdoc for e in at.get("iframe")]


@pytest.fixture
def populated() -> dict[str, object]:
    """A database with comparisons in two categories, one with a failed run and one with hostile names."""
    store = RunStore()
    now = datetime.now(UTC)
    canvas = [
        seed_comparison(store, title=f"Bouncing canvas {i}", category="canvas", created=now - timedelta(days=i))
        for i in range(14)
    ]
    svg_id, svg_runs = seed_comparison(
        store,
        title="Console blueprint",
        category="svg",
        models=("gemini:gemini-3-flash-preview", "openai:gpt-5.2"),
        statuses=["done", "failed"],
        created=now - timedelta(days=30),
    )
    evil_id, _ = seed_comparison(
        store,
        title="Evil [click](http://evil.example) <script>alert(1)</script>",
        category="canvas",
        models=("openai:<img src=x onerror=alert(1)>",),
        created=now - timedelta(days=40),
    )
    return {"store": store, "canvas": canvas, "svg": (svg_id, svg_runs), "evil": evil_id}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_database(page: str) -> None:
    at = open_page(page)
    assert at.title, "each page has a title"
    if page == "pages/gallery_page.py":
        assert "No comparisons yet" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_populated_database(page: str, populated: dict[str, object]) -> None:
    at = open_page(page)
    shown = texts(at)
    if page == "pages/gallery_page.py":
        assert "16 comparisons" in shown
        assert "Bouncing canvas 0" in shown  # newest first
        assert "Bouncing canvas 12" not in shown  # beyond the first page of 12
    if page == "pages/metrics_page.py":
        per_model = html_table(at, "per-model")
        assert per_model and not any(v in ("None", "nan") for row in per_model for v in row.values())
        assert not at.dataframe, "the runs grid opens on a click"
        runs_table, _exports = at.expander  # the runs grid and the exports, each a click away
        assert runs_table.label.startswith(f"Runs table · {14 * 3 + 2 + 1} runs")
        runs = open_page(page, runs="true").dataframe[0].value  # opened (a link or Back keeps it open)
        assert len(runs) == 14 * 3 + 2 + 1
        assert runs["open"].str.startswith("/comparison?comparison=").all()  # each row links to its comparison


def test_gallery_pages_forward_and_back(populated: dict[str, object]) -> None:
    at = open_page()
    at.button(key="gallery-next").click().run()
    shown = texts(at)
    assert "page 2 of 2" in shown and "Bouncing canvas 12" in shown and "Bouncing canvas 0" not in shown
    at.button(key="gallery-prev").click().run()
    assert "Bouncing canvas 0" in texts(at)


def test_gallery_filters_by_category_model_status_and_text(populated: dict[str, object]) -> None:
    at = open_page()
    at.selectbox(key="gallery.category").select("svg").run()
    assert "1 comparisons" in texts(at) and "Console blueprint" in texts(at)
    at.selectbox(key="gallery.category").select(None).run()
    at.selectbox(key="gallery.status").select("failed").run()
    assert "Console blueprint" in texts(at) and "Bouncing canvas 0" not in texts(at)
    at.selectbox(key="gallery.status").select(None).run()
    at.selectbox(key="gallery.model").select("anthropic:claude-opus-4-6").run()
    assert "14 comparisons" in texts(at)
    at.selectbox(key="gallery.model").select(None).run()
    at.text_input(key="gallery.text").input("canvas 13").run()
    shown = texts(at)
    assert "1 comparisons" in shown and "Bouncing canvas 13" in shown
    at.text_input(key="gallery.text").input("no such thing anywhere").run()
    assert "No comparison matches these filters" in texts(at)


def test_untrusted_names_are_shown_as_text_never_as_markup(populated: dict[str, object]) -> None:
    at = open_page(comparison=str(populated["evil"]))
    shown = texts(at)
    # Escaped for markdown (model ids) or HTML (the one-line title): no link, no tag, the characters stay visible.
    assert "Evil [click](http://evil.example) &lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "openai:&lt;img src=x onerror=alert(1)&gt;" in shown
    assert not re.search(r"(?<!\\)<(script|img)", shown), "no unescaped tag reaches markdown"


def test_deep_link_opens_a_comparison_side_by_side_and_survives_a_rerun(populated: dict[str, object]) -> None:
    svg_id, _runs = populated["svg"]  # type: ignore[misc]
    at = open_page(comparison=str(svg_id))
    assert "Console blueprint" in texts(at)
    docs = iframes(at)
    assert len(docs) == 2
    for doc in docs:
        assert '<iframe sandbox="allow-scripts allow-pointer-lock"' in doc and "allow-same-origin" not in doc
    assert "&lt;svg" in docs[1] or "&lt;canvas" in docs[0]
    assert "error: failed]" in texts(at) and "HTTP 503 from provider" in texts(at)
    at.run()  # a reload of the same URL keeps the comparison open
    assert query(at, "comparison") == svg_id and "Console blueprint" in texts(at)


def test_the_code_view_is_one_full_width_viewer_and_a_diff_on_demand(populated: dict[str, object]) -> None:
    cid, _ = populated["canvas"][0]  # type: ignore[index]
    at = open_page(comparison=str(cid), view="code")  # the view is part of the URL (?view=code)
    # The views are plain links (no widget to load on a cold visit); the URL's view is the one marked current.
    (head,) = [e.proto.body for e in at.get("html") if 'aria-label="Views"' in e.proto.body]
    views = dict(re.findall(r'<a href="\?([^"]+)"( aria-current="page")?', head))
    assert views == {
        f"comparison={cid}": "",
        f"comparison={cid}&amp;view=code": ' aria-current="page"',
        **{f"comparison={cid}&amp;view={v}": "" for v in ("response", "reasoning", "replay", "timeline")},
    }
    docs = iframes(at)
    assert len(docs) == 1 and '<iframe sandbox="allow-scripts allow-pointer-lock"' in docs[0]
    inner = html.unescape(docs[0])
    assert "Go to line" in inner and "getContext" in inner
    at.radio(key="code.other").set_value(at.radio(key="code.other").options[1]).run()  # the Compare popover
    inner = html.unescape(iframes(at)[0])
    assert '"mode":"diff"' in inner


def test_deep_link_to_a_run_opens_it_full_screen(populated: dict[str, object]) -> None:
    _svg, runs = populated["svg"]  # type: ignore[misc]
    at = open_page(run=runs[0])
    (head,) = [e.proto.body for e in at.get("html") if "Back to the comparison" in e.proto.body]
    assert len(iframes(at)) == 1 and "gemini:gemini-3-flash-preview" in head
    back = re.search(r'href="\?comparison=([^"]+)"', head)  # a link back: the same page, the comparison's query
    assert back, head
    assert len(iframes(open_page(comparison=back.group(1)))) == 2


def test_unknown_deep_links_say_so(populated: dict[str, object]) -> None:
    assert "no comparison with id" in texts(open_page(comparison="NOPE")).lower()
    assert "no run with id" in texts(open_page(run="NOPE")).lower()


def test_each_card_opens_its_comparison_by_a_real_link(populated: dict[str, object]) -> None:
    cid, _ = populated["canvas"][0]  # type: ignore[index]
    at = open_page()
    (cards,) = [e.proto.body for e in at.get("html") if 'class="cb-card"' in e.proto.body]  # one element
    links = re.findall(r'<a class="cb-open" href="([^"]+)"', cards)
    assert len(links) == 8 and links[0] == f"comparison?comparison={cid}"
    # Drawing the page of cards takes no per-card Streamlit element: no columns, page links or containers.
    assert not at.get("page_link")
    at = open_page(comparison=str(cid))  # where the link goes
    assert len(iframes(at)) == 3


def test_metrics_filters_narrow_the_table(populated: dict[str, object]) -> None:
    at = open_page("pages/metrics_page.py", runs="true")
    at.multiselect(key="metrics.models").select("openai:gpt-5.2").run()
    table = at.dataframe[0].value
    assert len(table) == 15 and set(table["model_id"]) == {"openai:gpt-5.2"}
    at.multiselect(key="metrics.statuses").select("failed").run()
    assert len(at.dataframe[0].value) == 1
    at.multiselect(key="metrics.models").unselect("openai:gpt-5.2").run()
    at.multiselect(key="metrics.statuses").unselect("failed").run()
    at.multiselect(key="metrics.categories").select("svg").run()
    assert len(at.dataframe[0].value) == 2


def test_launch_form_stops_bad_input_with_one_message() -> None:
    at = open_page("pages/new_comparison_page.py")
    at.button(key="launch").click().run()
    assert len(at.error) == 1 and "Choose at least one model" in at.error[0].value

    at.multiselect(key="new.models").select("openai:gpt-5.2").run()
    at.button(key="launch").click().run()
    assert len(at.error) == 1 and "OPENAI\\_API\\_KEY" in at.error[0].value

    at.selectbox(key="new.source").set_value("own").run()
    at.button(key="launch").click().run()
    assert len(at.error) == 1 and "prompt is empty" in at.error[0].value

    at.multiselect(key="new.models").select("not-a-model-id").run()
    at.text_area(key="new.own_text").input("Write a page.").run()
    at.button(key="launch").click().run()
    assert len(at.error) == 1 and "not\\-a\\-model\\-id" in at.error[0].value


def test_secrets_provide_keys_without_showing_them() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["ANTHROPIC_API_KEY"] = "sk-ant-secret-value-123"
    try:
        at.run()
        at.switch_page("pages/models_page.py")
        at.run()
        assert not at.exception
        shown = texts(at) + "".join(str(c.value) for c in at.code)
        assert "key set (`ANTHROPIC_API_KEY`)" in shown
        assert "sk-ant-secret-value-123" not in shown
    finally:
        os.environ.pop("ANTHROPIC_API_KEY", None)


def test_a_database_path_that_is_a_directory_gives_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVASBENCH_DB", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1 and "CANVASBENCH_DB" in at.error[0].value


def test_a_file_that_is_not_sqlite_gives_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes, not a database\n" * 10)
    monkeypatch.setenv("CANVASBENCH_DB", str(bogus))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1 and "not a SQLite database" in at.error[0].value


def test_a_broken_endpoints_file_is_named_on_the_models_page_and_breaks_no_page() -> None:
    Path(os.environ["CANVASBENCH_ENDPOINTS"]).write_text("[endpoints.local\nbase_url = 1\n")
    for page in PAGES:
        open_page(page)  # asserts no exception
    assert "Endpoints file" in texts(open_page("pages/models_page.py"))


def test_render_checks_show_as_thumbnails_and_verdict_badges() -> None:
    import io

    from PIL import Image

    store = RunStore()
    cid, runs = seed_comparison(store, title="Checked canvas")
    png = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 144, 255)).save(png, format="PNG")
    with store.write() as db:
        db["render_checks"].insert(  # type: ignore[union-attr]
            {
                "run_id": runs[0],
                "checked_at": "2026-11-23T12:00:00.000Z",
                "verdict": "renders with errors",
                "loaded": 1,
                "js_errors": 2,
                "errors": '["TypeError: boom is not a function"]',
                "drawn": 1,
                "render_ms": 850.0,
                "screenshot": png.getvalue(),
                "width": 640,
                "height": 400,
                "evidence": "Drew a frame but threw 2 errors.",
            }
        )
    at = open_page()
    thumbnails = [e.proto.body.count('src="data:image/jpeg;base64,') for e in at.get("html")]
    assert sum(thumbnails) == 1, "the card shows the screenshot as a thumbnail (inline, no request per tile)"
    assert "renders with errors" in texts(at)
    at = open_page(comparison=cid)
    shown = texts(at)
    assert "renders with errors" in shown and "2 JS errors" in shown
    assert not at.code  # the errors are in the details, drawn when opened
    at.session_state[f"check-details-{runs[0]}"] = True
    at.run()
    assert any("TypeError: boom" in str(c.value) for c in at.code)


def test_new_comparison_estimates_the_cost_and_warns_near_a_context_window() -> None:
    at = open_page("pages/new_comparison_page.py", more="true")  # "More options" open: repeats
    at.selectbox(key="new.source").set_value("own").run()
    at.text_area(key="new.own_text").input("Draw a bouncing ball on a canvas. " * 10).run()
    at.multiselect(key="new.models").select("gemini:gemini-3-flash-preview").select("anthropic:claude-opus-4-6").run()
    at.number_input(key="new.repeat").set_value(3).run()
    labels = [e.proto.label for e in at.get("expander")]
    assert any(label.startswith("Estimated cost: about $") for label in labels), labels
    assert not at.warning
    at.text_area(key="new.own_text").input("word " * 180_000).run()  # 900,000 characters ≈ 225,000 tokens
    warnings = " ".join(w.value for w in at.warning)
    assert "claude\\-opus\\-4\\-6" in warnings and "context window" in warnings
    assert "gemini" not in warnings


def test_a_cards_hostile_title_and_category_are_text_in_its_html() -> None:
    store = RunStore()
    seed_comparison(store, title='<img src=x onerror=alert(1)>"', category="<b>cat</b>' onmouseover=alert(2)")
    at = open_page()
    (cards,) = [e.proto.body for e in at.get("html") if 'class="cb-card"' in e.proto.body]
    assert "<img src=x" not in cards and "<b>cat" not in cards and "' onmouseover" not in cards
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in cards and "&lt;b&gt;cat&lt;/b&gt;" in cards
    assert 'title="Open the comparison: &lt;img src=x onerror=alert(1)&gt;&quot;"' in cards  # the Open link's tip


def test_a_voted_and_judged_comparison_is_deleted_from_its_page() -> None:
    from canvasbench.store import writes

    store = RunStore()
    cid, runs = seed_comparison(store, title="Voted canvas")
    writes.insert_vote(store, cid, runs[0], runs[1], "left", None)
    writes.save_checklist(store, cid, ["draws"], "suite", None)
    at = open_page("pages/comparison_page.py", comparison=cid)
    at.button(key="delete-confirm").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Deleted the comparison and its 3 run(s)." in texts(at)
    assert store.db.execute("SELECT count(*) FROM votes").fetchone()[0] == 0
