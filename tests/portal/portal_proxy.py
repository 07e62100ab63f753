"""A small HTTP proxy in front of the real udata that makes the faults it cannot make.

Each request is matched against the faults added to the proxy, first match first;
a fault fires a given number of times, or always. Without a fault, the request goes
to udata unchanged and the answer comes back with udata's address replaced by the
proxy's, so that file addresses and redirects lead through the proxy too.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Fault:
    """What to do to the requests whose method and path match.

    kind: ``status`` answers ``status`` without asking udata; ``stall`` waits
    ``seconds`` and hangs up without an answer; ``truncate`` sends half of udata's
    body under the full length; ``corrupt`` changes the body's bytes but not its
    length; ``checksum`` changes the checksums in udata's JSON; ``endless`` makes a
    list's ``next_page`` always point further; ``echo_key`` answers 401 with the
    request's API key in the message, as a careless server might.
    """

    kind: str
    method: str = "*"
    path: str = ""
    times: int | None = 1
    status: int = 500
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return self.method in ("*", method) and self.path in path


@dataclass(frozen=True)
class Seen:
    """A request the proxy received, and the status it answered."""

    method: str
    path: str
    status: int
    with_key: bool


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream).netloc
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.netloc = f"127.0.0.1:{self._server.server_address[1]}"
        self.url = f"http://{self.netloc}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def record(self, method: str, path: str, status: int, with_key: bool) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, status, with_key))

    def requests(self, method: str = "*", path: str = "") -> list[Seen]:
        with self._lock:
            return [
                seen for seen in self.seen if method in ("*", seen.method) and path in seen.path
            ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = proxy.take(self.command, self.path)
            if fault is not None and fault.kind == "stall":
                self._record(0)
                time.sleep(fault.seconds)
                self.close_connection = True
                return
            if fault is not None and fault.kind == "status":
                self._send(fault.status, {}, json.dumps({"message": "injected"}).encode())
                return
            if fault is not None and fault.kind == "echo_key":
                key = self.headers.get("X-API-KEY", "")
                message = json.dumps({"message": f"Invalid API token {key}"}).encode()
                self._send(401, {}, message)
                return

            # An endless list serves its first page again under every page number.
            endless = fault is not None and fault.kind == "endless"
            upstream_path = re.sub(r"([?&])page=\d+&?", r"\1", self.path) if endless else self.path
            status, headers, answer = self._forward(upstream_path, body)
            if fault is not None:
                answer = _spoil(fault, answer, self.path, proxy)
            if fault is not None and fault.kind == "truncate":
                self._record(status)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer[: len(answer) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, headers, answer)

        def _record(self, status: int) -> None:
            proxy.record(self.command, self.path, status, "X-API-KEY" in self.headers)

        def _forward(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection(proxy.upstream, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            headers["Host"] = proxy.upstream
            if body:
                headers["Content-Length"] = str(len(body))
            try:
                connection.request(self.command, path, body=body or None, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                kept = {
                    k: v.replace(proxy.upstream, proxy.netloc)
                    for k, v in response.getheaders()
                    if k.lower() not in HOP_HEADERS
                }
                return (
                    response.status,
                    kept,
                    answer.replace(proxy.upstream.encode(), proxy.netloc.encode()),
                )
            finally:
                connection.close()

        def _send(self, status: int, headers: dict[str, str], answer: bytes) -> None:
            self._record(status)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not any(name.lower() == "content-type" for name in headers):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def _spoil(fault: Fault, answer: bytes, path: str, proxy: FaultProxy) -> bytes:
    if fault.kind == "corrupt":
        return bytes(byte ^ 0x01 if byte not in (0x0A, 0x3B) else byte for byte in answer)
    if fault.kind == "checksum":
        data = json.loads(answer)
        for resource in data.get("resources") or ():
            if resource.get("checksum"):
                resource["checksum"]["value"] = "0" * 40
        return json.dumps(data).encode()
    if fault.kind == "endless":
        data = json.loads(answer)
        page = int(parse_qs(urlsplit(path).query).get("page", ["1"])[0])
        data["next_page"] = f"{proxy.url}{urlsplit(path).path}?page={page + 1}"
        return json.dumps(data).encode()
    return answer
