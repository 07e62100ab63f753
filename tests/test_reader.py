"""A first look at each file: which dialect it is written in, or why it is refused."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingest import landing, layout, reader

ROW = "2024-03-12;www.exemple.gouv.fr;source;;Accès direct;1 520;;;;;"


def test_canonical_file(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_text(f"{layout.HEADER}\n{ROW}\n", encoding="utf-8")

    seen = reader.inspect(path)

    assert (seen.delimiter, seen.skip_lines, seen.encoding, seen.text) == (";", 0, "utf-8", None)
    assert (seen.site, seen.day, seen.has_lines) == (
        "www.exemple.gouv.fr",
        date(2024, 3, 12),
        True,
    )
    assert seen.sha256 == reader.checksum(path.read_bytes())


@pytest.mark.parametrize(
    ("content", "delimiter", "skip", "encoding"),
    [
        ("\ufeff" + layout.HEADER + "\r\n" + ROW + "\r\n", ";", 0, "utf-8"),
        ("sep=;\n" + layout.HEADER + "\n" + ROW + "\n", ";", 1, "utf-8"),
        ("sep=,\n" + layout.HEADER.replace(";", ",") + "\n", ",", 1, "utf-8"),
        (layout.HEADER.replace(";", ",") + "\n" + ROW.replace(";", ",") + "\n", ",", 0, "utf-8"),
    ],
)
def test_accepted_dialects(tmp_path, content, delimiter, skip, encoding):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_bytes(content.encode("utf-8"))

    seen = reader.inspect(path)

    assert (seen.delimiter, seen.skip_lines, seen.encoding) == (delimiter, skip, encoding)


def test_windows_1252_text_is_decoded(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_bytes(f"{layout.HEADER}\r\n{ROW}\r\n".encode("cp1252"))

    seen = reader.inspect(path)

    assert seen.encoding == "cp1252"
    assert seen.text is not None and "Accès direct" in seen.text


def test_windows_1252_file_lands_as_utf8_text(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_bytes(f"{layout.HEADER}\r\n{ROW}\r\n".encode("cp1252"))
    con = duckdb.connect()

    summary = landing.load_paths(con, [path])

    assert summary.refused == []
    assert con.execute(
        "select libelle, visites, source_line from raw.audience_lines"
    ).fetchall() == [("Accès direct", "1 520", 2)]


@pytest.mark.parametrize(
    ("content", "line", "rule"),
    [
        (b"", 1, "no header line"),
        (b"date;site\n", 1, "header is not the published one"),
        (b"sep=|\n", 1, "names no accepted separator"),
        (layout.HEADER.encode() + b"\n\x81\x8d\n", 2, "neither UTF-8 nor Windows-1252"),
    ],
)
def test_refused_files_name_the_line_and_rule(tmp_path, content, line, rule):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_bytes(content)

    with pytest.raises(reader.RefusedFile) as refused:
        reader.inspect(path)

    assert refused.value.line == line
    assert rule in refused.value.rule
    assert str(path) in str(refused.value)


def test_an_empty_file_needs_a_daily_name(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr.csv"
    path.write_text(layout.HEADER + "\n", encoding="utf-8")

    with pytest.raises(reader.RefusedFile, match="must be named"):
        reader.inspect(path)


def test_a_blank_line_inside_a_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    label = '"two\n\nparagraphs"'  # a blank line inside quotes is part of a label
    row = f"2024-03-12;www.exemple.gouv.fr;page;1;{label};;;910;;;"
    path.write_text(f"{layout.HEADER}\n{row}\n\n{ROW}\n", encoding="utf-8")

    with pytest.raises(reader.RefusedFile) as refused:
        reader.inspect(path)

    assert (refused.value.line, refused.value.rule) == (
        5,
        "the line is empty (blank lines may only end a file)",
    )


def test_blank_lines_at_the_end_are_allowed(tmp_path):
    path = tmp_path / "www.exemple.gouv.fr_2024-03-12.csv"
    path.write_text(f"{layout.HEADER}\n{ROW}\n\n\r\n", encoding="utf-8")

    assert reader.inspect(path).has_lines
