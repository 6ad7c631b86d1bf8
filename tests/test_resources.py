"""Memory estimates per job (tbio.resources): they grow with the sizes that
make a job large, the shipped configs fit, configs that cannot fit are
refused naming the key responsible, and a real job stays under its estimate."""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tbio import resources
from tbio.config import ConfigError, validate_config
from snakemake.utils import validate
from tbio.resources import RULES, check_memory, job_memory_mb, machine_memory_mb

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
from bench_memory import measure_peak_mb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")
LIMIT_MB = 24000  # the 24 GB the workflow's machine has


def merged(base: dict, update: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in update.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture(scope="module")
def default() -> dict:
    return validate_config(load("config/config.yaml"), SCHEMA, validate)


@pytest.fixture(scope="module")
def toy() -> dict:
    return validate_config(merged(load("config/config.yaml"), load("config/test.yaml")), SCHEMA, validate)


def with_value(config: dict, key: str, value) -> dict:
    """``config`` (already filled) with one key set; no validation, which may
    itself refuse the sizes tested here."""
    out = copy.deepcopy(config)
    *path, last = key.split(".")
    section = out
    for part in path:
        section = section[part]
    section[last] = value
    return out


def test_every_rule_gets_a_positive_whole_number_of_mb(default):
    estimates = job_memory_mb(default)
    assert list(estimates) == list(RULES)
    assert all(isinstance(mb, int) and mb > 0 for mb in estimates.values())


def test_planning_imports_no_scientific_stack(default, tmp_path):
    """Config validation and the memory check run at every `snakemake -n`, on
    login nodes too: our code must not import torch, numpy, pandas or
    Biopython (nor Snakemake, being library code)."""
    (tmp_path / "config.json").write_text(json.dumps(default))
    code = (
        "import json, sys; sys.path.insert(0, 'workflow/scripts'); "
        "from tbio.config import validate_config; "
        "from tbio.resources import check_memory, job_memory_mb; "
        "import jsonschema, yaml; "
        # the schema check Snakemake's validate does (its own YAML loader imports numpy,
        # as when Snakemake reads any config file); the config below is filled already
        "validate = lambda c, path: jsonschema.Draft202012Validator(yaml.safe_load(open(path))).validate(c); "
        f"config = json.load(open({str(tmp_path / 'config.json')!r})); "
        "config = validate_config(config, 'workflow/schemas/config.schema.yaml', validate); "
        "job_memory_mb(config); check_memory(config, 24000); "
        "heavy = ('torch', 'snakemake', 'numpy', 'pandas', 'Bio'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# which estimates a larger value must raise, and which it must leave alone
# One estimate serves every encode_onehot job: the larger task's, at the
# defaults the protein task's (4,000 x 1,024 residues x 21 channels).
GROWS = [
    (
        "dna.n_train",
        ["simulate_dna", "train_cnn", "train_cnn_dilated", "train_cnn_global", "train_enformer"],
        ["train_transformer", "report"],
    ),
    ("dna.n_test", ["simulate_dna", "train_cnn", "train_cnn_global", "train_enformer", "report"], ["train_performer"]),
    # the held-out-distance set is simulated by simulate_dna_probe, whose jobs ask for simulate_dna's estimate
    ("dna.n_probe", ["train_cnn", "train_cnn_dilated", "train_enformer", "simulate_dna"], ["train_performer"]),
    (
        "dna.seq_len",
        ["simulate_dna", "train_cnn", "train_cnn_dilated", "train_cnn_global", "train_enformer"],
        ["train_performer"],
    ),
    ("models.cnn_global.channels", ["train_cnn_global"], ["train_cnn", "train_enformer"]),
    ("models.cnn_dilated.dim", ["train_cnn_dilated"], ["train_cnn", "train_enformer"]),
    ("protein.n_train", ["simulate_protein", "encode_onehot", "train_performer", "train_transformer"], ["train_cnn"]),
    (
        "protein.seq_lens",
        ["simulate_protein", "encode_onehot", "train_performer", "train_transformer"],
        ["train_enformer"],
    ),
    ("models.cnn.channels", ["train_cnn"], ["train_enformer"]),
    ("models.cnn.batch_size", ["train_cnn"], ["train_enformer"]),
    ("models.enformer.dim", ["train_enformer"], ["train_cnn"]),
    ("models.enformer.heads", ["train_enformer"], ["train_cnn"]),
    ("models.enformer.batch_size", ["train_enformer"], ["train_cnn"]),
    ("models.enformer.depth", ["train_enformer"], ["train_cnn"]),
    ("models.performer.dim", ["train_performer"], ["train_transformer"]),
    ("models.performer.nb_features", ["train_performer"], ["train_transformer"]),
    ("models.performer.batch_size", ["train_performer"], ["train_transformer"]),
    ("models.transformer.dim", ["train_transformer"], ["train_performer"]),
    ("models.transformer.batch_size", ["train_transformer"], ["train_performer"]),
    ("models.transformer.depth", ["train_transformer"], ["train_performer"]),
    ("approximation.draws", ["attention_approximation", "report"], ["attention_scaling"]),
    ("approximation.features", ["attention_approximation"], ["attention_scaling"]),
    ("scaling.seq_lens", ["attention_scaling"], ["attention_approximation"]),
]


@pytest.mark.parametrize("key, grows, unchanged", GROWS, ids=[g[0] for g in GROWS])
def test_estimates_grow_with_the_sizes_that_drive_them(default, key, grows, unchanged):
    value = default
    for part in key.split("."):
        value = value[part]
    larger = [4 * v for v in value] if isinstance(value, list) else 4 * value
    before, after = job_memory_mb(default), job_memory_mb(with_value(default, key, larger))
    for rule in grows:
        assert after[rule] > before[rule], (key, rule)
    for rule in unchanged:
        assert after[rule] == before[rule], (key, rule)


def test_enformer_attention_grows_with_the_square_of_its_bins(default):
    """Above the fixed cost the Enformer's activations are dominated by
    (heads, bins, bins) scores once bins are many: x 4 length, x ~16 memory."""
    base = job_memory_mb(with_value(default, "dna.seq_len", 8))["train_enformer"]
    at = {n: job_memory_mb(with_value(default, "dna.seq_len", n))["train_enformer"] - base for n in (8192, 32768)}
    assert 12 < at[32768] / at[8192] < 17


@pytest.mark.parametrize("name", ["default", "toy"])
def test_the_shipped_configs_fit_in_24_gb(name, request):
    config = request.getfixturevalue(name)
    check_memory(config, LIMIT_MB)  # no error
    assert max(job_memory_mb(config).values()) < 2000


HUGE = [
    # key, value, the rule refused, the value as the message shows it
    ("dna.n_train", 10**7, "encode_onehot", "10000000"),  # its FASTA, strings and codes: about 44 GB
    ("dna.seq_len", 2**17, "train_enformer", "131072"),
    ("models.cnn.channels", 100_000, "train_cnn", "100000"),
    ("models.enformer.dim", 16384, "train_enformer", "16384"),
    ("protein.seq_lens", [1024, 2**20], "train_", "up to 1048576"),
    ("models.performer.nb_features", 10**6, "train_performer", "1000000"),
    ("approximation.draws", 10**8, "attention_approximation", "100000000"),
    ("scaling.seq_lens", [512, 1024, 2**23], "attention_scaling", "up to 8388608"),
]


@pytest.mark.parametrize("key, value, rule, shown", HUGE, ids=[h[0] for h in HUGE])
def test_a_size_that_cannot_fit_is_refused_in_one_sentence_naming_its_key(default, key, value, rule, shown):
    config = with_value(default, key, value)
    with pytest.raises(ConfigError) as caught:
        check_memory(config, LIMIT_MB)
    message = str(caught.value)
    assert f"{key} ({shown})" in message
    assert f"each {rule}" in message and "24 GB" in message and "memory_limit_mb" in message
    assert message.startswith("config key") and message.endswith(".")
    assert ". " not in message and "\n" not in message  # one sentence
    # and the size named is the estimate of that rule
    estimate = max(mb for r, mb in job_memory_mb(config).items() if r.startswith(rule))
    assert resources._size(estimate) in message


def test_the_message_names_every_key_that_drives_the_estimate(default):
    """Data that does not fit: the number of sequences and their length are
    both to blame for every split held in memory."""
    config = with_value(with_value(default, "dna.n_train", 8 * 10**6), "dna.seq_len", 2048)
    with pytest.raises(ConfigError, match=r"^config keys .* make each \w+ job need about") as caught:
        check_memory(config, LIMIT_MB)
    assert "dna.n_train (8000000)" in str(caught.value) and "dna.seq_len (2048)" in str(caught.value)
    assert "models." not in str(caught.value)  # batch and model sizes barely matter here


def test_a_larger_limit_lets_the_same_config_through(default):
    config = with_value(default, "dna.n_train", 10**7)
    needed = max(job_memory_mb(config).values())
    check_memory(config, needed)
    with pytest.raises(ConfigError, match="more than the 10 GB memory_limit_mb allows"):
        check_memory(config, 10_000)


def test_machine_memory_is_the_physical_memory():
    total_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    assert abs(machine_memory_mb() - total_kib * 1024 / 1e6) < 0.02 * machine_memory_mb()


def test_the_users_own_dna_is_sized_from_its_files(default, tmp_path):
    """n_train and the others do not apply to dna.input: each split's record
    count is bounded from its FASTA (its size uncompressed when gzip)."""
    seq_len, records = 64, 300
    fasta = "".join(f">r{i} some description\n{'ACGT' * (seq_len // 4)}\n" for i in range(records))
    paths = {}
    for split in ("train", "val", "test"):
        path = tmp_path / f"{split}.fasta"
        if split == "val":
            path = tmp_path / "val.fa.gz"
            path.write_bytes(gzip.compress(fasta.encode()))
        else:
            path.write_text(fasta)
        paths[split] = {"fasta": str(path), "labels": str(tmp_path / f"{split}.tsv")}
    config = with_value(with_value(default, "dna.input", paths), "dna.seq_len", seq_len)
    sizes = resources.split_sizes(config, "dna")
    assert all(records <= n <= 2 * records for n in sizes.values()), sizes
    # simulate_dna does not run on the user's data, so its n_train cannot refuse the config
    check_memory(with_value(config, "dna.n_train", 10**8), LIMIT_MB)


# --- calibration: a real job stays under its estimate -------------------------------------------


CALIBRATED = [
    ("train_cnn", {}),
    ("train_enformer", {"dna.seq_len": 1024, "dna.n_train": 128, "dna.n_val": 64, "dna.n_test": 64}),
    ("train_cnn_dilated", {"dna.seq_len": 1024, "dna.n_train": 128, "dna.n_val": 64, "dna.n_test": 64}),
    ("train_cnn_global", {"dna.seq_len": 1024, "dna.n_train": 128, "dna.n_val": 64, "dna.n_test": 64}),
]


@pytest.mark.parametrize("rule, overrides", CALIBRATED, ids=[c[0] for c in CALIBRATED])
def test_a_small_real_training_job_peaks_under_its_estimate(toy, tmp_path, rule, overrides):
    config = copy.deepcopy(toy)
    for key, value in overrides.items():
        config = with_value(config, key, value)
    config["models"][rule.split("_")[1]]["epochs"] = 1
    measured = measure_peak_mb(rule, config, tmp_path, timeout=120)
    estimated = job_memory_mb(config)[rule] - resources.SNAKEMAKE_MB  # the measurement has no preamble
    assert measured <= estimated <= 3 * measured, (measured, estimated)
