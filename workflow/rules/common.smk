# Config validation, wildcard constraints, target lists and input functions.
# Rule files stay declarative; everything computed lives here.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from tbio.config import ConfigError, validate_config

# Our own validator rather than snakemake.utils.validate: it fills the same
# schema defaults but reports one sentence naming the key, value and range.
try:
    config.update(validate_config(config, workflow.source_path("../schemas/config.schema.yaml")))
except ConfigError as error:
    raise WorkflowError(f"Invalid config: {error}") from None


wildcard_constraints:
    distance=r"\d+",
    seed=r"\d+",
    split="train|val|test",
    dataset=r"dna/d\d+|protein",


SPLITS = ["train", "val", "test"]
DNA_MODELS = ["cnn", "enformer"]
PROTEIN_MODELS = ["performer", "transformer"]
LIBRARY = "workflow/scripts/tbio"


def library_files(*modules):
    """Library modules a rule's script imports: listed as inputs so that an
    edit to the model or training code reruns the jobs that used it."""
    return [f"{LIBRARY}/{module}.py" for module in modules]


TRAIN_CODE = ["models/__init__", "train/run", "train/loop", "train/metrics", "train/interpret"]
MODEL_CODE = {
    "cnn": ["models/cnn"],
    "enformer": ["models/enformer"],
    "transformer": ["models/transformer", "models/blocks"],
    "performer": ["models/performer", "models/blocks", "models/favor"],
}


def train_code(model):
    return library_files(*TRAIN_CODE, *MODEL_CODE[model])


def model_params(model):
    """Each key of models.<model> as its own named param, so that a change
    to one of them reruns exactly the jobs of that model."""
    return dict(config["models"][model])


def training_gpus():
    """GPUs a training job asks the cluster for (the SLURM plugin's 'gpu')."""
    return 1 if config["use_gpu"] else 0


def protein_models(model):
    return expand("results/models/protein/{model}/seed{seed}/metrics.json", model=model, seed=config["seeds"])


def report_inputs():
    return [
        "results/report/summary.tsv",
        "results/report/report.html",
    ]


def alphabet_of(wildcards):
    """'dna' or 'protein', from the dataset wildcard."""
    return wildcards.dataset.split("/")[0]


def dna_arrays(wildcards):
    return encoded_arrays(f"dna/d{wildcards.distance}")


def protein_arrays(wildcards):
    return encoded_arrays("protein")


def encoded_arrays(dataset):
    """Named one-hot and label arrays of every split of ``dataset``."""
    arrays = {}
    for split in SPLITS:
        arrays[f"x_{split}"] = f"results/encoded/{dataset}/{split}.x.npy"
        arrays[f"y_{split}"] = f"results/encoded/{dataset}/{split}.y.npy"
    return arrays


def dna_model_files(models, name):
    return expand(
        "results/models/dna/d{distance}/{model}/seed{seed}/{name}",
        distance=config["dna"]["distances"],
        model=models,
        seed=config["seeds"],
        name=name,
    )


def rule_benchmarks():
    """Benchmark files of every job upstream of the report (its cost table)."""
    distances, seeds = config["dna"]["distances"], config["seeds"]
    files = expand("results/rule_benchmarks/simulate_dna/d{distance}.tsv", distance=distances)
    files += ["results/rule_benchmarks/simulate_protein/protein.tsv"]
    files += expand(
        "results/rule_benchmarks/encode_onehot/dna/d{distance}/{split}.tsv", distance=distances, split=SPLITS
    )
    files += expand("results/rule_benchmarks/encode_onehot/protein/{split}.tsv", split=SPLITS)
    files += expand(
        "results/rule_benchmarks/train_{model}/d{distance}_seed{seed}.tsv",
        model=DNA_MODELS,
        distance=distances,
        seed=seeds,
    )
    files += expand("results/rule_benchmarks/train_{model}/seed{seed}.tsv", model=PROTEIN_MODELS, seed=seeds)
    files += [
        "results/rule_benchmarks/attention_approximation/approximation.tsv",
        "results/rule_benchmarks/attention_scaling/scaling.tsv",
    ]
    return files
