"""The real snakemake binary on the real workflow: the toy config end to end,
the default config's DAG, lint and format, and our FASTA checked by samtools."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from Bio import SeqIO

from conftest import ROOT, copy_workflow, run_snakemake
from tbio.report.build import FIGURES
from tbio.resources import RULES  # every rule with a memory estimate


def test_toy_run_writes_a_summary_row_per_trained_model(test_run):
    summary = pd.read_csv(test_run / "results/report/summary.tsv", sep="\t")
    assert list(summary.columns) == [
        "task",
        "model",
        "distance_bp",
        "distance_min_bp",
        "distance_max_bp",
        "seq_len",
        "seed",
        "test_accuracy",
        "test_auroc",
        "train_seconds",
        "peak_rss_mb",
        "n_params",
        "receptive_field_bp",
    ]
    dna = summary[summary["task"] == "dna"]
    protein = summary[summary["task"] == "protein"]
    # config/test.yaml: 2 windows x 4 models x 2 seeds, and 4 protein models (2 of them controls) x 2 seeds
    windows = [(13, 10, 16), (27, 24, 31)]  # centre (rounded down), low, high
    assert sorted(
        zip(dna["model"], dna["distance_bp"], dna["distance_min_bp"], dna["distance_max_bp"], dna["seed"])
    ) == [(m, *w, s) for m in ("cnn", "cnn_dilated", "cnn_global", "enformer") for w in windows for s in (1, 2)]
    assert sorted(set(zip(protein["model"], protein["seed"]))) == [
        (m, s) for m in ("performer", "protein_bag", "protein_local", "transformer") for s in (1, 2)
    ]
    assert summary["test_accuracy"].between(0, 1).all()
    assert (summary["peak_rss_mb"] > 0).all() and (summary["n_params"] > 0).all()
    fields = {"cnn": 139, "cnn_dilated": 542, "cnn_global": 256, "enformer": 256}  # nominal; seq_len 256
    for model, field in fields.items():
        assert (dna[dna["model"] == model]["receptive_field_bp"] == field).all(), model


def test_toy_run_writes_a_self_contained_report(test_run):
    html = (test_run / "results/report/report.html").read_text()
    assert "data:image/png;base64," in html
    assert "also learned the element tracks" not in html  # none learned in the default models (track_weight 0)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_toy_run_discovers_motifs_for_every_listed_model_data_set_and_seed(test_run):
    """config/test.yaml keeps motifs.models at [cnn, enformer]: 2 x 2 windows x 2 seeds."""
    jobs = [(m, w, s) for m in ("cnn", "enformer") for w in ("w10-16", "w24-31") for s in (1, 2)]
    for model, dataset, seed in jobs:
        folder = test_run / f"results/motifs/dna/{dataset}/{model}/seed{seed}"
        scores = np.load(folder / "scores.npz")
        assert scores["hypothetical"].shape == (*scores["one_hot"].shape[:2], 4)
        assert np.allclose(scores["hypothetical"].sum(axis=-1), 0, atol=1e-5)  # mean-centred per position
        assert (folder / "patterns.npz").exists()
    motifs = pd.read_csv(test_run / "results/report/motifs.tsv", sep="\t", keep_default_na=False)
    issue = "model dataset seed pattern n_seqlets best_match_id best_match_name qvalue planted".split()
    assert set(issue) <= set(motifs.columns) and "planted_match" in motifs
    assert set(zip(motifs["model"], motifs["dataset"], motifs["seed"])) <= set(jobs)
    planted = {"POL001.1", "POL011.1", "MA0105.4", "MA0796.1"}
    assert set(motifs["planted"]) <= planted | {""}
    # the local CNN reads the centred promoter in every toy window: TF-MoDISco-lite finds it there
    cnn_promoters = motifs[(motifs["model"] == "cnn") & motifs["planted"].isin(["POL001.1", "POL011.1"])]
    assert set(cnn_promoters["dataset"]) == {"w10-16", "w24-31"}
    recovery = pd.read_csv(test_run / "results/report/figures/motif_recovery.tsv", sep="\t")
    assert len(recovery) == 2 * 2 * 2 and (recovery["seeds"] == 2).all()
    html = (test_run / "results/report/report.html").read_text()
    assert "Motifs recovered by each model" in html and "motif-recovery" in html


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools is installed by `make test`")
def test_fasta_files_index_with_samtools_and_read_back_with_biopython(test_run):
    for fasta in sorted((test_run / "data").rglob("*.fasta")):
        subprocess.run(["samtools", "faidx", str(fasta)], check=True, capture_output=True)
        index = pd.read_csv(f"{fasta}.fai", sep="\t", header=None)
        records = list(SeqIO.parse(fasta, "fasta"))
        assert index[0].tolist() == [r.id for r in records]
        assert index[1].tolist() == [len(r.seq) for r in records]
        last = records[-1]
        fetched = subprocess.run(["samtools", "faidx", str(fasta), last.id], check=True, capture_output=True, text=True)
        assert "".join(fetched.stdout.splitlines()[1:]) == str(last.seq)
        assert (
            "label=" in last.description and "distance_bp=" in last.description or "motif_a_start=" in last.description
        )


def test_default_dag_has_every_rule():
    result = run_snakemake(ROOT, "-n", "--forceall", "--nolock", "--quiet", "rules")
    counts = result.stdout
    for rule in RULES:
        assert rule in counts, rule
    assert "train_enformer" in counts


def test_lint_is_clean():
    result = run_snakemake(ROOT, "--lint", check=False)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


def test_snakefmt_check_is_clean():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    result = subprocess.run([str(snakefmt), "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_is_clean():
    """pyflakes' and pycodestyle's error classes (pyproject.toml says which): unused
    imports, undefined names, syntax a formatter keeps."""
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "workflow", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_black_check_is_clean():
    """The Python is formatted by black (configured in pyproject.toml), as the rules by snakefmt."""
    black = Path(sys.executable).with_name("black")
    result = subprocess.run([str(black), "--check", "workflow", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# The data side of the toy run, recorded: simulation and encoding are numpy and
# Biopython only, so their bytes do not depend on the machine. A refactor must
# leave them bit for bit; a change of the experiment rewrites the file
# (`sha256sum` format, so `sha256sum -c tests/toy_data.sha256` in a toy run's
# folder checks it too). Training outputs are compared run against run in
# test_reruns.py and test_cluster.py, since their bits follow the CPU's kernels.
TOY_DIGESTS = ROOT / "tests" / "toy_data.sha256"


def toy_data_digests(run: Path) -> dict[str, str]:
    files = sorted([*run.glob("data/**/*.fasta"), *run.glob("data/**/*.tsv"), *run.glob("results/encoded/**/*.npy")])
    return {path.relative_to(run).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def test_toy_data_is_bit_identical_to_the_recorded_digests(test_run):
    recorded = dict(reversed(line.split("  ", 1)) for line in TOY_DIGESTS.read_text().splitlines())
    measured = toy_data_digests(test_run)
    changed = sorted(path for path in recorded.keys() | measured.keys() if recorded.get(path) != measured.get(path))
    assert not changed, (
        f"the toy run's data differs from {TOY_DIGESTS.name} in {changed}; if the change is intended, rewrite it "
        "with sha256sum over data/ and results/encoded/ of a toy run"
    )
    checked = subprocess.run(["sha256sum", "--check", "--quiet", str(TOY_DIGESTS)], cwd=test_run)
    assert checked.returncode == 0


def test_enformer_scale_config_plans_the_whole_experiment():
    """config/enformer_scale.yaml (262,144 bp, windows to 64 kb) validates and
    plans every job; memory_limit_mb stands for the GPU machine's 128 GB."""
    result = run_snakemake(
        ROOT,
        *("-n", "--forceall", "--nolock", "--quiet", "rules", "--configfile", "config/enformer_scale.yaml"),
        *("--config", "memory_limit_mb=120000"),
    )
    jobs = dict(line.split() for line in result.stdout.splitlines() if re.fullmatch(r"\w+ +\d+", line.strip()))
    assert jobs["simulate_dna"] == "4" and jobs["train_enformer"] == "12" and jobs["train_cnn_dilated"] == "12"


def test_the_reduced_enformer_scale_copy_runs_end_to_end_on_the_cpu(tmp_path):
    """The same config scaled down to 16,384 bp (config/enformer_scale_ci.yaml
    over it): every rule runs on two CPU cores, with 128 bp bins, the dilated
    CNN's field between the two windows and a distance axis in kb."""
    workdir = copy_workflow(tmp_path / "scale")
    files = ["config/enformer_scale.yaml", "config/enformer_scale_ci.yaml"]
    run_snakemake(workdir, "--cores", "2", "--configfile", *files)
    summary = pd.read_csv(workdir / "results/report/summary.tsv", sep="\t")
    dna = summary[summary["task"] == "dna"]
    assert sorted(set(zip(dna["model"], dna["distance_min_bp"]))) == [
        (model, low) for model in ("cnn", "cnn_dilated", "cnn_global", "enformer") for low in (500, 3000)
    ]
    assert (dna["seq_len"] == 16384).all()
    fields = dna.groupby("model")["receptive_field_bp"].first().to_dict()
    assert fields == {"cnn": 139, "cnn_dilated": 2438, "cnn_global": 16384, "enformer": 16384}
    attention = pd.read_csv(next((workdir / "results/models/dna").glob("*/enformer/seed1/attention.tsv")), sep="\t")
    assert attention["bin"].nunique() == 16384 // 128
    # both models with bins learn the element tracks beside the label, the others do not
    for model in ("cnn", "cnn_dilated", "cnn_global", "enformer"):
        for metrics in (workdir / "results/models/dna").glob(f"*/{model}/seed1/metrics.json"):
            history = json.loads(metrics.read_text())["history"]
            assert ("val_track_auroc" in history[0]) == (model in ("cnn_dilated", "enformer")), metrics
    binned = pd.read_csv(workdir / "results/report/accuracy_by_distance.tsv", sep="\t")
    assert (
        binned["distance_max_bp"].max() > 3000 and (binned["distance_max_bp"] - binned["distance_min_bp"]).max() < 512
    )
    page = (workdir / "results/report/report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == len(FIGURES)
    assert "the Enformer-style model also learned the element tracks beside the label (track_weight 1)" in page
