"""The published layout of the daily audience extracts, declared once.

Everything that says what a published file looks like lives here: the
columns and what fills them, the line kinds and their order, the labels of
sources and devices, the file names, the CSV dialect and how values are
written. The reader (``reader.py``), the sample generator (``sample.py``)
and the exporter (``export.py``) all take their layout from this module, so
a change in the real files is a change in this file only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ENCODING = "utf-8"
DELIMITER = ";"
QUOTE = '"'
LINE_END = "\n"
MAX_RANK = 50


@dataclass(frozen=True)
class Column:
    """One column of the published file."""

    name: str
    kind: str  # date, host, line_kind, rank, text, count, decimal, duration
    filled_on: frozenset[str]
    places: int = 0  # decimals written, for kind "decimal"
    description: str = ""


TOTAL, PAGE, REFERRER, SOURCE, DEVICE = "total", "page", "referent", "source", "appareil"
LINE_KINDS: tuple[str, ...] = (TOTAL, PAGE, REFERRER, SOURCE, DEVICE)
ALL_KINDS = frozenset(LINE_KINDS)

COLUMNS: tuple[Column, ...] = (
    Column("date", "date", ALL_KINDS, description="the day, YYYY-MM-DD, Europe/Paris"),
    Column("site", "host", ALL_KINDS, description="the site's host name, lower case"),
    Column("ligne", "line_kind", ALL_KINDS, description="the kind of line"),
    Column("rang", "rank", frozenset({PAGE, REFERRER}), description="rank 1 to 50"),
    Column(
        "libelle",
        "text",
        frozenset({PAGE, REFERRER, SOURCE, DEVICE}),
        description="page, referring URL, source label or device label",
    ),
    Column("visites", "count", frozenset({TOTAL, REFERRER, SOURCE, DEVICE}), description="visits"),
    Column("visiteurs", "count", frozenset({TOTAL}), description="unique visitors of the day"),
    Column("pages_vues", "count", frozenset({TOTAL, PAGE}), description="page views"),
    Column(
        "pages_par_visite",
        "decimal",
        frozenset({TOTAL}),
        places=2,
        description="page views per visit",
    ),
    Column(
        "taux_rebond", "decimal", frozenset({TOTAL}), places=1, description="bounce rate, percent"
    ),
    Column("temps_par_visite", "duration", frozenset({TOTAL}), description="hh:mm:ss"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
HEADER: str = DELIMITER.join(COLUMN_NAMES)

# Published labels and the codes analysts group by. A label outside these
# lists is real data: it is kept and coded "other".
SOURCE_CODES: dict[str, str] = {
    "Accès direct": "direct",
    "Moteurs de recherche": "search",
    "Sites référents": "referral",
    "Réseaux sociaux": "social",
    "Flux RSS": "rss",
    "Campagnes marketing": "campaign",
    "Autres": "other",
}
DEVICE_CODES: dict[str, str] = {
    "Ordinateur": "desktop",
    "Smartphone": "smartphone",
    "Tablette": "tablet",
    "Autres": "other",
}
REFERRAL_SOURCE_LABEL = "Sites référents"

# Variants of the values a reader accepts (see the layout spec). They are
# regular expressions in the dialect shared by Python and DuckDB.
MISSING_TOKENS: tuple[str, ...] = ("-", "N/A", "n.d.")
_GROUP = "[ \u00a0\u202f]"
VALUE_PATTERNS: dict[str, str] = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "host": r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
    "line_kind": "^(" + "|".join(LINE_KINDS) + ")$",
    "rank": r"^[1-9]\d?$",
    "count": rf"^(\d+|\d{{1,3}}({_GROUP}\d{{3}})+)$",
    "decimal": rf"^(\d+|\d{{1,3}}({_GROUP}\d{{3}})+)([.,]\d+)? ?%?$",
    "duration": r"^(\d+:[0-5]\d:[0-5]\d|\d+)$",
}

FILE_NAME = re.compile(r"^(?P<site>[^_/\\]+?)(_(?P<day>\d{4}-\d{2}-\d{2}))?\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class FileName:
    """What a file's name says: its site and, for a daily file, its day."""

    site: str
    day: date | None


def parse_file_name(name: str) -> FileName | None:
    """Read ``<site>_<YYYY-MM-DD>.csv`` or ``<site>.csv``; None for any other name."""
    match = FILE_NAME.match(name)
    if match is None:
        return None
    day = match.group("day")
    try:
        parsed_day = date.fromisoformat(day) if day else None
    except ValueError:
        return None
    return FileName(site=match.group("site").lower(), day=parsed_day)


def file_name(site: str, day: date) -> str:
    """The name of a site's daily file."""
    return f"{site}_{day.isoformat()}.csv"


def format_count(value: int | None) -> str:
    return "" if value is None else str(value)


def format_decimal(value: Decimal | float | None, places: int) -> str:
    """A decimal with a decimal comma and a fixed number of places."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:.{places}f}".replace(".", ",")


def format_duration(seconds: int | None) -> str:
    """Seconds as ``hh:mm:ss``; hours may pass 24."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def sort_key_by_visits(visits: int, label: str) -> tuple[int, str]:
    """Order of source and device lines: most visits first, then label."""
    return (-visits, label)


def render(rows: Iterable[Sequence[str]]) -> str:
    """The text of a published file: the header, then the rows, already formatted."""
    return LINE_END.join([HEADER, *map(_line, rows)]) + LINE_END


def _line(row: Sequence[str]) -> str:
    line = DELIMITER.join(row)
    if line.count(DELIMITER) == len(row) - 1 and not _SPECIAL.search(line):
        return line  # the common case: no field needs quotes
    return DELIMITER.join(map(_field, row))


def _field(value: str) -> str:
    """RFC 4180: quote a field holding the separator, a quote or a line break."""
    if DELIMITER in value or _SPECIAL.search(value):
        return QUOTE + value.replace(QUOTE, QUOTE + QUOTE) + QUOTE
    return value


_SPECIAL = re.compile('["\r\n]')


def write_file(path: Path, rows: Iterable[Sequence[str]]) -> None:
    """Write one published file, in UTF-8 without BOM and LF line ends."""
    path.write_bytes(render(rows).encode(ENCODING))
