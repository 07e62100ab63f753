"""Download the organisation's published files that are new or changed on the portal.

A resource is fetched when its title is a published file name. What was fetched is
kept in the ledger ``raw.portal_downloads``, one row per resource. A resource whose
checksum, size and date all match its ledger row, and whose file is still in place,
is not downloaded again. Otherwise it is streamed to a temporary file beside its
final place, its size and checksum are checked, and only then is it renamed into
place and written to the ledger. An interrupted run leaves at most a temporary file,
which the next run discards; a file that made it into place but not into the ledger
is recognised by its checksum and not downloaded twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from ingest import layout
from ingest.portal import Dataset, Portal, PortalError, Resource

log = logging.getLogger(__name__)

PART_SUFFIX = ".statgouv-part"
# Below this many downloads a progress bar is more noise than help.
PROGRESS_MIN_FILES = 10
HASH_CHUNK_BYTES = 1 << 16

LEDGER_DDL = """
create schema if not exists raw;

create table if not exists raw.portal_downloads (
    resource_id varchar primary key,
    dataset_id varchar not null,
    resource_title varchar not null,
    resource_url varchar not null,
    checksum_type varchar,
    checksum_value varchar,
    file_size_bytes bigint,
    portal_last_modified varchar,
    local_path varchar not null,
    downloaded_at timestamp with time zone not null
);
"""


class FetchError(Exception):
    """Some files could not be fetched; the others were, and are in the ledger."""

    def __init__(self, summary: FetchSummary) -> None:
        self.summary = summary
        lines = [f"{name}: {reason}" for name, reason in summary.failed]
        super().__init__(
            f"{len(summary.failed)} file(s) could not be fetched; nothing of them was kept:\n"
            + "\n".join(lines)
        )


class ChecksumError(Exception):
    """A downloaded file is not what the portal says it is."""


@dataclass
class FetchSummary:
    """What a fetch did, by file name."""

    downloaded: list[str] = field(default_factory=list)
    already_in_place: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    ignored_resources: int = 0


@dataclass(frozen=True)
class _Wanted:
    dataset: Dataset
    resource: Resource
    path: Path


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LEDGER_DDL)


def fetch(portal: Portal, dest_dir: Path, con: duckdb.DuckDBPyConnection) -> FetchSummary:
    """Bring ``dest_dir`` up to date with the organisation's published files."""
    ensure_ledger(con)
    dest_dir = dest_dir.resolve()
    dest_dir.mkdir(parents=True, exist_ok=True)
    _discard_leftovers(dest_dir)

    summary = FetchSummary()
    wanted = _wanted_files(portal, dest_dir, summary)
    ledger = _ledger_rows(con)
    log.info("The portal holds %d published files", len(wanted))

    to_download: list[_Wanted] = []
    for item in wanted:
        if _ledger_matches(ledger.get(item.resource.id), item):
            summary.unchanged.append(item.path.name)
        elif _file_matches(item.path, item.resource):
            _record(con, item)
            summary.already_in_place.append(item.path.name)
            log.debug("%s is already in place; recorded it without downloading", item.path.name)
        else:
            to_download.append(item)

    with _progress(to_download) as advance:
        for item in to_download:
            try:
                _download(portal, item, advance)
            except (PortalError, ChecksumError) as error:
                summary.failed.append((item.path.name, str(error)))
                log.error("Could not fetch %s: %s", item.path.name, error)
                continue
            _record(con, item)
            summary.downloaded.append(item.path.name)
            log.debug("Downloaded %s", item.path.name)

    log.info(
        "Fetch: %d downloaded, %d unchanged, %d already in place, %d failed",
        len(summary.downloaded),
        len(summary.unchanged),
        len(summary.already_in_place),
        len(summary.failed),
    )
    if summary.failed:
        raise FetchError(summary)
    return summary


def _wanted_files(portal: Portal, dest_dir: Path, summary: FetchSummary) -> list[_Wanted]:
    """Resources titled with a published file name, one per name (the newer of two), by name."""
    by_name: dict[str, _Wanted] = {}
    for listed in portal.datasets():
        dataset = portal.dataset(listed.id)
        for resource in dataset.resources:
            name = published_name(resource.title)
            if name is None or not resource.url:
                summary.ignored_resources += 1
                continue
            item = _Wanted(dataset, resource, dest_dir / name)
            other = by_name.get(name)
            if other is not None:
                newer = max((other, item), key=lambda w: w.resource.last_modified or "")
                log.warning(
                    "Two resources are titled %s (%s, %s); fetching the newer one, %s",
                    name,
                    other.resource.id,
                    resource.id,
                    newer.resource.id,
                )
                item = newer
            by_name[name] = item
    return sorted(by_name.values(), key=lambda w: w.path.name)


_UDATA_DAILY_NAME = re.compile(r"^(?P<site>.+)-(?P<day>\d{4}-\d{2}-\d{2})\.csv$", re.IGNORECASE)


def published_name(title: str) -> str | None:
    """The file name a resource stands for, or None when it is not a published file.

    udata titles an upload with a slug of its name (``www.x.fr-2024-03-01.csv``
    for ``www.x.fr_2024-03-01.csv``) until it is retitled; both forms count.
    """
    slug = _UDATA_DAILY_NAME.match(title)
    if slug is not None:
        title = f"{slug.group('site')}_{slug.group('day')}.csv"
    parsed = layout.parse_file_name(title)
    if parsed is None:
        return None
    return layout.file_name(parsed.site, parsed.day) if parsed.day else f"{parsed.site}.csv"


def _ledger_rows(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute(
        """
        select resource_id, checksum_type, checksum_value, file_size_bytes,
            portal_last_modified, local_path
        from raw.portal_downloads
        """
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _ledger_matches(row: tuple | None, item: _Wanted) -> bool:
    if row is None:
        return False
    resource = item.resource
    checksum = resource.checksum
    portal_side = (
        checksum.kind if checksum else None,
        checksum.value if checksum else None,
        resource.filesize,
        resource.last_modified,
        str(item.path),
    )
    if tuple(row) != portal_side:
        return False
    return item.path.is_file() and (
        resource.filesize is None or item.path.stat().st_size == resource.filesize
    )


def _file_matches(path: Path, resource: Resource) -> bool:
    """Whether the file in place is the portal's file: same size and checksum."""
    if resource.checksum is None or not path.is_file():
        return False
    if resource.filesize is not None and path.stat().st_size != resource.filesize:
        return False
    return _digest(path, resource.checksum.kind) == resource.checksum.value


def _download(portal: Portal, item: _Wanted, advance: _Advance) -> None:
    resource = item.resource
    descriptor, name = tempfile.mkstemp(
        dir=item.path.parent, prefix=f".{item.path.name}.", suffix=PART_SUFFIX
    )
    part = Path(name)
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            size = portal.download(resource.url, handle, advance.bytes)
            handle.flush()
            os.fsync(handle.fileno())
        _verify(part, size, resource)
        os.replace(part, item.path)
    finally:
        part.unlink(missing_ok=True)
    advance.file()


def _verify(part: Path, size: int, resource: Resource) -> None:
    if resource.filesize is not None and size != resource.filesize:
        raise ChecksumError(
            f"received {size} bytes where the portal announces {resource.filesize}; "
            "the file was not kept"
        )
    if resource.checksum is None:
        log.debug("%s has no checksum on the portal; checked its size only", resource.title)
        return
    digest = _digest(part, resource.checksum.kind)
    if digest != resource.checksum.value:
        raise ChecksumError(
            f"its {resource.checksum.kind} is {digest} where the portal announces "
            f"{resource.checksum.value}; the file was not kept"
        )


def _digest(path: Path, kind: str) -> str:
    try:
        hasher = hashlib.new(kind)
    except ValueError:
        raise ChecksumError(f"the portal's checksum type {kind!r} is unknown") from None
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _record(con: duckdb.DuckDBPyConnection, item: _Wanted) -> None:
    resource = item.resource
    checksum = resource.checksum
    con.execute(
        """
        insert or replace into raw.portal_downloads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            resource.id,
            item.dataset.id,
            resource.title,
            resource.url,
            checksum.kind if checksum else None,
            checksum.value if checksum else None,
            resource.filesize,
            resource.last_modified,
            str(item.path),
            datetime.now(UTC),
        ],
    )


def _discard_leftovers(dest_dir: Path) -> None:
    for leftover in dest_dir.glob(f".*{PART_SUFFIX}"):
        log.info("Discarding %s, left by an interrupted fetch", leftover.name)
        leftover.unlink(missing_ok=True)


class _Advance:
    """Moves the progress bar, when there is one."""

    def __init__(self, progress: Progress | None = None, files: int = 0) -> None:
        self._progress = progress
        self._files = files
        self._done = 0
        self._task = progress.add_task(self._label(), total=None) if progress else None

    def _label(self) -> str:
        return f"Downloading {self._done}/{self._files} files"

    def bytes(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)

    def file(self) -> None:
        self._done += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=self._label())


@contextmanager
def _progress(items: list[_Wanted]) -> Iterator[_Advance]:
    if len(items) < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        yield _Advance()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    console = Console(stderr=True)
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as progress:
        advance = _Advance(progress, len(items))
        total_bytes = sum(item.resource.filesize or 0 for item in items)
        progress.update(advance._task, total=total_bytes or None)
        yield advance
