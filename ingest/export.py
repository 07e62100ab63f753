"""Write the published files from the warehouse's ``exports`` schema.

The rows of ``exports.published_lines`` are already the text of each line
(dbt formats and orders them); this module only writes them, one file per
site and day, in the dialect that ``layout`` declares. A file appears whole
or not at all: it is written beside its final name, then moved into place.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from ingest import layout

log = logging.getLogger(__name__)

FETCH_ROWS = 50_000


@dataclass(frozen=True)
class ExportSummary:
    files: int
    lines: int
    out_dir: Path


def export(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    site_days: Iterable[tuple[str, date]] | None = None,
    days: Iterable[date] | None = None,
) -> ExportSummary:
    """Write the files of ``site_days``, or of every site on ``days``, into ``out_dir``.

    With neither, every site-day of the warehouse is written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen_days = sorted(set(days)) if days is not None else None
    where = ""
    parameters: list[object] = []
    if chosen_days is not None:
        where = "where f.visit_date in (select unnest($1))"
        parameters = [chosen_days]
    if site_days is not None:
        chosen = sorted(set(site_days))
        con.execute("create or replace temp table _chosen (site_host varchar, visit_date date)")
        if chosen:
            con.execute(
                "insert into _chosen select unnest($1), unnest($2)",
                [[site for site, _ in chosen], [day for _, day in chosen]],
            )
        where = (
            "where (f.site_host, f.visit_date) in (select (site_host, visit_date) from _chosen)"
        )

    columns = ", ".join(f'l."{name}"' for name in layout.COLUMN_NAMES)
    cursor = con.execute(
        f"""
        select f.file_name, l.line_number, {columns}
        from exports.published_files as f
        left join exports.published_lines as l
            on f.site_host = l.site_host and f.visit_date = l.visit_date
        {where}
        order by f.site_host, f.visit_date, l.line_number
    """,
        parameters,
    )

    files = lines = 0
    for name, rows in _group_by_file(cursor):
        _write_atomically(out_dir / name, rows)
        files += 1
        lines += len(rows)
    if files == 0 and chosen_days is not None:
        shown = ", ".join(day.isoformat() for day in chosen_days)
        log.warning("the warehouse holds no site on %s: nothing to export", shown)
    log.info("exported %d file(s), %d line(s) to %s", files, lines, out_dir)
    return ExportSummary(files=files, lines=lines, out_dir=out_dir)


def _group_by_file(
    cursor: duckdb.DuckDBPyConnection,
) -> Iterator[tuple[str, list[tuple[str, ...]]]]:
    current: str | None = None
    rows: list[tuple[str, ...]] = []
    while batch := cursor.fetchmany(FETCH_ROWS):
        for name, line_number, *values in batch:
            if name != current:
                if current is not None:
                    yield current, rows
                current, rows = name, []
            if line_number is not None:
                rows.append(tuple("" if value is None else value for value in values))
    if current is not None:
        yield current, rows


def _write_atomically(path: Path, rows: list[tuple[str, ...]]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(layout.render(rows).encode(layout.ENCODING))
    os.replace(partial, path)
