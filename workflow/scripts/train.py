"""Snakemake adapter for every train_* rule: the model, its settings and the
arrays come from the rule; the work is tbio.train.run.train_job."""

import sys

from tbio.train.run import train_job

sys.stderr = open(snakemake.log[0], "w")
params = dict(snakemake.params.items())
model, task, resume = params.pop("model"), params.pop("task"), params.pop("resume")
promoter = params.pop("promoter", None)
outputs = snakemake.output
train_job(
    model_name=model,
    task=task,
    settings=params,
    seed=int(snakemake.wildcards.seed),
    threads=snakemake.threads,
    arrays={name: snakemake.input[name] for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")},
    checkpoint_path=outputs.checkpoint,
    metrics_path=outputs.metrics,
    contributions_path=outputs.get("contributions"),
    attention_path=outputs.get("attention"),
    resume_path=resume,
    distance_bp=int(snakemake.wildcards.distance) if "distance" in snakemake.wildcards.keys() else None,
    promoter_bp=len(promoter) if promoter else None,
    log=lambda line: print(line, file=sys.stderr, flush=True),
)
