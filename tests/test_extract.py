"""Artifact extraction over a table of realistic model responses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from canvasbench.measure.extract import Artifact, extract_artifact
from tests.responses import read, threejs_page

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Solar System</title>
  <style>body { margin: 0; }</style>
</head>
<body>
  <canvas id="sky"></canvas>
  <script>
    const ctx = document.getElementById('sky').getContext('2d');
    ctx.fillRect(0, 0, 10, 10);
  </script>
</body>
</html>"""

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 500" width="800" height="500">
  <title>Console exploded view</title>
  <!-- chassis -->
  <rect x="100" y="300" width="600" height="60" rx="12" fill="#f4f4f4" stroke="#222"/>
  <g id="fan" transform="translate(400 200)">
    <circle r="70" fill="none" stroke="#2563eb" stroke-dasharray="6 4"/>
  </g>
  <text x="400" y="470" text-anchor="middle" font-family="monospace">PS5 - exploded</text>
</svg>"""

LONG_PAGE, _ = threejs_page(1500)


@dataclass
class Case:
    """One realistic response and what a user would expect to save from it."""

    raw: str
    kind: str
    truncated: bool = False
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    starts: str | None = None
    ends: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


CASES: dict[str, Case] = {
    # --- fenced blocks ------------------------------------------------------------------------
    "html fence, prose before and after, a bash block after": Case(
        read("gemini_fenced_with_notes.md"),
        "html",
        contains=("const boids",),
        absent=("How it works", "python -m http.server", "```"),
        starts="<!DOCTYPE html>",
        ends="</html>",
    ),
    "svg fence with prose": Case(
        f"Here's the blueprint as a standalone SVG:\n\n```svg\n{SVG}\n```\n\nEvery part is labelled.",
        "svg",
        starts="<svg",
        ends="</svg>",
        absent=("blueprint as a standalone",),
    ),
    "xml fence holding an svg with a prolog": Case(
        f'```xml\n<?xml version="1.0" encoding="UTF-8"?>\n{SVG}\n```',
        "svg",
        starts="<?xml",
        ends="</svg>",
    ),
    "fence with no language, html page": Case(
        f"Sure!\n```\n{PAGE}\n```\nOpen it in a browser.", "html", starts="<!DOCTYPE html>", ends="</html>"
    ),
    "fence with no language, svg": Case(f"```\n{SVG}\n```", "svg", starts="<svg", ends="</svg>"),
    "tilde fence": Case(f"~~~html\n{PAGE}\n~~~\n", "html", ends="</html>"),
    "fence with a file name in the info string": Case(
        f'```html title="index.html"\n{PAGE}\n```', "html", starts="<!DOCTYPE html>"
    ),
    "four-backtick fence containing a markdown example": Case(
        "````html\n<!DOCTYPE html>\n<html><body><pre>\n```js\nconsole.log(1)\n```\n</pre></body></html>\n````",
        "html",
        contains=("```js", "console.log(1)"),
        ends="</html>",
    ),
    "closing fence on the last code line": Case(
        f"```html\n{PAGE}```\nThat's all.", "html", ends="</html>", absent=("That's all",)
    ),
    "fence indented inside a list item": Case(
        "1. Save this:\n\n   ```html\n" + "\n".join("   " + line for line in PAGE.splitlines()) + "\n   ```\n",
        "html",
        starts="<!DOCTYPE html>",
        contains=("\n  <title>Solar System</title>",),
    ),
    "windows line endings": Case(
        "Here:\r\n```html\r\n" + PAGE.replace("\n", "\r\n") + "\r\n```\r\n", "html", absent=("\r",)
    ),
    # --- reasoning before the answer -------------------------------------------------------------
    "think block with a draft page before the real answer": Case(
        read("deepseek_think.txt"),
        "html",
        contains=("Windows 98", "taskbar"),
        absent=("draft desktop", "<think>", "Okay, the user"),
    ),
    "harmony channels, draft in analysis, fence on the final token line": Case(
        read("gpt_oss_harmony.txt"),
        "html",
        contains=('id="knob"',),
        absent=("DRAFT ONLY", "<|", "We need to produce"),
        starts="<!DOCTYPE html>",
        ends="</html>",
    ),
    "harmony cut off inside the analysis channel": Case(
        "<|channel|>analysis<|message|>Plan: a canvas game.\n```html\n<!DOCTYPE html>\n<html><body>draft",
        "none",
        truncated=True,
    ),
    "unclosed think: cut off inside the reasoning": Case(
        "<think>\nLet me draft the page first:\n```html\n<!DOCTYPE html>\n<html><body><canvas>", "none", truncated=True
    ),
    "closing think tag only (template opened it), draft inside": Case(
        "The user wants a solar system. Draft:\n```html\n<html><body>draft</body></html>\n```\n"
        f"Good, now the full thing.\n</think>\n\n```html\n{PAGE}\n```",
        "html",
        contains=("Solar System",),
        absent=("draft",),
    ),
    "complete draft in think, final answer cut off: the answer, not the draft": Case(
        "<think>\nQuick draft:\n```html\n<!DOCTYPE html>\n<html><body>draft</body></html>\n```\nNow the real one."
        f"\n</think>\n\n```html\n{PAGE[:-60]}",
        "html",
        truncated=True,
        contains=("Solar System",),
        absent=("draft",),
    ),
    "complete draft before a closing think tag, final answer cut off": Case(
        f"Draft:\n```html\n<!DOCTYPE html>\n<html><body>draft</body></html>\n```\n</think>\n```html\n{PAGE[:-60]}",
        "html",
        truncated=True,
        absent=("draft",),
    ),
    "complete draft in the analysis channel, final answer cut off": Case(
        "<|channel|>analysis<|message|>Draft:\n```html\n<!DOCTYPE html>\n<html><body>draft</body></html>\n```"
        f"<|end|><|start|>assistant<|channel|>final<|message|>```html\n{PAGE[:-60]}",
        "html",
        truncated=True,
        absent=("draft", "<|"),
    ),
    "template role word before the think block, final answer cut off": Case(
        "<|im_start|>assistant\n<think>\n```html\n<!DOCTYPE html>\n<html><body>draft</body></html>\n```\n</think>\n"
        f"```html\n{PAGE[:-60]}",
        "html",
        truncated=True,
        absent=("draft",),
    ),
    "special tokens stripped by the server: analysis...assistantfinal": Case(
        f"analysisNeed a page. Draft: ```html\n<html><body>draft</body></html>\n```assistantfinal```html\n{PAGE}\n```",
        "html",
        contains=("Solar System",),
        absent=("draft",),
    ),
    "chat-template end tokens around a bare page": Case(
        f"<|im_start|>assistant\n{PAGE}<|im_end|>", "html", ends="</html>", absent=("<|",)
    ),
    # --- several blocks ------------------------------------------------------------------------
    "page plus css and js files referenced by the page": Case(
        read("split_files.md"),
        "html",
        contains=("<style>\n/* dark arcade look */", "// game loop", "<script defer>"),
        absent=('href="style.css"', "src=", "Use the arrow keys"),
    ),
    "page lacking styles and script plus separate css and js blocks": Case(
        "```html\n<!DOCTYPE html>\n<html>\n<head>\n<title>Pong</title>\n</head>\n<body>\n"
        '<canvas id="c"></canvas>\n</body>\n</html>\n```\n\n```css\ncanvas { background: #000; }\n```\n\n'
        "```js\nconst c = document.getElementById('c');\n```\n",
        "html",
        contains=(
            "<style>\ncanvas { background: #000; }\n</style>\n</head>",
            "const c = document.getElementById('c');\n</script>\n</body>",
        ),
    ),
    "module js block with imports is appended as a module": Case(
        '```html\n<!DOCTYPE html>\n<html><head><script type="importmap">{"imports": {"three": "./three.js"}}'
        "</script></head><body></body></html>\n```\n```javascript\nimport * as THREE from 'three';\n"
        "const scene = new THREE.Scene();\n```",
        "html",
        contains=('<script type="module">\nimport * as THREE',),
    ),
    "remote CDN script is kept, the page's own code is inlined": Case(
        '```html\n<!DOCTYPE html>\n<html><head>\n<script src="https://cdn.jsdelivr.net/npm/three@0.160/build/three.min.js">'
        '</script>\n</head><body>\n<script src="main.js"></script>\n</body></html>\n```\n'
        "```js\nconst scene = new THREE.Scene();\n```",
        "html",
        contains=('src="https://cdn.jsdelivr.net', "<script>\nconst scene = new THREE.Scene();\n</script>"),
        absent=('src="main.js"',),
    ),
    "css snippet repeating what the page already has is not added twice": Case(
        f"```html\n{PAGE}\n```\nThe key rule is:\n```css\nbody {{ margin: 0; }}\n```",
        "html",
        extra={"count": ("body { margin: 0; }", 1)},
    ),
    "two full pages: the last complete one": Case(
        f"First attempt:\n```html\n{PAGE.replace('Solar System', 'Version one')}\n```\n"
        f"Improved version:\n```html\n{PAGE.replace('Solar System', 'Version two')}\n```\n",
        "html",
        contains=("Version two",),
        absent=("Version one",),
    ),
    "two full pages, the second cut off: the complete first one": Case(
        f"```html\n{PAGE.replace('Solar System', 'Version one')}\n```\n"
        f"Now with more features:\n```html\n{PAGE[: len(PAGE) // 2]}",
        "html",
        truncated=False,
        contains=("Version one",),
    ),
    "html page and an svg icon block: the page wins": Case(
        f"```svg\n{SVG}\n```\n```html\n{PAGE}\n```", "html", contains=("Solar System",)
    ),
    "svg document and a small html embed snippet: the svg wins": Case(
        f'```svg\n{SVG}\n```\nEmbed it with:\n```html\n<img src="console.svg" alt="console">\n```',
        "svg",
        starts="<svg",
    ),
    "full page under a wrong ```javascript label": Case(
        f"```javascript\n{PAGE}\n```", "html", starts="<!DOCTYPE html>", ends="</html>"
    ),
    "whole answer wrapped in a markdown fence": Case(
        f"````markdown\n# Solar system\n\n```html\n{PAGE}\n```\n\nEnjoy.\n````", "html", ends="</html>"
    ),
    # --- bare documents -------------------------------------------------------------------------
    "bare html with prose after it": Case(
        f"{PAGE}\n\nThis page draws a solar system.", "html", ends="</html>", absent=("This page draws",)
    ),
    "bare html after a sentence": Case(f"Here is the page.\n\n{PAGE}\n", "html", starts="<!DOCTYPE html>"),
    "bare svg with an xml prolog": Case(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{SVG}\nHope you like it.', "svg", starts="<?xml", ends="</svg>"
    ),
    "entity-escaped html document": Case(
        "&lt;!DOCTYPE html&gt;\n&lt;html&gt;&lt;body&gt;\n&lt;script&gt;if (a &amp;&amp; b) go();&lt;/script&gt;\n"
        "&lt;/body&gt;&lt;/html&gt;",
        "html",
        contains=("<!DOCTYPE html>", "if (a && b) go();"),
        absent=("&lt;",),
    ),
    "entity-escaped html inside a fence": Case(
        "```html\n&lt;!DOCTYPE html&gt;\n&lt;html&gt;&lt;body&gt;&lt;p&gt;Hi&lt;/p&gt;&lt;/body&gt;&lt;/html&gt;\n```",
        "html",
        contains=("<p>Hi</p>",),
    ),
    # --- cut-off answers ----------------------------------------------------------------------
    "unclosed fence": Case(
        f"Here you go:\n```html\n{PAGE[:-40]}", "html", truncated=True, ends=PAGE[:-40].rstrip()[-20:]
    ),
    "closed fence but no closing html or body tag": Case(f"```html\n{PAGE[:-40]}\n```", "html", truncated=True),
    "closed fence, optional </html> left out": Case(
        f"```html\n{PAGE.replace('</html>', '')}\n```", "html", truncated=False
    ),
    "bare html without </html>": Case(PAGE[: len(PAGE) // 2], "html", truncated=True),
    "svg without </svg>": Case(f"```svg\n{SVG[:-30]}\n```", "svg", truncated=True),
    "1,500-line three.js page cut off at 60%": Case(
        "Here is the simulation:\n```html\n" + "\n".join(LONG_PAGE.splitlines()[:900]),
        "html",
        truncated=True,
        extra={"lines": 900},
    ),
    "1,500-line three.js page, complete": Case(
        "Here is the simulation:\n\n```html\n" + LONG_PAGE + "\n```\n\n**Controls:** drag to orbit.",
        "html",
        extra={"lines": LONG_PAGE.count("\n") + 1},
        ends="</html>",
    ),
    # --- no artifact ----------------------------------------------------------------------------
    "prose only": Case("I can't help build that, but here is how you might approach it: use a <canvas>.", "none"),
    "empty response": Case("", "none"),
    "prose that mentions a doctype inline": Case(
        "Start the file with <!DOCTYPE html> and put a <svg> element in the body, then add a script.", "none"
    ),
    "json answer": Case(json.dumps({"html": "<!DOCTYPE html><html></html>", "notes": "done"}), "none"),
    "python block only": Case("```python\nprint('hello')\n```", "none"),
    "answer cut inside a python block": Case("```python\nprint('hel", "none", truncated=True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_extracts_what_a_user_would_save(name: str) -> None:
    case = CASES[name]
    artifact = extract_artifact(case.raw)
    assert isinstance(artifact, Artifact)
    assert artifact.kind == case.kind
    assert artifact.truncated is case.truncated
    if case.kind == "none":
        assert artifact.code == ""
    for text in case.contains:
        assert text in artifact.code
    for text in case.absent:
        assert text not in artifact.code
    if case.starts is not None:
        assert artifact.code.startswith(case.starts)
    if case.ends is not None:
        assert artifact.code.rstrip().endswith(case.ends)
    if "lines" in case.extra:
        assert len(artifact.code.splitlines()) == case.extra["lines"]
    if "count" in case.extra:
        snippet, times = case.extra["count"]  # type: ignore[misc]
        assert artifact.code.count(snippet) == times


def test_extracted_fenced_page_is_exactly_the_block() -> None:
    assert extract_artifact(f"Intro\n```html\n{PAGE}\n```\nOutro").code == PAGE


def test_artifact_is_frozen() -> None:
    artifact = extract_artifact(PAGE)
    with pytest.raises(AttributeError):
        artifact.kind = "svg"  # type: ignore[misc]


@pytest.mark.parametrize(
    "raw",
    [
        "<think>",
        "</think>",
        "<|channel|>",
        "<|channel|>final<|message|>",
        "```",
        "```html",
        "```html\n```",
        "~~~\n",
        "&lt;html",
        "<svg",
        "<html>",
        "{not json",
        "\ufeff",
        "\x00\x01binary\xff",
        "```css\nbody{}\n```",
        "<link rel=stylesheet href=a.css>",
    ],
)
def test_odd_fragments_never_crash(raw: str) -> None:
    artifact = extract_artifact(raw)
    assert artifact.kind in ("html", "svg", "none")


def test_bare_fragment_page_without_html_tag() -> None:
    artifact = extract_artifact("<style>body{margin:0}</style>\n<canvas id=c></canvas>\n<script>go()</script>")
    assert artifact.kind == "html"
    assert artifact.code.startswith("<style>")


def test_every_prefix_of_a_streaming_answer_is_measurable() -> None:
    # While a response streams in, each partial text is a cut-off answer: html and truncated
    # from the moment the page starts, complete only once the fence closes.
    raw = read("gemini_fenced_with_notes.md")
    page_starts = raw.index("<!DOCTYPE html>") + len("<!DOCTYPE html>")
    fence_closes = raw.index("</html>\n```") + len("</html>\n```")
    for cut in range(0, len(raw) + 1, 23):
        artifact = extract_artifact(raw[:cut])
        if cut < raw.index("```html"):
            assert artifact.kind == "none"
        elif page_starts <= cut < fence_closes:
            assert (artifact.kind, artifact.truncated) == ("html", True)
        elif cut >= fence_closes:
            assert (artifact.kind, artifact.truncated) == ("html", False)


def test_referenced_files_are_matched_by_name_not_by_order() -> None:
    raw = (
        "**index.html**\n```html\n<!DOCTYPE html>\n<html><head>\n"
        '<link rel="stylesheet" href="css/layout.css">\n<link rel="stylesheet" href="css/theme.css?v=2">\n'
        '</head><body>\n<script src="ui.js"></script>\n<script type="module" src="./engine.js"></script>\n'
        "</body></html>\n```\n"
        "Theme (`theme.css`):\n```css\n.theme { color: teal; }\n```\n"
        "Layout (`layout.css`):\n```css\n.layout { display: grid; }\n```\n"
        "The engine, engine.js:\n```js\nexport const engine = {};\n```\n"
        "And ui.js:\n```js\nconsole.log('ui');\n```\n"
    )
    code = extract_artifact(raw).code
    assert code.index(".layout") < code.index(".theme")
    assert "<script>\nconsole.log('ui');\n</script>" in code
    assert '<script type="module">\nexport const engine = {};\n</script>' in code
    assert "href=" not in code and "src=" not in code
