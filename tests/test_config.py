"""Bad config values: one sentence naming the key, before any job runs."""

import copy

import pytest
import yaml

from conftest import ROOT, copy_workflow, run_snakemake
from tbio.config import ConfigError, validate_config
from snakemake.utils import validate

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")
DEFAULT = yaml.safe_load((ROOT / "config/config.yaml").read_text())


def with_change(path: str, value):
    config = copy.deepcopy(DEFAULT)
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return config


def test_the_default_and_test_configs_are_valid():
    validate_config(DEFAULT, SCHEMA, validate)
    test = yaml.safe_load((ROOT / "config/test.yaml").read_text())
    merged = copy.deepcopy(DEFAULT)
    for key, value in test.items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                if isinstance(subvalue, dict):
                    merged[key].setdefault(sub, {}).update(subvalue)
                else:
                    merged[key][sub] = subvalue
        else:
            merged[key] = value
    validate_config(merged, SCHEMA, validate)


def test_defaults_are_filled():
    filled = validate_config({"seeds": [4]}, SCHEMA, validate)
    assert filled["dna"]["seq_len"] == 512 and filled["models"]["cnn"]["patience"] == 3


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("dna.seq_len", "long", "dna.seq_len is 'long'; expected a whole number"),
        ("dna.seq_len", 2.5, "dna.seq_len is 2.5; expected a whole number"),
        ("dna.n_train", 0, "dna.n_train is 0; expected a number >= 2"),
        ("dna.n_test", -3, "dna.n_test is -3; expected a number >= 2"),
        ("protein.n_val", 1, "protein.n_val is 1; expected a number >= 2"),
        ("models.cnn.lr", 0, "models.cnn.lr is 0; expected a number > 0"),
        ("models.enformer.epochs", 0, "models.enformer.epochs is 0; expected a number >= 1"),
        (
            "dna.enhancers",
            ["ACGTNNXA", "MA0796.1"],
            "dna.enhancers[0] is 'ACGTNNXA'; expected a JASPAR matrix ID with its version (e.g. MA0105.4) or a consensus",
        ),
        ("dna.promoters", ["POL001", "POL011.1"], "dna.promoters[0] is 'POL001'; expected a JASPAR matrix ID"),
        ("dna.promoters", ["POL001.1"], "dna.promoters is ['POL001.1']; expected a list of at least 2 item(s)"),
        ("dna.promoters", ["POL001.1", "POL001.1"], "dna.promoters names 'POL001.1' twice"),
        ("dna.enhancers", ["MA9999.1", "MA0796.1"], "dna.enhancers[0] is 'MA9999.1', which JASPAR2020 does not have"),
        ("dna.jaspar_release", "JASPAR1999", "dna.jaspar_release is 'JASPAR1999'; expected one of the releases"),
        ("dna.enhancers", ["POL001.1", "MA0796.1"], "dna.promoters and dna.enhancers share a motif"),
        ("protein.motif_a", "WHC1", "protein.motif_a is 'WHC1', which has letter(s) 1"),
        ("dna.windows", [[10, 30], [30, 10]], "dna.windows has [30, 10]; expected [low, high] with low <= high"),
        (
            "dna.windows",
            [[10, 30], [72, 120]],
            "dna.windows has [72, 120], which does not fit: with dna.seq_len 512, promoters of 19 and 10 bp and "
            "enhancers of 29 and 27 bp, distances must lie in [10, 95] bp",
        ),
        ("dna.windows", [[5, 30]], "dna.windows has [5, 30], which does not fit"),
        ("dna.windows", [], "dna.windows is []; expected a list of at least 1 item"),
        ("dna.windows", [[10]], "dna.windows.0 is [10]; expected a list of at least 2 item(s)"),
        ("dna.enhancer_copies", 0, "dna.enhancer_copies is 0; expected a number >= 1"),
        ("seeds", [], "seeds is []; expected a list of at least 1 item"),
        ("seeds", [1, 1], "seeds is [1, 1]; expected a list without repeated values"),
        ("dna.promotor", "ACGTACGT", "dna.promotor is not a known key (a typo?)"),
        ("modles", {}, "modles is not a known key (a typo?)"),
        ("models.cnn.kernel", 5, "models.cnn.kernel is not a known key"),
        ("models.cnn.kernel_size", 4, "models.cnn.kernel_size is 4; expected an odd number"),
        (
            "models.enformer.track_keys",
            True,
            "models.enformer.track_keys is true; its keys read the element tracks' logits, which the model has only "
            "when it learns them: expected models.enformer.track_weight above 0.",
        ),
        (
            "dna.seq_len",
            508,
            "dna.seq_len is 508; models.enformer pools to bins of 2 ** models.enformer.n_pool = 8",
        ),
        (
            "protein.far",
            [436, 560],
            "protein.near [288, 352] and protein.far [436, 560] (protein.seq_lens entry 1024, protein.repeats 4): far band "
            "[436, 560] does not fit: with seq_len 1024 and motif arrays of 24 residues, distances must lie in [24, 500]",
        ),
        (
            "protein.far",
            [649, 713],
            "does not fit",
        ),
        (
            "protein.seq_lens",
            [1024, 512],
            "protein.near [288, 352] and protein.far [436, 500] (protein.seq_lens entry 512, protein.repeats 4): near "
            "band [288, 352] does not fit",
        ),
        ("protein.seq_lens", [1024, 1024], "protein.seq_lens is [1024, 1024]"),
        (
            "protein.near",
            [352, 288],
            "protein.near is [352, 288]; expected [low, high] with low <= high",
        ),
        (
            "protein.far",
            [300, 400],
            "protein.near [288, 352] and protein.far [300, 400] (protein.seq_lens entry 1024, protein.repeats 4): bands near "
            "[288, 352] and far [300, 400] share spacings (e.g. 300)",
        ),
        (
            "protein.motif_b",
            "FYPQ",
            "protein.motif_a, protein.motif_b and protein.repeats: motif_b 'FYPQ' has 4 residues; expected as many "
            "as motif_a 'WHCMKY' (6).",
        ),
        ("protein.near", [288], "protein.near is [288]; expected"),
        (
            "protein.motif_b",
            "WHCMKY",
            "protein.motif_a, protein.motif_b and protein.repeats: motif_a 'WHCMKY' and motif_b 'WHCMKY' with 4 "
            "repeats put one motif inside the other's array",
        ),
        ("protein.motif_b", "KYWHCM", "put one motif inside the other's array"),  # WHCMKYWHCMKY holds KYWHCM
        ("use_gpu", "maybe", "use_gpu is 'maybe'; expected a value of type boolean"),
        # YAML's .inf and .nan pass every minimum and maximum; each is named
        ("models.cnn.lr", float("inf"), "models.cnn.lr is inf; expected a finite number"),
        ("models.enformer.lr", float("nan"), "models.enformer.lr is nan; expected a finite number"),
        ("models.cnn.weight_decay", float("inf"), "models.cnn.weight_decay is inf; expected a finite number"),
        ("models.performer.min_delta", float("nan"), "models.performer.min_delta is nan; expected a finite number"),
        ("models.transformer.dropout", float("nan"), "models.transformer.dropout is nan; expected a finite number"),
        ("models.performer.heads", 3, "models.performer.heads is 3; expected a divisor of models.performer.dim (32)"),
        (
            "models.transformer.heads",
            5,
            "models.transformer.heads is 5; expected a divisor of models.transformer.dim (32)",
        ),
        (
            "dna.seq_len",
            96,
            "dna.seq_len is 96; with dna.seq_len 96, promoters of 19 and 10 bp and enhancers of 29 "
            "and 27 bp no distance fits both pairs on the sequence",
        ),
        ("models.cnn_global.stem_kernel", 14, "models.cnn_global.stem_kernel is 14; expected an odd number"),
        ("models.protein_bag.stem_kernel", 6, "models.protein_bag.stem_kernel is 6; expected an odd number"),
        (
            "models.protein_local.dilations",
            [1, 2, 4, 8, 16, 32, 64],
            "models.protein_local.dilations is [1, 2, 4, 8, 16, 32, 64]; its receptive field (stem_kernel + "
            "sum((kernel_size - 1) * dilation) = 515 residues) must be shorter than the 264 residues that always lie "
            "between the protein task's motif arrays",
        ),
        ("models.protein_local.pool", "sum", "models.protein_local.pool is 'sum'"),
        ("models.enformer.stop_accuracy", 0.4, "models.enformer.stop_accuracy is 0.4; expected a number > 0.5"),
        ("approximation.logit_stds", [0.1, -1], "approximation.logit_stds.1 is -1; expected a number > 0"),
    ],
)
def test_bad_values_get_one_sentence_naming_the_key(key, value, message):
    with pytest.raises(ConfigError) as error:
        validate_config(with_change(key, value), SCHEMA, validate)
    text = str(error.value)
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    "bad, message",
    [
        ("dna:\n  n_train: -5\n", "config key dna.n_train is -5; expected a number >= 2"),
        # YAML's .inf passes every schema minimum
        ("models:\n  cnn: {lr: .inf}\n", "config key models.cnn.lr is inf; expected a finite number."),
    ],
)
def test_snakemake_refuses_a_bad_config_before_any_job(tmp_path, bad, message):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "bad.yaml").write_text(bad)
    result = run_snakemake(workdir, "--cores", "1", "--configfile", "config/test.yaml", "bad.yaml", check=False)
    assert result.returncode != 0
    assert message in result.stderr + result.stdout
    assert not (workdir / "data").exists() or not any((workdir / "data").rglob("*.fasta"))
    assert not (workdir / "results").exists()


def test_values_in_another_form_that_means_the_same_are_read_as_the_schema_types_them():
    """--config hands lists and sections over as YAML strings of strings, and
    YAML reads 256.0 as a float: each arrives as the schema types it."""
    config = copy.deepcopy(DEFAULT)
    config.update(seeds=["1", "2"], use_gpu="true")
    config["dna"].update(seq_len=256.0, windows=[[10.0, "20"]], n_train="300")
    config["models"]["performer"]["feature_seed"] = "null"
    config["approximation"] = "{features: [16, 64], draws: 3}"
    filled = validate_config(config, SCHEMA, validate)
    assert filled["seeds"] == [1, 2] and filled["use_gpu"] is True
    assert filled["dna"]["seq_len"] == 256 and type(filled["dna"]["seq_len"]) is int
    assert filled["dna"]["windows"] == [[10, 20]] and all(type(d) is int for d in filled["dna"]["windows"][0])
    assert filled["dna"]["n_train"] == 300 and filled["models"]["performer"]["feature_seed"] is None
    assert filled["approximation"] == {"features": [16, 64], "draws": 3, "logit_stds": [0.125, 0.35, 1.0]}
    # strings where the schema takes strings stay strings
    config["dna"]["promoters"] = ["TATAAAAGG", "POL011.1"]
    assert validate_config(config, SCHEMA, validate)["dna"]["promoters"] == ["TATAAAAGG", "POL011.1"]


def test_command_line_config_values_reach_snakemake_typed(tmp_path):
    """The same forms on the real command line: planned, not refused."""
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(
        workdir,
        "-n",
        "--configfile",
        "config/test.yaml",
        "--config",
        "seeds=[1,2]",
        "dna={seq_len: 256.0, windows: [[10, 16], [24, 31]]}",
        "use_gpu=true",
    )
    assert "Invalid config" not in result.stdout + result.stderr
    result = run_snakemake(workdir, "-n", "--configfile", "config/test.yaml", "--config", "seeds=[1,x]", check=False)
    assert result.returncode != 0
    assert "config key seeds.1 is 'x'; expected a whole number" in result.stdout + result.stderr


def test_snakemake_refuses_a_config_whose_jobs_cannot_fit_in_memory(tmp_path):
    """Estimated from the config before any job (tbio/resources.py), naming the keys."""
    workdir = copy_workflow(tmp_path / "wf")
    huge = ["--config", "dna={n_train: 50000000}"]
    result = run_snakemake(workdir, "--cores", "1", "--configfile", "config/test.yaml", *huge, check=False)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "config keys dna.n_train (50000000) and dna.seq_len (256) make each encode_onehot job need about" in out
    assert "raise memory_limit_mb" in out
    assert not (workdir / "results").exists() and not (workdir / "data").exists()
    # a cluster with bigger nodes: say so, and the same config is planned
    run_snakemake(workdir, "-n", "--configfile", "config/test.yaml", *huge, "memory_limit_mb=1000000000")
