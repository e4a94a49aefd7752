"""Read `llm`'s log database (logs.db): each first-turn response becomes an ImportedRun."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from canvasbench.errors import SourceError
from canvasbench.imports.imported import ImportedRun, utc_stamp

READS_LLM = "llm 0.36"  # the newest llm whose log schema the import was built and tested on


def default_log_path() -> Path:
    """Where `llm logs path` says the log is (asked of llm itself when it is installed)."""
    llm = shutil.which("llm")
    if llm is not None:
        done = subprocess.run([llm, "logs", "path"], capture_output=True, text=True, timeout=30, check=False)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    # llm's own rule (llm.user_dir) when it is not on PATH.
    folder = os.environ.get("LLM_USER_PATH") or click.get_app_dir("io.datasette.llm")
    return Path(folder) / "logs.db"


def read_llm_log(path: Path) -> Iterator[ImportedRun]:
    """Every logged response that answered a first prompt (follow-up turns of a conversation are skipped)."""
    conn = _open(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if "_llm_migrations" not in tables or not {"responses", "turns"} & tables:
            raise SourceError(
                f"{path} is a SQLite file but not llm's log (no llm tables): give the path 'llm logs path' prints."
            )
        seen: set[str] = set()
        if {"turns", "messages", "parts"} <= tables:  # llm 0.30+: a tree of messages
            for item in _turns(conn):
                seen.add(item.origin_key)
                yield item
        if "responses" in tables:  # older logs (and rows llm has not moved to turns)
            for item in _responses(conn):
                if item.origin_key not in seen:
                    yield item
    except sqlite3.DatabaseError as exc:
        raise SourceError(
            f"{path} could not be read as llm's log ({exc}): it may come from an llm newer than the "
            f"{READS_LLM} this CanvasBench reads; nothing was imported."
        ) from exc
    finally:
        conn.close()


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise SourceError(f"No llm log at {path}: pass its path ('llm logs path' prints it) to --from-llm.")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{path} is not a SQLite database ({exc}): give the path 'llm logs path' prints.") from exc
    conn.row_factory = sqlite3.Row
    return conn


def _turns(conn: sqlite3.Connection) -> Iterator[ImportedRun]:
    # A first turn: its user message has no assistant message before it (at most a system message).
    rows = conn.execute(
        "SELECT t.id, t.model, t.input_tokens, t.output_tokens, t.token_details, t.duration_ms, t.datetime_utc,"
        " t.response_json, t.parent_message_hash AS asked, t.tip_message_hash AS answer, u.parent_hash AS above"
        " FROM turns t JOIN messages u ON u.hash = t.parent_message_hash"
        " WHERE u.role = 'user' AND (u.parent_hash IS NULL OR"
        "  (SELECT s.role = 'system' AND s.parent_hash IS NULL FROM messages s WHERE s.hash = u.parent_hash))"
        " ORDER BY t.datetime_utc"
    ).fetchall()
    for row in rows:
        system = _text(conn, row["above"]) if row["above"] else ""
        prompt = _text(conn, row["asked"])
        yield _item(row, prompt, system, _text(conn, row["answer"]))


def _text(conn: sqlite3.Connection, message: str) -> str:
    parts = conn.execute(
        "SELECT text FROM parts WHERE message_hash = ? AND type = 'text' ORDER BY position", [message]
    ).fetchall()
    return "".join(part[0] or "" for part in parts)


def _responses(conn: sqlite3.Connection) -> Iterator[ImportedRun]:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
    first_only = (
        " WHERE r.conversation_id IS NULL OR r.id = (SELECT f.id FROM responses f"
        " WHERE f.conversation_id = r.conversation_id ORDER BY f.datetime_utc, f.id LIMIT 1)"
        if "conversation_id" in columns
        else ""
    )
    wanted = ("id", "model", "prompt", "system", "response", "duration_ms", "datetime_utc", "input_tokens",
              "output_tokens", "token_details", "response_json")  # fmt: skip
    select = ", ".join(f"r.{c}" if c in columns else f"NULL AS {c}" for c in wanted)
    for row in conn.execute(f"SELECT {select} FROM responses r{first_only} ORDER BY r.datetime_utc"):
        yield _item(row, row["prompt"] or "", row["system"] or "", row["response"] or "")


def _item(row: sqlite3.Row, prompt: str, system: str, response: str) -> ImportedRun:
    asked = f"{system}\n\n{prompt}" if system else prompt
    details = _json(row["token_details"])
    answer = _json(row["response_json"])
    output = row["output_tokens"]
    thinking = _reasoning_tokens(details) or _reasoning_tokens(answer.get("usage"))
    if thinking and output is not None and output >= thinking:
        output -= thinking  # llm logs OpenAI's completion tokens, reasoning included; ours are the answer's
    return ImportedRun(
        origin_key=f"llm:{row['id']}",
        group=hashlib.sha256(asked.encode()).hexdigest(),
        prompt_text=asked,
        model_name=row["model"] or "unknown",
        response=response,
        created_at=utc_stamp(row["datetime_utc"]) if row["datetime_utc"] else None,
        latency_s=row["duration_ms"] / 1000 if row["duration_ms"] is not None else None,
        input_tokens=row["input_tokens"],
        output_tokens=output,
        thinking_tokens=thinking or None,
        finish_reason=answer.get("finish_reason") or answer.get("stop_reason"),
    )


def _json(cell: Any) -> dict[str, Any]:
    try:
        value = json.loads(cell) if cell else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _reasoning_tokens(value: Any) -> int | None:
    """The first `reasoning_tokens` count anywhere in a usage record (OpenAI nests it a level down)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("reasoning_tokens", "thoughts_token_count") and isinstance(inner, int):
                return inner
            found = _reasoning_tokens(inner)
            if found is not None:
                return found
    return None
