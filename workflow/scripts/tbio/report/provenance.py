"""Where a report came from: the config, the code version, the software and
the machine. Read without importing the heavy packages (torch stays unloaded:
its version comes from the installed metadata)."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
from importlib import metadata

import yaml

PACKAGES = ["torch", "numpy", "pandas", "snakemake", "biopython", "matplotlib"]


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_commit(folder: str = ".") -> str:
    """HEAD of the repository holding ``folder``, with '+ uncommitted changes'
    when the tree is dirty; 'unknown' outside a repository or without git."""
    if shutil.which("git") is None:
        return "unknown"
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> str:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024**2:.1f} GB"
    except OSError:
        pass
    return "unknown"


def gpus() -> str:
    """GPUs the report job sees (nvidia-smi), or 'none'."""
    if shutil.which("nvidia-smi") is None:
        return "none"
    try:
        found = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return "none"
    names = [line.strip() for line in found.stdout.splitlines() if line.strip()]
    return ", ".join(names) if found.returncode == 0 and names else "none"


def provenance(
    metrics: list[dict], config: dict, folder: str = ".", now: datetime.datetime | None = None
) -> list[tuple[str, str]]:
    """(what, value) rows: date, commit, seeds, software, machine. Training
    facts (device, threads, torch) come from the metrics the jobs wrote, since
    a cluster may have trained on other machines than this one."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    seeds = sorted({record["seed"] for record in metrics}) or config.get("seeds", [])
    devices = sorted({str(record.get("device", "unknown")) for record in metrics})
    train_threads = sorted({str(record.get("threads", "unknown")) for record in metrics})
    trained_torch = sorted({str(record.get("torch", "unknown")) for record in metrics})
    # ops that ran without a deterministic kernel (GPU jobs only, if any): such jobs may not repeat bit for bit
    unrepeatable = sorted(
        {
            f"{record['model']} seed {record['seed']}" + (f" on {record['dataset']}" if record.get("dataset") else "")
            for record in metrics
            if record.get("nondeterministic_ops")
        }
    )
    unrepeatable_ops = sorted({op for record in metrics for op in record.get("nondeterministic_ops") or []})
    rows = [
        ("report date (UTC)", now.strftime("%Y-%m-%d %H:%M:%S")),
        ("git commit", git_commit(folder)),
        ("seeds", ", ".join(map(str, seeds))),
        ("Python", platform.python_version()),
        *((name, package_version(name)) for name in PACKAGES),
        ("torch used for training", ", ".join(trained_torch) or "unknown"),
        ("training device(s)", ", ".join(devices) or "unknown"),
        ("training threads per job", ", ".join(train_threads) or "unknown"),
        (
            "bit-repeatable training",
            (
                (
                    f"no for {len(unrepeatable)} job(s) ({', '.join(unrepeatable)}): "
                    f"{', '.join(unrepeatable_ops)} ran without a deterministic kernel"
                )
                if unrepeatable
                else "yes: every op had a deterministic kernel on its device"
            ),
        ),
        ("GPU(s) seen by the report job", gpus()),
        ("CPU", _cpu_model()),
        (
            "CPU count (usable / total)",
            f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'} / {os.cpu_count()}",
        ),
        ("memory", _memory_gb()),
        ("platform", platform.platform()),
    ]
    return rows


# --- the config as YAML, each key with its schema description --------------------------


def _descriptions(schema: dict, prefix: tuple = ()) -> dict:
    found = {}
    for key, sub in (schema or {}).get("properties", {}).items():
        if not isinstance(sub, dict):
            continue
        path = prefix + (key,)
        if "description" in sub:
            found[path] = " ".join(str(sub["description"]).split())
        found.update(_descriptions(sub, path))
    return found


def _scalar(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def annotated_config(config: dict, schema: dict | None = None) -> str:
    """The config as YAML, one line per leaf, each key's schema description as
    a comment above it. Loading the text back gives ``config``."""
    descriptions = _descriptions(schema or {})
    lines: list[str] = []

    def walk(node: dict, path: tuple, depth: int) -> None:
        indent = "  " * depth
        for key, value in node.items():
            here = path + (key,)
            if here in descriptions:
                lines.append(f"{indent}# {descriptions[here]}")
            if isinstance(value, dict) and value:
                lines.append(f"{indent}{key}:")
                walk(value, here, depth + 1)
            else:
                lines.append(f"{indent}{key}: {_scalar(value)}")

    walk(config, (), 0)
    return "\n".join(lines) + "\n"
