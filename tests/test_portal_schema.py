"""The Table Schema of the published layout, and the checks made before publishing."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from ingest import layout
from ingest.publish import DIALECT_PATH, SCHEMA_PATH, names_site, stored_name, validate

CASES = Path("/work/shared/cases")
CASE_NAME = "www.exemple.gouv.fr_2024-03-12.csv"
VALID_CASES = {
    "01-canonical",
    "05-header-only",
    "07-quoted-newline-in-label",
    "08-formula-in-label",
}


def test_the_schema_has_the_layout_columns_in_order() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    fields = {field["name"]: field for field in schema["fields"]}

    assert tuple(fields) == layout.COLUMN_NAMES
    assert fields["ligne"]["constraints"]["enum"] == list(layout.LINE_KINDS)
    assert fields["rang"]["constraints"] == {"minimum": 1, "maximum": layout.MAX_RANK}
    assert "^" + fields["site"]["constraints"]["pattern"] + "$" == layout.VALUE_PATTERNS["host"]
    assert fields["date"]["type"] == "date"
    for column in layout.COLUMNS:
        if column.kind == "count":
            assert fields[column.name]["type"] == "integer"
        if column.kind == "decimal":
            pattern = fields[column.name]["constraints"]["pattern"]
            assert pattern.endswith(rf",\d{{{column.places}}}") or r",\d)" in pattern


def test_the_dialect_is_the_layout_dialect() -> None:
    dialect = json.loads(DIALECT_PATH.read_text())

    assert dialect["delimiter"] == layout.DELIMITER
    assert dialect["quoteChar"] == layout.QUOTE
    assert dialect["lineTerminator"] == layout.LINE_END


@pytest.mark.skipif(not CASES.is_dir(), reason="the shared layout cases are not on this machine")
def test_exports_must_be_in_the_canonical_layout(tmp_path: Path) -> None:
    outcomes = {}
    for case in sorted(CASES.iterdir()):
        source = case / CASE_NAME
        if source.is_file():
            copy = tmp_path / case.name / CASE_NAME
            copy.parent.mkdir()
            shutil.copy(source, copy)
            outcomes[case.name] = validate([copy]) == []

    assert {name for name, valid in outcomes.items() if valid} == VALID_CASES


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def canonical(site: str = "www.exemple.gouv.fr", day: date = date(2024, 3, 12)) -> str:
    row = [day.isoformat(), site]
    return layout.render(
        [
            [*row, "total", "", "", "10", "9", "27", "2,70", "40,0", "00:01:00"],
            [*row, "source", "", "Autres", "10", "", "", "", "", ""],
        ]
    )


def test_a_valid_file_has_no_problem(tmp_path: Path) -> None:
    assert validate([write(tmp_path / CASE_NAME, canonical())]) == []


def test_lines_of_another_site_or_day_than_the_name_are_problems(tmp_path: Path) -> None:
    path = write(tmp_path / CASE_NAME, canonical("www.autre.gouv.fr", date(2024, 3, 13)))

    problems = [str(problem) for problem in validate([path])]

    assert (
        f"{CASE_NAME}: line 2: its site www.autre.gouv.fr is not www.exemple.gouv.fr"
        in (problems[0])
    )
    assert any("its date 2024-03-13 is not 2024-03-12" in problem for problem in problems)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("notes.txt", "x", "the name is not"),
        (CASE_NAME, "\ufeff" + canonical(), "byte order mark"),
        (CASE_NAME, canonical().replace("\n", "\r\n"), "CR characters"),
        (CASE_NAME, canonical().replace(";27;", ";vingt-sept;"), "line 2, column pages_vues"),
        (CASE_NAME, canonical().replace("total", "totaux"), "line 2, column ligne"),
        (CASE_NAME, canonical().replace("date;", "jour;"), "column date"),
    ],
)
def test_problems_name_the_file_line_and_column(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    problems = validate([write(tmp_path / name, text)])

    assert problems and expected in str(problems[0])
    assert str(problems[0]).startswith(name)


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("www.gouvernement.fr", True),
        ("Audience de www.gouvernement.fr", True),
        ("Audience (www.gouvernement.fr)", True),
        ("WWW.Gouvernement.FR", True),
        ("www.gouvernement.fr.example.org", False),
        ("extranet.www.gouvernement.fr", False),
        ("www.gouvernement.fr-archives", False),
    ],
)
def test_a_dataset_belongs_to_the_site_its_title_names(title: str, named: bool) -> None:
    assert names_site(title, "www.gouvernement.fr") is named


def test_the_stored_name_is_udata_s_slug_of_the_file_name() -> None:
    assert (
        stored_name("www.gouvernement.fr_2016-07-26.csv") == "www.gouvernement.fr-2016-07-26.csv"
    )
