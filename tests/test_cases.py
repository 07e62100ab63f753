"""Every shared case, and every variant the layout accepts, through the loader and dbt.

Each case is one day of the same site; here each lands on a day of its own
(the file's day is rewritten) so that one warehouse and one dbt build hold
them all. The expected figures are those of ``cases/EXPECTED.json``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest import landing, layout, transform
from tests.conftest import ROOT

CASES = Path(os.environ.get("STATGOUV_CASES", ROOT.parent / "shared" / "cases"))
SITE = "www.exemple.gouv.fr"
CASE_DAY = "2024-03-12"
CANONICAL = CASES / "01-canonical" / f"{SITE}_{CASE_DAY}.csv"
FIGURES = {
    "visits": 1520,
    "visitors": 1310,
    "page_views": 3648,
    "pages_per_visit": 2.4,
    "bounce_rate_pct": 48.3,
    "time_per_visit_seconds": 113,
}

pytestmark = pytest.mark.skipif(
    not CASES.is_dir(), reason=f"the shared cases are not at {CASES} (set STATGOUV_CASES)"
)


def expected_cases() -> list[dict]:
    return json.loads((CASES / "EXPECTED.json").read_text(encoding="utf-8"))


def canonical_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(CANONICAL.read_text(encoding="utf-8")), delimiter=";"))


def with_comma_separator() -> bytes:
    rows = [[value.replace(",", ".") for value in row] for row in canonical_rows()]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",", lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def canonical_text() -> str:
    return CANONICAL.read_text(encoding="utf-8")


# Variants the layout accepts that no shared case shows, each with the figures
# it must give (the canonical ones unless said otherwise).
VARIANTS: dict[str, tuple[bytes, dict]] = {
    "comma-separator": (with_comma_separator(), {}),
    "windows-1252-crlf": (canonical_text().replace("\n", "\r\n").encode("cp1252"), {}),
    "percent-sign": (canonical_text().replace(";48,3;", ";48,3 %;").encode(), {}),
    "narrow-no-break-space": (
        canonical_text().replace(";1310;", ";1\u202f310;").replace(";3648;", ";3 648;").encode(),
        {},
    ),
    "not-available": (
        canonical_text().replace(";1310;", ";N/A;").replace(";00:01:53", ";n.d.").encode(),
        {"visitors": None, "time_per_visit_seconds": None},
    ),
    "hours-past-a-day": (
        canonical_text().replace(";00:01:53", ";26:00:05").encode(),
        {"time_per_visit_seconds": 26 * 3600 + 5},
    ),
    "labels-a-spreadsheet-would-run": (
        canonical_text()
        .replace(";https://www.exemple.gouv.fr/;", ";-12;")
        .replace('"https://www.exemple.gouv.fr/recherche?q=impots;taxes"', "+33 1 40 00 00 00")
        .replace(
            ";https://www.exemple.gouv.fr/actualites/l-actualite-du-ministere;", ";@ministere;"
        )
        .replace(";https://www.service-public.fr/;", ";\thttps://www.service-public.fr/;")
        .replace(
            ";https://fr.wikipedia.org/wiki/Minist%C3%A8re;", ';"\rhttps://fr.wikipedia.org/";'
        )
        .encode(),
        {},
    ),
}
# What the warehouse keeps of those labels, and what the exports write.
SPREADSHEET_LABELS = [
    ("page", "1", "-12", "-12"),
    ("page", "2", "+33 1 40 00 00 00", "'+33 1 40 00 00 00"),
    ("page", "3", "@ministere", "'@ministere"),
    ("referent", "1", "\thttps://www.service-public.fr/", "'\thttps://www.service-public.fr/"),
    ("referent", "2", "\rhttps://fr.wikipedia.org/", "'\rhttps://fr.wikipedia.org/"),
]


def day_of(index: int) -> date:
    return date(2024, 1, 1) + timedelta(days=index)


def on_day(data: bytes, day: date) -> bytes:
    return data.replace(CASE_DAY.encode(), day.isoformat().encode())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, dict[str, date], landing.LoadSummary]:
    """Every case and variant landed by the loader on its own day, then built."""
    work = tmp_path_factory.mktemp("cases")
    files, days = work / "files", {}
    files.mkdir()
    entries = [(e["case"], (CASES / e["file"]).read_bytes()) for e in expected_cases()]
    entries += [(name, data) for name, (data, _) in VARIANTS.items()]
    for index, (name, data) in enumerate(entries):
        days[name] = day_of(index)
        (files / layout.file_name(SITE, days[name])).write_bytes(on_day(data, days[name]))

    # Two days of the site in one file named <site>.csv.
    days["several-days"] = day_of(len(entries))
    two_days = canonical_text().replace(CASE_DAY, days["several-days"].isoformat())
    next_day = days["several-days"] + timedelta(days=1)
    second = canonical_text().replace(CASE_DAY, next_day.isoformat()).split("\n", 1)[1]
    (files / "several").mkdir()
    (files / "several" / f"{SITE}.csv").write_text(two_days + second, encoding="utf-8")

    path = work / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        summary = landing.load_paths(con, [files])
    finally:
        con.close()
    built = transform.run_dbt(path, ["build"])
    assert built.ok, (built.errors, [p.name for p in built.problems])
    return path, days, summary


def figures(path: Path, day: date) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(
            f"select {', '.join(FIGURES)} from marts.fct_site_visits_daily"
            " where site_host = ? and visit_date = ?",
            [SITE, day],
        )
        row = cursor.fetchone()
    finally:
        con.close()
    assert row is not None, f"no row for {day}"
    return {
        name: float(v) if isinstance(v, Decimal) else v
        for name, v in zip(FIGURES, row, strict=True)
    }


def line_count(path: Path, day: date) -> int | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "select line_count from raw.site_days where site_host = ? and visit_date = ?",
            [SITE, day],
        ).fetchone()
    finally:
        con.close()
    return None if row is None else row[0]


@pytest.mark.parametrize("entry", expected_cases(), ids=lambda e: e["case"])
def test_each_shared_case_gives_its_expected_outcome(warehouse, entry):
    path, days, summary = warehouse
    expected, day = entry["expected"], days[entry["case"]]

    if expected["outcome"].startswith("refused"):
        (refusal,) = [r for r in summary.refused if r.path.name == layout.file_name(SITE, day)]
        assert refusal.line == 6
        assert "12 fields where the layout has 11" in refusal.rule
        assert line_count(path, day) is None  # nothing of the file was loaded
        return

    assert line_count(path, day) == expected["lines"]
    if expected["lines"] == 0:
        con = duckdb.connect(str(path), read_only=True)
        try:
            row = con.execute(
                "select has_traffic, visits from marts.fct_site_visits_daily"
                " where site_host = ? and visit_date = ?",
                [SITE, day],
            ).fetchone()
        finally:
            con.close()
        assert row == (False, None)
        return
    assert figures(path, day) == {name: expected[name] for name in FIGURES}


def test_the_refused_case_is_the_only_refusal(warehouse):
    _, _, summary = warehouse
    assert [r.path.name for r in summary.refused] == [layout.file_name(SITE, day_of(9))]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_accepted_variant_gives_the_canonical_figures(warehouse, name):
    path, days, _ = warehouse
    assert figures(path, days[name]) == {**FIGURES, **VARIANTS[name][1]}


def test_several_days_of_a_site_in_one_file(warehouse):
    path, days, _ = warehouse
    first = days["several-days"]
    assert figures(path, first) == FIGURES
    assert figures(path, first + timedelta(days=1)) == FIGURES
    assert line_count(path, first) == line_count(path, first + timedelta(days=1)) == 12


def test_a_formula_in_a_label_is_kept_and_neutralised_in_the_export(warehouse):
    path, days, _ = warehouse
    con = duckdb.connect(str(path), read_only=True)
    try:
        kept = con.execute(
            "select referrer_url from marts.fct_top_referrers_daily"
            " where visit_date = ? and referrer_rank = 2",
            [days["08-formula-in-label"]],
        ).fetchone()
        exported = con.execute(
            "select libelle from exports.published_lines"
            " where visit_date = ? and ligne = 'referent' and rang = '2'",
            [days["08-formula-in-label"]],
        ).fetchone()
    finally:
        con.close()
    assert kept == ('=HYPERLINK("http://x.invalid")',)
    assert exported == ('\'=HYPERLINK("http://x.invalid")',)


def test_labels_a_spreadsheet_would_run_are_quoted_in_the_export_only(warehouse):
    path, days, _ = warehouse
    day = days["labels-a-spreadsheet-would-run"]
    con = duckdb.connect(str(path), read_only=True)
    try:
        kept = con.execute(
            """
            select 'page', cast(page_rank as varchar), page
            from marts.fct_top_pages_daily where visit_date = $day
            union all
            select 'referent', cast(referrer_rank as varchar), referrer_url
            from marts.fct_top_referrers_daily where visit_date = $day
            order by 1, 2
            """,
            {"day": day},
        ).fetchall()
        exported = con.execute(
            "select ligne, rang, libelle from exports.published_lines"
            " where visit_date = ? and ligne in ('page', 'referent') order by 1, 2",
            [day],
        ).fetchall()
    finally:
        con.close()
    assert kept == [(kind, rank, text) for kind, rank, text, _ in SPREADSHEET_LABELS]
    assert exported == [(kind, rank, written) for kind, rank, _, written in SPREADSHEET_LABELS]
