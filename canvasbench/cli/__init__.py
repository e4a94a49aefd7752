"""The `canvasbench` command line: each command lives in its own module and registers itself here."""

from __future__ import annotations

import importlib
import logging
import sys

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

# Each module defines `register(group)`; order is the order of `canvasbench --help`.
COMMAND_MODULES = (
    "run_cmd",
    "rerun_cmd",
    "delete_cmd",
    "export_cmd",
    "inspect_cmd",
    "prompts_cmd",
    "models_cmd",
    "check_cmd",
    "leaderboard_cmd",
    "judge_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="canvasbench")
def main() -> None:
    """CanvasBench: one big prompt, several models, side by side, measured."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"canvasbench.cli.{_name}").register(main)
