"""One-hot encoding through a byte look-up table: no Python loop per base.

DNA channels are A, C, G, T; N and the other IUPAC ambiguity codes give an
all-zero column. Proteins have the 20 amino acids plus one 'unknown' channel
(X, B, Z, J, U, O). Any other letter is an error naming record and position.
Arrays are (n, seq_len, channels) uint8 .npy files, memory-mappable.

Speed (tests/benchmarks/run.py): bytes.translate maps letters to codes and
drops newlines in one pass, and DNA's four channels are written as one
uint32 per position: a few passes over memory, no Python work per line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from .fasta import fasta_blocks, read_labelled_fasta, read_labels
from .design import AMINO_ACIDS, DNA_ALPHABET

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


def _code_table(table: np.ndarray, channels: int) -> bytes:
    """The look-up table as ``bytes.translate`` takes it. With 4 channels a
    letter's code is its channel's bit offset (8 x channel) in a
    little-endian uint32, so that ``1 << code`` is its whole one-hot row; an
    all-zero column's code (ZERO) shifts the 1 out, as numpy's ``left_shift``
    gives 0 for shifts of 32 or more."""
    if channels == 4:
        table = np.where(table < channels, table * 8, table).astype(np.uint8)
    return table.tobytes()


CODES = {name: _code_table(table, channels) for name, (_, table, channels) in ALPHABETS.items()}
# fasta_blocks closes each record with '>', and encode writes '?' for a letter that is not ASCII
assert all(codes[ord(">")] == codes[ord("?")] == INVALID for codes in CODES.values())


def _onehot(codes: np.ndarray, channels: int, out: np.ndarray | None = None) -> np.ndarray:
    """(n, seq_len) codes from ``CODES`` -> (n, seq_len, channels) uint8,
    written into ``out`` when given."""
    n, seq_len = codes.shape
    if out is None:
        out = np.empty((n, seq_len, channels), dtype=np.uint8)
    if channels == 4:  # one vectorised shift writes each position's 4 bytes at once
        np.left_shift(np.uint32(1), codes, out=out.view("<u4").reshape(n, seq_len))
        return out
    for channel in range(channels):  # one vectorised compare per channel
        out[:, :, channel] = codes == channel
    return out


def encode(ids: list[str], seqs: list[str], alphabet: str) -> np.ndarray:
    """(n, seq_len, channels) uint8 one-hot of equal-length sequences."""
    _, _, channels = ALPHABETS[alphabet]
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        shortest = min(range(len(seqs)), key=lambda i: len(seqs[i]))
        raise EncodingError(
            f"sequences differ in length ({sorted(lengths)[:3]}...); record {ids[shortest]!r} "
            f"has {len(seqs[shortest])}"
        )
    seq_len = lengths.pop()
    joined = "".join(seqs)
    # one byte per letter: '?' (INVALID in every alphabet) for one that is not ASCII
    letters = joined.encode("ascii", errors="replace")
    codes = np.frombuffer(letters.translate(CODES[alphabet]), dtype=np.uint8).reshape(len(seqs), seq_len)
    if codes.size and codes.max() == INVALID:
        row, position = np.argwhere(codes == INVALID)[0]
        letter = joined[row * seq_len + position]
        raise EncodingError(
            f"record {ids[row]!r}, position {position + 1}: letter {letter!r} is not a "
            f"{alphabet} letter (expected one of {ALPHABETS[alphabet][0]} or an ambiguity code)"
        )
    return _onehot(codes, channels)


def encode_blocks(ids: list[str], chunks: Iterable[bytes], alphabet: str) -> np.ndarray | None:
    """One-hot of ``fasta_blocks``' chunks: per chunk, one pass maps letters to
    codes and drops newlines and spaces (as Biopython's parser drops them),
    each record is then a row ending in its '>', checked and written into
    its rows of the output. None when the records differ in length or a
    letter is not in the alphabet: the caller then takes ``encode``, which
    names the record."""
    _, _, channels = ALPHABETS[alphabet]
    onehot, row = None, 0
    for chunk in chunks:
        codes = chunk.translate(CODES[alphabet], b" \n")
        if onehot is None:
            seq_len = codes.find(INVALID)  # where the first record's '>' lies
            if seq_len < 1:
                return None
            onehot = np.empty((len(ids), seq_len, channels), dtype=np.uint8)
        records, rest = divmod(len(codes), seq_len + 1)
        if rest or row + records > len(ids):
            return None
        rows = np.frombuffer(codes, dtype=np.uint8).reshape(records, seq_len + 1)
        if rows[:, :seq_len].max() == INVALID or not (rows[:, seq_len] == INVALID).all():
            return None
        _onehot(rows[:, :seq_len], channels, out=onehot[row : row + records])
        row += records
    return onehot if row == len(ids) else None


def decode(onehot: np.ndarray, alphabet: str) -> list[str]:
    """Back to letters; an all-zero column becomes 'N' (DNA) or 'X' (protein)."""
    letters, _, channels = ALPHABETS[alphabet]
    unknown = "N" if alphabet == "dna" else "X"
    # one symbol per channel, then the symbol of an all-zero column
    symbols = np.frombuffer((letters + "X" * (channels - len(letters)) + unknown).encode(), dtype=np.uint8)
    index = np.where(onehot.any(axis=-1), onehot.argmax(axis=-1), len(symbols) - 1)
    return [row.tobytes().decode() for row in symbols[index]]


def encode_labelled_fasta(fasta_path, labels_path, alphabet: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and check a labelled FASTA as ``read_labelled_fasta`` does and
    return ``x`` (uint8 one-hot) and ``y`` (int8 labels).

    The usual file goes through ``fasta_blocks`` and ``encode_blocks``,
    with no Python work per line or letter; anything they do not handle
    exactly (and every error) goes through ``read_labelled_fasta`` and
    ``encode``, which give the same arrays and name the problem.
    """
    with fasta_blocks(fasta_path) as blocks:
        onehot = None if blocks is None else encode_blocks(blocks.ids, blocks.chunks, alphabet)
    if onehot is not None:
        labels = read_labels(labels_path, fasta_path, blocks.ids)
    else:
        ids, seqs, labels = read_labelled_fasta(fasta_path, labels_path)
        try:
            onehot = encode(ids, seqs, alphabet)
        except EncodingError as error:
            raise EncodingError(f"{fasta_path}: {error}") from None
    return onehot, np.asarray(labels, dtype=np.int8)


def write_encoded(fasta_path, labels_path, alphabet: str, x_path, y_path) -> tuple[int, ...]:
    """Read a labelled FASTA, encode it and save ``x`` (uint8 one-hot) and
    ``y`` (int8 labels) as .npy files, each written whole or not at all."""
    onehot, labels = encode_labelled_fasta(fasta_path, labels_path, alphabet)
    for array, path in ((onehot, Path(x_path)), (labels, Path(y_path))):
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, array)
        os.replace(tmp, path)
    return onehot.shape
