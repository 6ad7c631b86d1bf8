"""Part 1: one-hot encoding throughput, FASTA parse included.

A generated FASTA of ``records`` x 1 kbp (100,000 records: 100 Mbp), 60
letters a line as Biopython writes it, with its labels TSV, is encoded by:

- the project's encoder, ``encode_labelled_fasta`` (what ``write_encoded``
  and so the ``encode_onehot`` rule run: read, check ids and labels, encode),
  in memory and with the .npy write, and its parts;
- the project's reference path that it falls back to for unusual files
  (``read_labelled_fasta`` with Biopython's SimpleFastaParser, then ``encode``);
- Biopython's ``SimpleFastaParser`` alone (parse only, no encoding);
- Biopython's ``SeqIO.parse`` and a dict look-up per letter;
- a per-character Python loop (line loop parse, dict look-up, item assignment).

The two slow baselines run on the first ``subset`` records and are
extrapolated to the whole file (rate in Mbp/s times size); the table says so.
Every encoder's array is compared with the project's on the records it encoded
(the textbook encoders write one-hot: with the one-hot of the project's codes).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from Bio import SeqIO
from Bio.SeqIO.FastaIO import SimpleFastaParser

from harness import best_of_wall_and_cpu, log, save
from tbio.data.encode import encode, encode_labelled_fasta, one_hot, write_encoded
from tbio.data.fasta import fasta_blocks, read_labelled_fasta, read_labels

SEQ_LEN = 1000
LINE_WIDTH = 60
CHANNEL = {"A": 0, "C": 1, "G": 2, "T": 3}  # N and other codes: an all-zero column


def write_fasta(directory: Path, records: int, seed: int = 0) -> tuple[Path, Path]:
    """``records`` x 1 kbp of random DNA with 0.1% N, headers as the
    simulation writes them, and a labels TSV."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, (records, SEQ_LEN))]
    letters[rng.random((records, SEQ_LEN)) < 0.001] = ord("N")
    fasta, labels = directory / "bench.fasta", directory / "bench.labels.tsv"
    with open(fasta, "wb") as fasta_out, open(labels, "w") as labels_out:
        labels_out.write("id\tlabel\tdistance_bp\n")
        for i in range(records):
            row = letters[i].tobytes()
            fasta_out.write(b">bench_%07d label=%d distance_bp=120 side=upstream\n" % (i, i % 2))
            fasta_out.write(b"\n".join(row[j : j + LINE_WIDTH] for j in range(0, SEQ_LEN, LINE_WIDTH)) + b"\n")
            labels_out.write(f"bench_{i:07d}\t{i % 2}\t120\n")
    return fasta, labels


def python_loop(fasta: Path, limit: int) -> np.ndarray:
    """The textbook encoder: a line loop for the FASTA, a dict look-up and
    an item assignment per letter."""
    seqs: list[str] = []
    with open(fasta) as handle:
        for line in handle:
            if line.startswith(">"):
                if len(seqs) == limit:
                    break
                seqs.append("")
            else:
                seqs[-1] += line.strip()
    onehot = np.zeros((len(seqs), len(seqs[0]), 4), dtype=np.uint8)
    for i, seq in enumerate(seqs):
        for j, letter in enumerate(seq):
            channel = CHANNEL.get(letter.upper())
            if channel is not None:
                onehot[i, j, channel] = 1
    return onehot


def biopython_dict(fasta: Path, limit: int) -> np.ndarray:
    """Biopython's SeqIO.parse, a dict look-up per letter, rows of an
    identity matrix gathered per record."""
    rows = np.vstack([np.eye(4, dtype=np.uint8), np.zeros((1, 4), dtype=np.uint8)])
    lookup = {**CHANNEL, **{k.lower(): v for k, v in CHANNEL.items()}}
    encoded = []
    for record in itertools.islice(SeqIO.parse(fasta, "fasta"), limit):
        encoded.append(rows[[lookup.get(letter, 4) for letter in str(record.seq)]])
    return np.stack(encoded)


def simple_fasta_parser(fasta: Path) -> int:
    with open(fasta) as handle:
        return sum(len(seq) for _, seq in SimpleFastaParser(handle))


def read_only(fasta: Path) -> int:
    """``fasta_blocks`` with its chunks consumed but not encoded."""
    with fasta_blocks(fasta) as blocks:
        return sum(len(chunk) for chunk in blocks.chunks)


def reference_path(fasta: Path, labels: Path) -> np.ndarray:
    ids, seqs, _ = read_labelled_fasta(fasta, labels)
    return encode(ids, seqs, "dna")


def run(out_dir: Path, records: int, subset: int, repeats: int) -> pd.DataFrame:
    mbp = records * SEQ_LEN / 1e6
    rows = []

    def add(method, what, timing, measured_records, same=None, extrapolated=False):
        seconds, cpu_seconds, runs = timing
        measured_mbp = measured_records * SEQ_LEN / 1e6
        rows.append(
            {
                "method": method,
                "what": what,
                "measured_mbp": measured_mbp,
                "runs": runs,
                "seconds_for_file": seconds * mbp / measured_mbp,
                "mbp_per_s": measured_mbp / seconds,
                "mbp_per_cpu_s": measured_mbp / cpu_seconds,
                "extrapolated": "yes" if extrapolated else "no",
                "same_array": "" if same is None else ("yes" if same else "NO"),
            }
        )
        log(f"{method}: {measured_mbp / seconds:.1f} Mbp/s")

    with tempfile.TemporaryDirectory(prefix="tbio-bench-encode-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        fasta, labels = write_fasta(tmp, records)
        log(f"wrote {mbp:.0f} Mbp FASTA ({fasta.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        simple_fasta_parser(fasta)  # warm the page cache: every method reads a cached file

        project = encode_labelled_fasta(fasta, labels, "dna")[0]
        timing = best_of_wall_and_cpu(lambda: encode_labelled_fasta(fasta, labels, "dna"), repeats)
        add("project: encode_labelled_fasta", "read + check ids/labels + encode, in memory", timing, records)
        timing = best_of_wall_and_cpu(
            lambda: write_encoded(fasta, labels, "dna", tmp / "x.npy", tmp / "y.npy"), max(1, repeats - 1)
        )
        same = np.array_equal(np.load(tmp / "x.npy", mmap_mode="r"), project)
        add("project: write_encoded", "the same + .npy write (the encode_onehot rule)", timing, records, same)
        (tmp / "x.npy").unlink()

        with fasta_blocks(fasta) as blocks:
            ids = blocks.ids
        timing = best_of_wall_and_cpu(lambda: read_only(fasta), repeats)
        add("  part: fasta_blocks", "map file, find headers, hand out sequence chunks", timing, records)
        timing = best_of_wall_and_cpu(lambda: read_labels(labels, fasta, ids), repeats)
        add("  part: read_labels", "labels TSV + checks", timing, records)
        ids = None  # the id list is not needed again: free it

        same = np.array_equal(reference_path(fasta, labels), project)
        timing = best_of_wall_and_cpu(lambda: reference_path(fasta, labels), 1)
        add("project: reference path", "read_labelled_fasta (SimpleFastaParser) + encode", timing, records, same)
        timing = best_of_wall_and_cpu(lambda: simple_fasta_parser(fasta), max(1, repeats - 1))
        add("Biopython SimpleFastaParser", "parse only, no encoding", timing, records)

        subset_bio = min(records, subset * 5)
        same = np.array_equal(biopython_dict(fasta, subset_bio), one_hot(project[:subset_bio], 4))
        timing = best_of_wall_and_cpu(lambda: biopython_dict(fasta, subset_bio), 1)
        add("Biopython SeqIO.parse + dict", "parse, dict look-up per letter", timing, subset_bio, same, True)
        subset_loop = min(records, subset)
        same = np.array_equal(python_loop(fasta, subset_loop), one_hot(project[:subset_loop], 4))
        timing = best_of_wall_and_cpu(lambda: python_loop(fasta, subset_loop), 1)
        add("Python loop per character", "line loop, dict look-up, item assignment", timing, subset_loop, same, True)
        del project

    table = pd.DataFrame(rows)
    loop_rate = table.loc[table["method"] == "Python loop per character", "mbp_per_s"].iloc[0]
    table["speedup_vs_python_loop"] = table["mbp_per_s"] / loop_rate
    table.insert(0, "file_mbp", mbp)
    save(
        table,
        out_dir,
        "encoding",
        f"1. Encoding (uint8 codes) of a {mbp:.0f} Mbp FASTA (DNA, 1 kbp records), parse included",
        [
            "method",
            "what",
            "mbp_per_s",
            "seconds_for_file",
            "mbp_per_cpu_s",
            "speedup_vs_python_loop",
            "measured_mbp",
            "same_array",
        ],
    )
    return table
