"""Look at one extract file before it is loaded: checksum, encoding, dialect.

The bulk of the reading is done by DuckDB (``landing.py``); this module only
reads each file's bytes once to checksum it and to decide how DuckDB must
read it: which separator, how many lines to skip, whether it must first be
turned into UTF-8. A file this module cannot make sense of is refused here,
with the line and the rule.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest import layout

BOM = b"\xef\xbb\xbf"
SEPARATORS = (";", ",")


class RefusedFile(Exception):
    """A file that breaks the layout: nothing of it is loaded."""

    def __init__(self, path: Path, line: int | None, rule: str) -> None:
        self.path = path
        self.line = line
        self.rule = rule
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {rule}")


@dataclass(frozen=True)
class Inspected:
    """What a first look at a file found out."""

    path: Path
    sha256: str
    size_bytes: int
    delimiter: str
    skip_lines: int  # lines before the header (a "sep=" hint)
    encoding: str  # "utf-8" or "cp1252"
    text: str | None  # the decoded text when it is not UTF-8 as it stands
    site: str | None  # from the file's name
    day: date | None  # from the file's name, for a daily file
    has_lines: bool
    # A quoted field may hold a line break, which makes a record span lines.
    has_quotes: bool = True


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inspect(path: Path) -> Inspected:
    """Read a file's bytes once and decide how to load it, or refuse it."""
    data = path.read_bytes()
    digest = checksum(data)
    name = layout.parse_file_name(path.name)
    body = data[len(BOM) :] if data.startswith(BOM) else data

    try:
        text = body.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            text = body.decode("cp1252")
        except UnicodeDecodeError as error:
            line = body[: error.start].count(b"\n") + 1
            raise RefusedFile(path, line, "text is neither UTF-8 nor Windows-1252") from None
        encoding = "cp1252"

    # Only the first lines are split off: the rest is DuckDB's to read.
    first, _, after_first = text.partition("\n")
    skip = 0
    delimiter = None
    if first.lower().startswith("sep="):
        hint = first.rstrip("\r")[4:]
        if hint not in SEPARATORS:
            raise RefusedFile(
                path, 1, f"separator hint {first.rstrip()!r} names no accepted separator"
            )
        delimiter, skip = hint, 1
        header, _, rest = after_first.partition("\n")
    else:
        header, rest = first, after_first

    header = header.strip()
    if not header:
        raise RefusedFile(path, skip + 1, "the file has no header line")
    delimiter = delimiter or _header_delimiter(header)
    if delimiter is None or header.split(delimiter) != list(layout.COLUMN_NAMES):
        raise RefusedFile(
            path, skip + 1, f"header is not the published one ({layout.HEADER!r} expected)"
        )

    blank = _blank_line(text, delimiter)
    if blank is not None:
        raise RefusedFile(path, blank, "the line is empty (blank lines may only end a file)")
    extra = _extra_fields(rest, delimiter, first_line=skip + 2)
    if extra is not None:
        line, fields = extra
        rule = f"the line has {fields} fields where the layout has {len(layout.COLUMN_NAMES)}"
        raise RefusedFile(path, line, rule)
    has_lines = bool(rest) and not rest.isspace()
    if (name is None or name.day is None) and not has_lines:
        raise RefusedFile(path, None, "an empty file must be named <site>_<YYYY-MM-DD>.csv")
    return Inspected(
        path=path,
        sha256=digest,
        size_bytes=len(data),
        delimiter=delimiter,
        skip_lines=skip,
        encoding=encoding,
        text=text if encoding != "utf-8" else None,
        site=name.site if name else None,
        day=name.day if name else None,
        has_lines=has_lines,
        has_quotes=b'"' in data,
    )


def _blank_line(text: str, delimiter: str) -> int | None:
    """The first blank line before the end of the file, outside quoted fields."""
    end = len(text)
    while end and text[end - 1] in "\r\n":
        end -= 1
    if text.find("\n\n", 0, end) < 0 and text.find("\n\r\n", 0, end) < 0:
        return None  # the common case, without parsing the file in Python
    rows = csv.reader(io.StringIO(text[:end], newline=""), delimiter=delimiter)
    for row in rows:
        if not row:
            return rows.line_num
    return None


_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _extra_fields(records: str, delimiter: str, first_line: int) -> tuple[int, int] | None:
    """The first record with more fields than the layout, as (line, fields), or None.

    DuckDB's reader drops empty fields at the end of a line, so a line with
    one separator too many would pass it: the separators are counted here. A
    line with too few fields DuckDB refuses itself.
    """
    unquoted = _QUOTED.sub("", records) if '"' in records else records
    lines = unquoted.rstrip("\r\n").count("\n") + 1 if unquoted.strip() else 0
    separators_per_line = len(layout.COLUMN_NAMES) - 1
    if unquoted.count(delimiter) <= separators_per_line * lines:
        return None  # the common case, without parsing the file in Python
    rows = csv.reader(io.StringIO(records, newline=""), delimiter=delimiter)
    start = first_line
    for row in rows:
        if len(row) > len(layout.COLUMN_NAMES):
            return start, len(row)
        start = first_line + rows.line_num
    return None


def _header_delimiter(header: str) -> str | None:
    for candidate in SEPARATORS:
        if header.split(candidate) == list(layout.COLUMN_NAMES):
            return candidate
    return None
