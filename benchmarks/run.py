"""Run every benchmark, each in a process of its own, and print all RESULT lines at the end.

    make bench            # PostgreSQL and Redis, full sizes, verdicts (docs/performance.md)
    make bench QUICK=1    # small sizes, SQLite unless DATABASE_URL is set: does each still run?
    .venv/bin/python benchmarks/run.py trends history   # only these

Exits 1 when a benchmark fails to run, or (full runs only) when a target is not met.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# In the order the issue lists them; each is benchmarks/<name>.py.
BENCHMARKS = (
    "seed",
    "submit",
    "trends",
    "clinic_list",
    "history",
    "export",
    "dispatch",
    "release",
)


def main(argv: list[str]) -> int:
    chosen = argv or [name for name in BENCHMARKS if (HERE / f"{name}.py").exists()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    quick = os.environ.get("QUICK", "") not in ("", "0")
    database = os.environ.get("DATABASE_URL", "sqlite (in memory)").split("@")[-1]
    print(
        f"benchmarks: {', '.join(chosen)}; {'quick' if quick else 'full'}; database {database}; "
        f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        flush=True,
    )
    results: list[str] = []
    failed: list[str] = []
    for name in chosen:
        print(f"\n== {name}", flush=True)
        start = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - names come from BENCHMARKS
            [sys.executable, str(HERE / f"{name}.py")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout
        lines = []
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
        code = process.wait()
        found = [line for line in lines if line.startswith("RESULT ")]
        results.extend(found)
        print(f"   ({time.monotonic() - start:.0f} s)", flush=True)
        if code != 0 or not found:
            failed.append(f"{name}: exit {code}, {len(found)} RESULT lines")
    print("\n== results")
    for line in results:
        print(line)
    for problem in failed:
        print(f"ERROR {problem}")
    missed = [] if quick else [line for line in results if " FAIL" in line]
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
