"""Benchmark of the daily job at national scale; prints every figure of BENCHMARKS.md.

    .venv/bin/python bench/bench.py --sites 900 --history 365 --backfill-days 730

Every step runs as its own process, measured with wall time and the peak
resident memory the kernel reports for it (``wait4``). Baselines are measured
in the same run on the same files, and targets are checked as ratios, since
this machine's speed varies from one run to the next.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
END = date(2024, 6, 30)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mb: float
    output: str


def measure(command: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run one step in its own process; wall time and its peak resident memory."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step failed: {' '.join(command)}\n{output[-3000:]}")
    return Measure(seconds, usage.ru_maxrss / 1024, output)


def python_step(code: str, *args: str) -> list[str]:
    return [str(PYTHON), "-c", code, *args]


BARE_READ_CSV = """
import sys, duckdb
from pathlib import Path
files = [str(p) for d in sys.argv[1:] for p in sorted(Path(d).glob('*.csv'))]
con = duckdb.connect()
con.execute('''create table lines (
    "date" date, site varchar, ligne varchar, rang integer, libelle varchar,
    visites bigint, visiteurs bigint, pages_vues bigint, pages_par_visite decimal(10, 2),
    taux_rebond decimal(5, 1), temps_par_visite varchar)''')
con.execute('''insert into lines select * from read_csv($files, delim=';', header=true,
    decimal_separator=',', auto_detect=false, columns={
    'date': 'DATE', 'site': 'VARCHAR', 'ligne': 'VARCHAR', 'rang': 'INTEGER',
    'libelle': 'VARCHAR', 'visites': 'BIGINT', 'visiteurs': 'BIGINT',
    'pages_vues': 'BIGINT', 'pages_par_visite': 'DECIMAL(10,2)',
    'taux_rebond': 'DECIMAL(5,1)', 'temps_par_visite': 'VARCHAR'})''', {'files': files})
print(con.execute('select count(*) from lines').fetchone()[0])
"""

# A plain pandas loader: each file read by pandas, as text, and appended to a
# DuckDB table, one file after the other.
PANDAS_LOOP = """
import sys, duckdb, pandas
from pathlib import Path
files = [p for d in sys.argv[1:] for p in sorted(Path(d).glob('*.csv'))]
con = duckdb.connect()
con.execute('create table lines (' + ', '.join(
    f'"{name}" varchar' for name in pandas.read_csv(files[0], sep=';', nrows=0).columns) + ')')
for path in files:
    frame = pandas.read_csv(path, sep=';', dtype=str, keep_default_na=False)
    con.execute('insert into lines select * from frame')
print(con.execute('select count(*) from lines').fetchone()[0])
"""


def day_folders(corpus: Path, first: date, days: int) -> list[str]:
    return [str(corpus / (first + timedelta(days=i)).isoformat()) for i in range(days)]


def write_corpus(corpus: Path, sites: int, days: int) -> Measure:
    """The sample generator's corpus, one folder per day so that ranges load by folder."""
    flat = corpus / "flat"
    step = measure(
        [str(BIN / "statgouv"), "sample", "--out", str(flat), "--sites", str(sites),
         "--days", str(days)]
    )  # fmt: skip
    for path in flat.iterdir():
        day = path.stem.rsplit("_", 1)[1]
        (corpus / day).mkdir(exist_ok=True)
        path.rename(corpus / day / path.name)
    flat.rmdir()
    return step


def count_lines(folders: list[str]) -> tuple[int, int]:
    files = lines = 0
    for folder in folders:
        for path in Path(folder).glob("*.csv"):
            files += 1
            lines += path.read_bytes().count(b"\n") - 1
    return files, lines


def statgouv(*args: str) -> list[str]:
    return [str(BIN / "statgouv"), *args]


def report(name: str, step: Measure, files: int | None = None, lines: int | None = None) -> None:
    rates = ""
    if lines:
        rates = f"  {lines / step.seconds:>10,.0f} lines/s"
    if files:
        rates += f"  {files / step.seconds:>8,.0f} files/s"
    print(f"{name:<44} {step.seconds:>8.1f} s  {step.peak_mb:>8,.0f} MB{rates}", flush=True)


def versions() -> str:
    code = "import duckdb, dbt.version; print(duckdb.__version__, dbt.version.__version__)"
    duck, dbt = subprocess.run(python_step(code), capture_output=True, text=True).stdout.split()
    return (
        f"Python {platform.python_version()}, DuckDB {duck}, dbt-core {dbt}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=900)
    parser.add_argument("--history", type=int, default=365, help="days of the long history")
    parser.add_argument("--short-history", type=int, default=30)
    parser.add_argument("--backfill-days", type=int, default=0, help="0 to skip the backfill")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the load comparison")
    parser.add_argument("--work", type=Path, default=None, help="kept when given")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="statgouv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.duckdb*"):  # every step starts from an empty warehouse
        old.unlink()
    print(f"machine: {versions()}")
    print(f"work folder: {work}\n")

    corpus = work / "corpus"
    total_days = max(args.history + 1, args.backfill_days)
    if not corpus.exists():
        report(
            f"sample: {args.sites} sites x {total_days} days",
            write_corpus(corpus, args.sites, total_days),
        )

    # 1. Load throughput against the limits of this machine, on the same files.
    # The three are run in turns, several rounds, and each ratio is the median
    # of the rounds' ratios: a slow spell of the machine then weighs on one
    # round, not on one of the three only.
    load_set = day_folders(corpus, END - timedelta(days=args.short_history), args.short_history)
    files, lines = count_lines(load_set)
    print(f"\n1. load of {files:,} files, {lines:,} lines, {args.rounds} round(s)")
    rounds = []
    for _ in range(args.rounds):
        (work / "load.duckdb").unlink(missing_ok=True)
        (work / "load.duckdb.wal").unlink(missing_ok=True)
        loaded = measure(
            statgouv("load", *load_set), {"STATGOUV_WAREHOUSE": str(work / "load.duckdb")}
        )
        bare = measure(python_step(BARE_READ_CSV, *load_set))
        pandas = measure(python_step(PANDAS_LOOP, *load_set))
        report("statgouv load", loaded, files, lines)
        report("bare DuckDB read_csv into a typed table", bare, files, lines)
        report("pandas loop", pandas, files, lines)
        rounds.append((bare.seconds / loaded.seconds, pandas.seconds / loaded.seconds))
    to_bare = statistics.median(r[0] for r in rounds)
    to_pandas = statistics.median(r[1] for r in rounds)
    print(f"   load / read_csv throughput: {to_bare:.2f}, median of {len(rounds)} (target >= 0.7)")
    print(f"   load / pandas throughput:   {to_pandas:.2f}, median of {len(rounds)} (target >= 3)")

    # 2. and 3. A full build, then the daily run on a short and a long history.
    print(f"\n2-4. daily run: one new day for {args.sites} sites")
    daily_day = [str(corpus / END.isoformat())]
    timings = {}
    for days in (args.short_history, args.history):
        warehouse = work / f"history-{days}.duckdb"
        env = {"STATGOUV_WAREHOUSE": str(warehouse)}
        history = day_folders(corpus, END - timedelta(days=days), days)
        report(f"load of {days} days", measure(statgouv("load", *history), env))
        report(f"full dbt build on {days} days", measure(statgouv("build"), env))
        daily = measure(
            statgouv("run", "--input", *daily_day, "--out", str(work / f"out-{days}")), env
        )
        report(f"daily run (load, build, export) at {days} days", daily)
        timings[days] = daily.seconds
        export = measure(
            statgouv("export", "--date", END.isoformat(), "--out", str(work / f"day-{days}")), env
        )
        report(f"export of one day for every site at {days} days", export)
    ratio = timings[args.history] / timings[args.short_history]
    print(
        f"   daily run at {args.history} days / at {args.short_history} days: {ratio:.2f}"
        " (target <= 1.2, and under 30 s)"
    )

    if args.backfill_days:
        print(f"\n5. backfill: {args.sites} sites x {args.backfill_days} days")
        env = {"STATGOUV_WAREHOUSE": str(work / "backfill.duckdb")}
        folders = day_folders(
            corpus, END - timedelta(days=args.backfill_days - 1), args.backfill_days
        )
        files, lines = count_lines(folders)
        load = measure(statgouv("load", *folders), env)
        build = measure(statgouv("build"), env)
        report("backfill load", load, files, lines)
        report("backfill build", build)
        print(
            f"   backfill load and build: {(load.seconds + build.seconds) / 60:.1f} min"
            f" (target < 15), peak {max(load.peak_mb, build.peak_mb):,.0f} MB (target < 4096)"
        )

    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
