"""Artifact extraction: from a raw model response, the program a user would save, and its kind.

Pure string functions, no I/O. The steps, in order:
1. drop reasoning: `<think>...</think>` (and DeepSeek-style answers that only carry the closing tag),
   chat-template control tokens (`<|channel|>analysis<|message|>... <|channel|>final<|message|>`):
   only the final answer is searched, so a draft inside the reasoning never wins;
2. unescape a document that arrived entity-escaped (`&lt;!DOCTYPE html&gt;`);
3. fenced blocks (```` ``` ```` or `~~~`, any language or none): a full HTML page wins over an SVG
   document, which wins over an HTML fragment; of several, the last complete one; separate CSS and
   JS blocks are inlined into the page where it references them (`<link href="style.css">`,
   `<script src="app.js">`) or, when the page has no inline style/script of its own, appended;
4. no usable block: a bare `<!DOCTYPE html>` / `<html>` / `<svg>` document in the text;
5. otherwise kind "none" (prose, JSON, an answer cut off inside its reasoning).

`truncated` means the artifact is cut off: its fence never closed, or the page has no `</html>`
(a closed fence with `</body>` is accepted: `</html>` is optional in HTML) or the SVG no `</svg>`.
For kind "none" it says the response itself ended mid-way (inside reasoning or an open fence).
"""

from __future__ import annotations

import html
import json
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Artifact", "extract_artifact"]

ArtifactKind = Literal["html", "svg", "none"]


@dataclass(frozen=True)
class Artifact:
    """What a user would save from a response: the code, its kind, and whether it is cut off."""

    kind: ArtifactKind
    code: str
    truncated: bool


_NONE = Artifact("none", "", False)

# --- reasoning and control tokens -------------------------------------------------------------

# Harmony (gpt-oss): `<|channel|>final<|message|>`, optionally with `<|constrain|>...` in between.
_FINAL_CHANNEL = re.compile(r"<\|channel\|>\s*final\b[^<]*(?:<\|constrain\|>[^<]*)?<\|message\|>")
# The same format after a server stripped the special tokens: "analysis...assistantfinal...".
_FINAL_STRIPPED = re.compile(r"assistantfinal")
_CONTROL_TOKEN = re.compile(r"<\|[A-Za-z_][A-Za-z0-9_]{0,30}\|>")
# Reasoning opens the response, possibly after a role word left by a stripped template token.
_THINK_OPEN = re.compile(r"\A\s*(?:assistant\s*)?<(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE_ORPHAN = re.compile(r"</think>", re.IGNORECASE)
_STARTS_WITH_DOC = re.compile(r"\A\s*(?:<!doctype|<html|<svg|<\?xml)", re.IGNORECASE)
_STARTS_WITH_FENCE = re.compile(r"\A\s*(?:```|~~~)")


def _final_answer(text: str) -> tuple[str, bool]:
    """The answer without reasoning, and whether the response was cut off inside its reasoning."""
    if "<|" in text and _CONTROL_TOKEN.search(text):
        finals = list(_FINAL_CHANNEL.finditer(text))
        if finals:
            text = text[finals[-1].end() :]
        elif "<|channel|>" in text:
            return "", True  # only analysis/commentary channels: the final answer never came
        # Replace, not delete: the opening fence often follows `<|message|>` on the same line.
        text = _CONTROL_TOKEN.sub("\n", text)
    elif text.lstrip().startswith("analysis") and _FINAL_STRIPPED.search(text):
        text = text[text.rfind("assistantfinal") + len("assistantfinal") :]
    while match := _THINK_OPEN.match(text):
        close = re.search(rf"</{match.group(1)}>", text[match.end() :], re.IGNORECASE)
        if close is None:
            return "", True
        text = text[match.end() + close.end() :]
    # DeepSeek-R1 style: the template opened <think>, so the response only carries the close tag.
    answer_first = _STARTS_WITH_DOC.match(text) or _STARTS_WITH_FENCE.match(text)
    if not answer_first and "<think" not in text.lower():
        orphan = _THINK_CLOSE_ORPHAN.search(text)
        if orphan:
            text = text[orphan.end() :]
    return text, False


# --- fenced blocks ----------------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*([^`\n]*?)[ \t]*$")
_FILENAME = re.compile(r"[\w./-]*?([\w-]+\.(?:html?|svg|css|js|mjs))\b", re.IGNORECASE)
_HTML_LANGS = {"html", "htm", "xhtml", "html5"}
_JS_LANGS = {"js", "javascript", "mjs", "jsx", "es6", "ecmascript"}
_CSS_LANGS = {"css"}
# File extensions and fence languages that name the same kind of file.
_EXTENSIONS = {"css": "css", "js": "js", "mjs": "js", "javascript": "js", "html": "html", "htm": "html", "svg": "svg"}
_MARKUP_LANGS = {"", "xml", "markup", "text", "plaintext", "txt", "svg"} | _HTML_LANGS


@dataclass
class _Block:
    lang: str
    content: str
    closed: bool
    filename: str | None
    kind: str = field(default="other")  # page / svg / fragment / css / js / other


def _fence_lang(info: str) -> tuple[str, str | None]:
    """Language and file name from a fence's info string (`html`, `css title="style.css"`, `app.js`)."""
    name_match = _FILENAME.search(info)
    filename = name_match.group(1).lower() if name_match else None
    word = re.split(r"[\s:{},]", info.strip().lstrip("{.").lower(), maxsplit=1)[0] if info.strip() else ""
    if "." in word and filename:
        word = filename.rsplit(".", 1)[1]
    return word, filename


def _closing_line(line: str, fence: str) -> str | None:
    """None if not a closing fence; else the code left on that line before the fence ("" usually)."""
    stripped = line.strip()
    if stripped and stripped[0] == fence[0] and len(stripped) >= len(fence) and not stripped.strip(fence[0]):
        return ""
    # `</html>``` : a model closing the fence on the last line of code.
    body = line.rstrip()
    if body.endswith(fence) and body[: -len(fence)].rstrip().endswith(">"):
        return body[: -len(fence)].rstrip()
    return None


def _parse_blocks(text: str) -> tuple[list[_Block], str]:
    """The fenced blocks of a Markdown answer, and the text outside them."""
    lines = text.split("\n")
    blocks: list[_Block] = []
    outside: list[str] = []
    last_prose = ""
    i = 0
    while i < len(lines):
        opener = _FENCE_OPEN.match(lines[i])
        if opener is None:
            outside.append(lines[i])
            if lines[i].strip():
                last_prose = lines[i]
            i += 1
            continue
        indent, fence, info = len(opener.group(1)), opener.group(2), opener.group(3)
        lang, filename = _fence_lang(info)
        if filename is None:  # "**style.css**" on the line before the block
            names = [name.lower() for name in _FILENAME.findall(last_prose)]
            fitting = [name for name in names if _EXTENSIONS.get(name.rsplit(".", 1)[1]) == _EXTENSIONS.get(lang)]
            filename = (fitting or names or [None])[-1]
        body: list[str] = []
        closed = False
        j = i + 1
        while j < len(lines):
            rest = _closing_line(lines[j], fence)
            if rest is not None:
                if rest:
                    body.append(rest)
                closed = True
                break
            body.append(lines[j])
            j += 1
        if indent:  # a fence indented in a list: its code lines carry the same indentation
            body = [line[indent:] if line[:indent].isspace() else line.lstrip() for line in body]
        content = "\n".join(body).strip("\n")
        if content.lstrip().startswith("&lt;"):
            content = html.unescape(content)
        blocks.append(_Block(lang, content, closed, filename))
        last_prose = ""
        i = j + 1
    for block in blocks:
        block.kind = _classify(block.lang, block.content)
    return blocks, "\n".join(outside)


_PAGE_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_SVG_START = re.compile(r"<svg[\s>]", re.IGNORECASE)
# A bare document starts a line; "begin your file with <!DOCTYPE html>" in prose does not.
_BARE_PAGE_START = re.compile(r"^[ \t]*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.MULTILINE)
_BARE_SVG_START = re.compile(r"^[ \t]*(?:<\?xml[^>]*\?>\s*)?<svg[\s>]", re.IGNORECASE | re.MULTILINE)


def _classify(lang: str, content: str) -> str:
    """What a block is: page / svg / fragment / css / js / other (the content beats a wrong label)."""
    head = content.lstrip()[:4000].lower()
    markup_first = head.startswith(("<!doctype", "<html", "<?xml", "<!--", "<svg"))
    if _PAGE_START.search(head[:400]) and (markup_first or lang in _MARKUP_LANGS):
        return "page"  # even under ```javascript: a document is a document
    if (markup_first or lang == "svg") and _SVG_START.search(head):
        return "svg"
    if lang in _CSS_LANGS:
        return "css"
    if lang in _JS_LANGS:
        return "js"
    if head.startswith("<") and (lang in _HTML_LANGS or lang == ""):
        return "fragment"
    return "other"


def _complete(kind: str, code: str, closed: bool) -> bool:
    """Does this page/SVG/fragment look finished (see the module docstring)?"""
    low = code.lower()
    if kind == "svg":
        return closed and "</svg>" in low
    if kind == "page":
        return closed and ("</html>" in low or "</body>" in low)
    return closed


# --- assembling a page from separate blocks ---------------------------------------------------

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_SCRIPT_SRC = re.compile(r"<script\b([^>]*?)\ssrc\s*=\s*[\"']?([^\"'\s>]+)[\"']?([^>]*)>\s*</script\s*>", re.I)
_HREF = re.compile(r"\shref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<style\b[^>]*>\s*[^<\s]", re.IGNORECASE)
# An inline script with code (an import map or JSON data block is not code the page runs).
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\ssrc\s*=)(?![^>]*type\s*=\s*[\"']?(?:importmap|application/(?:ld\+)?json))"
    r"[^>]*>\s*[^<\s]",
    re.IGNORECASE,
)
_ES_MODULE = re.compile(r"^\s*(?:import\s[^(]|export\s)", re.MULTILINE)


def _basename(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()


class _Pool:
    """Separate CSS or JS blocks waiting to be inlined: the same file name first, else in order."""

    def __init__(self, blocks: list[_Block]) -> None:
        self.blocks = blocks
        self.in_order = deque(blocks)
        self.by_name: dict[str, deque[_Block]] = {}
        for block in blocks:
            if block.filename:
                self.by_name.setdefault(block.filename, deque()).append(block)
        self.used: set[int] = set()

    def take(self, url: str) -> _Block | None:
        """The block for a referenced file, or None when every block is used."""
        for queue in (self.by_name.get(_basename(url)), self.in_order):
            while queue:
                block = queue.popleft()
                if id(block) not in self.used:
                    self.used.add(id(block))
                    return block
        return None

    def left(self, page: str) -> list[_Block]:
        """Blocks no reference took whose code the page does not already contain."""
        return [b for b in self.blocks if id(b) not in self.used and b.content.strip() not in page]


def _insert_before(page: str, tags: tuple[str, ...], snippet: str, at_end: bool) -> str:
    low = page.lower()
    for tag in tags:
        where = low.rfind(tag) if at_end else low.find(tag)
        if where != -1:
            return page[:where] + snippet + page[where:]
    return page + snippet if at_end else snippet + page


def _assemble(page: str, css: list[_Block], js: list[_Block]) -> tuple[str, bool]:
    """Inline separate CSS/JS blocks into the page; also says whether any inlined block was cut off."""
    css_pool, js_pool = _Pool(css), _Pool(js)
    cut = False

    def link(match: re.Match[str]) -> str:
        nonlocal cut
        tag = match.group(0)
        href = _HREF.search(tag)
        if not href or "stylesheet" not in tag.lower() or _REMOTE.match(href.group(1)):
            return tag
        block = css_pool.take(href.group(1))
        if block is None:
            return tag
        cut = cut or not block.closed
        return f"<style>\n{block.content}\n</style>"

    def script(match: re.Match[str]) -> str:
        nonlocal cut
        if _REMOTE.match(match.group(2)):
            return match.group(0)
        block = js_pool.take(match.group(2))
        if block is None:
            return match.group(0)
        cut = cut or not block.closed
        attrs = (match.group(1) + match.group(3)).rstrip()
        return f"<script{attrs}>\n{block.content}\n</script>"

    if css:
        page = _LINK_TAG.sub(link, page)
    if js:
        page = _SCRIPT_SRC.sub(script, page)
    left_css, left_js = css_pool.left(page), js_pool.left(page)
    if left_css and not _INLINE_STYLE.search(page):
        styles = "".join(f"<style>\n{b.content}\n</style>\n" for b in left_css)
        page = _insert_before(page, ("</head>", "<body"), styles, at_end=False)
        cut = cut or any(not b.closed for b in left_css)
    if left_js and not _INLINE_SCRIPT.search(page):
        scripts = "".join(
            ('<script type="module">' if _ES_MODULE.search(b.content) else "<script>") + f"\n{b.content}\n</script>\n"
            for b in left_js
        )
        page = _insert_before(page, ("</body>", "</html>"), scripts, at_end=True)
        cut = cut or any(not b.closed for b in left_js)
    return page, cut


def _pick(candidates: list[_Block]) -> _Block:
    """The last complete candidate, else the last one (which is then cut off)."""
    for block in reversed(candidates):
        if _complete(block.kind, block.content, block.closed):
            return block
    return candidates[-1]


def _from_blocks(blocks: list[_Block]) -> Artifact | None:
    for kind in ("page", "svg", "fragment"):
        candidates = [b for b in blocks if b.kind == kind and b.content.strip()]
        if not candidates:
            continue
        chosen = _pick(candidates)
        truncated = not _complete(kind, chosen.content, chosen.closed)
        if kind == "svg":
            return Artifact("svg", chosen.content, truncated)
        css = [b for b in blocks if b.kind == "css" and b.content.strip()]
        js = [b for b in blocks if b.kind == "js" and b.content.strip()]
        code, cut = _assemble(chosen.content, css, js)
        return Artifact("html", code, truncated or cut)
    return None


def _from_wrapped(blocks: list[_Block]) -> Artifact | None:
    """The artifact inside a ```markdown wrapper block (the whole answer fenced once more)."""
    for block in reversed(blocks):
        if block.kind == "other" and ("```" in block.content or "~~~" in block.content):
            artifact = _from_blocks(_parse_blocks(block.content)[0])
            if artifact is not None:
                return artifact
    return None


# --- bare documents ---------------------------------------------------------------------------

_BARE_KINDS: tuple[tuple[ArtifactKind, re.Pattern[str], str], ...] = (
    ("html", _BARE_PAGE_START, "</html>"),
    ("svg", _BARE_SVG_START, "</svg>"),
)
_BARE_FRAGMENT = re.compile(r"\A\s*<(?:head|body|style|script|canvas|div|main|meta|title|link)\b", re.I)


def _bare(text: str) -> Artifact | None:
    """A document written straight into the answer, without a fence."""
    for kind, start_re, end_tag in _BARE_KINDS:
        start = start_re.search(text)
        if start is None:
            continue
        code = text[start.start() :].lstrip()
        end = code.lower().rfind(end_tag)
        if end != -1:
            return Artifact(kind, code[: end + len(end_tag)], False)
        return Artifact(kind, code.rstrip(), True)
    if _BARE_FRAGMENT.match(text):
        return Artifact("html", text.strip(), False)
    return None


def _is_json(text: str) -> bool:
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


_ESCAPED_DOC = re.compile(r"&lt;(?:!doctype\s+html|html[\s&]|svg[\s&])", re.IGNORECASE)
_REAL_DOC = re.compile(r"<(?:!doctype\s+html|html[\s>]|svg[\s>])", re.IGNORECASE)


def extract_artifact(raw: str) -> Artifact:
    """The program in a raw model response: kind html/svg/none, its code, and whether it is cut off."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text, cut_in_reasoning = _final_answer(text)
    if cut_in_reasoning:
        return Artifact("none", "", True)
    if _ESCAPED_DOC.search(text) and not _REAL_DOC.search(text):
        text = html.unescape(text)
    if _is_json(text):
        return _NONE
    blocks, outside = _parse_blocks(text) if ("```" in text or "~~~" in text) else ([], text)
    # A response that *starts* with the document is bare, whatever fence-like lines it contains.
    artifact = _bare(text) if _STARTS_WITH_DOC.match(text) else _from_blocks(blocks)
    if artifact is None:
        artifact = _bare(outside)
    if artifact is None:
        artifact = _from_wrapped(blocks)
    if artifact is None:
        open_fence = bool(blocks) and not blocks[-1].closed
        return Artifact("none", "", open_fence)
    return artifact
