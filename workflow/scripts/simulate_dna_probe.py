"""Snakemake adapter: simulate the held-out-distance set (every distance the layout allows)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.fasta import write_records
from tbio.data.motifs import task_elements
from tbio.data.pairs import probe_seed, simulate_pairs
from tbio.data.layout import pair_distance_bounds

dna = json.loads(snakemake.params.settings)  # the dna section, see common.smk
promoters, enhancers = task_elements(dna)
window = pair_distance_bounds(dna["seq_len"], [m.length for m in promoters], [m.length for m in enhancers])
records = simulate_pairs(
    n=dna["n_probe"],
    seq_len=dna["seq_len"],
    promoters=promoters,
    enhancers=enhancers,
    window=window,
    seed=probe_seed(dna["data_seed"]),
    id_prefix="probe",
)
write_records(records, snakemake.output.fasta, snakemake.output.labels)
print(
    f"probe: {len(records)} records, distances {window[0]}-{window[1]} bp -> {snakemake.output.fasta}", file=sys.stderr
)
