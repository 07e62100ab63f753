"""Published files for the portal tests, and the real udata they are served by."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import requests
from filelock import FileLock

from ingest import layout
from ingest.portal import ApiKey, Portal, PortalSettings

REPO = Path(__file__).resolve().parents[2]
UDATA_VENV = REPO / ".venv-udata"
UDATA_PACKAGES = ("udata==17.18.0", "mongomock==4.3.0")
INSTALLED_STAMP = ".statgouv-installed"
SERVER_SCRIPT = Path(__file__).with_name("udata_seed_server.py")
START_SECONDS = 120.0


def daily_text(site: str, day: date, visits: int) -> str:
    """A correct daily file of the published layout."""
    page_views = visits * 2 + 7
    row = [day.isoformat(), site]
    rows = [
        [*row, layout.TOTAL, "", "", str(visits), str(visits - 1), str(page_views),
         layout.format_decimal(page_views / visits, 2), "41,5", "00:01:53"],
        [*row, layout.PAGE, "1", f"https://{site}/", "", "", str(page_views - 1), "", "", ""],
        [*row, layout.SOURCE, "", "Moteurs de recherche", str(visits), "", "", "", "", ""],
        [*row, layout.DEVICE, "", "Ordinateur", str(visits), "", "", "", "", ""],
    ]  # fmt: skip
    return layout.render(rows)


def write_daily(directory: Path, site: str, day: date, visits: int) -> Path:
    path = directory / layout.file_name(site, day)
    path.write_bytes(daily_text(site, day, visits).encode(layout.ENCODING))
    return path


@dataclass
class Udata:
    """A running udata and what was seeded in it."""

    url: str
    organisation: str
    organisation_id: str
    datasets: dict[str, str]
    # Kept out of the repr: pytest prints arguments when a test fails.
    api_key: str = field(repr=False)
    outsider_key: str = field(repr=False)
    files: dict[str, bytes] = field(default_factory=dict)


def uv_command() -> list[str] | None:
    candidates = []
    if shutil.which("uv"):
        candidates.append([shutil.which("uv") or "uv"])
    candidates += [[sys.executable, "-m", "uv"], ["python3", "-m", "uv"]]
    for command in candidates:
        try:
            done = subprocess.run([*command, "--version"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return command
    return None


def ensure_udata_venv() -> tuple[Path | None, str]:
    """udata's own virtual environment, made once with uv; (python, "") or (None, why)."""
    python = UDATA_VENV / "bin" / "python"
    stamp = UDATA_VENV / INSTALLED_STAMP
    with FileLock(str(REPO / ".venv-udata.lock"), timeout=600):
        if stamp.is_file() and python.is_file():
            return python, ""
        uv = uv_command()
        if uv is None:
            return None, "uv is not installed, so udata's virtual environment cannot be made"
        steps = [
            [*uv, "venv", "--quiet", "--allow-existing", "--python", "3.11", str(UDATA_VENV)],
            [*uv, "pip", "install", "--quiet", "--python", str(python), *UDATA_PACKAGES],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip()[-500:]
                return None, f"could not install {' '.join(UDATA_PACKAGES)}: {tail}"
        stamp.write_text(" ".join(UDATA_PACKAGES) + "\n")
        return python, ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_udata(python: Path, root: Path, seed: dict) -> tuple[subprocess.Popen, Udata]:
    """Start udata seeded with ``seed``; wait until it answers."""
    port = free_port()
    seed_path, info_path, log_path = root / "seed.json", root / "info.json", root / "udata.log"
    seed_path.write_text(json.dumps(seed), encoding="utf-8")
    command = [str(python), str(SERVER_SCRIPT), "--port", str(port), "--root", str(root)]
    command += ["--seed", str(seed_path), "--out", str(info_path), "--parent", str(os.getpid())]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=_udata_env()
        )
    try:
        return process, _wait_for(process, f"http://127.0.0.1:{port}", info_path, log_path)
    except BaseException:
        # Whatever went wrong, no server is left running behind the tests.
        process.kill()
        process.wait(timeout=10)
        raise


def _wait_for(process: subprocess.Popen, url: str, info_path: Path, log_path: Path) -> Udata:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"udata stopped at start:\n{log_path.read_text()[-3000:]}")
        if info_path.is_file() and _answers(url):
            info = json.loads(info_path.read_text(encoding="utf-8"))
            return Udata(url=url, **info)
        time.sleep(0.2)
    raise RuntimeError(f"udata did not answer within {START_SECONDS:g} s:\n{log_path.read_text()}")


def _udata_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {name: os.environ[name] for name in keep if name in os.environ}


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/1/datasets/licenses/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def make_portal(
    url: str, organisation: str, key: str | None, timeout: float = 2.0, **options: object
) -> Portal:
    settings = PortalSettings(
        url=url,
        organisation=organisation,
        api_key=ApiKey(key) if key else None,
        timeout_seconds=timeout,
    )
    options.setdefault("backoff_seconds", 0.2)
    return Portal(settings, **options)  # type: ignore[arg-type]


def assert_no_key(text: str, udata: Udata) -> None:
    """Fail without showing the text, which would show the key."""
    leaked = udata.api_key in text or udata.outsider_key in text
    assert leaked is False, "an API key is in the text"
