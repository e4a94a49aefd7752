"""Take docs/screenshot.png from the running dashboard: one comparison of three models' real-looking pages.

    .venv/bin/python docs/make_screenshot.py            # about a minute; writes docs/screenshot.png

The three artifacts are in docs/showcase/ (one prompt, three takes); the database is a temporary one, the
render verdicts come from a real `canvasbench check`, and the picture is the comparison page at 1440×900.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright import sync_api  # noqa: E402

from canvasbench.store import RunStore, writes  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, AppServer, seed_comparison  # noqa: E402

SHOWCASE = ROOT / "docs" / "showcase"
PROMPT = (
    "Build one self-contained page that shows off what you can do in the browser: something alive (animation "
    "or interaction), a small control panel, and real polish. No external libraries, no network. Reply with "
    "the whole file in one fenced block."
)
# model, artifact file, (ttft s, total s, tokens/s, input, output, thinking, cost $)
RUNS = [
    ("gemini:gemini-2.5-pro", "solar_canvas.html", (6.8, 41.2, 96.0, 412, 3310, 2180, 0.0585)),
    ("openai:gpt-5", "retro_desktop.html", (11.4, 63.9, 71.0, 398, 3861, 3072, 0.0692)),
    ("anthropic:claude-opus-4-5", "weather_svg.svg", (2.1, 38.7, 74.0, 421, 2720, 0, 0.0701)),
]


def build(db: Path) -> str:
    """The showcase database; returns the comparison's id."""
    store = RunStore(db)
    artifacts = [(name.rsplit(".", 1)[1], (SHOWCASE / name).read_text()) for _, name, _ in RUNS]
    comparison, run_ids = seed_comparison(
        store,
        title="Show-off page: one file, no libraries",
        category="showcase",
        prompt_text=PROMPT,
        models=[m for m, _, _ in RUNS],
        artifacts=artifacts,
    )
    for run_id, (_, _, (ttft, total, tps, tin, tout, think, cost)) in zip(run_ids, RUNS, strict=True):
        writes.update_run(
            store,
            run_id,
            ttft_s=ttft,
            first_chunk_s=ttft,
            latency_s=total,
            tokens_per_s=tps,
            input_tokens=tin,
            output_tokens=tout,
            thinking_tokens=think,
            cost_usd=cost,
            reasoning="",
        )
    return comparison


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cb-shot-"))
    db = tmp / "showcase.db"
    comparison = build(db)
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "canvasbench"), "check", "--all-unchecked", "--db", str(db)], check=False
    )
    server = AppServer({"CANVASBENCH_DB": str(db), "CANVASBENCH_PRICES": str(tmp / "p.toml")}, log=tmp / "app.log")
    try:
        server.wait_ready()
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(f"{server.url}/comparison?comparison={comparison}")
            page.get_by_text("Re-run").first.wait_for(timeout=60_000)
            page.wait_for_function("() => document.querySelectorAll('iframe').length >= 3", timeout=60_000)
            page.get_by_test_id("stSidebar").hover()
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
            page.mouse.move(900, 600)
            time.sleep(4)  # the pages' own animations get going
            page.mouse.wheel(0, 200)
            time.sleep(1.5)
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
            browser.close()
    finally:
        server.stop()
    print(f"wrote docs/screenshot.png (comparison {comparison}, database {db})")


if __name__ == "__main__":
    main()
