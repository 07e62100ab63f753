"""The layout module: names, value formats and the CSV text of a published file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ingest import layout


def test_render_quotes_only_fields_that_need_it():
    text = layout.render([["a", "b;c", 'd"e', "f\rg", "h\ni", "", "x"]])

    assert text == layout.HEADER + '\na;"b;c";"d""e";"f\rg";"h\ni";;x\n'


def test_a_file_without_lines_is_its_header():
    assert layout.render([]) == layout.HEADER + "\n"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(Decimal("2.4"), 2, "2,40"), (Decimal("48.25"), 1, "48,3"), (0, 1, "0,0"), (None, 2, "")],
)
def test_decimals_have_a_comma_and_fixed_places(value, places, text):
    assert layout.format_decimal(value, places) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(113, "00:01:53"), (90061, "25:01:01"), (0, "00:00:00")]
)
def test_durations_are_hours_minutes_seconds(seconds, text):
    assert layout.format_duration(seconds) == text


@pytest.mark.parametrize(
    ("name", "site", "day"),
    [
        ("www.gouvernement.fr_2016-07-26.csv", "www.gouvernement.fr", date(2016, 7, 26)),
        ("www.gouvernement.fr.csv", "www.gouvernement.fr", None),
        ("WWW.Exemple.gouv.fr_2024-03-12.CSV", "www.exemple.gouv.fr", date(2024, 3, 12)),
    ],
)
def test_file_names(name, site, day):
    assert layout.parse_file_name(name) == layout.FileName(site, day)


@pytest.mark.parametrize("name", ["notes.txt", "www.exemple.gouv.fr_2024-02-30.csv"])
def test_names_outside_the_layout(name):
    assert layout.parse_file_name(name) is None
