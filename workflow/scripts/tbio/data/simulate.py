"""Simulation helpers shared by the two tasks.

The DNA task, the promoter-enhancer compatibility task, lives in ``pairs``
(layout in ``layout``, motifs in ``motifs``), the protein task, the spacing
of two motifs far apart, in ``spacing``; this module gives them their common
pieces: per-split seeds, balanced labels, random background, and writing the
splits.
"""

from __future__ import annotations

import numpy as np

from .fasta import write_records
from .design import SPLITS, SimulationError  # noqa: F401 (SimulationError lives in design, torch- and numpy-free)


def split_seed(base_seed: int, split: str, *stream: int) -> np.random.SeedSequence:
    """An independent seed per split (and per extra stream, e.g. a distance)."""
    return np.random.SeedSequence([base_seed, SPLITS.index(split), *stream])


def _random_letters(rng: np.random.Generator, alphabet: str, n: int, length: int) -> np.ndarray:
    letters = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    if len(alphabet) == 4 and isinstance(rng.bit_generator, np.random.PCG64) and np.little_endian:
        return letters[quaternary_draws(rng, n * length).reshape(n, length)]
    return letters[rng.integers(0, len(alphabet), size=(n, length))]


RAW_CHUNK = 2**20  # 64-bit words drawn at a time by quaternary_draws


def quaternary_draws(rng: np.random.Generator, count: int) -> np.ndarray:
    """``rng.integers(0, 4, count)`` as uint8: the same values and the same
    generator state after, in 1 byte a value instead of numpy's int64 8 (the
    DNA background at Enformer's scale, 2,000 x 131 kb: 0.26 GB, not 2.1).
    As fast as numpy's once memory is warm (280 against 297 M values/s);
    in a fresh job process numpy's 8 bytes a value also cost their first
    touch, which made the simulation the slowest step of the data side.

    How numpy draws them (Lemire's method on 32-bit words, numpy's
    distributions.c): each value takes the next 32-bit word of the bit
    generator, x, and returns (x * 4) >> 32, the top two bits of x, with no
    rejection, since 2**32 is a multiple of 4. PCG64 hands out a 64-bit word
    as two 32-bit ones, low half first, and keeps the high half for the next
    call (its ``has_uint32`` state). Here the words come 64 bits at a time
    from ``random_raw``, and the half numpy would keep is kept the same way.
    A test compares both on many generator states."""
    bitgen = rng.bit_generator
    out = np.empty(count, dtype=np.uint8)
    state = bitgen.state
    start = 0
    if count and state["has_uint32"]:
        out[0], start = state["uinteger"] >> 30, 1
        state["has_uint32"], state["uinteger"] = 0, 0
        bitgen.state = state
    # little-endian: each 64-bit word's low 32-bit half, then its high half;
    # byte 3 of each half holds its top two bits (>> 6). Words come in chunks
    # (2 values each), so the extra memory stays at a chunk's 8 MB
    for chunk_start in range(start, count, 2 * RAW_CHUNK):
        values = min(2 * RAW_CHUNK, count - chunk_start)
        raw = bitgen.random_raw((values + 1) // 2)
        np.right_shift(raw.view(np.uint8)[3::4][:values], 6, out=out[chunk_start : chunk_start + values])
    if (count - start) % 2:  # the last word's high half waits for the next draw, as in numpy
        state = bitgen.state
        state["has_uint32"], state["uinteger"] = 1, int(raw[-1] >> np.uint64(32))
        bitgen.state = state
    return out


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


def simulate_splits(simulate, section: dict, *stream: int, id_prefix: str, **settings) -> dict[str, list]:
    """Every split of one data set: ``simulate`` (simulate_pairs or
    simulate_spacing) with ``section``'s n_<split> records and a seed of the
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
