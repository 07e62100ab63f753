"""The ``statgouv`` command: sample, load, build, export, fetch, publish, and run."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from ingest import export as exporter
from ingest import job, landing, transform, warehouse
from ingest.job import JobReport
from ingest.landing import LoadSummary
from ingest.transform import BuildSummary

if TYPE_CHECKING:
    from ingest.fetch import FetchSummary
    from ingest.publish import PublishSummary

log = logging.getLogger("ingest")
console = Console(stderr=True, soft_wrap=True)
app = typer.Typer(
    help="statgouv: the audience of French government websites, as a tested warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"statgouv {version('statgouv')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """statgouv: the audience of French government websites, as a tested warehouse."""


DEFAULT_SAMPLE_DIR = Path("data/sample")
DEFAULT_DOWNLOAD_DIR = Path("data/portal")
DEFAULT_EXPORT_DIR = Path("exports")
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 3


class InputFormat(StrEnum):
    statgouv = "statgouv"
    dap = "dap"


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")]
OutDir = Annotated[Path, typer.Option("--out", help="Folder of the published files.")]
Format = Annotated[
    InputFormat,
    typer.Option("--format", help="statgouv: daily extracts; dap: US agency report folders."),
]


def _setup_logging(verbose: bool) -> None:
    handler: logging.Handler
    if console.is_terminal:
        handler = RichHandler(console=console, show_path=False, show_time=False)
    else:  # logs kept in files read better unwrapped, one record a line
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )
    if not verbose:
        for noisy in ("dbt", "urllib3", "filelock", "frictionless"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Expected failures end with one clear line and an exit status, not a traceback.

    The warehouse's settings are read first, so that a wrong one stops the
    command before it touches anything.
    """
    from ingest.portal import PortalError
    from ingest.settings import SettingsError

    try:
        warehouse.lock_wait_seconds()
        warehouse.memory_limit()
        landing.chunk_files_setting()
        yield
    except warehouse.WarehouseBusy as busy:
        console.print(f"[bold red]error[/]: {busy}", highlight=False)
        raise typer.Exit(EXIT_BUSY) from None
    except (FileNotFoundError, SettingsError) as error:
        console.print(f"[bold red]error[/]: {error}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    except PortalError as error:
        console.print(f"[bold red]error[/]: {error}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


@app.command("sample")
def sample_command(
    out: Annotated[Path, typer.Option(help="Folder to write into.")] = DEFAULT_SAMPLE_DIR,
    sites: Annotated[int, typer.Option(min=1, help="Number of sites.")] = 20,
    days: Annotated[int, typer.Option(min=1, help="Number of days.")] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 20240630,
    verbose: Verbose = False,
) -> None:
    """Write a synthetic corpus of daily files in the published layout."""
    from ingest import sample

    _setup_logging(verbose)
    sample.generate(out, sites=sites, days=days, seed=seed)


@app.command("load")
def load_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to land.", metavar="PATH")],
    input_format: Format = InputFormat.statgouv,
    verbose: Verbose = False,
) -> None:
    """Land files in the warehouse's raw schema; a bad file is refused whole."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _clear_errors(), warehouse.exclusive(path):
        loaded = job.load(path, paths, input_format.value)
    _print_load(loaded)
    if loaded.refused:
        raise typer.Exit(EXIT_FAILED)


@app.command("build")
def build_command(
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models whole.")] = False,
    verbose: Verbose = False,
) -> None:
    """Run dbt build (seeds, models and tests) on the warehouse."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _clear_errors(), warehouse.exclusive(path):
        built = transform.build(path, full_refresh=full_refresh)
    _print_build(built)
    if not built.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("export")
def export_command(
    out: OutDir = DEFAULT_EXPORT_DIR,
    day: Annotated[
        list[datetime] | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Write this day's files only (repeat for several days).",
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Write the published files: every site-day of the warehouse, or the days given."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _clear_errors(), warehouse.exclusive(path):
        con = warehouse.connect(path, read_only=True)
        try:
            days = [moment.date() for moment in day] if day else None
            written = exporter.export(con, out, days=days)
        finally:
            con.close()
    console.print(f"[bold]exported[/]  {written.files} file(s) into {written.out_dir}")


@app.command("fetch")
def fetch_command(
    into: Annotated[Path, typer.Option(help="Folder of the downloads.")] = DEFAULT_DOWNLOAD_DIR,
    verbose: Verbose = False,
) -> None:
    """Download the organisation's files that are new or changed on the portal."""
    from ingest import fetch
    from ingest.portal import Portal

    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _clear_errors(), warehouse.exclusive(path), Portal.from_env() as portal:
        con = warehouse.connect(path)
        try:
            fetched = fetch.fetch(portal, into, con)
        except fetch.FetchError as error:
            console.print(f"[bold red]error[/]: {error}", highlight=False)
            raise typer.Exit(EXIT_FAILED) from None
        finally:
            con.close()
    _print_fetch(fetched)


@app.command("publish")
def publish_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Files to publish; all of --out if none.", metavar="FILE"),
    ] = None,
    out: OutDir = DEFAULT_EXPORT_DIR,
    dry_run: Annotated[bool, typer.Option(help="Only list what would change.")] = False,
    verbose: Verbose = False,
) -> None:
    """Upload exports to their site's dataset, replacing the file of the same name."""
    from ingest import publish
    from ingest.portal import Portal

    _setup_logging(verbose)
    chosen = files or sorted(out.glob("*.csv"))
    with _clear_errors(), Portal.from_env() as portal:
        try:
            published = publish.publish(portal, chosen, dry_run=dry_run)
        except publish.PublishError as error:
            _print_publish(error.summary)
            console.print(f"[bold red]error[/]: {error}", highlight=False)
            raise typer.Exit(EXIT_FAILED) from None
    _print_publish(published)


@app.command("run")
def run_command(
    input_path: Annotated[
        Path | None,
        typer.Option("--input", help="A file or folder to load; the built-in sample if none."),
    ] = None,
    input_format: Format = InputFormat.statgouv,
    out: OutDir = DEFAULT_EXPORT_DIR,
    portal: Annotated[
        bool, typer.Option("--portal", help="The daily job: fetch from and publish to the portal.")
    ] = False,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="Day to publish (implies --portal; default: yesterday in Paris).",
        ),
    ] = None,
    downloads: Annotated[
        Path, typer.Option(help="Folder of the portal downloads.")
    ] = DEFAULT_DOWNLOAD_DIR,
    dry_run: Annotated[bool, typer.Option(help="With --portal: publish nothing.")] = False,
    verbose: Verbose = False,
) -> None:
    """Load, build and export in one go; with --portal or --date, the whole daily job."""
    _setup_logging(verbose)
    if dry_run and not (portal or day is not None):
        raise typer.BadParameter(
            "goes with --portal: only the daily job publishes", param_hint="--dry-run"
        )
    with _clear_errors():
        if portal or day is not None:
            chosen_day = _parse_day(day) if day else job.yesterday_in_paris()
            log.info("daily run for %s", chosen_day)
            report = job.run_daily(chosen_day, downloads, out, dry_run=dry_run)
        else:
            if input_path is None:
                input_path = _built_in_sample()
            report = job.run_files([input_path], out, input_format.value)
    _print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a day (YYYY-MM-DD)", param_hint="--date"
        ) from None


def _built_in_sample() -> Path:
    if not DEFAULT_SAMPLE_DIR.exists():
        from ingest import sample

        sample.generate(DEFAULT_SAMPLE_DIR)
    return DEFAULT_SAMPLE_DIR


def _print_report(report: JobReport) -> None:
    if report.fetched is not None:
        _print_fetch(report.fetched)
    if report.loaded is not None:
        _print_load(report.loaded)
    if report.built is not None:
        _print_build(report.built)
    if report.exported is not None:
        console.print(
            f"[bold]exported[/]  {report.exported.files} file(s) into {report.exported.out_dir}"
        )
    if report.published is not None:
        _print_publish(report.published)
    for reason in report.stopped_because:
        console.print(f"[bold red]stopped[/]: {reason}", highlight=False)


def _print_load(loaded: LoadSummary) -> None:
    days = sorted(loaded.days)
    span = f", {days[0]} to {days[-1]}" if days else ""
    console.print(
        f"[bold]landed[/]    {loaded.loaded + loaded.replaced} file(s), {loaded.lines} line(s)"
        f" ({loaded.replaced} replacing earlier files, {loaded.unchanged} unchanged)"
        f" for {len(loaded.sites)} site(s) and {len(days)} day(s){span}"
    )
    if loaded.refused:
        console.print(f"[bold red]refused[/]   {len(loaded.refused)} file(s):")
        for refusal in loaded.refused:
            console.print(f"  {refusal}", markup=False, highlight=False)


def _print_build(built: BuildSummary) -> None:
    console.print(
        f"[bold]built[/]     {built.models} model(s); dbt tests: {built.tests_passed} passed,"
        f" {built.tests_warned} warned, {built.tests_failed} failed"
        + (f", {built.skipped} skipped after a failure" if built.skipped else "")
    )
    for error in built.errors:
        console.print(f"[bold red]error[/]: {error}", highlight=False)
    for problem in built.problems:
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(
            f"[{colour}]{problem.severity}[/] {problem.name}: {problem.failures} row(s)"
            + (f" ({problem.message})" if problem.failures == 0 and problem.message else ""),
            highlight=False,
        )
        for row in problem.rows:
            shown = ", ".join(
                f"{key}={'null' if value is None else value}" for key, value in row.items()
            )
            console.print(f"    {shown}", markup=False, highlight=False)
        if problem.rows and problem.relation and problem.failures > len(problem.rows):
            schema, table = (part.strip('"') for part in problem.relation.split(".")[-2:])
            console.print(
                f"    ... and {problem.failures - len(problem.rows)} more, all in"
                f" {schema}.{table}",
                markup=False,
                highlight=False,
            )


def _print_fetch(fetched: FetchSummary) -> None:
    console.print(
        f"[bold]fetched[/]   {len(fetched.downloaded)} file(s) downloaded,"
        f" {len(fetched.unchanged)} unchanged, {len(fetched.failed)} failed"
    )


def _print_publish(summary: PublishSummary) -> None:
    verb = "would publish" if summary.dry_run else "published"
    console.print(
        f"[bold]{verb}[/] {len(summary.created)} new, {len(summary.replaced)} replaced,"
        f" {len(summary.unchanged)} unchanged, {len(summary.refused)} refused,"
        f" {len(summary.failed)} failed"
    )
    for item in summary.refused + summary.failed:
        console.print(f"  {item.file}: {item.reason}", markup=False, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted: the warehouse keeps what was committed before")
        sys.exit(130)


if __name__ == "__main__":
    main()
