"""Reruns do exactly the right work; same inputs give the same outputs; a
killed training job is redone (resuming from its last epoch) to the same result."""

import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import copy

import pytest
import yaml

from conftest import ROOT, copy_workflow, run_snakemake, schema_as_json, snakemake_binary
from tbio.config import ConfigError, validate_config
from snakemake.utils import validate

TIMING_KEYS = {"train_seconds", "history", "resumed_from_epoch"}


def planned_jobs(workdir: Path, *extra: str) -> dict[str, int]:
    """{rule: job count} of what `snakemake -n` would run now (the target
    rule 'all' aside, which is listed whenever anything is to be done)."""
    result = run_snakemake(workdir, "-n", "--quiet", "rules", "--configfile", "config/test.yaml", *extra)
    counts, in_table = {}, False
    for line in result.stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            if parts[0] != "all":
                counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture
def finished_copy(test_run, tmp_path):
    """A private copy of the finished toy run, .snakemake metadata included."""
    workdir = tmp_path / "copy"
    shutil.copytree(test_run, workdir, symlinks=True)
    assert planned_jobs(workdir) == {}
    return workdir


def edit_test_config(workdir: Path, change) -> None:
    path = workdir / "config/test.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config))


def test_cnn_epochs_rerun_only_cnn_training_and_the_report(finished_copy):
    edit_test_config(finished_copy, lambda c: c["models"]["cnn"].update(epochs=3))
    assert planned_jobs(finished_copy) == {"train_cnn": 4, **motif_jobs(2), "report": 1}


def test_dna_seq_len_reruns_the_dna_side_only(finished_copy):
    edit_test_config(finished_copy, lambda c: c["dna"].update(seq_len=264))
    assert planned_jobs(finished_copy) == {**DNA_SIDE, "report": 1}


def test_a_new_window_adds_only_its_jobs(finished_copy):
    edit_test_config(finished_copy, lambda c: c["dna"].update(windows=[[10, 16], [24, 31], [17, 23]]))
    assert planned_jobs(finished_copy) == {
        "simulate_dna": 1,
        "encode_onehot": 3,
        **{f"train_{model}": 2 for model in DNA_MODELS},
        **motif_jobs(2),
        "report": 1,
    }


def test_a_new_seed_adds_only_its_training_jobs(finished_copy):
    edit_test_config(finished_copy, lambda c: c.update(seeds=[1, 2, 5]))
    assert planned_jobs(finished_copy) == {
        **{f"train_{model}": 2 for model in DNA_MODELS},
        **{f"train_{model}": 1 for model in PROTEIN_MODELS},
        **motif_jobs(4),  # each (window, model) job of motif discovery covers every seed
        "report": 1,
    }


def test_a_new_protein_length_adds_only_its_jobs(finished_copy):
    """protein.seq_lens [256] -> [240, 256]: the shorter length's data and
    models; the approximation keeps reading the longest (256), so it stays."""
    edit_test_config(finished_copy, lambda c: c["protein"].update(seq_lens=[240, 256]))
    assert planned_jobs(finished_copy) == {
        "simulate_protein": 1,
        "encode_onehot": 3,
        **PROTEIN_TRAINING,
        "report": 1,
    }


def test_editing_a_library_module_reruns_every_job_that_imports_it(finished_copy):
    """The code inputs are each script's imports, followed through the
    library: the protein simulation's own module reaches only the protein side."""
    source = finished_copy / "workflow/scripts/tbio/data/spacing.py"
    source.write_text(source.read_text() + "\n# an edit\n")
    assert planned_jobs(finished_copy) == {**PROTEIN_SIDE, "report": 1}


def test_editing_model_code_reruns_the_models_built_from_it(finished_copy):
    source = finished_copy / "workflow/scripts/tbio/models/enformer.py"
    source.write_text(source.read_text() + "\n# an edit\n")
    # the Basenji-style CNN is built from the Enformer-style stem and tower
    assert planned_jobs(finished_copy) == {"train_enformer": 4, "train_cnn_dilated": 4, **motif_jobs(2), "report": 1}
    # the local CNN, the global control and both protein controls share one file
    source = finished_copy / "workflow/scripts/tbio/models/cnn.py"
    source.write_text(source.read_text() + "\n# an edit\n")
    assert planned_jobs(finished_copy) == {
        "train_enformer": 4,
        "train_cnn_dilated": 4,
        "train_cnn": 4,
        "train_cnn_global": 4,
        "train_protein_bag": 2,
        "train_protein_local": 2,
        **motif_jobs(4),
        "report": 1,
    }


# --- every single setting, changed alone, reruns exactly the jobs that use it ----------

SCHEMA_PATH = ROOT / "workflow/schemas/config.schema.yaml"
SCHEMA = schema_as_json()  # the same schema, read faster: single_changes validates some 350 configs
TOY = yaml.safe_load((ROOT / "config/test.yaml").read_text())
DNA_MODELS = ["cnn", "cnn_dilated", "cnn_global", "enformer"]
DNA_TRAINING = {f"train_{model}": 4 for model in DNA_MODELS}
PROTEIN_MODELS = ["performer", "transformer", "protein_bag", "protein_local"]
PROTEIN_TRAINING = {f"train_{model}": 2 for model in PROTEIN_MODELS}
# motif discovery runs for the local CNN and the Enformer-style model (motifs.models),
# one job of each step per (window, model), over both seeds: 4 in the toy run


def motif_jobs(n: int) -> dict[str, int]:
    """n contribution_scores jobs and the n discover_motifs jobs after them."""
    return {"contribution_scores": n, "discover_motifs": n}


DNA_SIDE = {"simulate_dna": 2, "simulate_dna_probe": 1, "encode_onehot": 7, **DNA_TRAINING, **motif_jobs(4)}
# the approximation rule reads the first seed's trained protein models too
PROTEIN_SIDE = {
    "simulate_protein": 1,
    "encode_onehot": 3,
    "train_performer": 2,
    "train_transformer": 2,
    "train_protein_bag": 2,
    "train_protein_local": 2,
    "attention_approximation": 1,
}
# jobs that each settings group reaches in the toy run (2 windows, 2 seeds); the
# report prints the whole config, so it reruns on every change
JOBS_OF_SECTION = {
    "models.cnn": {"train_cnn": 4, **motif_jobs(2)},
    "models.cnn_dilated": {"train_cnn_dilated": 4},
    "models.cnn_global": {"train_cnn_global": 4},
    "models.enformer": {"train_enformer": 4, **motif_jobs(2)},
    "models.performer": {"train_performer": 2, "attention_approximation": 1},
    "models.transformer": {"train_transformer": 2, "attention_approximation": 1},
    "models.protein_bag": {"train_protein_bag": 2},
    "models.protein_local": {"train_protein_local": 2},
    "dna": DNA_SIDE,
    "protein": PROTEIN_SIDE,
    "approximation": {"attention_approximation": 1},
    "scaling": {"attention_scaling": 1},
    "threads": {**PROTEIN_TRAINING, **DNA_TRAINING, "attention_approximation": 1, **motif_jobs(4)},
    "motifs": {"discover_motifs": 4},
    "use_gpu": {},  # asks the cluster for a GPU; changes no result
    "memory_limit_mb": {},  # a check before any job; changes no result
    "jobs_per_gpu": {},  # how many jobs share a GPU (read from the config, not params); changes no result
}
NOT_HERE = {"dna.windows", "dna.input", "seeds"}  # add or swap data sets: tests above and in test_user_data
# dna keys that reach only some of the DNA side: the windows' splits, the
# held-out-distance set (which every DNA model is scored on), or the report
JOBS_OF_KEY = {
    **{
        f"dna.{key}": {"simulate_dna": 2, "encode_onehot": 6, **DNA_TRAINING, **motif_jobs(4)}
        for key in ("n_train", "n_val", "n_test")
    },
    "dna.n_probe": {"simulate_dna_probe": 1, "encode_onehot": 1, **DNA_TRAINING, **motif_jobs(4)},
    "dna.distance_bin_bp": {},
    "motifs.n_sequences": motif_jobs(4),
    "motifs.models": {},  # a change of the list adds or drops jobs: [] drops them all
    # a longer length adds its own data set and models; the approximation reads the longest
    "protein.seq_lens": {"simulate_protein": 1, "encode_onehot": 3, **PROTEIN_TRAINING, "attention_approximation": 1},
}


def merged(base: dict, change: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in change.items():
        result[key] = merged(result.get(key, {}), value) if isinstance(value, dict) else value
    return result


def toy_config() -> dict:
    return validate_config(merged(yaml.safe_load((ROOT / "config/config.yaml").read_text()), TOY), SCHEMA, validate)


def nest(dotted: str, value) -> dict:
    change = value
    for part in reversed(dotted.split(".")):
        change = {part: change}
    return change


# keys valid only beside another value of a sibling key: changed together
WITH_SIBLINGS = {"models.enformer.track_keys": {"track_weight": 1.0}}  # the keys read the tracks


def change_of(dotted: str, value) -> dict:
    """The config change that sets ``dotted`` to ``value`` (and the siblings
    it needs, WITH_SIBLINGS)."""
    parent, _, key = dotted.rpartition(".")
    siblings = WITH_SIBLINGS.get(dotted, {})
    return nest(parent, {**siblings, key: value}) if parent else {key: value}


def candidates(value, siblings: list):
    """New values for a setting, the hardest first: a value that another key of
    the same section already has (a change that a comparison of value sets
    without names misses), then plain other values."""
    same_kind = [v for v in siblings if type(v) is type(value) and v != value]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return same_kind + [value * 2 + 1, value * 2, value + 1, value + 2, max(value - 1, 0)]
    if isinstance(value, float):
        return same_kind + [value * 2 + 0.1, value / 2, (value + 1) / 2]
    if isinstance(value, list):
        if not value:  # an empty list (no dilations, no known motifs): one entry (a known motif
            # that is also planted changes nothing, and reruns nothing)
            return same_kind + [[1], [2], ["MA0139.1"]]  # CTCF: planted nowhere in the toy
        shifted = [v + 1 for v in value] if all(isinstance(v, int) for v in value) else []  # a [low, high] band
        return same_kind + [value[:-1], value + [value[-1] * 2], value[::-1], shifted]
    if isinstance(value, str):
        return same_kind + [
            value[::-1],
            value[1:] + value[0],
            "learned",
            "sinusoidal",
            "JASPAR2018",
            "mean",
            "max",
            "bf16",
        ]
    if value is None:
        return [100_000, 0.99]
    raise AssertionError(f"no candidate values for {value!r}")


def single_changes():
    """(dotted key, new value, jobs it must plan) for every leaf of the config
    but NOT_HERE: each new value passes validation and differs from the toy's."""
    config, changes = toy_config(), []
    for section in JOBS_OF_SECTION:
        node = config
        for part in section.split("."):
            node = node[part]
        leaves = node.items() if isinstance(node, dict) else [(None, node)]
        for key, value in leaves:
            dotted = f"{section}.{key}" if key is not None else section
            if dotted in NOT_HERE:
                continue
            siblings = [v for k, v in leaves if k != key] if isinstance(node, dict) else []
            for candidate in candidates(value, siblings):
                try:
                    validate_config(merged(config, change_of(dotted, candidate)), SCHEMA, validate)
                except ConfigError:
                    continue
                if candidate != value:
                    jobs = JOBS_OF_KEY.get(dotted, JOBS_OF_SECTION[section])
                    changes.append((dotted, candidate, {**jobs, "report": 1}))
                    break
            else:
                raise AssertionError(f"no valid new value found for {dotted}")
    return changes


def test_every_config_key_is_covered_by_the_single_change_test():
    covered = {dotted for dotted, _, _ in single_changes()} | NOT_HERE
    schema = yaml.safe_load(SCHEMA_PATH.read_text())

    def leaves(node, prefix):
        if node.get("type") == "object" and "properties" in node and prefix not in NOT_HERE:
            for key, child in node["properties"].items():
                yield from leaves(child, f"{prefix}.{key}" if prefix else key)
        else:
            yield prefix

    assert set(leaves(schema, "")) == covered


SINGLE_CHANGES = single_changes()


@pytest.fixture(scope="module")
def single_change_plans(test_run, tmp_path_factory) -> dict:
    """{dotted key: planned jobs, or the error of its dry run} for every single
    change, in one copy of the finished toy run, the dry runs side by side
    (one per core: each is a separate snakemake that only reads the copy)."""
    workdir = tmp_path_factory.mktemp("single-changes") / "copy"
    shutil.copytree(test_run, workdir, symlinks=True)

    def plan(change):
        dotted, value, _ = change
        path = workdir / f"config/change-{dotted}.yaml"
        path.write_text(yaml.safe_dump(change_of(dotted, value)))
        try:
            return dotted, planned_jobs(workdir, str(path.relative_to(workdir)))
        except AssertionError as error:  # a failed dry run: its own test reports it
            return dotted, error

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(pool.map(plan, SINGLE_CHANGES))


@pytest.mark.parametrize("dotted, value, jobs", SINGLE_CHANGES, ids=lambda x: x if isinstance(x, str) else "")
def test_a_change_of_any_single_value_plans_exactly_the_jobs_that_use_it(single_change_plans, dotted, value, jobs):
    planned = single_change_plans[dotted]
    if isinstance(planned, Exception):
        raise planned
    assert planned == jobs, (dotted, value)


def test_the_same_values_in_another_form_plan_nothing(finished_copy):
    """--config strings and whole floats arrive as the ints the run used."""
    assert (
        planned_jobs(finished_copy, "--config", "seeds=[1, 2]", "dna={seq_len: 256.0}", "models={cnn: {epochs: 2}}")
        == {}
    )


def comparable(metrics_path: Path) -> dict:
    metrics = json.loads(metrics_path.read_text())
    return {k: v for k, v in metrics.items() if k not in TIMING_KEYS}


def test_two_runs_give_bit_identical_metrics_and_checkpoints(test_run, tmp_path):
    again = copy_workflow(tmp_path / "again")
    run_snakemake(again, "--cores", "2", "--configfile", "config/test.yaml")
    checked = 0
    for metrics in sorted(test_run.glob("results/models/**/metrics.json")):
        twin = again / metrics.relative_to(test_run)
        assert comparable(metrics) == comparable(twin), metrics
        first = json.loads(metrics.read_text())["history"]
        second = json.loads(twin.read_text())["history"]
        assert [{k: v for k, v in h.items() if k != "seconds"} for h in first] == [
            {k: v for k, v in h.items() if k != "seconds"} for h in second
        ]
        checkpoint = metrics.with_name("checkpoint.pt")
        assert checkpoint.read_bytes() == (again / checkpoint.relative_to(test_run)).read_bytes(), checkpoint
        checked += 1
    assert checked == 2 * 4 * 2 + 4 * 2  # windows x DNA models x seeds, protein models x seeds


def kill_after_first_epoch(workdir: Path, target: str, overrides: list[str]) -> Path:
    """Run snakemake for ``target`` (an Enformer job of w24-31, seed 1) and SIGKILL
    the whole run once the job has saved its first epoch; the state file."""
    command = [snakemake_binary(), target, "--cores", "1", *overrides]
    process = subprocess.Popen(
        command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    resume = workdir / "results/resume/dna/w24-31/enformer/seed1.pt"
    deadline = time.time() + 300
    while time.time() < deadline and not resume.exists():
        time.sleep(0.2)
    assert resume.exists(), "the training job never wrote its per-epoch state"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (workdir / target).exists(), "a killed job left an output that looks complete"
    return resume


def test_a_killed_training_job_is_redone_to_the_same_result(tmp_path):
    """SIGKILL the whole run while an Enformer job is mid-training; the next
    run resumes from its last finished epoch and ends where an uninterrupted
    run ends."""
    target = "results/models/dna/w24-31/enformer/seed1/metrics.json"
    longer = "dna:\n  n_train: 1000\nmodels:\n  enformer: {epochs: 5, min_epochs: 5}\n"
    overrides = ["--configfile", "config/test.yaml", "config/longer.yaml"]
    reference = copy_workflow(tmp_path / "reference")
    (reference / "config/longer.yaml").write_text(longer)
    run_snakemake(reference, target, "--cores", "1", *overrides)

    killed = copy_workflow(tmp_path / "killed")
    (killed / "config/longer.yaml").write_text(longer)
    resume = kill_after_first_epoch(killed, target, overrides)

    # as a user would after a crash: release the stale lock, run again
    run_snakemake(killed, "--unlock", *overrides)
    run_snakemake(killed, target, "--cores", "1", *overrides)
    resumed = json.loads((killed / target).read_text())
    assert resumed["resumed_from_epoch"] >= 1
    assert comparable(killed / target) == comparable(reference / target)
    checkpoint = Path(target).with_name("checkpoint.pt")
    assert (killed / checkpoint).read_bytes() == (reference / checkpoint).read_bytes()
    assert not resume.exists()


def test_a_killed_job_rerun_on_other_data_starts_afresh(tmp_path):
    """Kill the Enformer job after an epoch, change dna.data_seed, unlock, rerun:
    the saved state belongs to the old data, so training starts from epoch 1."""
    target = "results/models/dna/w24-31/enformer/seed1/metrics.json"
    workdir = copy_workflow(tmp_path / "killed")
    (workdir / "config/longer.yaml").write_text(
        "dna:\n  n_train: 1000\nmodels:\n  enformer: {epochs: 5, min_epochs: 5}\n"
    )
    overrides = ["--configfile", "config/test.yaml", "config/longer.yaml"]
    kill_after_first_epoch(workdir, target, overrides)

    (workdir / "config/seed.yaml").write_text("dna:\n  data_seed: 8\n")
    overrides.append("config/seed.yaml")
    run_snakemake(workdir, "--unlock", *overrides)
    run_snakemake(workdir, target, "--cores", "1", *overrides)
    assert json.loads((workdir / target).read_text())["resumed_from_epoch"] == 0
    log = (workdir / "results/logs/train_enformer/w24-31_seed1.log").read_text()
    assert "belongs to other data or settings; training starts afresh" in log and "resumed" not in log


def test_a_truncated_metrics_file_is_rebuilt_by_the_job_that_wrote_it(finished_copy):
    """A metrics.json cut short after its job finished is an incomplete output:
    its training job reruns (to the same result) and then the report, and the
    motif jobs that read its checkpoint, instead of the old report being
    deleted and the new one failing on the file."""
    target = finished_copy / "results/models/dna/w10-16/cnn/seed1/metrics.json"
    whole = comparable(target)
    target.write_text(target.read_text()[:40])
    assert planned_jobs(finished_copy) == {"train_cnn": 1, **motif_jobs(1), "report": 1}
    run = run_snakemake(finished_copy, "--cores", "2", "--configfile", "config/test.yaml")
    assert f"{target.relative_to(finished_copy)} is not whole JSON" in run.stdout + run.stderr
    assert comparable(target) == whole
    assert planned_jobs(finished_copy) == {}
