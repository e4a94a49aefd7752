"""The prompt suite in gallery/, rows for free-text prompts, and `canvasbench prompts`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.errors import UsageError
from canvasbench.run.prompt_suite import SuiteError, custom_prompt, get_prompt, load_suite
from canvasbench.store import RunStore, writes

THREE_PREFIX = "https://cdn.jsdelivr.net/npm/three@0.170.0/"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # a name, never fetched


def test_suite_loads_with_at_least_ten_complete_prompts() -> None:
    suite = load_suite()
    assert len(suite) >= 10
    ids = [p.id for p in suite]
    assert len(ids) == len(set(ids))
    for p in suite:
        assert p.id and p.title and p.category and p.text.strip(), p.id
        assert p.kind in ("html", "svg"), p.id
        assert len(p.text.split()) >= 200, f"{p.id}: an expert prompt is specific, not one line"


def test_suite_covers_every_kind_of_program_the_issue_asks_for() -> None:
    suite = load_suite()

    def has(category: str, *words: str) -> bool:
        return any(p.category == category and all(w.lower() in p.text.lower() for w in words) for p in suite)

    assert has("threejs", "physics", "2,000+ lines")
    assert has("threejs", "game")
    assert has("svg", "interactive", "<script")
    assert has("svg", "exploded", "console", "blueprint")
    assert has("desktop", "Windows 98", "one self-contained HTML file")
    assert has("canvas", "boids") or has("canvas", "fluid") or has("canvas", "particles")
    assert has("dataviz", "embedded data")
    assert has("game", "retro")
    assert has("generative", "seed")
    assert has("stress", "longest complete")


def test_every_prompt_asks_for_exactly_one_block_of_its_kind() -> None:
    for p in load_suite():
        flat = " ".join(p.text.split()).lower()
        assert f"output only one ```{p.kind} code block" in flat, p.id
        assert "one standalone" in flat or "one self-contained" in flat, p.id


def test_only_the_pinned_three_js_is_loaded_from_the_network() -> None:
    # Render checks serve three.js from an offline mirror: every URL must be the pinned package.
    for p in load_suite():
        urls = re.findall(r"https?://[^\s\"'<>]+", p.text.replace(SVG_NAMESPACE, ""))
        uses_three = p.category == "threejs"
        assert all(url.startswith(THREE_PREFIX) for url in urls), (p.id, urls)
        assert bool(urls) == uses_three, p.id
        if uses_three:
            assert '<script type="importmap">' in p.text
            assert f'"three": "{THREE_PREFIX}build/three.module.js"' in p.text


def test_suite_rows_save_into_the_store() -> None:
    store = RunStore()
    for p in load_suite():
        writes.save_prompt(store, p.as_row())
    rows = {r["id"]: r for r in store.table("prompts").rows}
    prompt = get_prompt("desktop-win98")
    assert rows["desktop-win98"]["source"] == "suite"
    assert rows["desktop-win98"]["text"] == prompt.text
    assert set(prompt.as_row()) == {"id", "title", "category", "kind", "text", "source"}


def test_get_prompt_unknown_id_names_the_known_ids_and_the_closest() -> None:
    assert get_prompt("svg-console-blueprint").kind == "svg"
    with pytest.raises(UsageError) as info:
        get_prompt("desktop-win95")
    message = str(info.value)
    assert "Unknown prompt id 'desktop-win95'" in message
    assert "Did you mean 'desktop-win98'?" in message
    for p in load_suite():
        assert p.id in message


def test_custom_prompt_row_is_stable_and_marked_as_the_users() -> None:
    text = "Write a bouncing ball in one HTML file.\nMake it squash on impact."
    row = custom_prompt(text)
    assert row["id"] == "custom-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    assert custom_prompt(text)["id"] == row["id"]
    assert row["source"] == "user"
    assert row["text"] == text
    assert row["title"] == "Write a bouncing ball in one HTML file."
    assert row["kind"] == "html"
    assert custom_prompt(text, title="Ball")["title"] == "Ball"
    assert custom_prompt("Draw a tiger as one SVG file")["kind"] == "svg"
    writes.save_prompt(RunStore(), row)  # fits the prompts table as it is


@pytest.mark.parametrize("blank", ["", "   ", "\n\t\n"])
def test_custom_prompt_refuses_blank_text(blank: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        custom_prompt(blank)


def test_a_malformed_gallery_file_is_named(tmp_path: Path) -> None:
    good = 'id = "a"\ntitle = "A"\ncategory = "x"\nkind = "html"\ntext = "Make a page."\n'
    (tmp_path / "a.toml").write_text(good, encoding="utf-8")
    assert [p.id for p in load_suite(tmp_path)] == ["a"]

    (tmp_path / "b.toml").write_text(good.replace('"a"', '"b"').replace('"html"', '"pdf"'), encoding="utf-8")
    with pytest.raises(SuiteError, match=r"b\.toml: kind must be one of html, svg"):
        load_suite(tmp_path)
    (tmp_path / "b.toml").write_text(good, encoding="utf-8")  # id "a" in b.toml
    with pytest.raises(SuiteError, match="match the file name"):
        load_suite(tmp_path)
    (tmp_path / "b.toml").write_text(good.replace('"a"', '"b"') + 'notes = "x"\n', encoding="utf-8")
    with pytest.raises(SuiteError, match="unknown field"):
        load_suite(tmp_path)


# --- the CLI ----------------------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["prompts", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_lists_the_suite() -> None:
    code, out, err = invoke()
    assert code == 0
    assert out.splitlines()[0].split() == ["id", "category", "kind", "title"]
    for p in load_suite():
        assert re.search(rf"^{re.escape(p.id)}\s+{p.category}\s+{p.kind}\s+{re.escape(p.title)}$", out, re.M)
    assert "--prompt-id" in err


def test_cli_filters_by_category_as_json() -> None:
    code, out, _ = invoke("--category", "svg", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {"svg-console-blueprint", "svg-ui-components"}
    assert all(r["category"] == "svg" and r["text"] and r["source"] == "suite" for r in rows)


def test_cli_unknown_category_is_a_usage_error_naming_the_categories() -> None:
    code, _, err = invoke("--category", "3d")
    assert code == 2
    assert "Unknown category '3d'" in err and "threejs" in err
    assert "Traceback" not in err


def test_cli_prints_one_prompt_text_for_piping() -> None:
    code, out, _ = invoke("--id", "game-falling-blocks")
    assert code == 0
    assert out == get_prompt("game-falling-blocks").text + "\n"
    code, out, _ = invoke("--id", "game-falling-blocks", "--json")
    assert json.loads(out)["kind"] == "html"


def test_cli_unknown_id_exits_2_with_the_known_ids() -> None:
    code, out, err = invoke("--id", "nope")
    assert code == 2
    assert out == ""
    assert "Unknown prompt id 'nope'" in err and "desktop-win98" in err


def test_cli_help() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    assert "--category" in out and "--id" in out and "--json" in out
