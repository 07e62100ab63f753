"""The jobs the command line runs: a local run on files, and the daily portal run.

Both hold the warehouse for their whole length, so that a second run waits
for the first instead of reading a half-built warehouse.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import duckdb

from ingest import export as exporter
from ingest import landing, layout, transform, warehouse
from ingest.export import ExportSummary
from ingest.landing import LoadSummary
from ingest.transform import BuildSummary

if TYPE_CHECKING:
    from ingest.fetch import FetchSummary
    from ingest.publish import PublishSummary

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class JobReport:
    """What each step of a run did; a step that did not run stays None."""

    loaded: LoadSummary | None = None
    built: BuildSummary | None = None
    exported: ExportSummary | None = None
    fetched: FetchSummary | None = None
    published: PublishSummary | None = None
    stopped_because: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.stopped_because and not (self.loaded and self.loaded.refused)


def yesterday_in_paris(now: datetime | None = None) -> date:
    """The day a daily run publishes by default: yesterday, in the sites' own time zone."""
    current = (now or datetime.now(PARIS)).astimezone(PARIS)
    return current.date() - timedelta(days=1)


def run_files(paths: list[Path], out_dir: Path, input_format: str = landing.FORMAT) -> JobReport:
    """Load files or folders, build, and export what they hold."""
    report = JobReport()
    path = warehouse.warehouse_path()
    with warehouse.exclusive(path):
        report.loaded = load(path, paths, input_format)
        _build_and_export(
            path, report, report.loaded.site_days | report.loaded.unchanged_site_days, out_dir
        )
    return report


def run_daily(day: date, downloads: Path, out_dir: Path, dry_run: bool = False) -> JobReport:
    """Fetch from the portal, load, build, export and publish the files of ``day``."""
    from ingest import fetch, publish
    from ingest.portal import Portal

    report = JobReport()
    path = warehouse.warehouse_path()
    with warehouse.exclusive(path), Portal.from_env() as portal:
        con = warehouse.connect(path)
        try:
            report.fetched = fetch.fetch(portal, downloads, con)
            pending = _pending_downloads(con)
        except fetch.FetchError as error:
            report.fetched = error.summary
            report.stopped_because.append(str(error))
            return report
        finally:
            con.close()

        report.loaded = load(path, pending, landing.FORMAT) if pending else LoadSummary()
        wanted = report.loaded.site_days | _site_days_of(path, day)
        _build_and_export(path, report, wanted, out_dir)
        if report.stopped_because or report.exported is None:
            return report

        files = sorted(out_dir / name for name in _file_names(wanted))
        problems = publish.validate(files)
        if problems:
            report.stopped_because.append(
                "exports break the Table Schema, so nothing was published:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )
            return report
        try:
            report.published = publish.publish(portal, files, dry_run=dry_run)
        except publish.PublishError as error:
            report.published = error.summary
            report.stopped_because.append(str(error))
        if not dry_run:
            sent = report.published.created + report.published.replaced
            _keep_published_copies(path, [out_dir / name for name in sent], downloads)
    return report


def _keep_published_copies(path: Path, files: list[Path], downloads: Path) -> None:
    """Put what was uploaded where fetch keeps the portal's files, and tell the ledger.

    The portal now holds these exports in place of what was fetched; with a
    copy in the downloads, the next fetch finds the portal's file already in
    place, and the loader knows it holds nothing new.
    """
    if not files:
        return
    downloads.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(path)
    try:
        for exported in files:
            copy = downloads / exported.name
            partial = copy.with_name(f".{copy.name}.partial")
            shutil.copyfile(exported, partial)
            os.replace(partial, copy)
            landing.record_published(con, copy)
    finally:
        con.close()


def load(path: Path, paths: list[Path], input_format: str) -> LoadSummary:
    """Land the files at ``paths``; a path without any file to load is a wrong argument,
    found before the warehouse is opened."""
    from ingest import dap

    if input_format == landing.FORMAT:
        files = landing.find_files(paths)
        if not files:
            where = ", ".join(map(str, paths))
            raise FileNotFoundError(f"{where}: no .csv file here, nothing to load")
    else:
        dap.find_agency_files(paths)
    con = warehouse.connect(path)
    try:
        if input_format == landing.FORMAT:
            return landing.load_files(con, files)
        return dap.load_agencies(con, paths)
    finally:
        con.close()


def _build_and_export(
    path: Path, report: JobReport, site_days: set[tuple[str, date]], out_dir: Path
) -> None:
    report.built = transform.build(path, scoped=True)
    if not report.built.ok:
        failing = [p.name for p in report.built.problems if p.severity == "error"]
        report.stopped_because.append(
            "the build failed" + (f" ({', '.join(failing)})" if failing else "")
        )
        return
    con = warehouse.connect(path, read_only=True)
    try:
        report.exported = exporter.export(con, out_dir, site_days)
    finally:
        con.close()


def _pending_downloads(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Downloaded files that the loader has not looked at since they arrived."""
    warehouse.ensure_raw_schema(con)
    rows = con.execute("""
        select d.local_path
        from raw.portal_downloads as d
        where not exists (
            select 1
            from raw.file_ledger as f
            where f.file_path = d.local_path and f.seen_at >= d.downloaded_at
        )
        order by d.local_path
    """).fetchall()
    return [Path(row[0]) for row in rows if Path(row[0]).exists()]


def _site_days_of(path: Path, day: date) -> set[tuple[str, date]]:
    con = warehouse.connect(path)
    try:
        warehouse.ensure_raw_schema(con)
        rows = con.execute(
            "select site_host, visit_date from raw.site_days where visit_date = ?", [day]
        ).fetchall()
    finally:
        con.close()
    return {(site, visit_date) for site, visit_date in rows}


def _file_names(site_days: set[tuple[str, date]]) -> list[str]:
    return [layout.file_name(site, day) for site, day in site_days]
