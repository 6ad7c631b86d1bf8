"""Simulation helpers, and the synthetic two-motif protein sequences.

The DNA task, the promoter-enhancer compatibility task, lives in ``pairs``
(layout in ``layout``, motifs in ``motifs``); this module gives it and the
protein task their common pieces: per-split seeds, balanced labels, random
background, and writing the splits.

Protein: two motifs far apart. Positives carry motif A and motif B; negatives
carry one of them and a decoy of the other, so a classifier must check both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fasta import write_records
from .design import AMINO_ACIDS, SPLITS


class SimulationError(ValueError):
    """A simulation parameter that cannot produce the requested data."""


@dataclass(frozen=True)
class ProteinRecord:
    id: str
    seq: str
    label: int
    motif_a_start: int
    motif_b_start: int
    decoy: str  # "none", "a" or "b": which motif was replaced by its decoy

    @property
    def description(self) -> str:
        return (
            f"label={self.label} motif_a_start={self.motif_a_start} "
            f"motif_b_start={self.motif_b_start} decoy={self.decoy}"
        )


def split_seed(base_seed: int, split: str, *stream: int) -> np.random.SeedSequence:
    """An independent seed per split (and per extra stream, e.g. a distance)."""
    return np.random.SeedSequence([base_seed, SPLITS.index(split), *stream])


def make_decoy(motif: str, alphabet: str) -> str:
    """A fixed decoy for ``motif``: the same letters, not the same word. The
    permutation's generator is seeded by the motif itself, so every split and
    every run gets the same decoy."""
    if len(set(motif)) < 2:
        raise SimulationError(f"motif {motif!r} has a single letter, so no shuffle differs from it")
    rng = np.random.default_rng([ord(c) for c in motif])
    letters = np.array(list(motif))
    for _ in range(1000):
        decoy = "".join(rng.permutation(letters))
        if decoy != motif:
            return decoy
    raise SimulationError(f"could not find a shuffled decoy for motif {motif!r}")


def _random_letters(rng: np.random.Generator, alphabet: str, n: int, length: int) -> np.ndarray:
    letters = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    return letters[rng.integers(0, len(alphabet), size=(n, length))]


def _balanced_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 2] = 1
    return rng.permutation(labels)


def balanced_draws(seed: np.random.SeedSequence | int, n: int):
    """For each of ``n`` records in turn: its index, its label (half of the
    records 1, in shuffled order) and the generator every further draw for
    it comes from, so that records made one at a time, by rejection
    sampling, stay reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(rng, n)
    for i in range(n):
        yield i, int(labels[i]), rng


def planted(rng: np.random.Generator, alphabet: str, seq_len: int, placements) -> str:
    """Random letters of ``alphabet`` with each (start, motif) of ``placements`` written in."""
    seq = bytearray(_random_letters(rng, alphabet, 1, seq_len)[0].tobytes())
    for start, motif in placements:
        seq[start : start + len(motif)] = motif.encode()
    return seq.decode()


def _occurrences(seq: str, word: str) -> int:
    count, start = 0, seq.find(word)
    while start != -1:
        count, start = count + 1, seq.find(word, start + 1)
    return count


def simulate_protein(
    n: int,
    seq_len: int,
    motif_a: str,
    motif_b: str,
    min_separation: int,
    seed: np.random.SeedSequence | int,
    id_prefix: str = "seq",
) -> list[ProteinRecord]:
    """``n`` balanced records with motif A and motif B at least
    ``min_separation`` residues apart (A before or after B, at random).
    Negatives replace one of the two, at random, by its shuffled decoy."""
    span = len(motif_a) + len(motif_b) + min_separation
    if span > seq_len:
        raise SimulationError(
            f"motifs of {len(motif_a)} and {len(motif_b)} residues at least {min_separation} apart "
            f"need {span} residues, more than seq_len {seq_len}"
        )
    decoy_a = make_decoy(motif_a, AMINO_ACIDS)
    decoy_b = make_decoy(motif_b, AMINO_ACIDS)
    records = []
    for i, label, rng in balanced_draws(seed, n):
        replaced = "none" if label else ("a" if rng.random() < 0.5 else "b")
        first = motif_a if replaced != "a" else decoy_a
        second = motif_b if replaced != "b" else decoy_b
        while True:
            gap = int(rng.integers(min_separation, seq_len - len(first) - len(second) + 1))
            a_start = int(rng.integers(0, seq_len - len(first) - len(second) - gap + 1))
            b_start = a_start + len(first) + gap
            if rng.random() < 0.5:  # B before A
                b_start, a_start = a_start, a_start + len(second) + gap
            text = planted(rng, AMINO_ACIDS, seq_len, [(a_start, first), (b_start, second)])
            if (
                _occurrences(text, motif_a) == (replaced != "a")
                and _occurrences(text, motif_b) == (replaced != "b")
                and _occurrences(text, decoy_a) == (replaced == "a")
                and _occurrences(text, decoy_b) == (replaced == "b")
            ):
                break
        records.append(
            ProteinRecord(
                id=f"{id_prefix}_{i:06d}",
                seq=text,
                label=label,
                motif_a_start=a_start,
                motif_b_start=b_start,
                decoy=replaced,
            )
        )
    return records


def simulate_splits(simulate, section: dict, *stream: int, id_prefix: str, **settings) -> dict[str, list]:
    """Every split of one data set: ``simulate`` (simulate_dna or
    simulate_protein) with ``section``'s n_<split> records and a seed of the
    split's own from ``section``'s data_seed (and ``stream``, e.g. a distance)."""
    return {
        split: simulate(
            n=section[f"n_{split}"],
            seed=split_seed(section["data_seed"], split, *stream),
            id_prefix=f"{id_prefix}_{split}",
            **settings,
        )
        for split in SPLITS
    }


def assert_disjoint(splits: dict[str, list]) -> None:
    """Raise if any sequence occurs in two splits."""
    seen: dict[str, str] = {}
    for split, records in splits.items():
        for record in records:
            other = seen.setdefault(record.seq, split)
            if other != split:
                raise SimulationError(f"record {record.id} of split {split!r} repeats a sequence of split {other!r}")


def write_splits(splits: dict[str, list], fasta_paths, labels_paths, log=print) -> None:
    """Check that no sequence is in two splits, then write each split's FASTA
    and labels (``fasta_paths``, ``labels_paths`` in the order of SPLITS)."""
    assert_disjoint(splits)
    for split, fasta, labels in zip(SPLITS, fasta_paths, labels_paths):
        write_records(splits[split], fasta, labels)
        log(f"{split}: {len(splits[split])} records -> {fasta}")
