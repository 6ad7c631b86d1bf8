"""Where the elements of the promoter-enhancer compatibility task sit, and
the lengths of JASPAR matrices, without numpy: config validation reads these
at every ``snakemake -n``, so this module imports nothing heavy (JASPAR is read
with sqlite3 from pyjaspar's files, without importing pyjaspar).

Distances are counted as everywhere in this project: from a promoter's centre
to the nearest base of its enhancer.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from pathlib import Path

from .design import DNA_ALPHABET

SIDES = ("upstream", "downstream")

# a JASPAR matrix ID with its version: MA0114.4, POL012.1, PB0001.1, UN0100.1
MATRIX_ID = re.compile(r"[A-Z]{2,3}\d{3,4}\.\d+")


def is_consensus(spec: str) -> bool:
    return bool(spec) and set(spec.upper()) <= set(DNA_ALPHABET)


def jaspar_releases() -> dict[str, Path]:
    """The JASPAR releases pyjaspar ships: name -> its SQLite file."""
    spec = importlib.util.find_spec("pyjaspar")
    if spec is None or not spec.submodule_search_locations:
        return {}
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    return {path.stem: path for path in sorted(data.glob("JASPAR*.sqlite"))}


def matrix_length(matrix_id: str, release: str) -> int | None:
    """Columns of JASPAR matrix ``matrix_id`` (e.g. MA0114.4) in ``release``;
    None where the release has no such matrix."""
    base, version = matrix_id.rsplit(".", 1)
    path = jaspar_releases()[release]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT MAX(d.col) FROM MATRIX m JOIN MATRIX_DATA d ON d.ID = m.ID WHERE m.BASE_ID = ? AND m.VERSION = ?",
            (base, int(version)),
        ).fetchone()
    return row[0] if row and row[0] else None


def motif_length(spec: str, release: str) -> int | None:
    """Length of a consensus, or of a JASPAR matrix in ``release`` (None: no such matrix)."""
    return len(spec) if is_consensus(spec) else matrix_length(spec, release)


def cluster_length(motif_length: int, copies: int, spacer: int) -> int:
    """Length of ``copies`` instances of a motif, ``spacer`` bases apart."""
    return copies * motif_length + (copies - 1) * spacer


def task_element_lengths(dna: dict) -> dict:
    """{"promoters": [[spec, bp], [spec, bp]], "enhancers": [...]} of a
    checked config's dna section, class 0 first: each promoter motif's length,
    each enhancer cluster's (enhancer_copies sites, enhancer_spacer apart)."""
    release = dna["jaspar_release"]
    promoters = [[spec, motif_length(spec, release)] for spec in dna["promoters"]]
    enhancers = [
        [spec, cluster_length(motif_length(spec, release), dna["enhancer_copies"], dna["enhancer_spacer"])]
        for spec in dna["enhancers"]
    ]
    return {"promoters": promoters, "enhancers": enhancers}


def window_name(window) -> str:
    """A distance window's data set name: [10, 30] -> 'w10-30'."""
    low, high = window
    return f"w{low}-{high}"


def window_of(name: str) -> tuple[int, int] | None:
    """'w10-30' -> (10, 30); None for any other data set name ('user', 'probe')."""
    match = re.fullmatch(r"w(\d+)-(\d+)", name)
    return (int(match[1]), int(match[2])) if match else None


def window_centre(window) -> int:
    """A window's centre, rounded down: the distance_bp a data set is reported at."""
    low, high = window
    return (low + high) // 2


def promoter_start(seq_len: int, length: int) -> int:
    """The readout promoter is centred on seq_len // 2."""
    return seq_len // 2 - length // 2


def enhancer_start(centre: int, distance_bp: int, length: int, side: str) -> int:
    """Start of an element whose nearest base is ``distance_bp`` from ``centre``."""
    if side == "downstream":
        return centre + distance_bp
    return centre - distance_bp - length + 1


def lowest_distance(promoter_len: int) -> int:
    """The smallest distance that keeps an enhancer off its promoter on both sides."""
    return max(promoter_len // 2 + 1, promoter_len - promoter_len // 2)


def central_span(seq_len: int, promoter_len: int, enhancer_len: int, distance_bp: int) -> tuple[int, int]:
    """[start, end) of the readout promoter and the place of its enhancer on
    both sides: the other pair lies wholly outside it, so no base of the
    other pair is as close to the readout as the readout's own enhancer."""
    p_start = promoter_start(seq_len, promoter_len)
    upstream = enhancer_start(seq_len // 2, distance_bp, enhancer_len, "upstream")
    downstream = enhancer_start(seq_len // 2, distance_bp, enhancer_len, "downstream")
    return min(p_start, upstream), max(p_start + promoter_len, downstream + enhancer_len)


def pair_layout(promoter_len: int, enhancer_len: int, distance_bp: int, side: str) -> tuple[int, int, int]:
    """A promoter and its enhancer ``distance_bp`` away on ``side``, laid out
    from 0: (span length, promoter start, enhancer start)."""
    centre = promoter_len // 2
    e_start = enhancer_start(centre, distance_bp, enhancer_len, side)
    shift = -min(0, e_start)
    end = max(promoter_len, e_start + enhancer_len)
    return end + shift, shift, e_start + shift


def other_pair_starts(
    seq_len: int, promoter_len: int, enhancer_len: int, distance_bp: int, central: tuple[int, int], side: str
) -> list[range]:
    """Where the other pair's span may start so that it lies wholly outside
    the central span: up to two ranges (before it, after it)."""
    span, _, _ = pair_layout(promoter_len, enhancer_len, distance_bp, side)
    before = range(0, central[0] - span + 1)
    after = range(central[1], seq_len - span + 1)
    return [r for r in (before, after) if len(r)]


def layout_fits(seq_len: int, promoter_len: int, enhancer_len: int, distance_bp: int) -> bool:
    """Whether the readout pair fits with its enhancer on either side, and the
    other pair outside the central span in at least one orientation."""
    if distance_bp < lowest_distance(promoter_len):
        return False
    central = central_span(seq_len, promoter_len, enhancer_len, distance_bp)
    if central[0] < 0 or central[1] > seq_len:
        return False
    return any(other_pair_starts(seq_len, promoter_len, enhancer_len, distance_bp, central, s) for s in SIDES)


def pair_distance_bounds(seq_len: int, promoter_lens, enhancer_lens) -> tuple[int, int]:
    """The smallest and largest distance at which every combination of the
    motif lengths fits the layout (highest < lowest: none fits)."""
    lowest = max(lowest_distance(p) for p in promoter_lens)
    highest = lowest - 1

    def fits(distance: int) -> bool:
        return all(layout_fits(seq_len, p, e, distance) for p in promoter_lens for e in enhancer_lens)

    # the layout fits up to some distance and at no larger one: bisect for it
    low, high = lowest, seq_len
    while low <= high:
        middle = (low + high) // 2
        if fits(middle):
            highest, low = middle, middle + 1
        else:
            high = middle - 1
    return lowest, highest
