"""One-hot encoding through a byte look-up table: no Python loop per base.

DNA channels are A, C, G, T; N and the other IUPAC ambiguity codes give an
all-zero column. Proteins have the 20 amino acids plus one 'unknown' channel
(X, B, Z, J, U, O). Any other letter is an error naming record and position.
Arrays are (n, seq_len, channels) uint8 .npy files, memory-mappable.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .fasta import read_labelled_fasta
from .simulate import AMINO_ACIDS, DNA_ALPHABET

INVALID = 255
ZERO = 254  # letter accepted, encoded as an all-zero column


class EncodingError(ValueError):
    """A letter outside the alphabet."""


def _lookup_table(alphabet: str, zero_letters: str = "", extra_channel_letters: str = "") -> np.ndarray:
    table = np.full(256, INVALID, dtype=np.uint8)
    for index, letter in enumerate(alphabet):
        table[ord(letter)] = table[ord(letter.lower())] = index
    for letter in zero_letters:
        table[ord(letter)] = table[ord(letter.lower())] = ZERO
    for letter in extra_channel_letters:
        table[ord(letter)] = table[ord(letter.lower())] = len(alphabet)
    return table


ALPHABETS = {
    # name: (channel letters, look-up table, number of channels)
    "dna": (DNA_ALPHABET, _lookup_table(DNA_ALPHABET, zero_letters="NRYSWKMBDHV"), 4),
    "protein": (AMINO_ACIDS, _lookup_table(AMINO_ACIDS, extra_channel_letters="XBZJUO"), 21),
}


def encode(ids: list[str], seqs: list[str], alphabet: str) -> np.ndarray:
    """(n, seq_len, channels) uint8 one-hot of equal-length sequences."""
    _, table, channels = ALPHABETS[alphabet]
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        shortest = min(range(len(seqs)), key=lambda i: len(seqs[i]))
        raise EncodingError(
            f"sequences differ in length ({sorted(lengths)[:3]}...); record {ids[shortest]!r} "
            f"has {len(seqs[shortest])}"
        )
    seq_len = lengths.pop()
    raw = np.frombuffer("".join(seqs).encode("latin-1"), dtype=np.uint8).reshape(len(seqs), seq_len)
    index = table[raw]
    bad = np.argwhere(index == INVALID)
    if bad.size:
        row, position = bad[0]
        letter = chr(raw[row, position])
        raise EncodingError(
            f"record {ids[row]!r}, position {position + 1}: letter {letter!r} is not a "
            f"{alphabet} letter (expected one of {ALPHABETS[alphabet][0]} or an ambiguity code)"
        )
    onehot = np.zeros((len(seqs), seq_len, channels), dtype=np.uint8)
    for channel in range(channels):  # one vectorised compare per channel
        onehot[:, :, channel] = index == channel
    return onehot


def decode(onehot: np.ndarray, alphabet: str) -> list[str]:
    """Back to letters; an all-zero column becomes 'N' (DNA) or 'X' (protein)."""
    letters, _, channels = ALPHABETS[alphabet]
    unknown = "N" if alphabet == "dna" else "X"
    # one symbol per channel, then the symbol of an all-zero column
    symbols = np.frombuffer((letters + "X" * (channels - len(letters)) + unknown).encode(), dtype=np.uint8)
    index = np.where(onehot.any(axis=-1), onehot.argmax(axis=-1), len(symbols) - 1)
    return [row.tobytes().decode() for row in symbols[index]]


def write_encoded(fasta_path, labels_path, alphabet: str, x_path, y_path) -> tuple[int, ...]:
    """Read a labelled FASTA, encode it and save ``x`` (uint8 one-hot) and
    ``y`` (int8 labels) as .npy files, each written whole or not at all."""
    ids, seqs, labels = read_labelled_fasta(fasta_path, labels_path)
    try:
        onehot = encode(ids, seqs, alphabet)
    except EncodingError as error:
        raise EncodingError(f"{fasta_path}: {error}") from None
    for array, path in ((onehot, Path(x_path)), (np.asarray(labels, dtype=np.int8), Path(y_path))):
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, array)
        os.replace(tmp, path)
    return onehot.shape
