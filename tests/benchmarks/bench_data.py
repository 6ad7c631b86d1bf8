"""Part 6: the DNA data side at Enformer's scale: simulation, FASTA writing
and encoding of 131,072 bp records, each in Mbp/s.

``records`` records of the default DNA task (the config's motifs, a distance
window of 1-2 % of the length) are drawn with ``simulate_pairs`` (the
``simulate_dna`` rule's work), written with ``write_records`` (FASTA +
labels TSV) and against Biopython's own FASTA writer, then encoded with
``write_encoded`` (the ``encode_onehot`` rule's work, the .npy write
included). Each step is the fastest of ``repeats`` runs in this process: the
first run of a step in a fresh process also pays for the kernel's first
touch of its memory, which a busy machine makes slow and noisy.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import yaml
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

from harness import ROOT, best_of_wall_and_cpu, log, save
from tbio.data.encode import write_encoded
from tbio.data.fasta import write_records
from tbio.data.motifs import task_elements
from tbio.data.pairs import simulate_pairs

SEQ_LEN = 131_072


def run(out_dir: Path, records: int, repeats: int = 3, seq_len: int = SEQ_LEN) -> pd.DataFrame:
    dna = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["dna"]
    promoters, enhancers = task_elements(dna)
    window = (seq_len // 100, seq_len // 50)
    mbp = records * seq_len / 1e6
    rows = []

    def add(step, what, timing):
        seconds, cpu_seconds, runs = timing
        rows.append({"step": step, "what": what, "mbp_per_s": mbp / seconds, "mbp_per_cpu_s": mbp / cpu_seconds})
        rows[-1]["runs"] = runs
        log(f"{step}: {mbp / seconds:.0f} Mbp/s")

    def simulate():
        return simulate_pairs(records, seq_len, promoters, enhancers, window, 1)

    with tempfile.TemporaryDirectory(prefix="tbio-bench-data-") as tmp:
        tmp = Path(tmp)
        add("simulate_pairs", "background, motifs and layout of every record", best_of_wall_and_cpu(simulate, repeats))
        drawn = simulate()
        fasta, labels = tmp / "x.fasta", tmp / "x.labels.tsv"
        timing = best_of_wall_and_cpu(lambda: write_records(drawn, fasta, labels), repeats)
        add("write_records", "FASTA (60 letters a line) + labels TSV", timing)

        def biopython():
            seqs = (SeqRecord(Seq(r.seq), id=r.id, description=r.description) for r in drawn)
            SeqIO.write(seqs, tmp / "bio.fasta", "fasta")

        add("Biopython SeqIO.write", "the same FASTA, Biopython's writer", best_of_wall_and_cpu(biopython, repeats))
        same = (tmp / "bio.fasta").read_bytes() == fasta.read_bytes()
        timing = best_of_wall_and_cpu(
            lambda: write_encoded(fasta, labels, "dna", tmp / "x.npy", tmp / "y.npy"), repeats
        )
        add("write_encoded", "read, check and encode (uint8 codes), .npy write", timing)
    table = pd.DataFrame(rows)
    table.insert(0, "mbp", mbp)
    table["same_fasta_as_biopython"] = "yes" if same else "NO"
    save(
        table,
        out_dir,
        "data",
        f"6. The DNA data side at {seq_len:,} bp: {records} records ({mbp:.0f} Mbp), best of {repeats}",
        ["step", "what", "mbp_per_s", "mbp_per_cpu_s", "runs", "same_fasta_as_biopython"],
    )
    return table
