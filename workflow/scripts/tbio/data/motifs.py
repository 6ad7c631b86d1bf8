"""Motifs to plant: position frequency matrices from JASPAR, read offline
through the pyjaspar package, or consensus strings.

A motif in the config is either a JASPAR matrix ID with its version
(``MA0114.4``, ``POL012.1``) or a consensus of ACGT letters. Each planted
instance is drawn base by base from the matrix's frequencies, so no two
instances need be the same word, as in a genome; a consensus is a matrix with
one letter of frequency 1 per position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import DNA_ALPHABET
from .layout import cluster_length, is_consensus

_CODES = np.frombuffer(DNA_ALPHABET.encode(), dtype=np.uint8)


class MotifError(ValueError):
    """A motif the config names that cannot be loaded."""


@dataclass(frozen=True, eq=False)
class Motif:
    spec: str  # as written in the config: a JASPAR matrix ID or a consensus
    name: str  # the matrix's name in JASPAR (TATA-Box, HNF4A), or the consensus
    frequencies: np.ndarray  # (length, 4): per position, the frequency of A, C, G, T (rows sum to 1)

    @property
    def length(self) -> int:
        return len(self.frequencies)

    @property
    def consensus(self) -> str:
        return "".join(DNA_ALPHABET[i] for i in self.frequencies.argmax(axis=1))

    def log_odds(self, pseudocount: float = 0.01) -> np.ndarray:
        f = (self.frequencies + pseudocount) / (1 + 4 * pseudocount)
        return np.log2(f / 0.25)

    def relative_score(self, indices: np.ndarray) -> np.ndarray:
        lo = self.log_odds()
        score = lo[np.arange(self.length), indices].sum(-1)
        return (score - lo.min(1).sum()) / (lo.max(1).sum() - lo.min(1).sum())

    def sample(self, rng: np.random.Generator, n: int, min_score: float = 0.0) -> np.ndarray:
        """``n`` instances, each base drawn from its position's frequencies:
        (n, length) ASCII codes of A, C, G, T."""
        cumulative = np.cumsum(self.frequencies, axis=1)
        cumulative[:, -1] = 1.0  # no rounding gap above the last letter
        kept = []
        while sum(len(k) for k in kept) < n:
            draws = rng.random((max(n, 64), self.length, 1))
            idx = (draws >= cumulative[None, :, :-1]).sum(axis=-1)
            kept.append(idx[self.relative_score(idx) >= min_score])
        return _CODES[np.concatenate(kept)[:n]]


@dataclass(frozen=True, eq=False)
class Cluster:
    """``copies`` instances of one motif, ``spacer`` random bases apart: a
    homotypic cluster, as real enhancers are clusters of binding sites. Each
    copy is drawn from the matrix on its own. One copy is the motif alone."""

    motif: Motif
    copies: int = 1
    spacer: int = 0

    @property
    def spec(self) -> str:
        return self.motif.spec

    @property
    def name(self) -> str:
        return self.motif.name

    @property
    def length(self) -> int:
        return cluster_length(self.motif.length, self.copies, self.spacer)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` clusters: (n, length) ASCII codes."""
        parts = []
        for copy in range(self.copies):
            if copy:
                parts.append(_CODES[rng.integers(0, 4, (n, self.spacer))])
            parts.append(self.motif.sample(rng, n))
        return np.concatenate(parts, axis=1)


def task_elements(dna: dict) -> tuple[list[Motif], list[Cluster]]:
    """The two promoter classes and the two enhancer classes the config's dna
    section names (promoters, enhancers, jaspar_release, enhancer_copies,
    enhancer_spacer)."""
    release = dna["jaspar_release"]
    promoters = [load_motif(spec, release) for spec in dna["promoters"]]
    enhancers = [
        Cluster(load_motif(spec, release), dna["enhancer_copies"], dna["enhancer_spacer"]) for spec in dna["enhancers"]
    ]
    return promoters, enhancers


def from_counts(spec: str, name: str, counts: np.ndarray) -> Motif:
    """A motif from a (length, 4) count or frequency matrix in ACGT order."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    if counts.ndim != 2 or counts.shape[1] != 4 or not len(counts) or (counts < 0).any() or (totals <= 0).any():
        raise MotifError(f"motif {spec}: expected a (length, 4) matrix of non-negative counts, every row non-zero")
    return Motif(spec=spec, name=name, frequencies=counts / totals)


def load_motif(spec: str, release: str) -> Motif:
    """The motif ``spec`` names: a consensus string, or a JASPAR matrix ID
    looked up in ``release`` of the database pyjaspar ships."""
    if is_consensus(spec):
        letters = np.frombuffer(spec.upper().encode(), dtype=np.uint8)
        return from_counts(spec, spec.upper(), (letters[:, None] == _CODES[None, :]).astype(float))
    from pyjaspar import jaspardb  # Biopython's JASPAR reader over pyjaspar's SQLite files

    matrix = jaspardb(release=release).fetch_motif_by_id(spec)
    if matrix is None:
        raise MotifError(
            f"motif {spec}: no such matrix ID in {release}; expected an ID with its version, e.g. MA0114.4"
        )
    counts = np.array([matrix.counts[letter] for letter in DNA_ALPHABET]).T
    return from_counts(spec, matrix.name, counts)
