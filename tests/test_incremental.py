"""Incremental builds over a sequence of days give what one full refresh gives.

Two warehouses receive the same files. The first is built after each day's
load, incrementally, and meets what daily runs meet: a new day for every
site, a corrected file for an old day (outside the look-back), a day
replaced by a file with a header alone, a day arriving late. The second is
loaded once and built with ``--full-refresh``. Every incremental table must
then hold the same rows, apart from when they were loaded.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest import landing, layout, sample, transform, warehouse

SITES = 4
DAYS = 12
END = date(2024, 6, 30)
FIRST = END - timedelta(days=DAYS - 1)
# Seeds and the incremental models with what they are made of; dbt's tests run elsewhere.
RUN = [
    "build",
    "--select",
    "+published_files",
    "+agg_top_pages_by_period",
    "+agg_top_referrers_by_period",
    "--exclude",
    "resource_type:test",
    "resource_type:unit_test",
]
INCREMENTAL = [
    "marts.fct_site_visits_daily",
    "marts.fct_device_visits_daily",
    "marts.fct_source_visits_daily",
    "marts.fct_top_pages_daily",
    "marts.fct_top_referrers_daily",
    "exports.published_files",
    "exports.published_lines",
    "marts.agg_top_pages_by_period",
    "marts.agg_top_referrers_by_period",
]


def _load(path: Path, files: list[Path]) -> None:
    con = warehouse.connect(path)
    try:
        summary = landing.load_paths(con, files)
    finally:
        con.close()
    assert not summary.refused


def _build(path: Path, *extra: str) -> None:
    built = transform.run_dbt(path, [*RUN, *extra])
    assert built.ok, built.errors


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema || '.' || table_name = ? and column_name != 'loaded_at'"
                " order by ordinal_position",
                [table],
            ).fetchall()
        ]
        listed = ", ".join(f'"{name}"' for name in columns)
        return con.execute(f"select {listed} from {table} order by all").fetchall()
    finally:
        con.close()


def _header_only(folder: Path, site: str, day: date) -> Path:
    path = folder / layout.file_name(site, day)
    path.write_text(layout.HEADER + "\n", encoding="utf-8")
    return path


def _corrected(source: Path, folder: Path) -> Path:
    """The same file with its first page's views and the total's page views raised."""
    lines = source.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        fields = line.split(";")
        if fields[2] == "page" and fields[3] == "1":
            fields[7] = str(int(fields[7]) + 5)
            lines[index] = ";".join(fields)
            break
    path = folder / source.name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("incremental")
    corpus = work / "corpus"
    sample.generate(
        corpus, sites=SITES, days=DAYS, end=END, header_only_fraction=0, missing_fraction=0
    )
    by_day: dict[date, list[Path]] = {}
    for path in sorted(corpus.glob("*.csv")):
        name = layout.parse_file_name(path.name)
        assert name is not None and name.day is not None
        by_day.setdefault(name.day, []).append(path)
    sites = sorted({layout.parse_file_name(p.name).site for p in corpus.glob("*.csv")})  # type: ignore[union-attr]
    late_site, late_day = sites[1], FIRST + timedelta(days=4)
    late = [p for p in by_day[late_day] if p.name == layout.file_name(late_site, late_day)]
    by_day[late_day] = [p for p in by_day[late_day] if p not in late]

    fixes = work / "fixes"
    fixes.mkdir()
    corrected = _corrected(by_day[FIRST][0], fixes)
    emptied = _header_only(fixes, sites[2], FIRST + timedelta(days=1))

    incremental = work / "incremental.duckdb"
    steps: list[list[Path]] = [
        [p for day in sorted(by_day)[:8] for p in by_day[day]],
        by_day[sorted(by_day)[8]],
        # a day later: the next day, a correction and an emptied day far behind,
        # and a file that arrives four days late
        [*by_day[sorted(by_day)[9]], corrected, emptied, *late],
        [p for day in sorted(by_day)[10:] for p in by_day[day]],
    ]
    for files in steps:
        _load(incremental, files)
        _build(incremental)

    final = work / "final"
    final.mkdir()
    for files in steps:
        for path in files:
            shutil.copyfile(path, final / path.name)
    full = work / "full.duckdb"
    _load(full, sorted(final.glob("*.csv")))
    _build(full, "--full-refresh")
    return incremental, full


@pytest.mark.parametrize("table", INCREMENTAL)
def test_incremental_runs_equal_a_full_refresh(warehouses: tuple[Path, Path], table: str) -> None:
    incremental, full = warehouses
    rows = _rows(full, table)
    assert rows, table
    assert _rows(incremental, table) == rows


def test_the_corrections_reached_the_marts(warehouses: tuple[Path, Path]) -> None:
    incremental, _ = warehouses
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        emptied = con.execute(
            "select count(*) from marts.fct_top_pages_daily"
            " join marts.fct_site_visits_daily using (site_host, visit_date)"
            " where not has_traffic"
        ).fetchone()
        days = con.execute(
            "select count(*), count(distinct visit_date) from marts.fct_site_visits_daily"
        ).fetchone()
    finally:
        con.close()
    assert emptied == (0,)  # the emptied day kept none of its old pages
    assert days == (SITES * DAYS, DAYS)


def _tamper(path: Path, day: date) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "update marts.fct_top_pages_daily set page_views = -1 where visit_date = ?", [day]
        )
    finally:
        con.close()


def _tampered_days(path: Path) -> set[date]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select distinct visit_date from marts.fct_top_pages_daily where page_views = -1"
        ).fetchall()
    finally:
        con.close()
    return {day for (day,) in rows}


def test_an_incremental_run_rebuilds_the_new_days_and_the_look_back_only(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    sample.generate(corpus, sites=2, days=6, end=END, header_only_fraction=0, missing_fraction=0)
    files = sorted(corpus.glob("*.csv"))
    last = [p for p in files if p.name.endswith(f"_{END.isoformat()}.csv")]
    path = tmp_path / "warehouse.duckdb"
    _load(path, [p for p in files if p not in last])
    _build(path)
    # Rows changed behind dbt's back show which days a run rewrites.
    for offset in range(1, 6):
        _tamper(path, END - timedelta(days=offset))

    _load(path, last)
    _build(path, "--vars", "{lookback_days: 1}")

    # The newest day held (END - 1) and one day before it were rebuilt, and
    # the new day added; the three older days were not touched.
    assert _tampered_days(path) == {END - timedelta(days=n) for n in (3, 4, 5)}
    con = duckdb.connect(str(path), read_only=True)
    try:
        added = con.execute(
            "select count(*) from marts.fct_top_pages_daily where visit_date = ?", [END]
        ).fetchone()
    finally:
        con.close()
    assert added is not None and added[0] > 0
