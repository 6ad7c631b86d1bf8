"""Snakemake adapter: TF-MoDISco-lite patterns in one model's contribution
scores, seed by seed, each matched to JASPAR by Tomtom (tbio.motifs.run.discovery_job)."""

import json
import os
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")
# numba's threads, before numba is imported: the job's own, as the scheduler was told
os.environ["NUMBA_NUM_THREADS"] = str(snakemake.threads)

from tbio.motifs.run import discovery_job

settings = json.loads(snakemake.params.settings)
discovery_job(
    snakemake.input.scores,
    settings["discovery"],
    settings["jaspar_release"],
    settings["planted"],
    snakemake.output.motifs,
    snakemake.output.patterns,
    log=lambda line: print(line, file=sys.stderr),
)
