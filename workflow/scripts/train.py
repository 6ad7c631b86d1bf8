"""Snakemake adapter for every train_* rule: the model, its settings and the
arrays come from the rule; the work is tbio.train.run.train_job."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.layout import window_of
from tbio.train.devices import claim_device
from tbio.train.run import train_job

settings = json.loads(snakemake.params.settings)  # see training_settings in common.smk
inputs, outputs = snakemake.input, snakemake.output


def log(line):
    print(line, file=sys.stderr, flush=True)


# a GPU slot (jobs_per_gpu per card) for the whole job; read from the config,
# not params, since how many jobs share a card changes no result
with claim_device(snakemake.config["jobs_per_gpu"], log=log) as device:
    train_job(
        model_name=settings["model"],
        task=settings["task"],
        settings=settings["model_settings"],
        seed=int(snakemake.wildcards.seed),
        # threads.train from the config, not the scheduler's count, which --cores may lower
        threads=settings["threads"],
        arrays={name: inputs[name] for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")},
        checkpoint_path=outputs.checkpoint,
        metrics_path=outputs.metrics,
        contributions_path=outputs.get("contributions"),
        attention_path=outputs.get("attention"),
        controls_path=outputs.get("controls"),
        by_distance_path=outputs.get("by_distance"),
        draws_path=outputs.get("draws"),
        test_labels=inputs.get("labels_test"),
        probe=(
            {name: inputs[name] for name in ("x_probe", "y_probe", "labels_probe")}
            if "x_probe" in inputs.keys()
            else None
        ),
        resume_path=snakemake.params.resume,
        dataset=snakemake.wildcards.get("dna_set") or snakemake.wildcards.get("protein_set"),
        window=window_of(snakemake.wildcards.get("dna_set") or ""),
        device=device,
        track_labels=(
            {split: inputs[f"labels_{split}"] for split in ("train", "val")}
            if "labels_train" in inputs.keys()
            else None
        ),
        elements=settings.get("elements"),
        log=log,
    )
