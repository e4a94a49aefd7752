"""The `canvasbench` command line: each command lives in its own module and registers itself here."""

from __future__ import annotations

import importlib

import click

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
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="canvasbench")
def main() -> None:
    """CanvasBench: one big prompt, several models, side by side, measured."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"canvasbench.cli.{_name}").register(main)
