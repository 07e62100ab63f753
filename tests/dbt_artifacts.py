"""dbt's documentation artifacts of a built warehouse, generated once per test process."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DBT = ROOT / ".venv" / "bin" / "dbt"


@dataclass(frozen=True)
class DocsArtifacts:
    """What ``dbt docs generate`` wrote: the manifest, the catalog, and its output."""

    target: Path
    returncode: int
    output: str

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.target / "manifest.json").read_text(encoding="utf-8"))

    @property
    def catalog(self) -> dict[str, Any]:
        return json.loads((self.target / "catalog.json").read_text(encoding="utf-8"))


@functools.cache
def generate_docs(warehouse: Path) -> DocsArtifacts:
    """Run ``dbt docs generate`` on a copy of ``warehouse``, into a target folder of its own.

    The copy leaves the warehouse free for the tests that read it meanwhile.
    """
    work = Path(tempfile.mkdtemp(prefix="statgouv-docs-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    copy = work / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    env = {
        **os.environ,
        "STATGOUV_WAREHOUSE": str(copy),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    done = subprocess.run(
        [str(DBT), "docs", "generate", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return DocsArtifacts(work / "target", done.returncode, done.stdout + done.stderr)
