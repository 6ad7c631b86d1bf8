"""Snakemake adapter for every train_* rule: the model, its settings and the
arrays come from the rule; the work is tbio.train.run.train_job."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.train.run import train_job


def distance_of(dna_set):
    """'d240' -> 240; a user's own data set ('user') has no fixed distance."""
    return int(dna_set[1:]) if dna_set and dna_set.startswith("d") else None


settings = json.loads(snakemake.params.settings)  # see training_settings in common.smk
promoter = settings.get("promoter")
outputs = snakemake.output
train_job(
    model_name=settings["model"],
    task=settings["task"],
    settings=settings["model_settings"],
    seed=int(snakemake.wildcards.seed),
    # threads.train from the config, not the scheduler's count, which --cores may lower
    threads=settings["threads"],
    arrays={name: snakemake.input[name] for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")},
    checkpoint_path=outputs.checkpoint,
    metrics_path=outputs.metrics,
    contributions_path=outputs.get("contributions"),
    attention_path=outputs.get("attention"),
    resume_path=snakemake.params.resume,
    distance_bp=distance_of(snakemake.wildcards.get("dna_set")),
    promoter_bp=len(promoter) if promoter else None,
    log=lambda line: print(line, file=sys.stderr, flush=True),
)
