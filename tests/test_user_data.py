"""Your own FASTA + labels instead of the simulation (dna.input)."""

import copy
import gzip
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_workflow, run_snakemake
from test_reruns import planned_jobs
from tbio.config import ConfigError, check_user_dna, validate_config
from snakemake.utils import validate
from tbio.data.fasta import write_records
from simulated import dna_records

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")
DEFAULT = yaml.safe_load((ROOT / "config/config.yaml").read_text())


def user_files(folder, seq_len=64):
    folder.mkdir(parents=True, exist_ok=True)
    splits = {}
    for i, split in enumerate(("train", "val", "test")):
        records = dna_records(20, seq_len, seed=i, window=(5, 7), id_prefix=split)
        fasta, labels = folder / f"{split}.fasta", folder / f"{split}.tsv"
        write_records(records, fasta, labels)
        splits[split] = {"fasta": str(fasta), "labels": str(labels)}
    return splits


def config_with(splits, seq_len=64):
    config = copy.deepcopy(DEFAULT)
    config["dna"].update(input=splits, seq_len=seq_len)
    return config


def test_valid_user_data_passes(tmp_path):
    splits = user_files(tmp_path)
    validate_config(config_with(splits), SCHEMA, validate)
    rows = check_user_dna(splits, 64)
    assert [(row["split"], row["records"]) for row in rows] == [("train", 20), ("val", 20), ("test", 20)]


def empty(fasta, labels):
    fasta.write_text("")


def short_record(fasta, labels):
    lines = fasta.read_text().splitlines()
    lines[2] = lines[2][:-1]  # the first record's last sequence line loses a base
    fasta.write_text("\n".join(lines) + "\n")


def bad_letter(fasta, labels):
    lines = fasta.read_text().splitlines()
    lines[1] = "Z" + lines[1][1:]
    fasta.write_text("\n".join(lines) + "\n")


def duplicate_record(fasta, labels):
    lines = fasta.read_text().splitlines()
    fasta.write_text("\n".join(lines + lines[:3]) + "\n")


def unknown_label_id(fasta, labels):
    labels.write_text(labels.read_text().replace("train_000003", "train_999999"))


def missing_label(fasta, labels):
    labels.write_text("\n".join(labels.read_text().splitlines()[:-1]) + "\n")


def empty_labels(fasta, labels):
    labels.write_text("")


def en_dash_in_sequence(fasta, labels):
    lines = fasta.read_text().splitlines()
    lines[1] = "\u2013" + lines[1][1:]  # as a word processor writes a hyphen
    fasta.write_text("\n".join(lines) + "\n")


def byte_in_header(fasta, labels):
    fasta.write_bytes(fasta.read_bytes().replace(b"train_000002 ", b"train_000002\xff ", 1))


def empty_label_cell(fasta, labels):
    lines = labels.read_text().splitlines()
    cells = lines[2].split("\t")  # the second row, line 3 of the file
    lines[2] = "\t".join([cells[0], ""] + cells[2:])  # columns id, label, ...
    labels.write_text("\n".join(lines) + "\n")


def blank_line_in_labels(fasta, labels):
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join(lines[:4] + [""] + lines[4:]) + "\n")


@pytest.mark.parametrize(
    "damage, message",
    [
        (empty, "train.fasta: the FASTA file is empty"),
        (short_record, "record 'train_000000' is 63 letters long; expected seq_len 64"),
        (bad_letter, "record 'train_000000', position 1: letter 'Z' is not a dna letter"),
        (duplicate_record, "record 'train_000000' appears twice"),
        (unknown_label_id, "train.tsv, line 5: id 'train_999999' has no record"),
        (missing_label, "record 'train_000019' has no label in"),
        (empty_labels, "train.tsv: the labels file is empty"),
        (
            en_dash_in_sequence,
            "train.fasta, line 2: the sequence of record 'train_000000' has character '\u2013' (U+2013)",
        ),
        (byte_in_header, "train.fasta, line 7: the header of record 'train_000002\ufffd' has byte 0xff"),
        (empty_label_cell, "train.tsv, line 3: no label for 'train_000001'; expected 0 or 1"),
        (blank_line_in_labels, "train.tsv, line 5 is blank"),
    ],
)
def test_bad_user_data_is_named_by_file_and_record(tmp_path, damage, message):
    splits = user_files(tmp_path)
    damage(tmp_path / "train.fasta", tmp_path / "train.tsv")
    validate_config(config_with(splits), SCHEMA, validate)  # planning reads no contents: cheap for any size
    with pytest.raises(ConfigError) as error:
        check_user_dna(splits, 64)
    assert "config key dna.input.train" in str(error.value) and message in str(error.value)


def test_gzipped_user_data_passes(tmp_path):
    splits = user_files(tmp_path)
    for files in splits.values():
        for kind, suffix in (("fasta", ".fa.gz"), ("labels", ".tsv.gz")):
            gzipped = tmp_path / f"{Path(files[kind]).stem}{suffix}"
            gzipped.write_bytes(gzip.compress(Path(files[kind]).read_bytes()))
            files[kind] = str(gzipped)
    assert sum(row["records"] for row in check_user_dna(splits, 64)) == 60


def test_a_missing_file_is_named(tmp_path):
    splits = user_files(tmp_path)
    splits["val"]["labels"] = str(tmp_path / "nowhere.tsv")
    with pytest.raises(ConfigError, match="dna.input.val.labels: no file .*nowhere.tsv"):
        validate_config(config_with(splits), SCHEMA, validate)


def test_element_tracks_are_refused_for_dna_that_does_not_say_where_its_elements_lie(tmp_path):
    config = config_with(user_files(tmp_path))
    config["models"]["enformer"]["track_weight"] = 1.0
    with pytest.raises(
        ConfigError, match=r"models\.enformer\.track_weight is 1\.0; element tracks .*\(dna\.input\).*expected 0\."
    ):
        validate_config(config, SCHEMA, validate)


def test_the_workflow_trains_on_user_data_instead_of_simulating(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    splits = user_files(workdir / "mine")
    for files in splits.values():  # relative to the working directory, as a user writes them
        files["fasta"] = files["fasta"].replace(f"{workdir}/", "")
        files["labels"] = files["labels"].replace(f"{workdir}/", "")
    mine = {"dna": {"input": splits, "seq_len": 64}, "motifs": {"known": ["MA0105.4"]}}
    (workdir / "config/mine.yaml").write_text(yaml.safe_dump(mine))
    jobs = planned_jobs(workdir, "--configfile", "config/test.yaml", "config/mine.yaml", "--forceall")
    assert "simulate_dna" not in jobs
    assert jobs["train_cnn"] == 2 and jobs["train_enformer"] == 2  # one data set x 2 seeds
    assert jobs["encode_onehot"] == 6  # 3 user splits + 3 protein splits
    assert jobs["check_user_dna"] == 1
    assert jobs["discover_motifs"] == 2  # the local CNN and the Enformer-style model, each over both seeds
    run_snakemake(
        workdir,
        "results/motifs/dna/user/cnn/seed1/motifs.tsv",
        "--cores",
        "2",
        "--configfile",
        "config/test.yaml",
        "config/mine.yaml",
    )
    assert (workdir / "results/models/dna/user/cnn/seed1/checkpoint.pt").exists()
    motifs = pd.read_csv(workdir / "results/motifs/dna/user/cnn/seed1/motifs.tsv", sep="\t", keep_default_na=False)
    assert "best_match_id" in motifs and set(motifs["planted"]) <= {"", "MA0105.4"}  # only motifs.known can be


def test_the_oct4_mafk_recipe_writes_real_dna_the_workflow_accepts(tmp_path):
    """The README's real-DNA recipe: janggu's wheel from PyPI, its Oct4 and
    MafK ChIP-seq peaks split and written as config/oct4_mafk.yaml names them,
    checked whole by check_user_dna and planned through motif discovery."""
    workdir = copy_workflow(tmp_path / "wf")
    fetch = subprocess.run(
        [sys.executable, "workflow/scripts/fetch_oct4_mafk.py", "data/oct4_mafk"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert fetch.returncode == 0, fetch.stderr
    counts = {}
    for split in ("train", "val", "test"):
        labels = pd.read_csv(workdir / f"data/oct4_mafk/{split}.labels.tsv", sep="\t")
        counts[split] = labels["label"].value_counts().to_dict()
    # 3,897 Oct4 and 3,900 MafK peaks, one in ten of each to test and to validation
    assert counts == {"train": {1: 3117, 0: 3120}, "val": {1: 390, 0: 390}, "test": {1: 390, 0: 390}}
    splits = yaml.safe_load((workdir / "config/oct4_mafk.yaml").read_text())["dna"]["input"]
    splits = {split: {kind: str(workdir / path) for kind, path in files.items()} for split, files in splits.items()}
    rows = check_user_dna(splits, 200)
    assert [row["records"] for row in rows] == [6237, 780, 780]
    jobs = planned_jobs(workdir, "--configfile", "config/oct4_mafk.yaml", "--forceall")
    assert jobs["check_user_dna"] == 1 and jobs["discover_motifs"] == 2 and "simulate_dna" not in jobs


def test_a_bad_user_file_stops_the_run_before_any_training(tmp_path):
    """Planning does not read the files (a dry run passes); the first job
    does, and stops the run with the same sentence before anything is encoded."""
    workdir = copy_workflow(tmp_path / "wf")
    splits = user_files(workdir / "mine")
    bad_letter(workdir / "mine/train.fasta", workdir / "mine/train.tsv")
    (workdir / "config/mine.yaml").write_text(yaml.safe_dump({"dna": {"input": splits, "seq_len": 64}}))
    overrides = ["--configfile", "config/test.yaml", "config/mine.yaml"]
    run_snakemake(workdir, "-n", *overrides)
    result = run_snakemake(workdir, "--cores", "2", *overrides, check=False)
    assert result.returncode != 0
    assert "record 'train_000000', position 1: letter 'Z' is not a dna letter" in result.stdout + result.stderr
    assert not list((workdir / "results").glob("encoded/dna/**/*.npy"))
    assert not (workdir / "results/models").exists()
