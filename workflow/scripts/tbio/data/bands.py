"""The protein task's geometry: which spacings each label's band allows on
the ring of starts, and whether two bands keep them apart (tbio.data.spacing
draws the records). Plain Python, so that the config check can use it
before any job runs, naming the config keys."""

from __future__ import annotations

from .design import SimulationError


def length_name(seq_len: int) -> str:
    """The protein data set of one length: 1024 -> 'l1024'."""
    return f"l{seq_len}"


def length_of(name) -> int | None:
    """'l1024' -> 1024; None for any other data set name (a DNA window, 'user'),
    as tbio.data.layout.window_of is for windows."""
    return int(name[1:]) if isinstance(name, str) and name[:1] == "l" and name[1:].isdigit() else None


def check_motifs(motif_a: str, motif_b: str, repeats: int) -> None:
    """Raise SimulationError unless the two motifs have one length and
    neither occurs in the other's array (else its count would differ)."""
    if len(motif_a) != len(motif_b):
        raise SimulationError(
            f"motif_b {motif_b!r} has {len(motif_b)} residues; expected as many as motif_a {motif_a!r} "
            f"({len(motif_a)})"
        )
    if repeats < 1:
        raise SimulationError(f"repeats is {repeats}; expected at least 1")
    if motif_a in motif_b * repeats or motif_b in motif_a * repeats:
        raise SimulationError(
            f"motif_a {motif_a!r} and motif_b {motif_b!r} with {repeats} repeats put one motif inside the other's "
            "array; expected two motifs neither of which occurs in the other's array"
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


def min_gap(motif_len: int, near, far) -> int:
    """The fewest residues between the two arrays in any record: the smaller
    band's lowest start-to-start distance less one array (on the ring the
    other spacing, R - d, is never the smaller)."""
    return min(near[0], far[0]) - motif_len


def check_bands(seq_len: int, motif_len: int, near: tuple[int, int], far: tuple[int, int]) -> None:
    """Raise SimulationError unless both bands fit the ring and the spacings
    they allow are disjoint (else a spacing would not tell the label)."""
    size = ring_size(seq_len, motif_len)
    for name, (low, high) in (("near", near), ("far", far)):
        if not motif_len <= low <= high <= size // 2:
            raise SimulationError(
                f"{name} band [{low}, {high}] does not fit: with seq_len {seq_len} and motif arrays of {motif_len} "
                f"residues, distances must lie in [{motif_len}, {size // 2}] so that the motifs never overlap"
            )
    bands = spacing_bands(seq_len, motif_len, near, far)
    shared = bands[0] & bands[1]
    if shared:
        raise SimulationError(
            f"bands near {list(near)} and far {list(far)} share spacings (e.g. {min(shared)}) once the ring "
            f"of {size} starts wraps; expected bands whose spacings d and {size} - d never meet"
        )
