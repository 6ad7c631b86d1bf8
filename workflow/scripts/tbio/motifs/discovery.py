"""Patterns from contribution scores (TF-MoDISco-lite) and their best match
in a motif database (Tomtom, as memelite implements it).

Each pattern is trimmed before matching as modisco-lite's own report trims
it: to the span whose summed |contribution| is at least ``trim`` of its
maximum. Tomtom's p-values of one pattern against every target are turned
into q-values (Benjamini-Hochberg over the targets, as Tomtom does for each
query); the best match is the lowest p-value, ties broken by Tomtom's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .database import Target


@dataclass(frozen=True, eq=False)
class Pattern:
    name: str  # as modisco-lite names it in its HDF5 file: pos_patterns.pattern_0
    n_seqlets: int
    frequencies: np.ndarray  # (length, 4) PPM of its seqlets: A, C, G, T
    contributions: np.ndarray  # (length, 4) CWM: mean actual contribution

    def trimmed(self, trim: float) -> tuple[int, int]:
        """(start, end) of the span matched to the database."""
        return trimmed_span(self.contributions, trim)


def trimmed_span(contributions: np.ndarray, trim: float) -> tuple[int, int]:
    """(start, end) of the positions of a (length, 4) CWM from the first to
    the last whose summed |contribution| is at least ``trim`` of the largest."""
    strength = np.abs(contributions).sum(axis=1)
    kept = np.flatnonzero(strength >= trim * strength.max())
    return int(kept.min()), int(kept.max()) + 1


@dataclass(frozen=True)
class DiscoverySettings:
    """The motifs section's keys that reach TF-MoDISco-lite (see the schema)."""

    window_bp: int = 15  # sliding_window_size: the core of a seqlet
    flank_bp: int = 5  # flank_size: added each side
    seqlet_fdr: float = 0.05  # target_seqlet_fdr
    max_seqlets: int = 2000  # max_seqlets_per_metacluster
    leiden_runs: int = 1  # n_leiden_runs: Leiden clusterings tried, best kept
    min_seqlets: int = 20  # final_min_cluster_size: a pattern's least support

    @classmethod
    def from_settings(cls, settings: dict) -> "DiscoverySettings":
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in settings.items() if k in names})


def discover_patterns(one_hot: np.ndarray, hypothetical: np.ndarray, settings: DiscoverySettings) -> list[Pattern]:
    """Patterns of both signs that TF-MoDISco-lite finds in ``one_hot`` and
    ``hypothetical`` (both (n, seq_len, 4)); none where it finds no seqlets."""
    from modiscolite.tfmodisco import TFMoDISco

    positive, negative = TFMoDISco(
        one_hot=np.ascontiguousarray(one_hot, dtype=np.float32),
        hypothetical_contribs=np.ascontiguousarray(hypothetical, dtype=np.float32),
        sliding_window_size=settings.window_bp,
        flank_size=settings.flank_bp,
        target_seqlet_fdr=settings.seqlet_fdr,
        max_seqlets_per_metacluster=settings.max_seqlets,
        n_leiden_runs=settings.leiden_runs,
        final_min_cluster_size=settings.min_seqlets,
    )
    patterns = []
    for group, found in (("pos_patterns", positive), ("neg_patterns", negative)):
        for index, pattern in enumerate(found or []):
            patterns.append(
                Pattern(
                    name=f"{group}.pattern_{index}",
                    n_seqlets=len(pattern.seqlets),
                    frequencies=np.asarray(pattern.sequence, dtype=np.float64),
                    contributions=np.asarray(pattern.contrib_scores, dtype=np.float64),
                )
            )
    return patterns


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """q-values of one row of p-values (the false discovery rate at which each
    would just be called)."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty_like(q)
    out[order] = q
    return out


@dataclass(frozen=True)
class Match:
    target: Target
    p_value: float
    q_value: float
    reverse: bool  # the best alignment is against the target's reverse complement

    def oriented(self) -> np.ndarray:
        """(length, 4) the matched matrix as it aligns to the pattern."""
        frequencies = self.target.frequencies.T
        return frequencies[::-1, ::-1] if self.reverse else frequencies


def best_matches(patterns: list[Pattern], targets: list[Target], trim: float) -> list[Match]:
    """Each pattern's best match among ``targets`` (both strands)."""
    if not patterns:
        return []
    from memelite import tomtom

    queries = []
    for pattern in patterns:
        start, end = pattern.trimmed(trim)
        queries.append(np.ascontiguousarray(pattern.frequencies[start:end].T))
    p_values, scores, _, _, strands = tomtom(queries, [t.frequencies for t in targets], n_jobs=1)
    matches = []
    for row_p, row_score, row_strand in zip(p_values, scores, strands):
        best = int(np.lexsort((-row_score, row_p))[0])
        q_value = float(benjamini_hochberg(row_p)[best])
        matches.append(Match(targets[best], float(row_p[best]), q_value, bool(row_strand[best])))
    return matches


def planted_match(match: Match, planted: list[Target], max_q: float) -> tuple[str, str]:
    """(planted matrix ID, 'exact' or 'family') when ``match`` recovers a
    planted matrix, else ('', ''). Exact: the best match is that matrix.
    Family: the best match shares its JASPAR TF family (TGIF2LX for a planted
    TGIF1, whose TALE-type homeodomain motifs are near-identical), since Tomtom
    cannot tell paralogues' matrices apart; matrices without a family
    annotation (POLII elements, consensuses) count only exactly."""
    if match.q_value >= max_q:
        return "", ""
    for target in planted:
        if target.matrix_id == match.target.matrix_id:
            return target.matrix_id, "exact"
    for target in planted:
        if set(target.families) & set(match.target.families):
            return target.matrix_id, "family"
    return "", ""
