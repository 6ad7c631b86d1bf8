"""Element tracks: per-bin targets beside the label, as Enformer has.

Enformer learns its motifs from thousands of tracks a 128 bp bin (ChIP,
DNase, CAGE), not from one label a sequence. On the simulated DNA task the
same help is four tracks a bin, read from the labels TSV that the simulation
writes: which bins a promoter of class 0 or 1 overlaps, which an enhancer of
class 0 or 1. Every element of a record is marked, the readout pair's and the
other pair's alike, and every record holds one promoter-enhancer pair of each
kind (compatible, incompatible), so the tracks say where the elements are
and what they are, never which pair is the readout's: the label still needs
the promoter at the centre and its own enhancer read together.

A model with ``tracks`` in its config reads them from its tower's bins
(``models.enformer.CentreBinModel``); ``models.<name>.track_weight`` weighs
their loss against the label's (0: no tracks, the default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# promoter class 0, promoter class 1, enhancer class 0, enhancer class 1
N_TRACKS = 4
# (spec column, start column, kind) of every element a labels TSV places
ELEMENTS = (
    ("promoter", "promoter_start", "promoters"),
    ("enhancer", "enhancer_start", "enhancers"),
    ("other_promoter", "other_promoter_start", "promoters"),
    ("other_enhancer", "other_enhancer_start", "enhancers"),
)


def element_tracks(labels: pd.DataFrame, elements: dict, seq_len: int, bin_bp: int, source: str = "") -> np.ndarray:
    """(records, N_TRACKS, seq_len // bin_bp) uint8: 1 where a bin overlaps
    an element. ``elements``: {"promoters": [[spec, length], [spec, length]],
    "enhancers": [...]}, class 0 first (the config's order); a spec in
    ``labels`` that is not there is an error naming ``source`` and the record."""
    channel = {}
    for offset, kind in ((0, "promoters"), (2, "enhancers")):
        for index, (spec, length) in enumerate(elements[kind]):
            channel[kind, spec] = offset + index, int(length)
    n_bins = seq_len // bin_bp
    tracks = np.zeros((len(labels), N_TRACKS, n_bins), dtype=np.uint8)
    rows = np.arange(len(labels))
    for spec_column, start_column, kind in ELEMENTS:
        missing = [column for column in (spec_column, start_column) if column not in labels.columns]
        if missing:
            raise ValueError(
                f"{source}: element tracks need the column(s) {', '.join(missing)} that the simulation writes"
            )
        specs, starts = labels[spec_column].to_numpy(), labels[start_column].to_numpy(dtype=np.int64)
        found = [channel.get((kind, spec)) for spec in specs]
        unknown = next((i for i, hit in enumerate(found) if hit is None), None)
        if unknown is not None:
            raise ValueError(
                f"{source}: record {labels['id'].iloc[unknown] if 'id' in labels else unknown} has "
                f"{spec_column} {specs[unknown]!r}; expected one of the config's {kind}: "
                + ", ".join(spec for spec, _ in elements[kind])
            )
        channels = np.array([hit[0] for hit in found], dtype=np.int64)
        ends = starts + np.array([hit[1] for hit in found], dtype=np.int64)  # exclusive
        if (starts < 0).any() or (ends > seq_len).any():
            bad = int(np.flatnonzero((starts < 0) | (ends > seq_len))[0])
            raise ValueError(f"{source}: record {bad} places its {spec_column} outside the {seq_len} bp sequence")
        first, last = starts // bin_bp, (ends - 1) // bin_bp
        for step in range(int((last - first).max(initial=0)) + 1):  # an element spans a few bins at most
            covered = first + step <= last
            tracks[rows[covered], channels[covered], (first + step)[covered]] = 1
    return tracks
