"""`canvasbench share`: one comparison as one self-contained file, its size, what it never holds, and the gallery."""

from __future__ import annotations

import getpass
import json
import re
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from canvasbench.cli import main
from canvasbench.present.share_page import SCRIPT
from canvasbench.store import RunStore, utc_now, writes
from tests.arena_helpers import finished_comparison
from tests.key_leaks import key_spellings_in
from tests.share_helpers import PAGES, long_comparison, store_vote_and_judgment

FAKE_KEY = "sk-share-test-9f8e7d6c5b4a39281706"
_BASE64_RUN = re.compile(r"base64,[A-Za-z0-9+/=]+")


def _share(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["share", *args])
    return result.exit_code, result.stdout, result.stderr


class _Tags(HTMLParser):
    """Every start tag of the share page itself, with its attributes (srcdoc content stays an attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_four_long_outputs_with_their_libraries_stay_under_5_mb(tmp_path: Path) -> None:
    store = RunStore()
    cid, _ = long_comparison(store)
    out = tmp_path / "share.html"
    code, stdout, stderr = _share(cid, "-o", str(out))
    assert code == 0, stderr
    size = out.stat().st_size
    print(f"\nfour 2,000-line outputs with their libraries: {size:,} bytes; {stdout.strip()}")
    assert size < 5_000_000
    assert f"({size / 1_000_000:.1f} MB, 5 libraries inlined)" in stdout  # the size is printed
    text = out.read_text(encoding="utf-8")
    # Each library once, though two pages use three.js: a licence row each.
    assert text.count("<td>three@0.160.0</td><td>three.module.min.js</td><td>MIT</td>") == 1
    assert "<td>p5@1.11.3</td><td>p5.min.js</td><td>LGPL-2.1</td>" in text
    assert "<td>three@0.128.0</td><td>three.min.js</td><td>MIT</td>" in text
    for needle in ("unpkg.com", "cdnjs.cloudflare.com/ajax", "cdn.jsdelivr.net/npm/p5"):
        # CDN URLs stay only in the licence table and in the code shown, never as what a preview loads.
        doc_blocks = re.findall(r'<script type="application/json" id="cb-doc-\d">(.*?)</script>', text, re.S)
        assert len(doc_blocks) == 4 and not any(needle in block for block in doc_blocks)


def _machine_words(text: str, word: str) -> int:
    """How often a host or user name stands as a word (`:root` in a stylesheet is not a user name)."""
    return len(re.findall(rf"(?<![\w:.-]){re.escape(word)}(?![\w-])", text))


def test_nothing_local_leaks_into_the_share_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    host, user, home = socket.gethostname(), getpass.getuser(), str(Path.home())
    store = RunStore()
    db = str(Path(store.path).resolve())
    echo = f"<!doctype html><html><body><canvas></canvas><script>const key = '{FAKE_KEY}';</script></body></html>"
    # The same comparison twice: plain, and with what the store really holds about this machine (an error
    # naming a recovery file and the database, a check's evidence, a voter's name, a judge quoting a path).
    plain, plain_runs = finished_comparison(store, ["openai:alpha", "openai:bravo"], [echo, echo])
    store_vote_and_judgment(store, plain, plain_runs, reason="Fine work", voter=None)
    cid, run_ids = finished_comparison(store, ["openai:alpha", "openai:bravo"], [echo, echo])
    writes.update_run(store, run_ids[1], status="failed", finished_at=utc_now(), error=(
        f"Could not write to {db}: disk full on {host}; the text is in {home}/.local/state/canvasbench/"
        f"recovered/run.txt (user {user}, key {FAKE_KEY})"))
    with store.write():
        store.db.execute("UPDATE render_checks SET evidence = ? WHERE run_id = ?",
                         [f"drew pixels; served from {Path(db).parent}/mirror on {host}", run_ids[0]])
    store_vote_and_judgment(store, cid, run_ids, reason=f"Fine work; it reads {home}/notes.txt", voter=user)
    out, baseline = tmp_path / "out" / "share.html", tmp_path / "out" / "plain.html"
    out.parent.mkdir()
    assert _share(cid, "-o", str(out))[0] == 0 and _share(plain, "-o", str(baseline))[0] == 0
    site = tmp_path / "site"
    assert _share("--gallery", "-o", str(site))[0] == 0
    plain_text = baseline.read_text(encoding="utf-8")
    for path in [out, *site.rglob("*.html")]:
        text = _BASE64_RUN.sub("base64,", path.read_text(encoding="utf-8"))  # library bytes are not ours to grep
        assert key_spellings_in(text, FAKE_KEY) == [], path
        assert db not in text and str(Path(db).parent) not in text and str(tmp_path) not in text, path
        assert home + "/" not in text, path
        if path == out:  # our own scripts may use the word (`root`): only what the data adds counts
            for word in (host, user):
                assert _machine_words(text, word) == _machine_words(plain_text, word), word
        elif path.name in ("index.html", "leaderboard.html"):
            assert not any(_machine_words(text, word) for word in (host, user)), path
    shown = out.read_text(encoding="utf-8")
    assert "Could not write to [database]: disk full on [local]; the text is in ~/.local" in shown
    assert "Fine work; it reads ~/notes.txt" in shown
    assert "drew pixels; served from [database]/mirror on [local]" in shown
    # Votes and judge scores are shown (without the voter's name).
    assert "<td>openai:alpha better than openai:bravo</td>" in shown and "judge: 8/10" in shown


def test_words_people_wrote_stay_as_written() -> None:
    from canvasbench.present.share import Scrubber

    scrub = Scrubber(Path("/nowhere/canvasbench.db"))
    user = getpass.getuser()
    prompt = f"Draw a tree from its root; {user} and {socket.gethostname()} are words too. /nowhere/canvasbench.db"
    assert scrub.text(prompt) == prompt.replace("/nowhere/canvasbench.db", "[database]")
    assert scrub(f"failed on {socket.gethostname()} for {user}") == "failed on [local] for [local]"


def test_model_output_never_becomes_markup_or_script_of_the_share_page(tmp_path: Path) -> None:
    store = RunStore()
    hostile = (
        "<!doctype html><title></title></script><script>top.document.title='pwned'</script>"
        '"><img src=x onerror="top.document.title=1"><iframe srcdoc="<script>parent.x=1</script>"></iframe>'
        "<!-- </textarea></pre></details></section> --><script>document.write('<b>ok</b>')</script>"
    )
    cid, _ = finished_comparison(store, ["openai:a</h3><script>alert(1)</script>"], [hostile])
    with store.write():
        store.db.execute("UPDATE comparisons SET title = ?, prompt_text = ? WHERE id = ?",
                         ["<script>alert('title')</script>", "</pre><script>alert('prompt')</script>", cid])
    out = tmp_path / "share.html"
    assert _share(cid, "-o", str(out))[0] == 0
    parser = _Tags()
    parser.feed(out.read_text(encoding="utf-8"))
    runnable = [s for (tag, attrs), s in zip([t for t in parser.tags if t[0] == "script"], parser.scripts, strict=True)
                if attrs.get("type") != "application/json"]
    assert runnable == [SCRIPT.removeprefix("<script>").removesuffix("</script>")]  # ours, nothing else
    assert not [(tag, a) for tag, a in parser.tags for a in a if a.lower().startswith("on")]
    frames = [attrs for tag, attrs in parser.tags if tag == "iframe"]
    assert len(frames) == 2  # the preview and the code viewer
    for attrs in frames:
        assert "allow-same-origin" not in (attrs.get("sandbox") or "x allow-same-origin")
        assert "allow-scripts" in (attrs.get("sandbox") or "") and "src" not in attrs
    assert [t for t, _ in parser.tags].count("img") == 1  # the screenshot, not the page's <img>


def test_no_libs_leaves_cdn_links_with_a_visible_note(tmp_path: Path) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, ["openai:a"], [(PAGES / "three_umd.html").read_text(encoding="utf-8")])
    out = tmp_path / "share.html"
    code, stdout, _ = _share(cid, "-o", str(out), "--no-libs")
    assert code == 0 and "libraries inlined" not in stdout
    text = out.read_text(encoding="utf-8")
    assert "Libraries are left as links to their CDNs" in text and "need the network" in text
    (block,) = re.findall(r'id="cb-doc-0">(.*?)</script>', text, re.S)
    assert "https://cdnjs.cloudflare.com/ajax/libs/three.js/r128/three.min.js" in json.loads(block)
    assert "base64," not in text.split('id="cb-libraries"')[1].split("</script>")[0]


def test_a_library_the_mirror_lacks_is_named(tmp_path: Path) -> None:
    store = RunStore()
    cid, _ = finished_comparison(store, ["openai:a"], [(PAGES / "unmirrored_cdn.html").read_text(encoding="utf-8")])
    out = tmp_path / "share.html"
    code, _, stderr = _share(cid, "-o", str(out))
    assert code == 0 and "Not in the offline mirror" in stderr
    assert "Not in the offline mirror, so not in this file" in out.read_text(encoding="utf-8")


def test_bad_requests_get_one_line(tmp_path: Path) -> None:
    RunStore()
    code, _, stderr = _share("01NOSUCHCOMPARISON", "-o", str(tmp_path / "x.html"))
    assert code != 0 and "No comparison with id '01NOSUCHCOMPARISON'" in stderr and "Traceback" not in stderr
    code, _, stderr = _share("--gallery")
    assert code == 2 and "needs -o FOLDER" in stderr
    cid, _ = finished_comparison(RunStore(), ["openai:a"])
    code, _, stderr = _share(cid, "-o", str(tmp_path / "no" / "such" / "folder.html"))
    assert code == 1 and "Could not write" in stderr and "No such file or directory" in stderr
    assert "Traceback" not in stderr
    code, _, stderr = _share("--gallery", "--category", "nothing-here", "-o", str(tmp_path / "site"))
    assert code != 0 and "No comparisons in category 'nothing-here'" in stderr and not (tmp_path / "site").exists()


def test_the_gallery_links_only_inside_itself(tmp_path: Path) -> None:
    store = RunStore()
    old, _ = finished_comparison(store, ["openai:a", "gemini:b"], category="svg")
    with store.write():
        store.db.execute("UPDATE comparisons SET created_at = '2026-01-02T00:00:00Z' WHERE id = ?", [old])
    new, _ = finished_comparison(store, ["openai:a", "gemini:b"], category="canvas")
    site = tmp_path / "site"
    code, stdout, stderr = _share("--gallery", "--since", "2026-06-01", "-o", str(site))
    assert code == 0, stderr
    assert "Wrote 1 comparison pages" in stdout and (site / "c" / f"{new}.html").exists()
    assert not (site / "c" / f"{old}.html").exists()
    for page in site.rglob("*.html"):
        for link in re.findall(r'(?:href|src)="([^"]*)"', page.read_text(encoding="utf-8")):
            if link.startswith("data:"):
                continue
            assert not re.match(r"^(/|[a-z]+:)", link), (page, link)
            assert (page.parent / link).resolve().is_file(), (page, link)


def test_the_comparison_page_offers_the_share_file() -> None:
    from tests.test_app_pages import open_page

    store = RunStore()
    cid, _ = finished_comparison(store, ["openai:a", "gemini:b"])
    at = open_page("pages/comparison_page.py", comparison=cid)
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Share file"]
    assert not button.proto.disabled and "opens offline" in button.proto.help


@pytest.mark.parametrize("name", ["many_libraries.html", "three_importmap.html", "corpus/three_old_jsm.html",
                                  "corpus/three_importmap_pinned_unpkg.html", "corpus/three_r110_global_build.html"])
def test_every_library_a_page_loads_is_inlined_and_every_import_between_them_resolves(name: str) -> None:
    import base64

    from canvasbench.present.share_libs import _SPECIFIER, LibraryPack
    from canvasbench.sandbox.mirror import load_mirror

    pack = LibraryPack(load_mirror(), "t0")
    page = pack.inline((PAGES / name).read_text(encoding="utf-8"))
    assert pack.missing == [] and pack.libraries
    maps = re.findall(r'<script type="importmap">(.*?)</script>', page, re.S)
    keys = set(json.loads(maps[0])["imports"]) if maps else set()
    outside = re.sub(r'<script type="importmap">.*?</script>', "", page, flags=re.S)
    assert not re.search(r"(unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|skypack\.dev)/", outside)
    for lib in pack.libraries:
        if "javascript" not in lib.data_url[:30]:
            continue
        body = base64.b64decode(lib.data_url.split(",", 1)[1]).decode("utf-8")
        for spec in {m.group(3) for m in _SPECIFIER.finditer(body)}:
            # A module's own imports are absolute URLs the import map sends to an inlined library.
            if spec.startswith(("./", "../", "https:")):
                assert spec in keys, (lib.url, spec)
