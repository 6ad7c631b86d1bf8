"""The protein spacing task: a label that only the distance between two
motifs far apart tells (the Performer experiment's redesign, in the library;
not yet wired into the workflow's rules).

Every sequence carries motif A and motif B exactly once. The label is the
band their spacing falls in: label 1 when B's start lies a cyclic distance
from A's start inside ``near`` (e.g. 256-320 residues), label 0 inside ``far``
(e.g. 448-512). Positions live on a ring of the ``R = seq_len - motif_len + 1``
possible starts: A's start is uniform on it, B's start is A's plus or minus
the distance, modulo R. So:

- both motifs are in every sequence, and each one's start is uniform on the
  ring in both classes: no single motif, no position of one motif, and no bag
  of tokens tells the label;
- the linear spacing |b - a| is the cyclic distance d, or R - d where the ring
  wrapped: the classes' spacings are disjoint sets, and every spacing is at
  least the smaller band's lowest distance: a model must see both motifs
  together, at least that far apart, and measure the distance between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import AMINO_ACIDS
from .simulate import SimulationError, _occurrences, balanced_draws, planted


@dataclass(frozen=True)
class SpacingRecord:
    id: str
    seq: str
    label: int
    motif_a_start: int
    motif_b_start: int
    spacing: int  # |motif_b_start - motif_a_start|
    cyclic_distance: int  # the distance drawn from the label's band

    @property
    def description(self) -> str:
        return (
            f"label={self.label} motif_a_start={self.motif_a_start} motif_b_start={self.motif_b_start} "
            f"spacing={self.spacing}"
        )


def ring_size(seq_len: int, motif_len: int) -> int:
    return seq_len - motif_len + 1


def spacing_bands(seq_len: int, motif_len: int, near: tuple[int, int], far: tuple[int, int]) -> dict[int, set]:
    """The linear spacings each label can show: a band's distances d and,
    where the ring wraps, R - d."""
    size = ring_size(seq_len, motif_len)
    return {
        label: set(range(low, high + 1)) | {size - d for d in range(low, high + 1)}
        for label, (low, high) in ((1, near), (0, far))
    }


def check_bands(seq_len: int, motif_len: int, near: tuple[int, int], far: tuple[int, int]) -> None:
    """Raise SimulationError unless both bands fit the ring and the spacings
    they allow are disjoint (else a spacing would not tell the label)."""
    size = ring_size(seq_len, motif_len)
    for name, (low, high) in (("near", near), ("far", far)):
        if not motif_len <= low <= high <= size // 2:
            raise SimulationError(
                f"{name} band [{low}, {high}] does not fit: with seq_len {seq_len} and motifs of {motif_len} "
                f"residues, distances must lie in [{motif_len}, {size // 2}] so that the motifs never overlap"
            )
    bands = spacing_bands(seq_len, motif_len, near, far)
    shared = bands[0] & bands[1]
    if shared:
        raise SimulationError(
            f"bands near {list(near)} and far {list(far)} share spacings (e.g. {min(shared)}) once the ring "
            f"of {size} starts wraps; expected bands whose spacings d and {size} - d never meet"
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
) -> list[SpacingRecord]:
    """``n`` balanced records of the spacing task (see the module's docstring)."""
    if len(motif_a) != len(motif_b):
        raise SimulationError(f"motifs of {len(motif_a)} and {len(motif_b)} residues; expected one length")
    if motif_a == motif_b:
        raise SimulationError("motif_a and motif_b are the same; expected two different motifs")
    motif_len = len(motif_a)
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
            text = planted(rng, AMINO_ACIDS, seq_len, [(a_start, motif_a), (b_start, motif_b)])
            if _occurrences(text, motif_a) == 1 and _occurrences(text, motif_b) == 1:
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
            )
        )
    return records
