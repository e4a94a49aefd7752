"""`canvasbench share`: one comparison as one self-contained HTML file, or a static site of many."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from canvasbench.cli.common import UsageFailure, clean_errors, db_option, open_store
from canvasbench.present.formatting import count


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


@click.command("share")
@click.argument("comparison_id", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="The file to write (default: COMPARISON_ID.html), or the folder for --gallery.")
@click.option("--gallery", is_flag=True, help="Write a static site of comparisons (an index, the leaderboard, "
              "one page each) into the -o folder.")
@click.option("--category", default=None, help="With --gallery: only comparisons of this category.")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="With --gallery: only comparisons from this day on.")
@click.option("--no-libs", is_flag=True, help="Leave library files as CDN links (smaller; previews need the network).")
@db_option
@clean_errors
def share_command(
    comparison_id: str | None,
    output: Path | None,
    gallery: bool,
    category: str | None,
    since: str | None,
    no_libs: bool,
    db: str | None,
) -> None:
    """Write a comparison as one self-contained HTML file, or a static site of comparisons (--gallery).

    The file opens offline from file:// in any browser: the prompt, metrics, verdicts, screenshots, code,
    votes and judge scores, and each artifact running in a sandboxed frame with its libraries inlined from
    the offline mirror (--no-libs leaves them as CDN links). The site (index, leaderboard, one page per
    comparison) uses relative links only: publish the folder on any static host as it is.
    """
    if gallery:
        if comparison_id:
            raise UsageFailure("Give either COMPARISON_ID or --gallery, not both.")
        if output is None:
            raise UsageFailure("--gallery needs -o FOLDER: the folder the site is written into.")
        if since is not None:
            try:
                since = date.fromisoformat(since).isoformat()
            except ValueError:
                raise UsageFailure(f"--since must be a date like 2026-11-30, not {since!r}.") from None
        from canvasbench.present.share_gallery import write_gallery

        try:
            site = write_gallery(open_store(db, writes=False), output, category=category, since=since,
                                 libs=not no_libs)
        except OSError as exc:
            raise click.ClickException(f"Could not write the site to {output}: {exc.strerror or exc}.") from exc
        click.echo(f"Wrote {count(site.comparisons)} comparison pages, the index and the leaderboard to "
                   f"{site.folder}/ ({_size(site.size)}); open {site.folder / 'index.html'}.")
        return
    if not comparison_id:
        raise UsageFailure("Give a COMPARISON_ID (see the gallery), or --gallery -o FOLDER.")
    if category or since:
        raise UsageFailure("--category and --since go with --gallery.")
    from canvasbench.present.share import comparison_html

    share = comparison_html(open_store(db, writes=False), comparison_id, libs=not no_libs)
    target = output or Path(f"{comparison_id}.html")
    try:
        target.write_text(share.html, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Could not write {target}: {exc.strerror or exc}.") from exc
    libs = f", {share.libraries} libraries inlined" if share.libraries else ""
    click.echo(f"Wrote {target} ({_size(share.size)}{libs}).")
    for url in share.missing:
        click.echo(f"Not in the offline mirror (the preview will miss it): {url}", err=True)
