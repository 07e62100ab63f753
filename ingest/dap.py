"""Land the US Digital Analytics Program's agency reports in ``raw``, whole or not at all.

The input is a folder of agency folders (or one agency folder), as the DAP
publishes them for analytics.usa.gov: ``users.csv`` (visits per day),
``devices.csv`` (visits per day and device) and the 30-day reports
``top-pages-30-days.csv`` and ``top-traffic-sources-30-days.csv``, whose
window ends the day before the ``taken_at`` of the JSON report beside them.
The agency is the folder's name; ``live`` is the whole government.

Files are read in bulk by DuckDB as text, checked against each report's
value patterns and landed in one transaction per chunk, as the Stat@Gouv
loader does (``landing.py``): every row keeps its file, line, checksum and
load time; every file gets a line in ``raw.file_ledger`` (input format
``dap``); a file breaking a rule is refused whole with its line and rule. A
file is known by its agency, name and checksum. A newer daily file replaces
the agency's days it holds; a newer 30-day file replaces the agency's window
with the same end. ``sites.csv`` and ``top-domains-30-days.csv`` are not
loaded: they hold figures per domain, which the warehouse does not model.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest import landing, reader
from ingest.landing import LoadSummary, Refusal
from ingest.warehouse import ensure_raw_schema

log = logging.getLogger(__name__)

FORMAT = "dap"
# The DAP's reports count days in US Eastern time; the files do not say so,
# but the newest day of each report is the day before its taken_at there.
REPORT_TIME_ZONE = ZoneInfo("America/New_York")
AGENCY_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IGNORED_FILES = ("sites.csv", "top-domains-30-days.csv")
DEFAULT_DATE_RANGE = {"startDate": "30daysAgo", "endDate": "yesterday"}

# Value patterns, in the regular-expression dialect shared by Python and DuckDB.
PATTERNS: dict[str, str] = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "count": r"\d+",
    "decimal": r"\d+(\.\d+)?([eE][-+]?\d+)?",
    "fraction": r"\d+(\.\d+)?([eE][-+]?\d+)?",
}
KIND_WORDS = {
    "date": "a date (YYYY-MM-DD)",
    "count": "a count (digits only)",
    "decimal": "a decimal number (dot decimals)",
    "fraction": "a decimal number (dot decimals)",
}


@dataclass(frozen=True)
class Report:
    """One report file of an agency folder, and the raw table it lands in."""

    file_name: str
    table: str
    # (name, kind); kinds: date, count, decimal, fraction, label (text that must be there), text
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...] = ()  # columns unique within a file
    is_window: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def header(self) -> str:
        return ",".join(self.column_names)


REPORTS: tuple[Report, ...] = (
    Report(
        "users.csv",
        "dap_daily_visits",
        (("date", "date"), ("visits", "count")),
        key=("date",),
    ),
    Report(
        "devices.csv",
        "dap_device_visits",
        (("date", "date"), ("device", "label"), ("visits", "count")),
        key=("date", "device"),
    ),
    Report(
        "top-pages-30-days.csv",
        "dap_top_pages",
        (
            ("domain", "label"),
            ("page", "label"),
            ("page_title", "text"),
            ("pageviews", "count"),
            ("visits", "count"),
            ("active_visitors", "count"),
            ("pageviews_per_session", "decimal"),
            ("avg_session_duration", "decimal"),
            ("bounce_rate", "fraction"),
        ),
        is_window=True,
    ),
    Report(
        "top-traffic-sources-30-days.csv",
        "dap_top_sources",
        (
            ("source", "label"),
            ("session_default_channel_group", "label"),
            ("visits", "count"),
            ("pageviews", "count"),
            ("users", "count"),
            ("pageviews_per_session", "decimal"),
            ("avg_session_duration", "decimal"),
            ("bounce_rate", "fraction"),
        ),
        is_window=True,
    ),
)
REPORT_BY_NAME = {report.file_name: report for report in REPORTS}
WINDOW_REPORTS = tuple(report for report in REPORTS if report.is_window)

_LINEAGE_DDL = """
    source_file varchar not null,
    source_line integer not null,
    file_sha256 varchar not null,
    loaded_at timestamp with time zone not null
"""
_WINDOW_DDL = """
    report_agency varchar,
    taken_at varchar not null,
    taken_at_file varchar not null,
    window_start_date date not null,
    window_end_date date not null,
"""


def raw_ddl() -> str:
    """The raw tables of the DAP reports: the file's values as text, then lineage."""
    statements = ["create schema if not exists raw;"]
    for report in REPORTS:
        values = "".join(f'    "{name}" varchar,\n' for name in report.column_names)
        window = _WINDOW_DDL if report.is_window else ""
        statements.append(
            f"create table if not exists raw.{report.table} (\n"
            f"    agency varchar not null,\n{values}{window}{_LINEAGE_DDL});"
        )
    return "\n\n".join(statements)


def ensure_dap_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_schema(con)
    con.execute(raw_ddl())


@dataclass(frozen=True)
class Window:
    """The days a 30-day report covers, from the JSON report that dates it."""

    taken_at: str  # as the JSON has it
    start: date
    end: date
    report_agency: str | None  # the JSON's `agency` field; `live`'s has none
    json_path: Path


@dataclass(frozen=True)
class AgencyFile:
    """A report file of an agency folder, looked at and ready to be read."""

    agency: str
    report: Report
    path: Path
    sha256: str
    size_bytes: int
    window: Window | None = None


def _read_report_json(path: Path, csv_text: str) -> Window:
    """The window of the JSON report at ``path``, if it holds the rows of ``csv_text``."""
    name = path.name
    if not path.is_file():
        raise ValueError(f"{name} is missing")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{name} is not a JSON report ({error})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{name} is not a JSON report (no object at its top)")
    taken_text = document.get("taken_at")
    try:
        taken_at = datetime.fromisoformat(str(taken_text))
    except ValueError:
        raise ValueError(f"{name}: taken_at {taken_text!r} is not a time") from None
    if taken_at.tzinfo is None:
        raise ValueError(f"{name}: taken_at {taken_text!r} has no time zone")
    _check_same_rows(name, document.get("data"), csv_text)
    start, end = _date_range(name, document, taken_at)
    agency = document.get("agency")
    return Window(str(taken_text), start, end, None if agency is None else str(agency), path)


def _check_same_rows(name: str, data: object, csv_text: str) -> None:
    """The JSON's rows are the file's rows: then its taken_at dates the file."""
    rows = list(csv.DictReader(io.StringIO(csv_text, newline="")))
    if not isinstance(data, list) or len(data) != len(rows):
        count = len(data) if isinstance(data, list) else 0
        raise ValueError(f"{name} holds {count} row(s), the file {len(rows)}: another report")
    for number, (row, entry) in enumerate(zip(rows, data, strict=True), start=1):
        if not isinstance(entry, dict) or any(str(entry.get(k)) != v for k, v in row.items()):
            raise ValueError(f"{name} differs from the file at data row {number}: another report")


def _date_range(name: str, document: dict, taken_at: datetime) -> tuple[date, date]:
    """The report's first and last day, from its query's date range (GA4 relative dates)."""
    today = taken_at.astimezone(REPORT_TIME_ZONE).date()
    query = document.get("query")
    ranges = query.get("dateRanges") if isinstance(query, dict) else None
    chosen = ranges[0] if isinstance(ranges, list) and ranges else DEFAULT_DATE_RANGE
    days = []
    for field in ("startDate", "endDate"):
        text = str(chosen.get(field, DEFAULT_DATE_RANGE[field]))
        ago = re.fullmatch(r"(\d+)daysAgo", text)
        if text in ("today", "yesterday"):
            days.append(today - timedelta(days=1 if text == "yesterday" else 0))
        elif ago:
            days.append(today - timedelta(days=int(ago.group(1))))
        elif re.fullmatch(PATTERNS["date"], text):
            days.append(date.fromisoformat(text))
        else:
            raise ValueError(f"{name}: date range {field} {text!r} is not understood")
    return days[0], days[1]


def find_agency_files(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """(agency, report file) of every agency folder at ``paths``, in a stable order."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_file():
            found.append((path.resolve().parent.name, path.resolve()))
            continue
        if _is_agency_folder(path):
            folders = [path]
        else:
            folders = sorted(c for c in path.iterdir() if c.is_dir() and _is_agency_folder(c))
        if not folders:
            raise FileNotFoundError(
                f"{path}: no agency folder here (one holding {', '.join(REPORT_BY_NAME)})"
            )
        for folder in folders:
            found.extend((folder.resolve().name, f) for f in _report_files(folder))
    return found


def _is_agency_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for name in (*REPORT_BY_NAME, *IGNORED_FILES))


def _report_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.name in REPORT_BY_NAME:
            yield path.resolve()
        elif path.name in IGNORED_FILES:
            log.debug(
                "not loaded: %s (figures per domain, which the warehouse does not model)", path
            )
        elif path.suffix == ".json" and path.with_suffix(".csv").name in REPORT_BY_NAME:
            continue  # read with its CSV file, for the window's end
        else:
            log.debug("not loaded: %s (not a report this loader reads)", path)


def load_agencies(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    chunk_files: int | None = None,
) -> LoadSummary:
    """Land the reports of every agency folder at ``paths``; each chunk is one transaction."""
    ensure_dap_schema(con)
    chunk_files = chunk_files or landing.chunk_files_setting()
    files = find_agency_files(paths)
    agencies = {agency for agency, _ in files}
    log.info("found %d report file(s) of %d agency folder(s)", len(files), len(agencies))
    summary = LoadSummary()
    chunks = max(1, -(-len(files) // chunk_files))
    for number, start in enumerate(range(0, len(files), chunk_files), start=1):
        done = _load_chunk(con, files[start : start + chunk_files])
        summary.add(done)
        log.info(
            "committed chunk %d of %d: %d file(s) landed, %d unchanged, %d refused",
            number,
            chunks,
            done.loaded + done.replaced,
            done.unchanged,
            len(done.refused),
        )
    return summary


def _load_chunk(con: duckdb.DuckDBPyConnection, files: list[tuple[str, Path]]) -> LoadSummary:
    summary = LoadSummary(files_seen=len(files))
    known = _known_files(con)
    ledger: list[tuple] = []
    readable: list[AgencyFile] = []
    unchanged: list[AgencyFile] = []

    for agency, path in files:
        try:
            inspected = _inspect(agency, path)
        except reader.RefusedFile as refused:
            summary.refused.append(Refusal(path, refused.line, refused.rule))
            ledger.append(_ledger_row(agency, path, None, "refused", refused.line, refused.rule))
            continue
        identity = (agency, path.name, inspected.sha256)
        if identity in known:
            unchanged.append(inspected)
            ledger.append(_ledger_row(agency, path, inspected, "unchanged"))
            continue
        if inspected.report.is_window:
            try:
                inspected = replace(inspected, window=_window(agency, path))
            except reader.RefusedFile as refused:
                summary.refused.append(Refusal(path, refused.line, refused.rule))
                ledger.append(
                    _ledger_row(agency, path, inspected, "refused", refused.line, refused.rule)
                )
                continue
        known.add(identity)
        readable.append(inspected)

    _register_files(con, readable)
    problems: dict[str, tuple[int | None, str]] = {}
    for report in REPORTS:
        members = [f for f in readable if f.report is report]
        _read_bulk(con, report, members)
        problems |= _check(con, report)

    accepted = [f for f in readable if str(f.path) not in problems]
    for refused in (f for f in readable if str(f.path) in problems):
        line, rule = problems[str(refused.path)]
        summary.refused.append(Refusal(refused.path, line, rule))
        ledger.append(_ledger_row(refused.agency, refused.path, refused, "refused", line, rule))

    _land(con, accepted, ledger, summary)
    summary.unchanged = len(unchanged)
    summary.unchanged_site_days |= _days_of(con, unchanged)
    return summary


def _inspect(agency: str, path: Path) -> AgencyFile:
    """Checksum a report file and check what can be seen before reading it in bulk."""
    report = REPORT_BY_NAME[path.name]
    if not AGENCY_NAME.fullmatch(agency):
        raise reader.RefusedFile(
            path, None, f"folder name {agency!r} is not an agency (lower-case words joined by -)"
        )
    data = path.read_bytes()
    body = data[len(reader.BOM) :] if data.startswith(reader.BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise reader.RefusedFile(path, line, "text is not UTF-8") from None
    lines = text.splitlines()
    if not lines:
        raise reader.RefusedFile(path, 1, "the file has no header line")
    if lines[0].strip() != report.header:
        raise reader.RefusedFile(
            path, 1, f"header is not the one of {report.file_name} ({report.header!r} expected)"
        )
    return AgencyFile(agency, report, path, reader.checksum(data), len(data))


def _window(agency: str, path: Path) -> Window:
    """The window of a 30-day file: from the JSON beside it when that JSON holds the file's
    rows; else from the JSON of the folder's other 30-day report, taken in the same run."""
    text = path.read_bytes().decode("utf-8-sig")
    try:
        window = _read_report_json(path.with_suffix(".json"), text)
    except ValueError as problem:
        window = _window_of_other_report(path, str(problem))
    if window.report_agency is not None and window.report_agency != agency:
        raise reader.RefusedFile(
            path,
            None,
            f"{window.json_path.name} names agency {window.report_agency!r},"
            f" not the folder's {agency!r}",
        )
    return window


def _window_of_other_report(path: Path, problem: str) -> Window:
    for report in WINDOW_REPORTS:
        other = path.with_name(report.file_name)
        if other == path or not other.is_file():
            continue
        try:
            other_text = other.read_bytes().decode("utf-8-sig", errors="replace")
            window = _read_report_json(other.with_suffix(".json"), other_text)
        except ValueError:
            continue
        log.warning(
            "%s: the JSON beside it is of another report (%s), so its 30-day window is"
            " dated by %s, taken in the same run (taken_at %s)",
            path,
            problem,
            window.json_path.name,
            window.taken_at,
        )
        return window
    raise reader.RefusedFile(
        path, None, f"{problem}, and no other 30-day report of the folder dates it"
    )


def _known_files(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    """The files already landed, by agency, name and checksum: every agency has the same
    file names."""
    rows = con.execute(
        "select distinct site_host, file_name, file_sha256 from raw.file_ledger"
        " where input_format = $format and status in ('loaded', 'replaced')",
        {"format": FORMAT},
    ).fetchall()
    return {(agency, name, sha256) for agency, name, sha256 in rows}


def _ledger_row(
    agency: str,
    path: Path,
    inspected: AgencyFile | None,
    status: str,
    line: int | None = None,
    error: str | None = None,
) -> tuple:
    if inspected is None:
        data = path.read_bytes() if path.is_file() else b""
        sha256, size = reader.checksum(data), len(data)
    else:
        sha256, size = inspected.sha256, inspected.size_bytes
    return (str(path), path.name, sha256, size, FORMAT, status, line, error, agency)


def _register_files(con: duckdb.DuckDBPyConnection, files: list[AgencyFile]) -> None:
    """The files to read, with their agency, order and window, as a temporary table."""
    con.execute(
        "create or replace temp table _dap_files (file_path varchar, file_order integer,"
        " agency varchar, file_sha256 varchar, report_agency varchar, taken_at varchar,"
        " taken_at_file varchar, window_start_date date, window_end_date date)"
    )
    landing._insert_many(
        con,
        "_dap_files",
        [
            (
                str(f.path),
                order,
                f.agency,
                f.sha256,
                f.window.report_agency if f.window else None,
                f.window.taken_at if f.window else None,
                str(f.window.json_path) if f.window else None,
                f.window.start if f.window else None,
                f.window.end if f.window else None,
            )
            for order, f in enumerate(files)
        ],
    )


def _read_bulk(con: duckdb.DuckDBPyConnection, report: Report, files: list[AgencyFile]) -> None:
    """Read the files' rows as text into ``_dap_<table>``, with their file and line."""
    names = report.column_names
    incoming = f"_dap_{report.table}"
    con.execute(
        f"create or replace temp table {incoming} as select "
        + ", ".join(f'null::varchar as "{name}"' for name in names)
        + ", null::varchar as file_path, null::integer as source_line,"
        " null::varchar as reject_rule limit 0"
    )
    if not files:
        return
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in names)
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    con.execute(
        f"""
        create or replace temp table _dap_read as
        select * from read_csv(
            $paths, columns = {{{columns}}}, delim = ',', quote = '"', escape = '"',
            header = true, filename = true, store_rejects = true, strict_mode = true,
            null_padding = false, auto_detect = false
        )
        """,
        {"paths": [str(f.path) for f in files]},
    )
    # A quoted field may hold line breaks: a row's line is the first line it starts on.
    newlines = " + ".join(
        f"""coalesce(length("{n}") - length(replace("{n}", chr(10), '')), 0)""" for n in names
    )
    quoted = ", ".join(f'"{name}"' for name in names)
    con.execute(f"""
        insert into {incoming}
        with numbered as (
            select
                *,
                rowid - min(rowid) over (partition by filename) as row_index,
                {newlines} as newlines
            from _dap_read
        )
        select
            {quoted},
            filename,
            2 + row_index + coalesce(sum(newlines) over (
                partition by filename order by row_index
                rows between unbounded preceding and 1 preceding
            ), 0),
            null
        from numbered
    """)
    rejects = con.execute("""
        select s.file_path, e.line_byte_position, e.error_type, e.error_message
        from reject_errors as e
        inner join reject_scans as s using (scan_id, file_id)
    """).fetchall()
    for file_path, position, error_type, message in rejects:
        # DuckDB counts records, not lines; the byte position gives the real line.
        line = Path(file_path).read_bytes()[:position].count(b"\n") + 1
        con.execute(
            f"insert into {incoming} (file_path, source_line, reject_rule) values (?, ?, ?)",
            [file_path, line, _reject_rule(report, error_type, message)],
        )


def _reject_rule(report: Report, error_type: str, message: str) -> str:
    found = re.search(r"Found: (\d+)", message)
    if error_type in {"TOO MANY COLUMNS", "MISSING COLUMNS"} and found:
        return (
            f"the line has {found.group(1)} fields where {report.file_name}"
            f" has {len(report.columns)}"
        )
    return f"{error_type.lower()}: {message}"


def _rule_checks(report: Report) -> list[tuple[str, str]]:
    """(SQL condition true on a bad row, the rule it breaks, as SQL text), column by column."""
    checks: list[tuple[str, str]] = []
    for name, kind in report.columns:
        column = f'"{name}"'
        if kind != "text":
            checks.append((f"{column} is null", f"'column {name} is empty'"))
        if kind in PATTERNS:
            checks.append(
                (
                    f"not regexp_full_match({column}, '{PATTERNS[kind]}')",
                    f"'column {name}: ' || {column} || ' is not {KIND_WORDS[kind]}'",
                )
            )
        if kind == "date":
            checks.append(
                (
                    f"try_cast({column} as date) is null",
                    f"'column {name}: ' || {column} || ' is not a day of the calendar'",
                )
            )
        if kind == "fraction":
            checks.append(
                (
                    f"try_cast({column} as double) > 1",
                    f"'column {name}: ' || {column} || ' is not a fraction from 0 to 1'",
                )
            )
    if report.key:  # first_line: where the row's key first appears in its file
        values = " || ' ' || ".join(f'"{name}"' for name in report.key)
        checks.append(
            (
                "source_line > first_line",
                f"'{' '.join(report.key)} ' || {values} || ' is already on line ' || first_line",
            )
        )
    return checks


def _check(con: duckdb.DuckDBPyConnection, report: Report) -> dict[str, tuple[int | None, str]]:
    """The first broken rule of each bad file of ``report``, with its line."""
    incoming = f"_dap_{report.table}"
    cases = "\n".join(f"when {condition} then {rule}" for condition, rule in _rule_checks(report))
    key = ", ".join(f'"{name}"' for name in report.key) or "source_line"
    rows = con.execute(f"""
        with keyed as (
            select
                *,
                min(source_line) over (partition by file_path, {key}) as first_line
            from {incoming}
            where reject_rule is null
        ),
        checked as (
            select file_path, source_line, case {cases} end as rule
            from keyed
            union all
            select file_path, source_line, reject_rule
            from {incoming}
            where reject_rule is not null
        )
        select file_path, source_line, rule
        from checked
        where rule is not null
        qualify row_number() over (partition by file_path order by source_line) = 1
    """).fetchall()
    return {path: (line, rule) for path, line, rule in rows}


def _land(
    con: duckdb.DuckDBPyConnection,
    accepted: list[AgencyFile],
    ledger: list[tuple],
    summary: LoadSummary,
) -> None:
    """Replace the agencies' days and windows the accepted files hold, and write the ledger,
    in one transaction."""
    chosen = [str(f.path) for f in accepted]
    con.execute("create or replace temp table _dap_accepted (file_path varchar)")
    landing._insert_many(con, "_dap_accepted", [(path,) for path in chosen])

    con.execute("begin transaction")
    try:
        replaced: set[str] = set()
        site_days: set[tuple[str, date]] = set()
        landed = 0
        for report in REPORTS:
            done = _land_report(con, report)
            replaced |= done[0]
            site_days |= done[1]
            landed += done[2]
        for inspected in accepted:
            status = "replaced" if str(inspected.path) in replaced else "loaded"
            ledger.append(_ledger_row(inspected.agency, inspected.path, inspected, status))
        _write_ledger(con, ledger)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise

    summary.lines += landed
    summary.replaced += len(replaced)
    summary.loaded += len(accepted) - len(replaced)
    summary.site_days |= site_days
    for inspected in accepted:
        log.debug("landed %s", inspected.path)


def _land_report(
    con: duckdb.DuckDBPyConnection, report: Report
) -> tuple[set[str], set[tuple[str, date]], int]:
    """Land the accepted rows of one report: (files replacing rows, site-days, rows landed).

    What a file claims is its agency's days (daily reports) or its agency's window (30-day
    reports); when two files of a batch claim the same, the later one wins."""
    incoming = f"_dap_{report.table}"
    claim = (
        'cast(i."date" as date) as claimed_date'
        if not report.is_window
        else "f.window_end_date as claimed_date"
    )
    con.execute(f"""
        create or replace temp table _dap_claims as
        with claimed as (
            select distinct f.agency, {claim}, f.file_path, f.file_order
            from {incoming} as i
            inner join _dap_files as f on i.file_path = f.file_path
            inner join _dap_accepted as a on i.file_path = a.file_path
        )
        select agency, claimed_date, file_path
        from claimed
        qualify row_number() over (
            partition by agency, claimed_date order by file_order desc
        ) = 1
    """)
    old_key = 'cast(r."date" as date)' if not report.is_window else "r.window_end_date"
    new_key = 'cast(i."date" as date)' if not report.is_window else "f.window_end_date"
    replaced = {
        row[0]
        for row in con.execute(f"""
            select distinct c.file_path
            from _dap_claims as c
            inner join raw.{report.table} as r
                on c.agency = r.agency and c.claimed_date = {old_key}
        """).fetchall()
    }
    con.execute(f"""
        delete from raw.{report.table} as r
        where exists (
            select 1 from _dap_claims as c
            where c.agency = r.agency and c.claimed_date = {old_key}
        )
    """)
    values = ", ".join(f'i."{name}"' for name in report.column_names)
    window = (
        "f.report_agency, f.taken_at, f.taken_at_file, f.window_start_date, f.window_end_date,"
        if report.is_window
        else ""
    )
    landed = con.execute(f"""
        insert into raw.{report.table}
        select
            f.agency, {values}, {window}
            i.file_path, i.source_line, f.file_sha256, current_timestamp
        from {incoming} as i
        inner join _dap_files as f on i.file_path = f.file_path
        inner join _dap_claims as c
            on f.file_path = c.file_path and f.agency = c.agency
            and c.claimed_date = {new_key}
        order by f.file_order, i.source_line
    """).fetchone()[0]
    site_days: set[tuple[str, date]] = set()
    if not report.is_window:
        rows = con.execute("select agency, claimed_date from _dap_claims").fetchall()
        site_days = {(agency, day) for agency, day in rows}
    return replaced, site_days, landed


def _write_ledger(con: duckdb.DuckDBPyConnection, ledger: list[tuple]) -> None:
    con.execute(
        "create or replace temp table _dap_ledger (file_path varchar, file_name varchar,"
        " file_sha256 varchar, file_size_bytes bigint, input_format varchar, status varchar,"
        " error_line integer, error_message varchar, site_host varchar)"
    )
    landing._insert_many(con, "_dap_ledger", ledger)
    daily = " union all ".join(
        f'select file_path, cast("date" as date) as day from _dap_{r.table}'
        f" where reject_rule is null"
        for r in REPORTS
        if not r.is_window
    )
    rows = " union all ".join(
        f"select file_path from _dap_{r.table} where reject_rule is null" for r in REPORTS
    )
    con.execute(f"""
        insert into raw.file_ledger
        with days as (
            select file_path, min(day) as first_date, max(day) as last_date
            from ({daily})
            group by file_path
            union all
            select file_path, window_start_date, window_end_date
            from _dap_files
            where window_end_date is not null
        ),
        line_counts as (
            select file_path, count(*) as line_count
            from ({rows})
            group by file_path
        )
        select
            l.file_path,
            l.file_name,
            l.file_sha256,
            l.file_size_bytes,
            l.input_format,
            l.status,
            l.error_line,
            l.error_message,
            l.site_host,
            d.first_date,
            d.last_date,
            case when l.status in ('loaded', 'replaced') then coalesce(n.line_count, 0) end,
            current_timestamp
        from _dap_ledger as l
        left join days as d
            on l.file_path = d.file_path and l.status in ('loaded', 'replaced')
        left join line_counts as n on l.file_path = n.file_path
    """)


def _days_of(con: duckdb.DuckDBPyConnection, files: list[AgencyFile]) -> set[tuple[str, date]]:
    """The agency-days still held from unchanged daily files, so that a run exports them."""
    days: set[tuple[str, date]] = set()
    for report in REPORTS:
        wanted = [f"{f.agency}/{f.sha256}" for f in files if f.report is report]
        if report.is_window or not wanted:
            continue
        rows = con.execute(
            f'select distinct agency, cast("date" as date) from raw.{report.table}'
            " where list_contains($1, agency || '/' || file_sha256)",
            [wanted],
        ).fetchall()
        days |= {(agency, day) for agency, day in rows}
    return days
