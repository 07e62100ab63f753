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

import itertools
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingest import layout, reader, settings
from ingest.warehouse import ensure_raw_schema

log = logging.getLogger(__name__)

FORMAT = "statgouv"
DEFAULT_CHUNK_FILES = 10000


def chunk_files_setting() -> int:
    """How many files one transaction lands, from ``STATGOUV_CHUNK_FILES``."""
    return settings.whole_number_setting("STATGOUV_CHUNK_FILES", DEFAULT_CHUNK_FILES)


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
            # Resolved once per folder: the files below it are then absolute already.
            folder = path.resolve()
            found.extend(sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".csv"))
        elif path.exists():
            found.append(path.resolve())
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def load_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    chunk_files: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Land every file found at ``paths``; each chunk of files is one transaction."""
    files = find_files(paths)
    if not files:
        log.warning("no .csv file in %s: nothing to load", ", ".join(map(str, paths)))
    return load_files(con, files, chunk_files, on_chunk)


def load_files(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    chunk_files: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Land ``files`` (absolute paths, as ``find_files`` gives them), in that order."""
    ensure_raw_schema(con)
    chunk_files = chunk_files or chunk_files_setting()
    if files:
        log.info("found %d file(s) to look at", len(files))
    summary = LoadSummary()
    chunks = [files[start : start + chunk_files] for start in range(0, len(files), chunk_files)]
    for number, chunk in enumerate(chunks, start=1):
        done = _load_chunk(con, chunk)
        summary.add(done)
        log.info(
            "committed chunk %d of %d: %d file(s) landed, %d unchanged, %d refused",
            number,
            len(chunks),
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
    chosen: list[reader.Inspected] = []  # in the order given: the later file of a day wins

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
        chosen.append(inspected)

    # Inside a chunk a file is known by its number in `chosen`: joins on a
    # small integer cost far less, over millions of lines, than on a path.
    # Files are numbered by dialect, so that those read together have numbers
    # in a row; `file_order` keeps the order given.
    given = {inspected.path: order for order, inspected in enumerate(chosen)}
    chosen.sort(key=_dialect)
    _insert_files(con, chosen, given)
    with tempfile.TemporaryDirectory(prefix="statgouv-") as scratch:
        _read_bulk(con, chosen, Path(scratch))
    problems = _check(con)
    for number, (line, rule) in sorted(
        problems.items(), key=lambda problem: given[chosen[problem[0]].path]
    ):
        inspected = chosen[number]
        summary.refused.append(Refusal(inspected.path, line, rule))
        ledger.append(_ledger_row(inspected.path, inspected, "refused", line, rule))

    accepted = [i for number, i in enumerate(chosen) if number not in problems]
    accepted.sort(key=lambda inspected: given[inspected.path])
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


def _dialect(inspected: reader.Inspected) -> tuple[bool, str, int]:
    """How DuckDB must read a file; files without lines are not read and come last."""
    return (not inspected.has_lines, inspected.delimiter, inspected.skip_lines)


def _insert_files(
    con: duckdb.DuckDBPyConnection, chosen: list[reader.Inspected], given: dict[Path, int]
) -> None:
    """The chunk's files to read, by number, with what their names say."""
    con.execute("drop table if exists _files")
    con.execute(
        "create temp table _files (file_number integer, file_order integer, file_path varchar,"
        " file_sha256 varchar,"
        " name_site varchar, name_day date, has_lines boolean, has_quotes boolean,"
        " first_line integer, first_rowid bigint, is_refused boolean)"
    )
    # The header is the line after the skipped ones; the first record follows it.
    _insert_many(
        con,
        "_files",
        [
            (
                number,
                given[i.path],
                str(i.path),
                i.sha256,
                i.site,
                i.day,
                i.has_lines,
                i.has_quotes,
                i.skip_lines + 2,
                None,
                False,
            )
            for number, i in enumerate(chosen)
        ],
    )


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
    con: duckdb.DuckDBPyConnection, chosen: list[reader.Inspected], scratch: Path
) -> None:
    """Read the files' records as text into the temporary table ``_incoming``, in the
    files' order, each with its file's number; then find where each file starts."""
    con.execute("drop table if exists _incoming")
    con.execute(
        "create temp table _incoming as select "
        + ", ".join(f'null::varchar as "{name}"' for name in layout.COLUMN_NAMES)
        + ", null::integer as file_number, null::integer as error_line,"
        " null::varchar as reject_rule limit 0"
    )
    # `chosen` is sorted by dialect: each run of one dialect is read at once.
    first = 0
    for (no_lines, delimiter, skip), run in itertools.groupby(chosen, key=_dialect):
        members = list(run)
        if not no_lines:
            paths = [_utf8_path(i, first + n, scratch) for n, i in enumerate(members)]
            _read_group(con, delimiter, skip, paths, first)
        first += len(members)

    con.execute("""
        update _files
        set first_rowid = starts.first_rowid
        from (
            select file_number, min(rowid) as first_rowid
            from _incoming
            where reject_rule is null
            group by file_number
        ) as starts
        where _files.file_number = starts.file_number
    """)
    _find_line_breaks(con)


def _utf8_path(inspected: reader.Inspected, number: int, scratch: Path) -> str:
    """Where DuckDB reads a file: DuckDB reads UTF-8 only, so a Windows-1252 file is
    read from a UTF-8 copy."""
    if inspected.text is None:
        return str(inspected.path)
    copy = scratch / f"{number}.csv"
    copy.write_text(inspected.text, encoding="utf-8")
    return str(copy)


def _read_group(
    con: duckdb.DuckDBPyConnection, delimiter: str, skip: int, paths: list[str], first: int
) -> None:
    """Append files of one dialect, numbered from ``first``, to ``_incoming``, their
    records in order.

    The files are read first as they should be, without DuckDB's reject tables,
    which cost a third more; only when that read fails are they read again with
    them, to find each bad line. A failed statement appends nothing.
    """
    options = (
        f"columns = {{{_COLUMNS_SQL}}}, delim = $delim, quote = '\"', escape = '\"',"
        f" header = true, skip = {skip}, strict_mode = true,"
        " null_padding = false, auto_detect = false"
    )
    # `file_index` is a file's place in the list read, which gives its number.
    insert = (
        "insert into _incoming select "
        + ", ".join(f'"{name}"' for name in layout.COLUMN_NAMES)
        + f", cast(file_index as integer) + {first}, null, null"
        " from read_csv($paths, {options})"
    )
    parameters = {"paths": paths, "delim": delimiter}
    try:
        con.execute(insert.format(options=options), parameters)
        return
    except duckdb.Error:
        con.execute("drop table if exists reject_errors")
        con.execute("drop table if exists reject_scans")
        con.execute(insert.format(options=options + ", store_rejects = true"), parameters)

    by_path = {path: first + index for index, path in enumerate(paths)}
    rejects = con.execute(
        """
        select s.file_path, e.line_byte_position, e.error_type, e.error_message
        from reject_errors as e
        inner join reject_scans as s using (scan_id, file_id)
        """
    ).fetchall()
    for read_path, position, error_type, message in rejects:
        if read_path not in by_path:
            continue
        # DuckDB counts records, not lines; the byte position gives the real line.
        line = Path(read_path).read_bytes()[:position].count(b"\n") + 1
        con.execute(
            "insert into _incoming (file_number, error_line, reject_rule) values (?, ?, ?)",
            [by_path[read_path], line, _reject_rule(error_type, message)],
        )


def _find_line_breaks(con: duckdb.DuckDBPyConnection) -> None:
    """``_spans``: for the records that follow a quoted line break in their file, how many
    lines the records before them span beyond one each. Such breaks are rare, so the
    running sum is only taken over the files that have one."""
    holds_break = " or ".join(f"""contains("{name}", chr(10))""" for name in layout.COLUMN_NAMES)
    breaks = " + ".join(
        f"""coalesce(length("{name}") - length(replace("{name}", chr(10), '')), 0)"""
        for name in layout.COLUMN_NAMES
    )
    con.execute(f"""
        create or replace temp table _spans as
        with broken_files as (
            select distinct i.file_number
            from _incoming as i
            inner join _files as f on i.file_number = f.file_number
            where f.has_quotes and i.reject_rule is null and ({holds_break})
        ),

        records as (
            select
                rowid as row_id,
                file_number,
                sum({breaks}) over (
                    partition by file_number order by rowid
                    rows between unbounded preceding and 1 preceding
                ) as spanned
            from _incoming
            where
                reject_rule is null
                and file_number in (select file_number from broken_files)
        )

        select row_id, spanned from records where spanned > 0
    """)


def _source_line(row_id: str) -> str:
    """The line of a record of ``_incoming``, joined as ``i`` to ``_files as f`` and
    ``_spans as s``: its place in its file, plus the lines that breaks before it took."""
    return (
        f"coalesce(i.error_line, f.first_line + {row_id} - f.first_rowid + coalesce(s.spanned, 0))"
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


def _check(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int | None, str]]:
    """The first broken rule of each bad file, by the file's number, with its line."""
    cases = "\n".join(f"when {condition} then '{rule}'" for condition, rule in _rule_checks())
    rows = con.execute(f"""
        with checked as (
            select
                i.rowid as row_id,
                i.file_number,
                i.error_line,
                coalesce(
                    i.reject_rule,
                    case {cases}
                        when i.site <> f.name_site
                            then 'site ' || i.site || ' is not the site of the file name ('
                                || f.name_site || ')'
                        when f.name_day is not null
                            and i."date" <> strftime(f.name_day, '%Y-%m-%d')
                            then 'date ' || i."date" || ' is not the day of the file name ('
                                || strftime(f.name_day, '%Y-%m-%d') || ')'
                    end
                ) as rule
            from _incoming as i
            inner join _files as f on i.file_number = f.file_number
        ),

        failing as (
            select
                i.file_number,
                {_source_line("i.row_id")} as source_line,
                i.rule
            from checked as i
            inner join _files as f on i.file_number = f.file_number
            left join _spans as s on i.row_id = s.row_id
            where i.rule is not null
        )

        select file_number, source_line, rule
        from failing
        qualify row_number() over (partition by file_number order by source_line) = 1
    """).fetchall()
    if rows:
        con.execute(
            "update _files set is_refused = true where list_contains($1, file_number)",
            [[number for number, _, _ in rows]],
        )
    return {number: (line, rule) for number, line, rule in rows}


def _land(
    con: duckdb.DuckDBPyConnection,
    accepted: list[reader.Inspected],
    ledger: list[tuple],
    summary: LoadSummary,
) -> None:
    """Replace the site-days of the accepted files and write the ledger, in one transaction."""
    # Each site-day goes to the last file of the chunk that holds it; the
    # lines of the files that lose it (rare: a day sent twice) are left out.
    con.execute("""
        create or replace temp table _claims as
        with claimed as (
            select distinct i.file_number, f.file_order, i.site, i."date" as day_text
            from _incoming as i
            inner join _files as f on i.file_number = f.file_number
            where not f.is_refused
            union all
            select file_number, file_order, name_site, strftime(name_day, '%Y-%m-%d')
            from _files
            where not has_lines
        )
        select
            *,
            row_number() over (
                partition by site, day_text order by file_order desc
            ) = 1 as is_kept
        from claimed
    """)

    con.execute("begin transaction")
    try:
        # The site-days already in the warehouse that these files replace. Only
        # those are deleted: a load of new days does not scan the lines at all.
        con.execute("""
            create or replace temp table _replaced as
            select f.file_path, c.site, c.day_text
            from _claims as c
            inner join _files as f on c.file_number = f.file_number
            inner join raw.site_days as d
                on c.site = d.site_host and c.day_text = strftime(d.visit_date, '%Y-%m-%d')
            where c.is_kept
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
            select
                {columns},
                f.file_path,
                {_source_line("i.rowid")},
                f.file_sha256,
                current_timestamp
            from _incoming as i
            inner join _files as f on i.file_number = f.file_number
            left join _spans as s on i.rowid = s.row_id
            where
                not f.is_refused
                and not exists (
                    select 1
                    from _claims as c
                    where
                        not c.is_kept
                        and c.file_number = i.file_number
                        and c.site = i.site
                        and c.day_text = i."date"
                )
        """).fetchone()[0]
        con.execute("""
            insert into raw.site_days
            select
                c.site,
                cast(c.day_text as date),
                count(i.file_number),
                f.file_path,
                f.file_sha256,
                current_timestamp
            from _claims as c
            inner join _files as f on c.file_number = f.file_number
            left join _incoming as i
                on i.file_number = c.file_number and i.site = c.site and i."date" = c.day_text
            where c.is_kept
            group by all
        """)
        for inspected in accepted:
            status = "replaced" if str(inspected.path) in replaced else "loaded"
            ledger.append(_ledger_row(inspected.path, inspected, status))
        _write_ledger(con, ledger)
        site_days = con.execute(
            "select site, cast(day_text as date) from _claims where is_kept"
        ).fetchall()
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
