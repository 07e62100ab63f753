"""The ``statgouv`` command: sample, load, build, export, and all of them in one run."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from ingest import export as exporter
from ingest import landing, transform, warehouse
from ingest.landing import LoadSummary
from ingest.transform import BuildSummary

log = logging.getLogger("ingest")
console = Console(stderr=True, soft_wrap=True)
app = typer.Typer(
    help="statgouv: the audience of French government websites, as a tested warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_SAMPLE_DIR = Path("data/sample")
DEFAULT_EXPORT_DIR = Path("exports")

Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")]
OutDir = Annotated[Path, typer.Option("--out", help="Folder of the published files.")]


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
        for noisy in ("dbt", "urllib3", "filelock"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


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
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of daily extracts.")],
    verbose: Verbose = False,
) -> None:
    """Land files in the warehouse's raw schema."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _holding(path):
        loaded = _load(path, paths)
    _print_load(loaded)
    if loaded.refused:
        raise typer.Exit(1)


@app.command("build")
def build_command(
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models.")] = False,
    verbose: Verbose = False,
) -> None:
    """Run dbt build (models, seeds and tests) on the warehouse."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _holding(path):
        built = _build(path, full_refresh)
    _print_build(built)
    if not built.ok:
        raise typer.Exit(1)


@app.command("export")
def export_command(out: OutDir = DEFAULT_EXPORT_DIR, verbose: Verbose = False) -> None:
    """Write every site and day of the warehouse as a published file."""
    _setup_logging(verbose)
    path = warehouse.warehouse_path()
    with _holding(path):
        con = warehouse.connect(path, read_only=True)
        try:
            written = exporter.export(con, out)
        finally:
            con.close()
    console.print(f"exported {written.files} file(s) into {written.out_dir}")


@app.command("run")
def run_command(
    input_path: Annotated[
        Path | None,
        typer.Option("--input", help="A file or folder to load; the built-in sample if none."),
    ] = None,
    out: OutDir = DEFAULT_EXPORT_DIR,
    verbose: Verbose = False,
) -> None:
    """Load, build and export in one go."""
    _setup_logging(verbose)
    if input_path is None:
        input_path = DEFAULT_SAMPLE_DIR
        if not input_path.exists():
            from ingest import sample

            sample.generate(input_path)

    path = warehouse.warehouse_path()
    with _holding(path):
        loaded = _load(path, [input_path])
        built = _build(path, full_refresh=False)
        exported = None
        if built.ok:
            con = warehouse.connect(path, read_only=True)
            try:
                exported = exporter.export(con, out, loaded.site_days | loaded.unchanged_site_days)
            finally:
                con.close()

    _print_load(loaded)
    _print_build(built)
    if exported is not None:
        console.print(f"[bold]exported[/]  {exported.files} file(s) into {exported.out_dir}")
    else:
        console.print("[bold red]nothing exported[/]: the build failed")
    if loaded.refused or not built.ok:
        raise typer.Exit(1)


class _holding:
    """Hold the warehouse for this process; a clear message when another run has it."""

    def __init__(self, path: Path) -> None:
        self._context = warehouse.exclusive(path)

    def __enter__(self) -> None:
        try:
            self._context.__enter__()
        except warehouse.WarehouseBusy as busy:
            console.print(f"[bold red]error[/]: {busy}")
            raise typer.Exit(3) from None

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


def _load(path: Path, paths: list[Path]) -> LoadSummary:
    con = warehouse.connect(path)
    try:
        return landing.load_paths(con, paths)
    except FileNotFoundError as missing:
        console.print(f"[bold red]error[/]: {missing}")
        raise typer.Exit(2) from None
    finally:
        con.close()


def _build(path: Path, full_refresh: bool) -> BuildSummary:
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    return transform.run_dbt(path, args)


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
    )
    for error in built.errors:
        console.print(f"[bold red]error[/]: {error}", markup=True, highlight=False)
    for problem in built.problems:
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(
            f"[{colour}]{problem.severity}[/] {problem.name}: {problem.failures} row(s)",
            highlight=False,
        )
        for row in problem.rows:
            shown = ", ".join(f"{key}={value}" for key, value in row.items())
            console.print(f"    {shown}", markup=False, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted: the warehouse keeps what was committed before")
        sys.exit(130)


if __name__ == "__main__":
    main()
