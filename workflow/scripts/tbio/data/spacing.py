"""The protein task: a label that only the distance between two motifs far
apart tells (the Performer experiment).

Every sequence carries motif A and motif B exactly once, each as a tandem
array of ``repeats`` copies (a repeat domain: long enough that a model which
pools residues into tokens sees it whatever its phase). The label is the band
their spacing falls in: label 1 when B's start lies a cyclic distance from
A's start inside ``near`` (e.g. 288-352 residues), label 0 inside ``far``
(e.g. 436-500). Positions live on a ring of the ``R = seq_len - array_len +
1`` possible starts: A's start is uniform on it, B's start is A's plus or
minus the distance, modulo R. So:

- both motifs are in every sequence, and each one's start is uniform on the
  ring in both classes, as is their order: no single motif, no position of
  one motif, and no bag of tokens tells the label;
- the linear spacing |b - a| is the cyclic distance d, or R - d where the ring
  wrapped: the classes' spacings are disjoint sets, and no two arrays are
  ever closer than the smaller band's lowest distance minus an array's
  length (``min_gap``): a model must see both motifs together, that far
  apart, and measure the distance between them.

On a line without the ring, no drawing can give both motifs the same
position distribution in both classes and keep the spacings apart (a
doubly stochastic plan with spacings in one band does not exist near the
ends): the ring is what makes the marginals equal by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bands import check_bands, check_motifs, ring_size, spacing_bands
from .design import AMINO_ACIDS
from .simulate import _occurrences, balanced_draws, planted


@dataclass(frozen=True)
class SpacingRecord:
    id: str
    seq: str
    label: int
    motif_a_start: int
    motif_b_start: int
    spacing: int  # |motif_b_start - motif_a_start|
    cyclic_distance: int  # the distance drawn from the label's band
    array_len: int  # residues of each motif's tandem array

    @property
    def description(self) -> str:
        return (
            f"label={self.label} motif_a_start={self.motif_a_start} motif_b_start={self.motif_b_start} "
            f"spacing={self.spacing} array_len={self.array_len}"
        )


def spacing_label(seq_len: int, motif_len: int, a_start: int, b_start: int, near, far) -> int | None:
    """The label a pair of starts gets: 1 for a near spacing, 0 for a far one, None for neither."""
    spacing = abs(b_start - a_start)
    bands = spacing_bands(seq_len, motif_len, tuple(near), tuple(far))
    return 1 if spacing in bands[1] else 0 if spacing in bands[0] else None


def simulate_spacing(
    n: int,
    seq_len: int,
    motif_a: str,
    motif_b: str,
    near: tuple[int, int],
    far: tuple[int, int],
    seed: np.random.SeedSequence | int,
    id_prefix: str = "seq",
    repeats: int = 1,
) -> list[SpacingRecord]:
    """``n`` balanced records of the spacing task (see the module's docstring)."""
    check_motifs(motif_a, motif_b, repeats)
    array_a, array_b = motif_a * repeats, motif_b * repeats
    # each motif as often as its own array holds it, and nowhere else
    expected = {motif_a: _occurrences(array_a, motif_a), motif_b: _occurrences(array_b, motif_b)}
    motif_len = len(array_a)
    near, far = tuple(near), tuple(far)
    check_bands(seq_len, motif_len, near, far)
    size = ring_size(seq_len, motif_len)
    records = []
    for i, label, rng in balanced_draws(seed, n):
        low, high = near if label else far
        while True:
            distance = int(rng.integers(low, high + 1))
            a_start = int(rng.integers(0, size))
            direction = 1 if rng.random() < 0.5 else -1
            b_start = (a_start + direction * distance) % size
            text = planted(rng, AMINO_ACIDS, seq_len, [(a_start, array_a), (b_start, array_b)])
            if all(_occurrences(text, motif) == count for motif, count in expected.items()):
                break
        records.append(
            SpacingRecord(
                id=f"{id_prefix}_{i:06d}",
                seq=text,
                label=label,
                motif_a_start=a_start,
                motif_b_start=b_start,
                spacing=abs(b_start - a_start),
                cyclic_distance=distance,
                array_len=motif_len,
            )
        )
    return records
