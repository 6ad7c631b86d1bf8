"""The promoter-enhancer compatibility task: a DNA task that no global
summary of a sequence can solve and that needs the readout promoter and its
enhancer together (the workflow's DNA experiment).

Two promoter classes and two enhancer classes, motifs drawn per instance from
their matrices (``motifs.Motif``); promoter class i is compatible with
enhancer class i. See ``simulate_pairs`` for the layout and why each control
is at chance by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import DNA_ALPHABET, SPLITS
from .layout import (
    SIDES,
    central_span,
    enhancer_start,
    other_pair_starts,
    pair_distance_bounds,
    pair_layout,
    promoter_start,
)
from .motifs import Motif
from .simulate import SimulationError, _balanced_labels, _random_letters


@dataclass(frozen=True)
class PairRecord:
    id: str
    seq: str
    label: int
    distance_bp: int  # from the readout position to the nearest base of its enhancer
    promoter: str  # class (the motif's spec) of the readout promoter, centred on seq_len // 2
    promoter_start: int
    promoter_end: int
    enhancer: str  # class of the readout promoter's enhancer
    enhancer_start: int
    enhancer_end: int
    side: str  # where that enhancer lies: "upstream" or "downstream" of the readout
    other_promoter: str  # the other pair: a promoter elsewhere and its enhancer,
    other_promoter_start: int  # distance_bp from it; compatible exactly when
    other_enhancer: str  # the readout pair is not
    other_enhancer_start: int

    @property
    def description(self) -> str:
        return (
            f"label={self.label} distance_bp={self.distance_bp} promoter={self.promoter} "
            f"enhancer={self.enhancer} side={self.side} other_promoter={self.other_promoter} "
            f"other_enhancer={self.other_enhancer}"
        )


def simulate_pairs(
    n: int,
    seq_len: int,
    promoters: list[Motif],
    enhancers: list[Motif],
    window: tuple[int, int],
    seed: np.random.SeedSequence | int,
    id_prefix: str = "seq",
) -> list[PairRecord]:
    """``n`` balanced records of the promoter-enhancer compatibility task.

    Promoter class i is compatible with enhancer class i. Every record has the
    readout promoter (class c) centred on ``seq_len // 2`` with an enhancer
    (class a) ``distance_bp`` up- or downstream, the distance drawn per record
    from ``window`` (inclusive); and, wholly outside that span, another
    promoter (class o, drawn independently) with an enhancer (class b) the
    same distance from it. The label is 1 when the readout pair is compatible
    (a == c); the other pair is compatible exactly when the readout pair is
    not (b == o iff a != c). So every record holds one compatible and one
    incompatible pair, and the motifs, the pairs and their spacings have the
    same distribution in both classes: only the pair at the readout tells
    the label, and only a model that sees the readout promoter and its
    enhancer together can read it.
    """
    if len(promoters) != 2 or len(enhancers) != 2:
        raise SimulationError("the DNA task needs exactly two promoter classes and two enhancer classes")
    low, high = window
    lowest, highest = pair_distance_bounds(seq_len, [m.length for m in promoters], [m.length for m in enhancers])
    if not lowest <= low <= high <= highest:
        raise SimulationError(
            f"distance window [{low}, {high}] bp does not fit: with seq_len {seq_len} and these motifs, "
            f"distances must lie in [{lowest}, {highest}] bp"
        )
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(rng, n)
    promoter_class = rng.integers(0, 2, n)
    other_class = rng.integers(0, 2, n)
    enhancer_class = np.where(labels == 1, promoter_class, 1 - promoter_class)
    other_enhancer_class = np.where(labels == 1, 1 - other_class, other_class)
    distances = rng.integers(low, high + 1, n)
    sides = rng.integers(0, 2, (n, 2))  # the readout enhancer's side, the other pair's orientation
    sequences = _random_letters(rng, DNA_ALPHABET, n, seq_len)
    # each record's motif instances, drawn per class in one call each
    instances = {}
    for kind, motifs, classes in (
        ("promoter", promoters, promoter_class),
        ("enhancer", enhancers, enhancer_class),
        ("other_promoter", promoters, other_class),
        ("other_enhancer", enhancers, other_enhancer_class),
    ):
        drawn = [motif.sample(rng, n) for motif in motifs]
        instances[kind] = [drawn[k][i] for i, k in enumerate(classes)]
    records = []
    for i in range(n):
        promoter, enhancer = promoters[promoter_class[i]], enhancers[enhancer_class[i]]
        other_promoter, other_enhancer = promoters[other_class[i]], enhancers[other_enhancer_class[i]]
        distance, side, other_side = int(distances[i]), SIDES[sides[i, 0]], SIDES[sides[i, 1]]
        p_start = promoter_start(seq_len, promoter.length)
        e_start = enhancer_start(seq_len // 2, distance, enhancer.length, side)
        central = central_span(seq_len, promoter.length, enhancer.length, distance)
        starts = other_pair_starts(seq_len, other_promoter.length, other_enhancer.length, distance, central, other_side)
        if not starts:  # this orientation does not fit beside the central span: the other one does
            other_side = SIDES[1 - sides[i, 1]]
            starts = other_pair_starts(
                seq_len, other_promoter.length, other_enhancer.length, distance, central, other_side
            )
        offset = _pick(rng, starts)
        _, op_offset, oe_offset = pair_layout(other_promoter.length, other_enhancer.length, distance, other_side)
        sequence = sequences[i]
        for start, kind in (
            (p_start, "promoter"),
            (e_start, "enhancer"),
            (offset + op_offset, "other_promoter"),
            (offset + oe_offset, "other_enhancer"),
        ):
            motif = instances[kind][i]
            sequence[start : start + len(motif)] = motif
        records.append(
            PairRecord(
                id=f"{id_prefix}_{i:06d}",
                seq=sequence.tobytes().decode(),
                label=int(labels[i]),
                distance_bp=distance,
                promoter=promoter.spec,
                promoter_start=p_start,
                promoter_end=p_start + promoter.length,
                enhancer=enhancer.spec,
                enhancer_start=e_start,
                enhancer_end=e_start + enhancer.length,
                side=side,
                other_promoter=other_promoter.spec,
                other_promoter_start=offset + op_offset,
                other_enhancer=other_enhancer.spec,
                other_enhancer_start=offset + oe_offset,
            )
        )
    return records


def probe_seed(data_seed: int) -> np.random.SeedSequence:
    """The held-out-distance set's own seed: a stream no split of any window uses."""
    return np.random.SeedSequence([data_seed, len(SPLITS)])


def _pick(rng: np.random.Generator, ranges: list[range]) -> int:
    """One position drawn uniformly from the union of disjoint ``ranges``."""
    total = sum(len(r) for r in ranges)
    k = int(rng.integers(0, total))
    for r in ranges:
        if k < len(r):
            return r[k]
        k -= len(r)
    raise AssertionError("unreachable")
