"""Messages read right on both faces: no markdown backticks printed literally in the CLI or on a page."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.test_app_pages import APP
from ui.format import md

CORE = Path(__file__).resolve().parent.parent / "canvasbench"
# Modules whose strings are code or patterns over code (fences, page scripts), not messages for people.
HANDLES_CODE = {
    "sandbox/guard.py", "sandbox/document.py", "render/page_scripts.py", "measure/extract.py",
    "measure/reasoning.py", "judge/answers.py", "run/warm.py",
    "present/share_libs.py",  # patterns over the URLs in code
    "run/repair_message.py",  # written to a model (which reads Markdown), quoting its code; shown verbatim
    "providers/demo.py",  # the stand-ins' prompt and answers: model text, fenced as models write it
}


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                lines.add(first.value.lineno)
    return lines


def test_no_message_of_the_core_carries_markdown_backticks() -> None:
    """The core's messages go to a terminal as they are and to pages escaped: backticks would show literally."""
    found = []
    for path in sorted(CORE.rglob("*.py")):
        name = path.relative_to(CORE).as_posix()
        if name in HANDLES_CODE:
            continue
        tree = ast.parse(path.read_text())
        docs = _docstring_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.lineno not in docs:
                text = node.value
                if "`" in text and not (name == "sandbox/mirror_build.py" and text.startswith("https?://")):
                    found.append(f"{name}:{node.lineno}: {text[:80]!r}")
    assert not found, "\n".join(found)


def test_a_code_span_reads_as_code_on_a_page_and_everything_else_stays_escaped() -> None:
    assert md("Type a model id like `ollama:model-name` first.") == "Type a model id like `ollama:model-name` first\\."
    assert md("`<img src=x onerror=alert(1)>` [x](http://e)") == "`<img src=x onerror=alert(1)>` \\[x\\]\\(http\\://e\\)"
    assert md("a lone ` backtick") == "a lone \\` backtick"  # an unbalanced one cannot open a span


def test_the_models_page_shows_its_hint_as_code_not_as_backticks() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["conn-model"] = "qwen3-coder"  # typed in the model box, without its provider
    at.query_params["check"] = "true"  # the connectivity check opened
    at.run().switch_page("pages/models_page.py").run()
    at.button(key="conn-check").click().run()
    errors = [str(e.value) for e in at.error]
    assert any("`ollama:qwen3-coder`" in e for e in errors), errors
    assert not any("\\`" in e for e in errors), errors
