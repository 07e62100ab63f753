"""The loader: what lands in raw, what is refused, and what a second load changes."""

from __future__ import annotations

import csv
import io
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
        (
            # Empty fields at the end of a line, which DuckDB's reader would drop.
            "2024-03-12;www.exemple.gouv.fr;page;1;https://x.fr/;;;21;;;;",
            "the line has 12 fields where the layout has 11",
        ),
        (
            '2024-03-12;www.exemple.gouv.fr;page;1;"https://x.fr/?q=a;b";;;21;;;;;',
            "the line has 13 fields where the layout has 11",
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


def record_lines(text: str, delimiter: str = ";") -> list[int]:
    """The line each record of a file starts on, read apart with the csv module."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, end = [], 0
    for _ in rows:
        starts.append(end + 1)
        end = rows.line_num
    return starts[1:]  # after the header


def test_line_numbers_hold_in_a_batch_of_mixed_files(con, tmp_path):
    # Files of two dialects, quoted breaks in some: each record keeps its own line.
    texts = {
        "www.a.gouv.fr_2024-03-12.csv": "\n".join([layout.HEADER, *LINES]) + "\n",
        "www.b.gouv.fr_2024-03-12.csv": "\n".join(
            [layout.HEADER, LINES[0], '2024-03-12;www.b.gouv.fr;page;1;"a ""b"" c";;;9;;;']
        )
        + "\n",
        "www.c.gouv.fr_2024-03-12.csv": "sep=;\n"
        + "\n".join([layout.HEADER, *LINES[:3], LINES[2].replace("page;2", "page;3")])
        + "\n",
        "www.d.gouv.fr_2024-03-12.csv": "\n".join([layout.HEADER, *LINES[:2], *LINES[3:]]) + "\n",
    }
    for name, text in texts.items():
        site = name.split("_")[0]
        (tmp_path / name).write_text(text.replace(SITE, site), encoding="utf-8")

    summary = landing.load_paths(con, [tmp_path])

    assert (summary.loaded, summary.refused) == (4, [])
    for name, text in texts.items():
        landed = con.execute(
            "select source_line from raw.audience_lines where source_file = ? order by 1",
            [str(tmp_path / name)],
        ).fetchall()
        body = text.split("\n", 1)[1] if text.startswith("sep=") else text
        skipped = 1 if text.startswith("sep=") else 0
        assert [line for (line,) in landed] == [n + skipped for n in record_lines(body)], name
    # After the hint, the header and two lines, the break of page 2 puts page 3 on line 7.
    assert con.execute(
        "select max(source_line) from raw.audience_lines where site = 'www.c.gouv.fr'"
    ).fetchone() == (7,)


def test_within_a_batch_the_later_file_of_a_day_wins(con, tmp_path):
    # A daily file, then a file of the whole site that holds the same day and the next.
    (tmp_path / "a").mkdir()
    daily = write(tmp_path / "a", LINES)
    next_day = [line.replace("2024-03-12", "2024-03-13") for line in LINES]
    several = tmp_path / "b" / f"{SITE}.csv"
    several.parent.mkdir()
    several.write_text(
        "\n".join([layout.HEADER, TOTAL.replace("1520", "1700"), *next_day]) + "\n",
        encoding="utf-8",
    )

    summary = landing.load_paths(con, [tmp_path / "a", tmp_path / "b"])

    assert summary.site_days == {(SITE, DAY), (SITE, date(2024, 3, 13))}
    days = con.execute(
        "select visit_date, line_count, source_file from raw.site_days order by 1"
    ).fetchall()
    assert days == [(DAY, 1, str(several)), (date(2024, 3, 13), 9, str(several))]
    assert con.execute(
        "select count(*) from raw.audience_lines where source_file = ?", [str(daily)]
    ).fetchone() == (0,)
    assert con.execute(
        "select visites from raw.audience_lines where ligne = 'total' and \"date\" = '2024-03-12'"
    ).fetchall() == [("1700",)]
