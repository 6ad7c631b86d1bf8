"""Snakemake adapter: hypothetical contribution scores of one DNA model,
trained once per seed, on the first test positives (tbio.motifs.run.score_job)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.motifs.run import score_job
from tbio.train.devices import claim_device


def log(line):
    print(line, file=sys.stderr, flush=True)


settings = json.loads(snakemake.params.settings)
with claim_device(snakemake.config["jobs_per_gpu"], log=log) as device:  # a GPU slot, as training takes
    score_job(
        snakemake.input.checkpoints,
        snakemake.input.x,
        snakemake.input.y,
        settings["n_sequences"],
        settings["threads"],
        snakemake.output,
        device=device,
        log=log,
    )
