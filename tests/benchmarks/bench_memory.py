"""Peak memory of each rule's job against tbio.resources' estimate: the
calibration behind that module's constants. Each job runs the library calls
its rule script makes, in a fresh Python process, and reports VmHWM.

    .venv/bin/python tests/benchmarks/bench_memory.py [config name ...]   # ~6 min of CPU
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

from tbio.resources import (  # noqa: E402
    CHANNELS,
    MB,
    RULES,
    SNAKEMAKE_MB,
    encode_bytes,
    job_memory_mb,
    split_sizes,
)

LIBRARY = ROOT / "workflow" / "scripts"


_PRELUDE = """
import json, resource, sys
spec = json.loads(sys.argv[1])
sys.path.insert(0, spec["library"])
config, work = spec["config"], spec["work"]
"""
# VmHWM, not ru_maxrss: Linux carries a parent's peak RSS into its child's
# ru_maxrss across fork and exec, so a large parent would inflate the reading.
_POSTLUDE = """
try:
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("peak_kib", peak)
"""
# What each rule's script calls, with the rule's arguments (workflow/scripts/*.py).
_JOBS = {
    "simulate_dna": """
from tbio.data.fasta import write_records
from tbio.data.motifs import task_elements
from tbio.data.pairs import simulate_pairs
from tbio.data.simulate import SPLITS, assert_disjoint, split_seed
dna = config["dna"]
window = max(dna["windows"])
promoters, enhancers = task_elements(dna)
splits = {
    split: simulate_pairs(n=dna[f"n_{split}"], seq_len=dna["seq_len"], promoters=promoters, enhancers=enhancers,
                          window=window, seed=split_seed(dna["data_seed"], split, *window),
                          id_prefix=f"w{window[0]}-{window[1]}_{split}")
    for split in SPLITS
}
assert_disjoint(splits)
for split in SPLITS:
    write_records(splits[split], f"{work}/dna/{split}.fasta", f"{work}/dna/{split}.labels.tsv")
""",
    "simulate_protein": """
from tbio.data.fasta import write_records
from tbio.data.simulate import SPLITS, assert_disjoint, split_seed
from tbio.data.spacing import simulate_spacing
protein = config["protein"]
splits = {  # the longest length of the sweep, which sets the estimate
    split: simulate_spacing(n=protein[f"n_{split}"], seed=split_seed(protein["data_seed"], split),
                            id_prefix=f"protein_{split}", seq_len=max(protein["seq_lens"]),
                            **{key: protein[key] for key in ("motif_a", "motif_b", "near", "far", "repeats")})
    for split in SPLITS
}
assert_disjoint(splits)
for split in SPLITS:
    write_records(splits[split], f"{work}/protein/{split}.fasta", f"{work}/protein/{split}.labels.tsv")
""",
    "encode_onehot": """
from tbio.data.encode import write_encoded
task, split = spec["task"], spec["split"]
write_encoded(f"{work}/{task}/{split}.fasta", f"{work}/{task}/{split}.labels.tsv", task,
              f"{work}/{task}/{split}.x.npy", f"{work}/{task}/{split}.y.npy")
""",
    "train": """
from tbio.train.run import train_job
model, task = spec["model"], spec["task"]
dna = task == "dna"
folder = f"{work}/{task}"
train_job(
    model, task, settings=config["models"][model], seed=1, threads=config["threads"]["train"],
    arrays={f"{a}_{s}": f"{folder}/{s}.{a}.npy" for a in "xy" for s in ("train", "val", "test")},
    checkpoint_path=f"{work}/{model}.checkpoint.pt", metrics_path=f"{work}/{model}.metrics.json",
    contributions_path=f"{work}/{model}.contributions.tsv" if dna else None,
    attention_path=f"{work}/{model}.attention.tsv" if model == "enformer" else None,
    controls_path=f"{work}/{model}.controls.tsv" if dna else None,
    by_distance_path=f"{work}/{model}.by_distance.tsv" if dna else None,
    test_labels=f"{folder}/test.labels.tsv" if dna else None,
    probe={f"{a}_probe": f"{folder}/probe.{a}.npy" for a in "xy"} | {"labels_probe": f"{folder}/probe.labels.tsv"}
    if dna else None,
    resume_path=f"{work}/{model}.resume.pt", dataset="w10-30" if dna else None,
    window=(10, 30) if dna else None, log=lambda line: None,
)
""",
    "attention_approximation": """
import torch
from tbio.bench.attention import approximation_error
torch.set_num_threads(1)
section = config["approximation"]
table = approximation_error(features_list=section["features"], draws=section["draws"])
table.to_csv(f"{work}/approximation.tsv", sep="\\t", index=False, float_format="%.6g")
table.groupby(["features", "kind"])["rel_error"].mean().unstack().to_string()
""",
    "attention_scaling": """
from tbio.bench.attention import attention_scaling
section = config["scaling"]
table = attention_scaling(seq_lens=section["seq_lens"], threads=section["threads"], log=lambda line: None)
table.to_csv(f"{work}/attention_scaling.tsv", sep="\\t", index=False, float_format="%.6g")
""",
}


def _write_arrays(config: dict, task: str, folder: Path) -> None:
    """Random splits (uint8 codes) of the configured shapes, as encode_onehot writes
    them (training's memory does not depend on the letters); for DNA also the
    held-out-distance set and labels tables with element positions."""
    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    sizes = split_sizes(config, task)
    if task == "dna":
        sizes["probe"] = config["dna"]["n_probe"]
    for split, n in sizes.items():
        codes = rng.integers(0, CHANNELS[task], size=(n, config[task]["seq_len"]), dtype=np.uint8)
        np.save(folder / f"{split}.x.npy", codes)
        np.save(folder / f"{split}.y.npy", (np.arange(n) % 2).astype(np.int8)[rng.permutation(n)])
        if task == "dna" and split in ("test", "probe"):
            centre = config["dna"]["seq_len"] // 2
            labels = pd.DataFrame(
                {
                    "id": [f"{split}_{i}" for i in range(n)],
                    "distance_bp": rng.integers(10, 30, n),
                    "promoter_start": centre - 9,
                    "promoter_end": centre + 10,
                    "enhancer_start": centre + 20,
                    "enhancer_end": centre + 49,
                }
            )
            labels.to_csv(folder / f"{split}.labels.tsv", sep="\t", index=False)


def measure_peak_mb(rule: str, config: dict, workdir, timeout: float = 600) -> float:
    """Peak RSS in MB of one job of ``rule`` for ``config``, run through the
    library calls its script makes, in a fresh Python process (without
    Snakemake's preamble). Inputs are made first in ``workdir``: simulated
    FASTA for encode_onehot, random arrays of codes for training."""
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    spec = {"library": str(LIBRARY), "config": config, "work": str(work)}
    if rule == "encode_onehot":  # the split with the larger estimate, simulated first
        task = max(CHANNELS, key=lambda t: encode_bytes(config, t))
        sizes = split_sizes(config, task)
        spec.update(task=task, split=max(sizes, key=sizes.get))
        if not (work / task / f"{spec['split']}.fasta").exists():
            measure_peak_mb(f"simulate_{task}", config, work, timeout)
    if rule.startswith("simulate_"):
        (work / rule.split("_")[1]).mkdir(exist_ok=True)
    code = _JOBS.get(rule)
    if rule.startswith("train_"):
        model = rule.split("_", 1)[1]
        task = "dna" if model in ("cnn", "cnn_dilated", "cnn_global", "enformer") else "protein"
        _write_arrays(config, task, work / task)
        (work / f"{model}.resume.pt").unlink(missing_ok=True)
        spec.update(model=model, task=task)
        code = _JOBS["train"]
    if code is None:
        raise ValueError(f"no measurement for rule {rule!r}; expected one of {', '.join(RULES[:-1])}")
    result = subprocess.run(
        [sys.executable, "-c", _PRELUDE + code + _POSTLUDE, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=work,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("peak_kib ")]
    if result.returncode or not lines:
        raise RuntimeError(f"measuring {rule} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return int(lines[-1].split()[1]) * 1024 / MB


# --- the calibration behind the constants above ----------------------------------------------------

_SMALL_DNA = {"dna.n_train": 256, "dna.n_val": 64, "dna.n_test": 64}
_SMALL_PROTEIN = {"protein.n_train": 256, "protein.n_val": 64, "protein.n_test": 64}
_WIDE_PROTEIN = {
    "protein.seq_lens": [512],
    "models.performer.nb_features": 256,
    **{
        f"models.{model}.{key}": value
        for model in ("performer", "transformer")
        for key, value in (("dim", 128), ("heads", 4), ("batch_size", 128), ("depth", 2), ("mlp_ratio", 4))
    },
}
# name: (config file, overrides of config/config.yaml (after the file), rules measured)
CALIBRATION = {
    "toy": ("config/test.yaml", {}, RULES[:-1]),
    "default": ("config/config.yaml", {}, RULES[:-1]),
    "dna_n60k": (
        "config/config.yaml",
        {"dna.n_train": 60000, "dna.n_test": 20000},
        ("simulate_dna", "encode_onehot", "train_cnn"),
    ),
    "dna_n120k": ("config/config.yaml", {"dna.n_train": 120000, "models.cnn.batch_size": 256}, ("train_cnn",)),
    "dna_len4096": ("config/config.yaml", {**_SMALL_DNA, "dna.seq_len": 4096}, ("train_cnn", "train_enformer")),
    "enformer_wide": (
        "config/config.yaml",
        {
            **_SMALL_DNA,
            "dna.seq_len": 1024,
            "models.enformer.dim": 128,
            "models.enformer.heads": 8,
            "models.enformer.batch_size": 128,
        },
        ("train_enformer",),
    ),
    "cnn_wide": (
        "config/config.yaml",
        {**_SMALL_DNA, "models.cnn.channels": 256, "models.cnn.dilations": [1, 2, 4, 8, 16]},
        ("train_cnn",),
    ),
    "protein_len2048": (
        "config/config.yaml",
        {**_SMALL_PROTEIN, "protein.seq_lens": [2048]},
        ("train_performer", "train_transformer"),
    ),
    "protein_wide": (
        "config/config.yaml",
        {**_SMALL_PROTEIN, **_WIDE_PROTEIN},
        ("train_performer", "train_transformer"),
    ),
    "protein_n50k": ("config/config.yaml", {"protein.n_train": 50000}, ("simulate_protein", "encode_onehot")),
    "features4096": (
        "config/config.yaml",
        {"approximation.features": [64, 4096], "approximation.draws": 5},
        ("attention_approximation",),
    ),
}


def calibration_config(name: str, root=ROOT) -> dict:
    """A calibration config, defaults filled, one epoch per model."""
    import yaml

    from tbio.config import validate_config

    from snakemake.utils import validate

    def merge(into: dict, update: dict) -> None:
        for key, value in update.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    path, overrides, _ = CALIBRATION[name]
    root = Path(root)
    config = yaml.safe_load((root / "config/config.yaml").read_text())
    merge(config, yaml.safe_load((root / path).read_text()))
    overrides = {**{f"models.{m}.epochs": 1 for m in ("cnn", "enformer", "performer", "transformer")}, **overrides}
    for key, value in overrides.items():
        *path_parts, last = key.split(".")
        section = config
        for part in path_parts:
            section = section.setdefault(part, {})
        section[last] = value
    return validate_config(config, str(root / "workflow/schemas/config.schema.yaml"), validate)


def calibrate(names=None, workdir=None, log=print) -> list[tuple[str, str, float, int]]:
    """(config, rule, measured MB, estimated MB less Snakemake's preamble) for
    every calibration config and rule; run from the repository root."""
    import shutil
    import tempfile

    rows = []
    for name in names or CALIBRATION:
        config = calibration_config(name)
        estimates = job_memory_mb(config)
        work = Path(workdir or tempfile.mkdtemp(prefix="tbio-calibration-")) / name
        try:
            for rule in CALIBRATION[name][2]:
                measured = measure_peak_mb(rule, config, work)
                estimated = estimates[rule] - SNAKEMAKE_MB
                rows.append((name, rule, measured, estimated))
                log(f"{name:16s} {rule:24s} {measured:7.0f} {estimated:7d} {estimated / measured:5.2f}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows


if __name__ == "__main__":
    print(f"{'config':16s} {'rule':24s} {'measured':>7s} {'estimate':>7s} ratio")
    calibrate(sys.argv[1:] or None)
