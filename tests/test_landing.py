"""The loader: what lands in raw, what is refused, and what a second load changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest import landing, layout

DAY = date(2024, 3, 12)
SITE = "www.exemple.gouv.fr"

TOTAL = "2024-03-12;www.exemple.gouv.fr;total;;;1520;1310;3648;2,40;48,3;00:01:53"
LINES = [
    TOTAL,
    "2024-03-12;www.exemple.gouv.fr;page;1;https://www.exemple.gouv.fr/;;;910;;;",
    '2024-03-12;www.exemple.gouv.fr;page;2;"Actualités\nCommuniqués";;;402;;;',
    "2024-03-12;www.exemple.gouv.fr;referent;1;https://www.service-public.fr/;212;;;;;",
    "2024-03-12;www.exemple.gouv.fr;source;;Moteurs de recherche;801;;;;;",
    "2024-03-12;www.exemple.gouv.fr;source;;Accès direct;433;;;;;",
    "2024-03-12;www.exemple.gouv.fr;source;;Sites référents;286;;;;;",
    "2024-03-12;www.exemple.gouv.fr;appareil;;Smartphone;842;;;;;",
    "2024-03-12;www.exemple.gouv.fr;appareil;;Ordinateur;678;;;;;",
]


def write(folder: Path, lines: list[str], name: str = f"{SITE}_2024-03-12.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([layout.HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def raw_lines(con) -> list[tuple]:
    return con.execute(
        "select source_line, ligne, rang, libelle, visites from raw.audience_lines"
        " order by source_line"
    ).fetchall()


def test_lands_every_line_with_its_file_and_line_number(con, tmp_path):
    path = write(tmp_path, LINES)

    summary = landing.load_paths(con, [tmp_path])

    assert (summary.loaded, summary.lines, summary.refused) == (1, 9, [])
    assert summary.site_days == {(SITE, DAY)}
    rows = raw_lines(con)
    # The label with a line break spans lines 4 and 5, so the referrer is on line 6.
    assert [row[0] for row in rows] == [2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert rows[2][3] == "Actualités\nCommuniqués"
    lineage = con.execute(
        "select distinct source_file, file_sha256 from raw.audience_lines"
    ).fetchall()
    assert lineage == [(str(path), landing.reader.checksum(path.read_bytes()))]


def test_the_same_file_twice_changes_nothing(con, tmp_path):
    write(tmp_path, LINES)
    landing.load_paths(con, [tmp_path])

    again = landing.load_paths(con, [tmp_path])

    assert (again.loaded, again.unchanged, again.lines) == (0, 1, 0)
    assert again.unchanged_site_days == {(SITE, DAY)}
    assert con.execute("select count(*) from raw.audience_lines").fetchone() == (9,)
    statuses = con.execute("select status from raw.file_ledger order by seen_at").fetchall()
    assert statuses == [("loaded",), ("unchanged",)]


def test_a_newer_file_replaces_the_site_day_whole(con, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write(first, LINES)
    write(second, [TOTAL.replace("1520", "1600"), LINES[1]])
    landing.load_paths(con, [first])

    summary = landing.load_paths(con, [second])

    assert (summary.replaced, summary.loaded) == (1, 0)
    assert con.execute("select ligne, visites from raw.audience_lines order by 1").fetchall() == [
        ("page", None),
        ("total", "1600"),
    ]
    assert con.execute("select line_count from raw.site_days").fetchall() == [(2,)]


def test_a_header_only_file_is_a_day_without_traffic(con, tmp_path):
    write(tmp_path, [])

    summary = landing.load_paths(con, [tmp_path])

    assert summary.site_days == {(SITE, DAY)}
    assert con.execute(
        "select site_host, visit_date, line_count from raw.site_days"
    ).fetchall() == [(SITE, DAY, 0)]


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (
            "2024-03-12;www.exemple.gouv.fr;referent;1;https://x.fr/;21a;;;;;",
            "column visites: 21a is not a valid count",
        ),
        (
            "2024-03-12;www.exemple.gouv.fr;visite;1;https://x.fr/;21;;;;;",
            "ligne visite is not one of total, page, referent, source, appareil",
        ),
        (
            "2024-03-12;www.exemple.gouv.fr;page;;https://x.fr/;;;21;;;",
            "column rang is empty on a page line",
        ),
        (
            "2024-03-12;www.exemple.gouv.fr;page;1;https://x.fr/;5;;21;;;",
            "column visites must be empty on a page line",
        ),
        (
            "2024-03-12;www.autre.gouv.fr;page;1;https://x.fr/;;;21;;;",
            "site www.autre.gouv.fr is not the site of the file name (www.exemple.gouv.fr)",
        ),
        (
            "2024-03-13;www.exemple.gouv.fr;page;1;https://x.fr/;;;21;;;",
            "date 2024-03-13 is not the day of the file name (2024-03-12)",
        ),
        (
            "2024-03-12;www.exemple.gouv.fr;page;1;https://x.fr/;;;21;;",
            "the line has 10 fields where the layout has 11",
        ),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_line_and_rule(con, tmp_path, line, rule):
    bad = tmp_path / "bad"
    bad.mkdir()
    path = write(bad, [*LINES[:4], line, *LINES[4:]])
    good = write(tmp_path, LINES, name="www.autre.gouv.fr_2024-03-12.csv")
    good.write_text(good.read_text().replace(SITE, "www.autre.gouv.fr"))

    summary = landing.load_paths(con, [bad, good])

    assert len(summary.refused) == 1
    refusal = summary.refused[0]
    assert (refusal.path, refusal.line) == (path, 7)
    assert rule in refusal.rule
    assert con.execute("select distinct site from raw.audience_lines").fetchall() == [
        ("www.autre.gouv.fr",)
    ]
    ledger = con.execute(
        "select status, error_line, error_message from raw.file_ledger where file_path = ?",
        [str(path)],
    ).fetchall()
    assert ledger == [("refused", 7, refusal.rule)]


def test_header_only_files_of_two_days_are_two_files(con, tmp_path):
    # Their bytes are the same (the header alone); their names tell them apart.
    write(tmp_path, [])
    write(tmp_path, [], name=f"{SITE}_2024-03-13.csv")

    summary = landing.load_paths(con, [tmp_path])
    again = landing.load_paths(con, [tmp_path])

    assert (summary.loaded, summary.unchanged) == (2, 0)
    assert (again.loaded, again.unchanged) == (0, 2)
    assert again.unchanged_site_days == {(SITE, DAY), (SITE, date(2024, 3, 13))}
    assert con.execute("select count(*) from raw.site_days").fetchone() == (2,)
