"""Check the exports against the published layout's Table Schema and upload them.

A file is checked with frictionless against ``schema/published-layout.schema.json``
and its CSV dialect, and its lines must name the site and day of its file name.
A file that fails is not published, and the summary says why.

Each site has one dataset on the portal: the organisation's dataset whose title
names the site's host as a whole word, such as ``www.gouvernement.fr`` or
``Audience de www.gouvernement.fr``. A site with no such dataset, or with more than
one, is not published. In its dataset, a file replaces the resource titled with
its name, or becomes a new resource. A file whose checksum the resource already
has is not sent. After each upload the portal's size and checksum are compared
with the file's, and the resource is titled with the file's name (udata titles
an upload with a slug of the name).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from frictionless import Check, Checklist, Dialect, Resource, Schema, errors

from ingest import layout
from ingest.portal import Dataset, Portal, PortalError
from ingest.portal import Resource as PortalResource

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
SCHEMA_PATH = SCHEMA_DIR / "published-layout.schema.json"
DIALECT_PATH = SCHEMA_DIR / "published-layout.dialect.json"
PROBLEMS_SHOWN = 5
# Statuses after which no other upload can do better.
FATAL_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class Problem:
    """Why a file may not be published."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    @property
    def detail(self) -> str:
        """The problem without the file's name."""
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"column {self.column}"] if self.column else []
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return f"{self.file}: {self.detail}"


@dataclass(frozen=True)
class Refusal:
    file: str
    reason: str


@dataclass
class PublishSummary:
    """What a publish did, or would do in a dry run, by file name."""

    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    failed: list[Refusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failed


class PublishError(Exception):
    """Some files were not published; the summary says which and why."""

    def __init__(self, summary: PublishSummary, headline: str | None = None) -> None:
        self.summary = summary
        lines = [f"{item.file}: {item.reason}" for item in summary.refused + summary.failed]
        count = len(lines)
        text = headline or f"{count} file(s) were not published:"
        super().__init__("\n".join([text, *lines]))


class _NamedSiteAndDay(Check):
    """Every line holds the site, and for a daily file the day, of the file's name."""

    type = "named-site-and-day"
    Errors = [errors.RowConstraintError]

    def __init__(self, site: str, day: date | None) -> None:
        super().__init__()
        self.site = site
        self.day = day

    def validate_row(self, row: Any) -> Iterator[errors.RowConstraintError]:
        site, day = row["site"], row["date"]
        if site is not None and site != self.site:
            note = f"its site {site} is not {self.site}, the site of the file name"
            yield errors.RowConstraintError.from_row(row, note=note)
        if self.day is not None and isinstance(day, date) and day != self.day:
            note = f"its date {day} is not {self.day}, the day of the file name"
            yield errors.RowConstraintError.from_row(row, note=note)


def table_schema() -> Schema:
    return Schema.from_descriptor(_descriptor(SCHEMA_PATH))


def csv_dialect() -> Dialect:
    return Dialect.from_descriptor(_descriptor(DIALECT_PATH))


def _descriptor(path: Path) -> dict[str, Any]:
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor.pop("$comment", None)
    return descriptor


def validate(paths: Iterable[Path]) -> list[Problem]:
    """Every problem of every file; an empty list means all may be published."""
    schema, dialect = table_schema(), csv_dialect()
    problems: list[Problem] = []
    for path in paths:
        problems.extend(_file_problems(path, schema, dialect))
    return problems


def _file_problems(path: Path, schema: Schema, dialect: Dialect) -> list[Problem]:
    name = layout.parse_file_name(path.name)
    if name is None:
        return [Problem(path.name, "the name is not <site>_<YYYY-MM-DD>.csv or <site>.csv")]
    if not path.is_file():
        return [Problem(path.name, f"no such file: {path}")]
    content = path.read_bytes()
    if content.startswith(b"\xef\xbb\xbf"):
        return [Problem(path.name, "it starts with a byte order mark; write UTF-8 without one")]
    if b"\r" in content:
        return [Problem(path.name, "it holds CR characters; lines must end with LF alone")]

    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=schema,
        dialect=dialect,
        encoding=layout.ENCODING,
        format="csv",
    )
    report = resource.validate(checklist=Checklist(checks=[_NamedSiteAndDay(name.site, name.day)]))
    return [
        Problem(
            path.name,
            _plain(error.message),
            line=getattr(error, "row_number", None),
            column=getattr(error, "field_name", None) or None,
        )
        for task in report.tasks
        for error in task.errors
    ]


def _plain(message: str) -> str:
    """frictionless's message, without the position that the problem states already."""
    return re.sub(r"^The row at position \d+ has an error: ", "", message)


def publish(portal: Portal, files: Sequence[Path], dry_run: bool = False) -> PublishSummary:
    """Upload each valid file to its site's dataset; ``dry_run`` only says what would change."""
    summary = PublishSummary(dry_run=dry_run)
    if not dry_run and not portal.can_write:
        raise PublishError(summary, "Publishing needs an API key: set STATGOUV_API_KEY.")

    valid = _refuse_invalid(files, summary)
    by_site: dict[str, list[Path]] = defaultdict(list)
    for path in valid:
        site = layout.parse_file_name(path.name)
        if site is not None:
            by_site[site.site].append(path)

    datasets = portal.datasets() if by_site else []
    for site, paths in sorted(by_site.items()):
        dataset = _site_dataset(site, datasets, paths, summary)
        if dataset is not None:
            _publish_site(portal, portal.dataset(dataset.id), paths, summary)

    log.info(
        "Publish%s: %d created, %d replaced, %d unchanged, %d refused, %d failed",
        " (dry run)" if dry_run else "",
        len(summary.created),
        len(summary.replaced),
        len(summary.unchanged),
        len(summary.refused),
        len(summary.failed),
    )
    if not dry_run and not summary.ok:
        raise PublishError(summary)
    return summary


def _refuse_invalid(files: Sequence[Path], summary: PublishSummary) -> list[Path]:
    problems = validate(files)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.file].append(problem)
    for name, found in by_file.items():
        shown = "; ".join(problem.detail for problem in found[:PROBLEMS_SHOWN])
        more = len(found) - PROBLEMS_SHOWN
        reason = f"invalid: {shown}" + (f" (and {more} more problems)" if more > 0 else "")
        summary.refused.append(Refusal(name, reason))
        log.error("Not publishing %s, %s", name, reason)
    return [path for path in files if path.name not in by_file]


def names_site(title: str, site: str) -> bool:
    """Whether a dataset title names the site's host as a whole word."""
    pattern = rf"(?<![\w.-]){re.escape(site)}(?![\w-]|\.\w)"
    return re.search(pattern, title.lower()) is not None


def _site_dataset(
    site: str, datasets: list[Dataset], paths: list[Path], summary: PublishSummary
) -> Dataset | None:
    matches = [dataset for dataset in datasets if names_site(dataset.title, site)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"{dataset.title!r} ({dataset.id})" for dataset in matches)
        reason = f"several datasets of the organisation name {site}: {listed}"
    else:
        reason = f"no dataset of the organisation names {site} in its title; create one"
    for path in paths:
        summary.refused.append(Refusal(path.name, reason))
    log.error("Not publishing the %d file(s) of %s: %s", len(paths), site, reason)
    return None


def _publish_site(
    portal: Portal, dataset: Dataset, paths: list[Path], summary: PublishSummary
) -> None:
    for path in sorted(paths):
        existing = _resource_for(dataset, path.name)
        try:
            _publish_file(portal, dataset, path, existing, summary)
        except PortalError as error:
            summary.failed.append(Refusal(path.name, str(error)))
            log.error("Could not publish %s: %s", path.name, error)
            if error.status in FATAL_STATUSES:
                headline = f"The portal refused to let the key write; stopped at {path.name}:"
                raise PublishError(summary, headline) from None


def _publish_file(
    portal: Portal,
    dataset: Dataset,
    path: Path,
    existing: PortalResource | None,
    summary: PublishSummary,
) -> None:
    kind = existing.checksum.kind if existing and existing.checksum else "sha1"
    # A checksum of a kind hashlib does not know cannot match: the file is sent.
    digest = _digest(path, kind) if kind in hashlib.algorithms_available else ""
    if (
        existing is not None
        and existing.checksum is not None
        and existing.checksum.value == digest
    ):
        if existing.title != path.name and not summary.dry_run:
            portal.retitle(dataset.id, existing.id, path.name)
        summary.unchanged.append(path.name)
        log.debug("%s is already on the portal", path.name)
        return

    action = "replace" if existing else "create"
    if summary.dry_run:
        log.info("Would %s %s in dataset %s", action, path.name, dataset.title)
    else:
        stored = portal.upload(dataset.id, path, existing.id if existing else None)
        _check_stored(dataset, path, stored)
        if stored.title != path.name:
            portal.retitle(dataset.id, stored.id, path.name)
        log.info("Published %s to dataset %s (%sd)", path.name, dataset.title, action)
    (summary.replaced if existing else summary.created).append(path.name)


def _check_stored(dataset: Dataset, path: Path, stored: PortalResource) -> None:
    call = f"upload of {path.name} to dataset {dataset.id}"
    size = path.stat().st_size
    if stored.filesize is not None and stored.filesize != size:
        raise PortalError(call, None, f"the portal stored {stored.filesize} bytes of {size}")
    if stored.checksum is None:
        raise PortalError(call, None, "the portal gave no checksum of the stored file")
    digest = _digest(path, stored.checksum.kind)
    if stored.checksum.value != digest:
        raise PortalError(
            call,
            None,
            f"the stored file's {stored.checksum.kind} is {stored.checksum.value}, "
            f"the file's is {digest}",
        )


def _resource_for(dataset: Dataset, name: str) -> PortalResource | None:
    """The resource titled with the file's name, or with udata's slug of it."""
    for title in (name, stored_name(name)):
        for resource in dataset.resources:
            if resource.title == title:
                return resource
    return None


def stored_name(name: str) -> str:
    """The name udata gives an uploaded file: lower case, runs of other signs as '-'."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


def _digest(path: Path, kind: str) -> str:
    hasher = hashlib.new(kind)
    hasher.update(path.read_bytes())
    return hasher.hexdigest()
