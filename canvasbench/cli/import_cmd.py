"""`canvasbench import`: generations made with other tools (llm, promptfoo, a folder of pages) as comparisons."""

from __future__ import annotations

from pathlib import Path

import click

from canvasbench.cli.common import UsageFailure, clean_errors, db_option, open_store


@click.command("import")
@click.option(
    "--from-llm", "llm_log", metavar="[PATH]", is_flag=False, flag_value="", default=None,
    help="llm's log database (default: where 'llm logs path' says).",
)  # fmt: skip
@click.option("--from-promptfoo", "promptfoo_file", metavar="FILE", type=click.Path(path_type=Path), default=None,
              help="A promptfoo results JSON ('promptfoo eval -o results.json').")  # fmt: skip
@click.option("--from-dir", "folder", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help="A folder of saved pages: MODEL.html (+ prompt.txt) or MODEL/PROMPT.html.")  # fmt: skip
@click.option("--check/--no-check", default=True, show_default=True, help="Render-check the imported pages.")
@db_option
@clean_errors
@click.pass_context
def import_command(
    ctx: click.Context, llm_log: str | None, promptfoo_file: Path | None, folder: Path | None, check: bool,
    db: str | None,
) -> None:  # fmt: skip
    """Bring generations made elsewhere (llm's log, promptfoo results, a folder of pages) in as comparisons.

    Each run keeps its origin and nothing is imported twice. Responses to the same prompt form one
    comparison. Each page is extracted, measured, priced where the tool kept token counts (else the cost
    stays unknown) and render-checked. Their timings are the tool's own: no time to first token or
    tokens/s, which only a stream watched here can give.
    """
    from canvasbench.imports.imported import store_imported

    chosen = [name for name, value in (("--from-llm", llm_log), ("--from-promptfoo", promptfoo_file),
                                       ("--from-dir", folder)) if value is not None]  # fmt: skip
    if len(chosen) != 1:
        raise UsageFailure("Give exactly one of --from-llm [PATH], --from-promptfoo FILE or --from-dir DIR.")
    if llm_log is not None:
        from canvasbench.imports.llm_logs import default_log_path, read_llm_log

        origin, items = "llm", list(read_llm_log(Path(llm_log) if llm_log else default_log_path()))
    elif promptfoo_file is not None:
        from canvasbench.imports.promptfoo import read_promptfoo

        origin, items = "promptfoo", list(read_promptfoo(promptfoo_file))
    else:
        from canvasbench.imports.folder import read_folder

        assert folder is not None
        origin, items = "folder", list(read_folder(folder))
    store = open_store(db)  # only once the source has been read whole: bad input touches nothing
    report = store_imported(store, origin, items)
    click.echo(
        f"Imported {len(report.run_ids)} run(s) into {len(report.comparisons)} comparison(s) from {origin}"
        + (f"; {report.already} already imported" if report.already else "")
        + "."
    )
    if check and report.run_ids:
        from canvasbench.cli.check_cmd import check_command

        ctx.invoke(check_command, run_ids=tuple(report.run_ids), db=db)
