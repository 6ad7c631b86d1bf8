"""What every benchmark part shares: paths, timing, the machine's description,
and writing a result as a TSV and a printed table."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

# what a copy of the workflow needs (as tests/conftest.py copies it)
WORKFLOW_PARTS = ["Snakefile", "workflow", "config", "envs", "profiles"]


def best_of(
    run: Callable[[], object], repeats: int, max_seconds: float = float("inf"), min_repeats: int = 1
) -> tuple[float, int]:
    """Fastest of up to ``repeats`` timed calls (at least ``min_repeats``,
    fewer than ``repeats`` once they add up to ``max_seconds``) and how many
    ran: on a shared machine interference only ever adds time, so the
    minimum is the best estimate of the cost."""
    times: list[float] = []
    while len(times) < min_repeats or (len(times) < repeats and sum(times) < max_seconds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times), len(times)


def best_of_wall_and_cpu(run: Callable[[], object], repeats: int) -> tuple[float, float, int]:
    """Fastest wall time and fastest CPU time (this process, user + system) of
    ``repeats`` calls. For single-threaded work the CPU time is close to what
    a quiet machine's wall time would be, even while other work runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), repeats


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def machine() -> dict:
    """The machine and software a result was measured on; the load average
    at the start says whether the timings can be trusted (about 0 is quiet)."""
    import numpy
    import torch

    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(memory_gib(), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "torch_threads_default": torch.get_num_threads(),
    }


def copy_workflow(destination: Path) -> Path:
    """A fresh copy of the workflow (no data/, no results/) to run snakemake in."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", ".snakemake"))
        elif source.exists():
            shutil.copy2(source, destination / part)
    return destination


def snakemake_binary() -> str:
    """The snakemake next to the running Python (the project's venv)."""
    candidate = Path(sys.executable).with_name("snakemake")
    return str(candidate) if candidate.exists() else "snakemake"


# (title, markdown) of every table printed in this run, for summary.md
PRINTED: list[tuple[str, str]] = []


def save(table: pd.DataFrame, out_dir: Path, name: str, title: str, columns: list[str] | None = None) -> Path:
    """Write ``table`` to ``out_dir/name.tsv`` and print ``columns`` of it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.tsv"
    table.to_csv(path, sep="\t", index=False, float_format="%.6g")
    shown = table if columns is None else table[[c for c in columns if c in table.columns]]
    text = markdown(shown)
    PRINTED.append((title, text))
    print(f"\n## {title}  ({path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})\n")
    print(text)
    sys.stdout.flush()
    return path


def _cell(value) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table, ready to paste into the README."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
