"""Land extract files in the warehouse's ``raw`` schema, whole or not at all.

Files are looked at one by one (``reader.inspect``), then read in bulk by
DuckDB as text, checked against the layout's value patterns, and landed in
one transaction per chunk of files. Every row keeps its file, line number,
checksum and load time; every file seen gets a line in ``raw.file_ledger``.
A file breaking the layout is refused whole with the line and the rule; the
rest of the batch still loads. A newer file for a site and day replaces that
site and day whole; a file whose checksum was already loaded changes nothing.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingest import layout, reader
from ingest.warehouse import ensure_raw_schema

log = logging.getLogger(__name__)

FORMAT = "statgouv"
DEFAULT_CHUNK_FILES = 2000


def chunk_files_setting() -> int:
    """How many files one transaction lands, from ``STATGOUV_CHUNK_FILES``."""
    return int(os.environ.get("STATGOUV_CHUNK_FILES", DEFAULT_CHUNK_FILES))


@dataclass(frozen=True)
class Refusal:
    path: Path
    line: int | None
    rule: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.rule}"


@dataclass
class LoadSummary:
    """What one load did, file by file and line by line."""

    files_seen: int = 0
    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    lines: int = 0
    site_days: set[tuple[str, date]] = field(default_factory=set)
    unchanged_site_days: set[tuple[str, date]] = field(default_factory=set)

    @property
    def sites(self) -> set[str]:
        return {site for site, _ in self.site_days}

    @property
    def days(self) -> set[date]:
        return {day for _, day in self.site_days}

    def add(self, other: LoadSummary) -> None:
        self.files_seen += other.files_seen
        self.loaded += other.loaded
        self.replaced += other.replaced
        self.unchanged += other.unchanged
        self.refused.extend(other.refused)
        self.lines += other.lines
        self.site_days |= other.site_days
        self.unchanged_site_days |= other.unchanged_site_days


def find_files(paths: Iterable[Path]) -> list[Path]:
    """The CSV files named, or found below the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".csv"))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return [p.resolve() for p in found]


def load_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    chunk_files: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Land every file found at ``paths``; each chunk of files is one transaction."""
    ensure_raw_schema(con)
    chunk_files = chunk_files or chunk_files_setting()
    files = find_files(paths)
    log.info("found %d file(s) to look at", len(files))
    summary = LoadSummary()
    chunks = max(1, -(-len(files) // chunk_files))
    for number, start in enumerate(range(0, len(files), chunk_files), start=1):
        chunk = files[start : start + chunk_files]
        done = _load_chunk(con, chunk)
        summary.add(done)
        log.info(
            "committed chunk %d of %d: %d file(s) landed, %d unchanged, %d refused",
            number,
            chunks,
            done.loaded + done.replaced,
            done.unchanged,
            len(done.refused),
        )
        if on_chunk is not None:
            on_chunk(len(chunk))
    return summary


def _load_chunk(con: duckdb.DuckDBPyConnection, files: list[Path]) -> LoadSummary:
    summary = LoadSummary(files_seen=len(files))
    known = _known_files(con, [path.name for path in files])
    ledger: list[tuple] = []
    readable: list[reader.Inspected] = []
    empty: list[reader.Inspected] = []

    for path in files:
        try:
            inspected = reader.inspect(path)
        except reader.RefusedFile as refused:
            summary.refused.append(Refusal(path, refused.line, refused.rule))
            ledger.append(_ledger_row(path, None, "refused", refused.line, refused.rule))
            continue
        identity = (path.name, inspected.sha256)
        if identity in known:
            summary.unchanged += 1
            ledger.append(_ledger_row(path, inspected, "unchanged"))
            continue
        known.add(identity)
        (readable if inspected.has_lines else empty).append(inspected)

    with tempfile.TemporaryDirectory(prefix="statgouv-") as scratch:
        incoming = _read_bulk(con, readable, Path(scratch))
        problems = _check(con, incoming, readable)

    order = {path: index for index, path in enumerate(files)}
    accepted = [i for i in readable if str(i.path) not in problems] + empty
    accepted.sort(key=lambda i: order[i.path])
    for inspected in readable:
        if str(inspected.path) in problems:
            line, rule = problems[str(inspected.path)]
            summary.refused.append(Refusal(inspected.path, line, rule))
            ledger.append(_ledger_row(inspected.path, inspected, "refused", line, rule))

    _land(con, accepted, ledger, summary)
    unchanged = [f"{row[1]}/{row[2]}" for row in ledger if row[5] == "unchanged"]
    if unchanged:
        rows = con.execute(
            "select site_host, visit_date from raw.site_days"
            " where list_contains($1, parse_filename(source_file) || '/' || file_sha256)",
            [unchanged],
        ).fetchall()
        summary.unchanged_site_days |= {(site, day) for site, day in rows}
    return summary


def _known_files(con: duckdb.DuckDBPyConnection, names: list[str]) -> set[tuple[str, str]]:
    """Those of ``names`` already landed, by name and checksum: a file without lines is only
    its header, so its name tells it apart from another site's or day's."""
    rows = con.execute(
        "select distinct file_name, file_sha256 from raw.file_ledger"
        " where status in ('loaded', 'replaced', 'published')"
        " and file_name in (select unnest($1))",
        [names],
    ).fetchall()
    return {(name, sha256) for name, sha256 in rows}


def record_published(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Note a file the warehouse exported and published itself: loading it adds nothing."""
    data = path.read_bytes()
    con.execute(
        "insert into raw.file_ledger (file_path, file_name, file_sha256, file_size_bytes,"
        " input_format, status, seen_at) values (?, ?, ?, ?, ?, 'published', current_timestamp)",
        [str(path.resolve()), path.name, reader.checksum(data), len(data), FORMAT],
    )


def _ledger_row(
    path: Path,
    inspected: reader.Inspected | None,
    status: str,
    line: int | None = None,
    error: str | None = None,
) -> tuple:
    if inspected is None:
        data = path.read_bytes() if path.is_file() else b""
        sha256, size = reader.checksum(data), len(data)
    else:
        sha256, size = inspected.sha256, inspected.size_bytes
    return (str(path), path.name, sha256, size, FORMAT, status, line, error)


_COLUMNS_SQL = ", ".join(f"'{name}': 'VARCHAR'" for name in layout.COLUMN_NAMES)


def _read_bulk(
    con: duckdb.DuckDBPyConnection, files: list[reader.Inspected], scratch: Path
) -> str:
    """Read the files' lines as text into a temporary table, with file and line."""
    con.execute("drop table if exists _incoming")
    con.execute(
        "create temp table _incoming as select "
        + ", ".join(f'null::varchar as "{name}"' for name in layout.COLUMN_NAMES)
        + ", null::varchar as file_path, null::integer as source_line,"
        " null::varchar as reject_rule limit 0"
    )
    groups: dict[tuple[str, int], list[tuple[str, reader.Inspected]]] = {}
    for index, inspected in enumerate(files):
        read_path = str(inspected.path)
        if inspected.text is not None:
            # DuckDB reads UTF-8 only: a Windows-1252 file is read from a UTF-8 copy.
            copy = scratch / f"{index}.csv"
            copy.write_text(inspected.text, encoding="utf-8")
            read_path = str(copy)
        key = (inspected.delimiter, inspected.skip_lines, inspected.has_quotes)
        groups.setdefault(key, []).append((read_path, inspected))

    for (delimiter, skip, quoted), members in groups.items():
        _read_group(con, delimiter, skip, quoted, members)
    return "_incoming"


def _read_group(
    con: duckdb.DuckDBPyConnection,
    delimiter: str,
    skip: int,
    quoted: bool,
    members: list[tuple[str, reader.Inspected]],
) -> None:
    """Read files of one dialect into ``_incoming``, each line with its line number.

    The files are read first as they should be, without DuckDB's reject tables,
    which cost a third more; only when that read fails are they read again with
    them, to find each bad line.
    """
    con.execute("drop table if exists _paths")
    con.execute("create temp table _paths (read_path varchar, file_path varchar)")
    _insert_many(con, "_paths", [(r, str(i.path)) for r, i in members])
    read_paths = [r for r, _ in members]
    options = (
        f"columns = {{{_COLUMNS_SQL}}}, delim = $delim, quote = '\"', escape = '\"',"
        f" header = true, skip = {skip}, filename = true, strict_mode = true,"
        " null_padding = false, auto_detect = false"
    )
    parameters = {"paths": read_paths, "delim": delimiter}
    try:
        con.execute(
            f"create or replace temp table _group as select * from read_csv($paths, {options})",
            parameters,
        )
        rejected = False
    except duckdb.Error:
        con.execute("drop table if exists reject_errors")
        con.execute("drop table if exists reject_scans")
        con.execute(
            "create or replace temp table _group as"
            f" select * from read_csv($paths, {options}, store_rejects = true)",
            parameters,
        )
        rejected = True

    # Records are numbered from their file's first one; a quoted line break
    # inside a record moves the records after it one line further.
    first_line = skip + 2
    if quoted:
        newline_count = " + ".join(
            f"""coalesce(length("{name}") - length(replace("{name}", chr(10), '')), 0)"""
            for name in layout.COLUMN_NAMES
        )
        spanned = f"""coalesce(sum({newline_count}) over (
                partition by g.filename order by g.rowid
                rows between unbounded preceding and 1 preceding
            ), 0)"""
    else:
        spanned = "0"
    con.execute(
        f"""
        insert into _incoming
        select
            {", ".join(f'g."{name}"' for name in layout.COLUMN_NAMES)},
            p.file_path,
            {first_line} + g.rowid - f.first_rowid + {spanned} as source_line,
            null as reject_rule
        from _group as g
        inner join (
            select filename, min(rowid) as first_rowid from _group group by filename
        ) as f on g.filename = f.filename
        inner join _paths as p on g.filename = p.read_path
        """
    )
    if not rejected:
        return
    rejects = con.execute(
        """
        select p.read_path, p.file_path, e.line_byte_position, e.error_type, e.error_message
        from reject_errors as e
        inner join reject_scans as s using (scan_id, file_id)
        inner join _paths as p on s.file_path = p.read_path
        """
    ).fetchall()
    for read_path, file_path, position, error_type, message in rejects:
        # DuckDB counts records, not lines; the byte position gives the real line.
        line = Path(read_path).read_bytes()[:position].count(b"\n") + 1
        con.execute(
            "insert into _incoming (file_path, source_line, reject_rule) values (?, ?, ?)",
            [file_path, line, _reject_rule(error_type, message)],
        )


def _reject_rule(error_type: str, message: str) -> str:
    """DuckDB's CSV error in the words of the layout."""
    found = re.search(r"Found: (\d+)", message)
    if error_type in {"TOO MANY COLUMNS", "MISSING COLUMNS"} and found:
        return (
            f"the line has {found.group(1)} fields where the layout has {len(layout.COLUMN_NAMES)}"
        )
    return f"{error_type.lower()}: {message}"


def _rule_checks() -> list[tuple[str, str]]:
    """(SQL condition that is true on a bad line, the rule it breaks), in column order."""
    missing = ", ".join(f"'{token}'" for token in layout.MISSING_TOKENS)
    kinds = ", ".join(f"'{kind}'" for kind in layout.LINE_KINDS)
    checks: list[tuple[str, str]] = [
        ("ligne is null", "column ligne is empty"),
        (
            f"ligne not in ({kinds})",
            "ligne ' || ligne || ' is not one of " + kinds.replace("'", ""),
        ),
    ]
    for column in layout.COLUMNS:
        name, pattern = f'"{column.name}"', layout.VALUE_PATTERNS.get(column.kind, "")
        kinds_filled = ", ".join(f"'{kind}'" for kind in sorted(column.filled_on))
        required = column.kind in {"date", "host", "line_kind", "rank", "text"}
        present = f"{name} is not null and {name} not in ({missing})"
        if required:
            checks.append(
                (
                    f"ligne in ({kinds_filled}) and {name} is null",
                    f"column {column.name} is empty on a ' || ligne || ' line",
                )
            )
        if column.kind != "text":
            checks.append(
                (
                    f"ligne in ({kinds_filled}) and {present}"
                    f" and not regexp_full_match({name}, '{pattern}')",
                    f"column {column.name}: ' || {name} || ' is not a valid {column.kind}",
                )
            )
        checks.append(
            (
                f"ligne in ({kinds}) and ligne not in ({kinds_filled}) and {present}",
                f"column {column.name} must be empty on a ' || ligne || ' line",
            )
        )
    checks.append(
        (
            "regexp_full_match(\"date\", '\\d{4}-\\d{2}-\\d{2}')"
            ' and try_cast("date" as date) is null',
            "date ' || \"date\" || ' is not a day of the calendar",
        )
    )
    return checks


def _check(
    con: duckdb.DuckDBPyConnection, incoming: str, files: list[reader.Inspected]
) -> dict[str, tuple[int | None, str]]:
    """The first broken rule of each bad file, with its line."""
    cases = "\n".join(f"when {condition} then '{rule}'" for condition, rule in _rule_checks())
    con.execute("drop table if exists _names")
    con.execute("create temp table _names (file_path varchar, name_site varchar, name_day date)")
    _insert_many(con, "_names", [(str(i.path), i.site, i.day) for i in files])
    rows = con.execute(f"""
        with checked as (
            select
                i.file_path,
                i.source_line,
                coalesce(
                    i.reject_rule,
                    case {cases}
                        when i.site <> n.name_site
                            then 'site ' || i.site || ' is not the site of the file name ('
                                || n.name_site || ')'
                        when n.name_day is not null
                            and i."date" <> strftime(n.name_day, '%Y-%m-%d')
                            then 'date ' || i."date" || ' is not the day of the file name ('
                                || strftime(n.name_day, '%Y-%m-%d') || ')'
                    end
                ) as rule
            from {incoming} as i
            inner join _names as n on i.file_path = n.file_path
        )
        select file_path, source_line, rule
        from checked
        where rule is not null
        qualify row_number() over (partition by file_path order by source_line) = 1
    """).fetchall()
    return {path: (line, rule) for path, line, rule in rows}


def _land(
    con: duckdb.DuckDBPyConnection,
    accepted: list[reader.Inspected],
    ledger: list[tuple],
    summary: LoadSummary,
) -> None:
    """Replace the site-days of the accepted files and write the ledger, in one transaction."""
    con.execute("drop table if exists _accepted")
    con.execute(
        "create temp table _accepted (file_path varchar, file_order integer,"
        " file_sha256 varchar, name_site varchar, name_day date, has_lines boolean)"
    )
    _insert_many(
        con,
        "_accepted",
        [
            (str(i.path), order, i.sha256, i.site, i.day, i.has_lines)
            for order, i in enumerate(accepted)
        ],
    )
    con.execute("""
        create or replace temp table _claims as
        with claimed as (
            select distinct a.file_path, a.file_order, i.site, i."date" as day_text
            from _incoming as i
            inner join _accepted as a on i.file_path = a.file_path
            union all
            select file_path, file_order, name_site, strftime(name_day, '%Y-%m-%d')
            from _accepted
            where not has_lines
        )
        select *
        from claimed
        qualify row_number() over (partition by site, day_text order by file_order desc) = 1
    """)

    con.execute("begin transaction")
    try:
        # The site-days already in the warehouse that these files replace. Only
        # those are deleted: a load of new days does not scan the lines at all.
        con.execute("""
            create or replace temp table _replaced as
            select c.file_path, c.site, c.day_text
            from _claims as c
            inner join raw.site_days as d
                on c.site = d.site_host and c.day_text = strftime(d.visit_date, '%Y-%m-%d')
        """)
        replaced = {row[0] for row in con.execute("select file_path from _replaced").fetchall()}
        if replaced:
            con.execute("""
                delete from raw.audience_lines as l
                where exists (
                    select 1 from _replaced as r where r.site = l.site and r.day_text = l."date"
                )
            """)
            con.execute("""
                delete from raw.site_days as d
                where exists (
                    select 1
                    from _replaced as r
                    where r.site = d.site_host and r.day_text = strftime(d.visit_date, '%Y-%m-%d')
                )
            """)
        columns = ", ".join(f'i."{name}"' for name in layout.COLUMN_NAMES)
        landed = con.execute(f"""
            insert into raw.audience_lines
            select {columns}, i.file_path, i.source_line, a.file_sha256, current_timestamp
            from _incoming as i
            inner join _accepted as a on i.file_path = a.file_path
            inner join _claims as c
                on i.file_path = c.file_path and i.site = c.site and i."date" = c.day_text
        """).fetchone()[0]
        con.execute("""
            insert into raw.site_days
            select
                c.site,
                cast(c.day_text as date),
                count(i.file_path),
                c.file_path,
                a.file_sha256,
                current_timestamp
            from _claims as c
            inner join _accepted as a on c.file_path = a.file_path
            left join _incoming as i
                on i.file_path = c.file_path and i.site = c.site and i."date" = c.day_text
            group by all
        """)
        for inspected in accepted:
            status = "replaced" if str(inspected.path) in replaced else "loaded"
            ledger.append(_ledger_row(inspected.path, inspected, status))
        _write_ledger(con, ledger)
        site_days = con.execute("select site, cast(day_text as date) from _claims").fetchall()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise

    summary.lines += landed
    summary.replaced += len(replaced)
    summary.loaded += len(accepted) - len(replaced)
    summary.site_days |= {(site, day) for site, day in site_days}
    for inspected in accepted:
        log.debug("landed %s", inspected.path)


def _write_ledger(con: duckdb.DuckDBPyConnection, ledger: list[tuple]) -> None:
    con.execute("drop table if exists _ledger")
    con.execute(
        "create temp table _ledger (file_path varchar, file_name varchar, file_sha256 varchar,"
        " file_size_bytes bigint, input_format varchar, status varchar, error_line integer,"
        " error_message varchar)"
    )
    _insert_many(con, "_ledger", ledger)
    con.execute("""
        insert into raw.file_ledger
        with per_file as (
            select
                source_file as file_path,
                min(site_host) as site_host,
                min(visit_date) as first_date,
                max(visit_date) as last_date,
                sum(line_count) as line_count
            from raw.site_days
            where source_file in (select file_path from _ledger)
            group by source_file
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
            f.site_host,
            f.first_date,
            f.last_date,
            f.line_count,
            current_timestamp
        from _ledger as l
        left join per_file as f
            on l.file_path = f.file_path and l.status in ('loaded', 'replaced')
    """)


def _insert_many(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert Python rows into a temporary table, a column at a time (not row by row)."""
    if rows:
        columns = [list(column) for column in zip(*rows, strict=True)]
        unnests = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
        con.execute(f"insert into {table} select {unnests}", columns)
