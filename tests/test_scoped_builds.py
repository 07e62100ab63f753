"""The daily builds test what they loaded; a full build tests everything.

A scoped build (``statgouv run``) tests the rows loaded since the last build
whose tests all passed: a new broken day fails it, an old day is not looked
at again, and after a failure the next scoped build tests those rows again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest import landing, layout, transform
from tests.conftest import write_daily_files

FIRST = date(2024, 3, 1)
NEW_DAY = date(2024, 3, 5)
SITE = "site000.exemple.gouv.fr"


def load(warehouse: Path, folder: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        landing.load_paths(con, [folder])
    finally:
        con.close()


def sum_failures(built: transform.BuildSummary) -> list[tuple[str, str, str]]:
    """The failing rows of the test that sources add up to the day's visits."""
    (problem,) = [p for p in built.problems if p.name == "sources_sum_to_total"]
    return sorted(
        (str(r["site_host"]), str(r["visit_date"]), str(r["rule"])) for r in problem.rows
    )


def write_day(folder: Path, day: date, search_visits: int) -> None:
    """A day of SITE whose search engines bring ``search_visits`` (801 adds up)."""
    write_daily_files(folder, sites=1, days=1, start=day)
    path = folder / layout.file_name(SITE, day)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(";801;", f";{search_visits};"), encoding="utf-8")


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, transform.BuildSummary]:
    work = tmp_path_factory.mktemp("scoped")
    warehouse = work / "warehouse.duckdb"
    write_daily_files(work / "first", sites=2, days=4, start=FIRST)
    load(warehouse, work / "first")
    done = {"first": transform.build(warehouse, scoped=True)}

    # An old day of the marts goes wrong behind the builds' back.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.fct_source_visits_daily set visits = visits + 1"
            " where visit_date = ? and source = 'search'",
            [FIRST],
        )

    write_day(work / "broken", NEW_DAY, search_visits=800)
    load(warehouse, work / "broken")
    done["broken new day"] = transform.build(warehouse, scoped=True)

    write_day(work / "corrected", NEW_DAY, search_visits=801)
    load(warehouse, work / "corrected")
    done["corrected"] = transform.build(warehouse, scoped=True)
    done["full"] = transform.build(warehouse)
    return done


def test_the_first_build_passes(builds):
    assert builds["first"].ok, builds["first"].problems


def test_a_broken_new_day_fails_the_daily_build_and_only_that_day_is_named(builds):
    built = builds["broken new day"]
    assert not built.ok
    # The old day changed behind its back is not looked at again.
    assert sum_failures(built) == [(SITE, NEW_DAY.isoformat(), "sources_sum_to_total")]


def test_after_a_failure_the_corrected_day_is_tested_again_and_passes(builds):
    assert builds["corrected"].ok, [p.name for p in builds["corrected"].problems]


def test_a_full_build_tests_every_day(builds):
    built = builds["full"]
    assert not built.ok
    expected = [
        (f"site00{n}.exemple.gouv.fr", FIRST.isoformat(), "sources_sum_to_total") for n in (0, 1)
    ]
    assert sum_failures(built) == expected
