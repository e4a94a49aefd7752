"""The `canvasbench` command line: each command lives in its own module and registers itself here."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import sys
import threading
from typing import Any, NamedTuple

import click

from canvasbench.redact import install as install_redaction

install_redaction()  # every log line, traceback and error the CLI prints has its keys masked


def _not_reported_elsewhere(record: logging.LogRecord) -> bool:
    # `run` and `sweep` print what could not be saved as their own one error line.
    return not getattr(record, "reported_elsewhere", False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner may swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


# Warnings and errors on stderr as bare lines, as Python prints them without any set-up.
_stderr = _StderrHandler()
_stderr.setLevel(logging.WARNING)
_stderr.addFilter(_not_reported_elsewhere)
logging.getLogger().addHandler(_stderr)

class Command(NamedTuple):
    """One CLI command: where it lives and its one-line help (for `canvasbench --help` without importing it)."""

    module: str  # under canvasbench.cli
    attribute: str
    short_help: str


# `canvasbench --help` lists them alphabetically, as click does. Each command's module (and whatever heavy library it
# needs: SDKs, sqlite-utils with pandas, playwright) is imported only when that command runs.
COMMANDS: dict[str, Command] = {
    "run": Command(
        "run_cmd", "run_command",
        "Send one prompt to several models (and build recipes) at once and watch them stream side by side.",
    ),
    "sweep": Command(
        "run_cmd", "sweep_command",
        "Run the prompt suite (or part of it) against the models (and recipes): one comparison per prompt, unattended.",
    ),
    "rerun": Command(
        "rerun_cmd", "rerun_command",
        "Run a comparison again as a new one: the same prompt text, models (repeats included) and options.",
    ),
    "followup": Command(
        "followup_cmd", "followup_command",
        "Send one instruction to every model of a comparison as the next turn of its own conversation.",
    ),
    "delete": Command(
        "delete_cmd", "delete_command",
        "Delete comparisons (ids from 'run' or the dashboard) with their runs, render checks, votes and judgments.",
    ),
    "export": Command(
        "export_cmd", "export_command",
        "Export the metrics table: one row per run (unknown values empty, never 0); or the votes or judgments.",
    ),
    "inspect": Command(
        "inspect_cmd", "inspect_command",
        "Measure a saved raw model response: artifact kind, lines, code lines, chars, truncation.",
    ),
    "prompts": Command(
        "prompts_cmd", "prompts_command",
        "List the prompt suite in gallery/ (id, category, kind, title), or print one prompt with --id.",
    ),
    "models": Command(
        "models_cmd", "models_command",
        "List the known models: provider, maximum output, whether the API key is set, price per 1M tokens.",
    ),
    "check": Command(
        "check_cmd", "check_command", "Open runs' artifacts in headless Chromium and record whether they render."
    ),
    "mirror": Command(
        "check_cmd", "mirror_group",
        "The offline mirror of CDN libraries (three.js, p5, d3, ...) used by render checks.",
    ),
    "leaderboard": Command(
        "leaderboard_cmd", "leaderboard_command",
        "Rank models by Bradley–Terry rating (Elo-like scale, 95% bootstrap interval) from pairwise outcomes.",
    ),
    "batches": Command(
        "batches_cmd", "batches_command",
        "List batch jobs with their progress; poll them, store results that have arrived, or cancel one.",
    ),
    "merge": Command(
        "merge_cmd", "merge_command",
        "Merge comparisons, runs, render checks, votes and judgments from other databases into this one.",
    ),
    "import": Command(
        "import_cmd", "import_command",
        "Bring generations made elsewhere (llm's log, promptfoo results, a folder of pages) in as comparisons.",
    ),
    "share": Command(
        "share_cmd", "share_command",
        "Write a comparison as one self-contained HTML file, or a static site of comparisons (--gallery).",
    ),
    "report": Command(
        "report_cmd", "report_command",
        "Write the metrics as one interactive HTML file of charts that opens offline, to send to anyone.",
    ),
    "judge": Command(
        "judge_cmd", "judge_command",
        "Judge finished runs: screenshots of the render check, the checklist and the code go to the judge model.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is run or asked for its help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command: click.Command = getattr(importlib.import_module(f"canvasbench.cli.{entry.module}"), entry.attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        # A bare Command shortens the help exactly as the real one would, without importing it.
        rows = [(name, click.Command(name, help=COMMANDS[name].short_help).get_short_help_str(limit))
                for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The console script: run the command, then exit without the interpreter's teardown (see _exit_now)."""
        try:
            return self.main(*args, **kwargs)
        except SystemExit as exc:
            _exit_now(exc.code)


def _exit_now(code: object) -> None:
    """Finish like the interpreter would (threads joined, atexit clean-ups, streams flushed), then os._exit.

    Tearing down the modules of a loaded SDK (thousands of pydantic classes) took 0.3-0.9 s after the last
    byte, doing nothing a user needs: by now every run is committed, and the render engine and analysis
    pool stop their processes in their atexit clean-ups, which run here first. Tests invoke `main.main()`
    (CliRunner), never this.
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`| head`) must not change the exit code
            stream.flush()
    os._exit(status)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="canvasbench")
def main() -> None:
    """CanvasBench: one big prompt, several models, side by side, measured."""
