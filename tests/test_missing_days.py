"""Days without a file are listed per site, and a warning names each of them."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from ingest import layout
from tests.conftest import SampleRun


def _days_without_file(run: SampleRun) -> set[tuple[str, date]]:
    days: dict[str, set[date]] = {}
    for path in run.sample_dir.glob("*.csv"):
        name = layout.parse_file_name(path.name)
        assert name is not None and name.day is not None
        days.setdefault(name.site, set()).add(name.day)
    missing = set()
    for site, present in days.items():
        day = min(present)
        while day < max(present):
            if day not in present:
                missing.add((site, day))
            day += timedelta(days=1)
    return missing


def test_the_missing_site_days_are_those_without_a_file(sample_run: SampleRun) -> None:
    expected = _days_without_file(sample_run)
    assert len(expected) == 4  # the sample leaves out 4 site-days
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        rows = con.execute(
            "select site_host, visit_date from marts.fct_missing_site_days"
        ).fetchall()
        without_traffic = con.execute(
            "select count(*) from marts.fct_site_visits_daily where not has_traffic"
        ).fetchone()
    assert set(rows) == expected
    assert without_traffic == (4,)  # header-only days are kept, and are not missing


def test_the_run_warns_with_each_missing_site_day(sample_run: SampleRun) -> None:
    output = " ".join(sample_run.output.split())
    assert "warn site_days_missing: 4 row(s)" in output
    for site, day in _days_without_file(sample_run):
        assert f"site_host={site}, visit_date={day}, rule=site_day_missing" in output
