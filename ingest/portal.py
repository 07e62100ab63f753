"""A small client of the udata API: an organisation's datasets, their files, uploads.

Every call has a timeout. Connection errors, timeouts and the statuses in
``RETRY_STATUSES`` are retried with exponential back-off by urllib3's ``Retry``;
a download whose body breaks half way is started again with tenacity. The API
key is sent only to the portal's own API, never to a file's address, and it
never appears in a log line, a repr or an error: errors are rebuilt from the
call, the status and udata's ``message``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as TransportTimeout
from urllib3.util.retry import Retry

from ingest.settings import SettingsError, seconds_setting

log = logging.getLogger(__name__)

DEFAULT_PORTAL_URL = "https://www.data.gouv.fr"
DEFAULT_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
RETRIES = 4
BACKOFF_SECONDS = 0.5
PAGE_SIZE = 100
# The organisation publishes about 900 sites; 100 pages of 100 leave room to grow
# while a list whose next page never runs out still stops.
MAX_PAGES = 100
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK_BYTES = 1 << 16
MESSAGE_CHARS = 300


class PortalError(Exception):
    """A call to the portal failed: which call, which status, what the portal said."""

    def __init__(self, call: str, status: int | None, message: str) -> None:
        self.call = call
        self.status = status
        self.message = message
        answer = f"answered {status}" if status is not None else "failed"
        super().__init__(f"{call} {answer}: {message}")


class TransferError(PortalError):
    """A file's body broke off or timed out half way; trying again may help."""


class ApiKey:
    """The portal's API key. It prints as stars; only ``reveal`` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class PortalSettings:
    """Where the portal is, whose datasets to read and write, and the key to write them."""

    url: str
    organisation: str
    api_key: ApiKey | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PortalSettings:
        """Read ``STATGOUV_PORTAL_URL``, ``STATGOUV_ORGANISATION``, ``STATGOUV_API_KEY``
        and ``STATGOUV_PORTAL_TIMEOUT`` (seconds)."""
        env = os.environ if environ is None else environ
        url = env.get("STATGOUV_PORTAL_URL", "").strip() or DEFAULT_PORTAL_URL
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise SettingsError(f"STATGOUV_PORTAL_URL must be an http(s) address, not {url!r}")
        organisation = env.get("STATGOUV_ORGANISATION", "").strip()
        if not organisation:
            raise SettingsError(
                "STATGOUV_ORGANISATION is not set: give the slug or id of the organisation "
                "that publishes the audience files on the portal"
            )
        key = env.get("STATGOUV_API_KEY", "").strip()
        timeout_seconds = seconds_setting(
            "STATGOUV_PORTAL_TIMEOUT", DEFAULT_TIMEOUT_SECONDS, env, above_zero=True
        )
        return cls(
            url=url.rstrip("/"),
            organisation=organisation,
            api_key=ApiKey(key) if key else None,
            timeout_seconds=timeout_seconds,
        )


@dataclass(frozen=True)
class Checksum:
    kind: str  # a hashlib name: udata writes sha1
    value: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Checksum | None:
        if not data or not data.get("type") or not data.get("value"):
            return None
        return cls(str(data["type"]).lower(), str(data["value"]).lower())


@dataclass(frozen=True)
class Resource:
    """One file of a dataset, as the portal describes it."""

    id: str
    title: str
    url: str
    format: str | None
    filesize: int | None
    last_modified: str | None
    checksum: Checksum | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Resource:
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            url=str(data.get("url") or ""),
            format=data.get("format"),
            filesize=int(data["filesize"]) if data.get("filesize") is not None else None,
            last_modified=data.get("last_modified"),
            checksum=Checksum.from_json(data.get("checksum")),
        )


@dataclass(frozen=True)
class Dataset:
    """A dataset of the organisation; ``resources`` is empty in a listing."""

    id: str
    slug: str
    title: str
    resources: tuple[Resource, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], with_resources: bool = False) -> Dataset:
        resources = data.get("resources") if with_resources else None
        return cls(
            id=str(data["id"]),
            slug=str(data.get("slug") or ""),
            title=str(data.get("title") or ""),
            resources=tuple(Resource.from_json(item) for item in resources or ()),
        )


class Portal:
    """A session with one udata portal, for one organisation."""

    def __init__(
        self,
        settings: PortalSettings,
        *,
        retries: int = RETRIES,
        backoff_seconds: float = BACKOFF_SECONDS,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.page_size = page_size
        self.max_pages = max_pages
        self._timeout = (
            min(CONNECT_TIMEOUT_SECONDS, settings.timeout_seconds),
            settings.timeout_seconds,
        )
        # Reads may be sent again after a read timeout; an upload may not, since the
        # portal may have stored it already and a second one would make a duplicate.
        self._reads = self._session(read_retries=retries)
        self._writes = self._session(read_retries=0)

    @classmethod
    def from_env(cls) -> Portal:
        return cls(PortalSettings.from_env())

    def __repr__(self) -> str:
        return f"Portal({self.settings.url!r}, organisation={self.settings.organisation!r})"

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._reads.close()
        self._writes.close()

    @property
    def can_write(self) -> bool:
        return self.settings.api_key is not None

    def datasets(self) -> list[Dataset]:
        """The organisation's datasets, every page of them, without their resources."""
        path = f"/api/1/organizations/{self.settings.organisation}/datasets/"
        found: dict[str, Dataset] = {}
        for page in range(1, self.max_pages + 1):
            body = self._json("GET", path, params={"page": page, "page_size": self.page_size})
            for item in body.get("data") or ():
                dataset = Dataset.from_json(item)
                found.setdefault(dataset.id, dataset)
            # The next page is asked for by number, not by following ``next_page``,
            # so that the key never goes to an address the portal hands back.
            if not body.get("next_page"):
                log.debug("The organisation has %d datasets", len(found))
                return list(found.values())
        raise PortalError(
            f"GET {path}",
            None,
            f"the list did not end after {self.max_pages} pages of {self.page_size}; "
            "stopping rather than reading forever",
        )

    def dataset(self, dataset_id: str) -> Dataset:
        """One dataset with all its resources."""
        return Dataset.from_json(
            self._json("GET", f"/api/1/datasets/{dataset_id}/"), with_resources=True
        )

    def download(
        self, url: str, sink: BinaryIO, on_bytes: Callable[[int], None] | None = None
    ) -> int:
        """Write a file's bytes to ``sink`` (rewound on a new try); return how many."""
        attempts = Retrying(
            retry=retry_if_exception_type(TransferError),
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=30),
            before_sleep=lambda state: log.warning(
                "Download broke off (%s); trying again", state.outcome.exception()
            ),
            reraise=True,
        )
        for attempt in attempts:
            with attempt:
                sink.seek(0)
                sink.truncate()
                return self._download_once(url, sink, on_bytes)
        raise AssertionError("tenacity either returns or raises")  # pragma: no cover

    def upload(self, dataset_id: str, path: Path, resource_id: str | None = None) -> Resource:
        """Upload a file as a new resource, or as the new file of ``resource_id``."""
        call = (
            f"/api/1/datasets/{dataset_id}/resources/{resource_id}/upload/"
            if resource_id
            else f"/api/1/datasets/{dataset_id}/upload/"
        )
        with path.open("rb") as handle:
            body = self._json("POST", call, files={"file": (path.name, handle, "text/csv")})
        return Resource.from_json(body)

    def retitle(self, dataset_id: str, resource_id: str, title: str) -> Resource:
        """Set a resource's title (udata titles an upload with a slug of its name)."""
        path = f"/api/1/datasets/{dataset_id}/resources/{resource_id}/"
        return Resource.from_json(self._json("PUT", path, json={"title": title}))

    def _session(self, read_retries: int) -> requests.Session:
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=read_retries,
            status=self.retries,
            other=0,
            backoff_factor=self.backoff_seconds,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        session = requests.Session()
        session.headers["User-Agent"] = "statgouv"
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        call = f"{method} {path}"
        writes = method != "GET"
        headers = {"Accept": "application/json"}
        if self.settings.api_key is not None:
            headers["X-API-KEY"] = self.settings.api_key.reveal()
        elif writes:
            raise SettingsError(f"{call} needs an API key: set STATGOUV_API_KEY")
        session = self._writes if writes else self._reads
        try:
            response = session.request(
                method,
                self.settings.url + path,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as error:
            raise PortalError(call, None, self._describe(error)) from None
        with response:
            self._raise_for_status(call, response)
            try:
                return response.json()
            except ValueError:
                raise PortalError(call, response.status_code, "the answer is not JSON") from None

    def _download_once(
        self, url: str, sink: BinaryIO, on_bytes: Callable[[int], None] | None
    ) -> int:
        call = f"GET {urlsplit(url).path}"
        written = 0
        receiving = False
        try:
            with self._reads.get(url, stream=True, timeout=self._timeout) as response:
                self._raise_for_status(call, response)
                receiving = True
                for chunk in response.iter_content(CHUNK_BYTES):
                    sink.write(chunk)
                    written += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
        except requests.RequestException as error:
            if receiving:
                raise TransferError(
                    call, None, f"broke off after {written} bytes: {self._describe(error)}"
                ) from None
            raise PortalError(call, None, self._describe(error)) from None
        return written

    def _raise_for_status(self, call: str, response: requests.Response) -> None:
        if response.status_code < 300:
            return
        if response.status_code < 400:
            # API calls do not follow redirects: the key would go along to wherever
            # they point. A portal address that redirects is a setting to correct.
            where = urlsplit(response.headers.get("Location", "")).netloc or "elsewhere"
            message = f"redirects to {where}; check STATGOUV_PORTAL_URL"
        else:
            message = _message(response)
        raise PortalError(call, response.status_code, self._scrub(message))

    def _describe(self, error: requests.RequestException) -> str:
        """What went wrong, without the request itself (and so without the key)."""
        cause = error.args[0] if error.args else error
        # urllib3 gives up with a MaxRetryError that keeps the last cause.
        cause = getattr(cause, "reason", None) or cause
        # A refused connection is a NewConnectionError, which urllib3 derives from
        # its timeout error; it is not a timeout.
        timed_out = isinstance(cause, TransportTimeout) and not isinstance(
            cause, NewConnectionError
        )
        if isinstance(error, requests.Timeout) or timed_out:
            text = f"timed out: no answer within {self.settings.timeout_seconds:g} s"
        elif isinstance(error, requests.ConnectionError):
            text = f"could not reach the portal: {_UNTOLD.sub('', str(cause))}"
        else:
            text = f"{type(error).__name__}: {_UNTOLD.sub('', str(cause))}"
        return self._scrub(text)[:MESSAGE_CHARS]

    def _scrub(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key.reveal(), "***") if key is not None else text


# The object reprs that urllib3 puts in front of its reasons.
_UNTOLD = re.compile(r"<[^<>]+ object at 0x[0-9a-f]+>:? ?")


def _message(response: requests.Response) -> str:
    """udata's ``message``, or the start of whatever else the answer holds."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:MESSAGE_CHARS]
    text = " ".join(response.text.split())
    return text[:MESSAGE_CHARS] or response.reason or "no message"
