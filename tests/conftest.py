"""Shared fixtures: the library on sys.path, and one real snakemake run of
config/test.yaml in a temporary copy of the workflow, reused by every test
that reads what the pipeline wrote."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

WORKFLOW_PARTS = ["Snakefile", "workflow", "config", "envs", "profiles"]


def snakemake_binary() -> str:
    """The snakemake next to the running Python (the project's venv)."""
    candidate = Path(sys.executable).with_name("snakemake")
    return str(candidate) if candidate.exists() else "snakemake"


@functools.cache
def schema_as_json() -> str:
    """The workflow's config schema, written as JSON to a temporary file: the
    same schema, which snakemake.utils.validate (it tries JSON before YAML)
    reads some thirty times faster, for tests that validate hundreds of configs."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    path = Path(tempfile.mkdtemp(prefix="tbio-schema-")) / "config.schema.json"
    path.write_text(json.dumps(schema))
    return str(path)


def copy_workflow(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", ".snakemake"))
        elif source.exists():
            shutil.copy2(source, destination / part)
    return destination


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    command = [snakemake_binary(), *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    return result


@pytest.fixture(scope="session")
def test_run(tmp_path_factory) -> Path:
    """A finished `snakemake --cores 2 --configfile config/test.yaml` run."""
    workdir = copy_workflow(tmp_path_factory.mktemp("workflow-run"))
    run_snakemake(workdir, "--cores", "2", "--configfile", "config/test.yaml")
    return workdir
