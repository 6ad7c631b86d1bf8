# Config validation, wildcard constraints, target lists and input functions.
# Rule files stay declarative; everything computed lives here.
import functools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from snakemake.logging import logger
from snakemake.utils import validate
from tbio.config import ConfigError, validate_config
from tbio.data.bands import length_name
from tbio.data.layout import task_element_lengths, window_name
from tbio.imports import library_closure
from tbio.models import DNA_MODELS, PROTEIN_MODELS
from tbio.models import REGISTRY as MODEL_REGISTRY
from tbio.motifs.database import planted_roles
from tbio.resources import check_memory, machine_memory_mb, requested_mem_mb

# snakemake.utils.validate checks the schema and fills its defaults;
# validate_config turns its error into one sentence naming the key, value and
# range, and checks across keys. Then every job's peak memory, estimated from
# the config, must fit: checked where the run is planned, not again inside
# each job on a cluster node.
try:
    config.update(validate_config(config, workflow.source_path("../schemas/config.schema.yaml"), validate))
    if workflow.is_main_process:
        check_memory(config, config["memory_limit_mb"] or machine_memory_mb())
except ConfigError as error:
    raise WorkflowError(f"Invalid config: {error}") from None

# resources: mem_mb of every rule (tbio/resources.py says how each is estimated)
MEM_MB = requested_mem_mb(config)


wildcard_constraints:
    low=r"\d+",
    high=r"\d+",
    dna_set=r"w\d+-\d+|user",
    protein_set=r"l\d+",
    seed=r"\d+",
    split="train|val|test",
    dataset=r"dna/(w\d+-\d+|user|probe)|protein/l\d+",
    model="|".join(DNA_MODELS),


SPLITS = ["train", "val", "test"]
SCRIPTS = "workflow/scripts"
LIBRARY = f"{SCRIPTS}/tbio"
USER_DNA = config["dna"]["input"]
# One DNA data set per distance window (w<low>-<high>), or the user's own
# FASTA files (dna.input). The simulated DNA also has a held-out-distance set
# (dna/probe) that every DNA model is scored on, and controls on its test split.
DNA_SETS = ["user"] if USER_DNA else [window_name(window) for window in config["dna"]["windows"]]
# One protein data set per length of protein.seq_lens (l<length>); the
# approximation benchmark reads the models of the longest, where FAVOR+ matters.
PROTEIN_SETS = [length_name(length) for length in config["protein"]["seq_lens"]]
LONGEST_PROTEIN_SET = length_name(max(config["protein"]["seq_lens"]))


def script_code(script, *modules):
    """The library files a rule's script runs (tbio/imports.py follows its
    imports through the source), plus those of ``modules`` (dotted names) that
    it loads by name at run time: listed as inputs so that an edit to any of
    them reruns the jobs that ran it."""
    return list(_closure(script, modules))


@functools.cache  # parsed once per run, not once per job of a rule with a per-job list
def _closure(script, modules):
    return tuple(library_closure(SCRIPTS, f"{SCRIPTS}/{script}.py", *modules))


def model_module(model):
    """The module a model is built from (the registry loads it by name)."""
    return MODEL_REGISTRY[model][0]


def train_code(model):
    return script_code("train", model_module(model))


def canonical(settings):
    """A settings group as one canonical JSON string, the form every rule's
    params take. Snakemake's params trigger compares the *set* of a job's
    param values without their names: with separate params channels=32 and
    head_hidden=64, setting channels to 64 leaves the set unchanged and would
    rerun nothing. One string per group changes whenever any value does."""
    return json.dumps(settings, sort_keys=True)


def training_settings(model, task):
    """Everything a training job's result depends on besides its input files:
    the model's section and the torch threads (they change floating-point
    results). The controls' masks come from the test labels, an input."""
    settings = {
        "model": model,
        "task": task,
        "model_settings": config["models"][model],
        "threads": config["threads"]["train"],
    }
    if uses_tracks(model):  # the classes and lengths the element tracks mark
        settings["elements"] = task_element_lengths(config["dna"])
    return canonical(settings)


def uses_tracks(model):
    """Does this model learn element tracks beside the label (track_weight)?"""
    return bool(config["models"][model].get("track_weight"))


# dna keys that reach no simulation: the windows come from the wildcard, the
# bins only group the probe's accuracies in the report
NOT_SIMULATED = ("windows", "input", "distance_bin_bp")


def dna_simulation_settings():
    """The dna section less the keys that do not reach one window's simulation."""
    return canonical({k: v for k, v in config["dna"].items() if k not in NOT_SIMULATED + ("n_probe",)})


def probe_simulation_settings():
    """The dna section less the keys that do not reach the held-out-distance set."""
    skip = NOT_SIMULATED + ("n_train", "n_val", "n_test")
    return canonical({k: v for k, v in config["dna"].items() if k not in skip})


def training_gpus():
    """GPUs a training job asks the cluster for (the SLURM plugin's 'gpu')."""
    return 1 if config["use_gpu"] else 0


def protein_models(model, name="metrics.json", protein_sets=PROTEIN_SETS):
    return expand(
        "results/models/protein/{protein_set}/{model}/seed{seed}/{name}",
        protein_set=protein_sets,
        model=model,
        seed=config["seeds"],
        name=name,
    )


def protein_simulation_settings():
    """The protein section less the lengths, which come from the wildcard:
    a new length adds its own jobs and reruns none of the others."""
    return canonical({k: v for k, v in config["protein"].items() if k != "seq_lens"})


def whole_json(paths):
    """``paths``, after marking any that exist but do not parse as JSON (a
    file truncated after its job finished) as incomplete outputs, so that the
    job which wrote it runs again instead of the report failing on it."""
    for path in paths:
        try:
            json.loads(Path(path).read_text())
        except FileNotFoundError:
            continue
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
            logger.warning(
                f"{path} is not whole JSON ({error}): marked incomplete, so the job that wrote it runs again."
            )
            mark_incomplete(path)
    return paths


def mark_incomplete(path):
    """Snakemake's own mark for an output whose job did not finish: with
    rerun-incomplete (profiles/default) the job runs again and everything
    downstream of it; without, Snakemake stops and names the file. Persistence
    has no public call for this; snakemake is pinned and the test of a
    truncated metrics file covers it."""
    if workflow.is_main_process:
        workflow.persistence._clear_cache()
        workflow.persistence._mark_incomplete(str(path), None)


def simulated_dna_files(name):
    """``name`` (controls.tsv, by_distance.tsv) of every DNA job: tables that
    need the planted positions, so none for the user's own DNA."""
    return [] if USER_DNA else dna_model_files(DNA_MODELS, name)


def dna_metrics(wildcards):
    return whole_json(dna_model_files(DNA_MODELS, "metrics.json"))


def protein_metrics(wildcards):
    return whole_json(protein_models(PROTEIN_MODELS))


# --- motif discovery -------------------------------------------------------------------

MOTIF_MODELS = config["motifs"]["models"]


def contribution_settings():
    """What a contribution_scores job's result depends on besides its inputs."""
    return canonical({"n_sequences": config["motifs"]["n_sequences"], "threads": config["threads"]["train"]})


def discovery_settings():
    """A discover_motifs job's settings: the motifs section's discovery keys,
    the JASPAR release matched against and the matrices that count as planted."""
    skip = ("models", "n_sequences", "known")
    settings = {k: v for k, v in config["motifs"].items() if k not in skip}
    return canonical(
        {
            "discovery": settings,
            "jaspar_release": config["dna"]["jaspar_release"],
            "planted": list(planted_roles(config["dna"], config["motifs"]["known"])),
        }
    )


def seed_files(folder, name):
    """``folder``/seed<seed>/``name`` for every seed, in the seeds' order
    (``folder`` may hold wildcards)."""
    return [f"{folder}/seed{seed}/{name}" for seed in config["seeds"]]


def motif_files(name):
    """``name`` (motifs.tsv, patterns.npz) of every discover_motifs job."""
    return expand(
        "results/motifs/dna/{dna_set}/{model}/seed{seed}/{name}",
        dna_set=DNA_SETS,
        model=MOTIF_MODELS,
        seed=config["seeds"],
        name=name,
    )


def report_templates():
    """The Jinja2 templates, style and script the report page is rendered from."""
    return sorted(str(path) for path in Path(LIBRARY, "report", "templates").iterdir() if path.is_file())


def report_captions():
    """The figure captions (workflow/report/*.rst): Snakemake's report and the page read the same files."""
    return sorted(str(path) for path in Path("workflow", "report").glob("*.rst"))


def report_inputs():
    return [
        "results/report/summary.tsv",
        "results/report/report.html",
    ]


def alphabet_of(wildcards):
    """'dna' or 'protein', from the dataset wildcard."""
    return wildcards.dataset.split("/")[0]


def dna_arrays(wildcards):
    return encoded_arrays(f"dna/{wildcards.dna_set}")


def split_files(dataset, split):
    """The FASTA and labels of one split: simulated, or the user's own."""
    if dataset == "dna/user":
        return {"fasta": USER_DNA[split]["fasta"], "labels": USER_DNA[split]["labels"]}
    return {"fasta": f"data/{dataset}/{split}.fasta", "labels": f"data/{dataset}/{split}.labels.tsv"}


def sequences(wildcards):
    """An encoding job's inputs; with the user's own DNA also its check, so
    that no encoding (and so no training) starts before the check passed."""
    files = split_files(wildcards.dataset, wildcards.split)
    if USER_DNA:
        files["checked"] = "results/user_dna/checked.tsv"
    return files


def user_dna_files():
    """Every file of dna.input (none when the DNA is simulated)."""
    return [USER_DNA[split][kind] for split in SPLITS for kind in ("fasta", "labels")] if USER_DNA else []


def protein_arrays(wildcards):
    return encoded_arrays(f"protein/{wildcards.protein_set}")


def encoded_arrays(dataset):
    """Named sequence (uint8 codes) and label arrays of every split of ``dataset``."""
    arrays = {}
    for split in SPLITS:
        arrays[f"x_{split}"] = f"results/encoded/{dataset}/{split}.x.npy"
        arrays[f"y_{split}"] = f"results/encoded/{dataset}/{split}.y.npy"
    return arrays


def dna_model_files(models, name):
    return expand(
        "results/models/dna/{dna_set}/{model}/seed{seed}/{name}",
        dna_set=DNA_SETS,
        model=models,
        seed=config["seeds"],
        name=name,
    )


def rule_benchmarks():
    """Benchmark files of every job upstream of the report (its cost table)."""
    seeds = config["seeds"]
    if USER_DNA:
        files = ["results/rule_benchmarks/check_user_dna/check.tsv"]
    else:
        files = expand("results/rule_benchmarks/simulate_dna/{dna_set}.tsv", dna_set=DNA_SETS)
        files += ["results/rule_benchmarks/simulate_dna_probe/probe.tsv"]
        files += expand("results/rule_benchmarks/encode_onehot/dna/probe/{split}.tsv", split=["test"])
    files += expand("results/rule_benchmarks/simulate_protein/{protein_set}.tsv", protein_set=PROTEIN_SETS)
    files += expand("results/rule_benchmarks/encode_onehot/dna/{dna_set}/{split}.tsv", dna_set=DNA_SETS, split=SPLITS)
    files += expand(
        "results/rule_benchmarks/encode_onehot/protein/{protein_set}/{split}.tsv",
        protein_set=PROTEIN_SETS,
        split=SPLITS,
    )
    files += expand(
        "results/rule_benchmarks/train_{model}/{dna_set}_seed{seed}.tsv",
        model=DNA_MODELS,
        dna_set=DNA_SETS,
        seed=seeds,
    )
    files += expand(
        "results/rule_benchmarks/train_{model}/{protein_set}_seed{seed}.tsv",
        model=PROTEIN_MODELS,
        protein_set=PROTEIN_SETS,
        seed=seeds,
    )
    files += expand(
        "results/rule_benchmarks/{step}/{dna_set}/{model}.tsv",
        step=["contribution_scores", "discover_motifs"],
        dna_set=DNA_SETS,
        model=MOTIF_MODELS,
    )
    files += [
        "results/rule_benchmarks/attention_approximation/approximation.tsv",
        "results/rule_benchmarks/attention_scaling/scaling.tsv",
    ]
    return files


def dna_test_labels():
    """Labels of every DNA test split (positions of promoter and enhancer)."""
    return [split_files(f"dna/{dna_set}", "test")["labels"] for dna_set in DNA_SETS]


def dna_training_inputs(model):
    """The input function of a DNA model's training jobs: the arrays; for
    simulated DNA also the test labels (where the controls mask) and the
    held-out-distance set, and for a model with element tracks the train and
    val labels (where each element lies)."""

    def inputs_of(wildcards):
        inputs = dna_arrays(wildcards)
        if uses_tracks(model):  # the config check refuses tracks with dna.input
            for split in ("train", "val"):
                inputs[f"labels_{split}"] = split_files(f"dna/{wildcards.dna_set}", split)["labels"]
        if not USER_DNA:
            inputs["labels_test"] = split_files(f"dna/{wildcards.dna_set}", "test")["labels"]
            inputs["x_probe"] = "results/encoded/dna/probe/test.x.npy"
            inputs["y_probe"] = "results/encoded/dna/probe/test.y.npy"
            inputs["labels_probe"] = "data/dna/probe/test.labels.tsv"
        return inputs

    return inputs_of
