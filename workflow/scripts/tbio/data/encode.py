"""Sequences as one byte a letter: the channel each letter's one-hot sets.

DNA channels are A, C, G, T; N and the other IUPAC ambiguity codes are
stored as ``N_CODE``, an all-zero column once one-hot. Proteins have the 20
amino acids plus one 'unknown' channel (X, B, Z, J, U, O). Any other letter
is an error naming record and position. Arrays are (n, seq_len) uint8 .npy
files, memory-mappable: a quarter of a DNA one-hot's bytes and a 21st of a
protein's (2,000 sequences of 131,072 bp take 262 MB, not 1 GB in uint8 or
4 GB in float). Whoever feeds a model makes the one-hot per batch, on the
model's device (``one_hot`` here for numpy, ``tbio.models.inputs`` for torch).

Speed (tests/benchmarks/run.py): bytes.translate maps letters to codes and
drops newlines in one pass; the codes are the array, with no expansion.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from .fasta import fasta_blocks, read_labelled_fasta, read_labels
from .design import AMINO_ACIDS, DNA_ALPHABET

INVALID = 255
N_CODE = 254  # letter accepted, stored as a column with no channel set (all zero once one-hot)


class EncodingError(ValueError):
    """A letter outside the alphabet."""


def _lookup_table(alphabet: str, zero_letters: str = "", extra_channel_letters: str = "") -> np.ndarray:
    table = np.full(256, INVALID, dtype=np.uint8)
    for index, letter in enumerate(alphabet):
        table[ord(letter)] = table[ord(letter.lower())] = index
    for letter in zero_letters:
        table[ord(letter)] = table[ord(letter.lower())] = N_CODE
    for letter in extra_channel_letters:
        table[ord(letter)] = table[ord(letter.lower())] = len(alphabet)
    return table


ALPHABETS = {
    # name: (channel letters, look-up table, number of channels)
    "dna": (DNA_ALPHABET, _lookup_table(DNA_ALPHABET, zero_letters="NRYSWKMBDHV"), 4),
    "protein": (AMINO_ACIDS, _lookup_table(AMINO_ACIDS, extra_channel_letters="XBZJUO"), 21),
}


CODES = {name: table.tobytes() for name, (_, table, _) in ALPHABETS.items()}  # as bytes.translate takes them
CHANNELS = {name: channels for name, (_, _, channels) in ALPHABETS.items()}
# fasta_blocks closes each record with '>', and encode writes '?' for a letter that is not ASCII
assert all(codes[ord(">")] == codes[ord("?")] == INVALID for codes in CODES.values())


def one_hot(codes: np.ndarray, channels: int) -> np.ndarray:
    """(..., seq_len) codes -> (..., seq_len, channels) uint8 one-hot; a code
    of ``channels`` or more (N_CODE) gives an all-zero column."""
    rows = np.zeros((256, channels), dtype=np.uint8)
    rows[np.arange(channels), np.arange(channels)] = 1
    return rows[codes]


def encode(ids: list[str], seqs: list[str], alphabet: str) -> np.ndarray:
    """(n, seq_len) uint8 codes of equal-length sequences."""
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
    codes = np.frombuffer(bytearray(letters.translate(CODES[alphabet])), dtype=np.uint8).reshape(len(seqs), seq_len)
    if codes.size and codes.max() == INVALID:
        row, position = np.argwhere(codes == INVALID)[0]
        letter = joined[row * seq_len + position]
        raise EncodingError(
            f"record {ids[row]!r}, position {position + 1}: letter {letter!r} is not a "
            f"{alphabet} letter (expected one of {ALPHABETS[alphabet][0]} or an ambiguity code)"
        )
    return codes


def encode_blocks(ids: list[str], chunks: Iterable[bytes], alphabet: str) -> np.ndarray | None:
    """Codes of ``fasta_blocks``' chunks: per chunk, one pass maps letters to
    codes and drops newlines and spaces (as Biopython's parser drops them),
    each record is then a row ending in its '>', checked and copied into its
    rows of the output. None when the records differ in length or a letter
    is not in the alphabet: the caller then takes ``encode``, which names
    the record."""
    out, row = None, 0
    for chunk in chunks:
        codes = chunk.translate(CODES[alphabet], b" \n")
        if out is None:
            seq_len = codes.find(INVALID)  # where the first record's '>' lies
            if seq_len < 1:
                return None
            out = np.empty((len(ids), seq_len), dtype=np.uint8)
        records, rest = divmod(len(codes), seq_len + 1)
        if rest or row + records > len(ids):
            return None
        rows = np.frombuffer(codes, dtype=np.uint8).reshape(records, seq_len + 1)
        if rows[:, :seq_len].max() == INVALID or not (rows[:, seq_len] == INVALID).all():
            return None
        out[row : row + records] = rows[:, :seq_len]
        row += records
    return out if row == len(ids) else None


def decode(codes: np.ndarray, alphabet: str) -> list[str]:
    """Back to letters: N_CODE becomes 'N' (DNA), the unknown channel 'X' (protein)."""
    letters, _, channels = ALPHABETS[alphabet]
    symbols = np.full(256, ord("N" if alphabet == "dna" else "X"), dtype=np.uint8)
    symbols[: len(letters)] = np.frombuffer(letters.encode(), dtype=np.uint8)
    return [row.tobytes().decode() for row in symbols[np.asarray(codes)]]


def encode_labelled_fasta(fasta_path, labels_path, alphabet: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and check a labelled FASTA as ``read_labelled_fasta`` does and
    return ``x`` (uint8 codes) and ``y`` (int8 labels).

    The usual file goes through ``fasta_blocks`` and ``encode_blocks``,
    with no Python work per line or letter; anything they do not handle
    exactly (and every error) goes through ``read_labelled_fasta`` and
    ``encode``, which give the same arrays and name the problem.
    """
    with fasta_blocks(fasta_path) as blocks:
        codes = None if blocks is None else encode_blocks(blocks.ids, blocks.chunks, alphabet)
    if codes is not None:
        labels = read_labels(labels_path, fasta_path, blocks.ids)
    else:
        ids, seqs, labels = read_labelled_fasta(fasta_path, labels_path)
        try:
            codes = encode(ids, seqs, alphabet)
        except EncodingError as error:
            raise EncodingError(f"{fasta_path}: {error}") from None
    return codes, np.asarray(labels, dtype=np.int8)


def write_encoded(fasta_path, labels_path, alphabet: str, x_path, y_path) -> tuple[int, ...]:
    """Read a labelled FASTA, encode it and save ``x`` (uint8 codes) and
    ``y`` (int8 labels) as .npy files, each written whole or not at all."""
    codes, labels = encode_labelled_fasta(fasta_path, labels_path, alphabet)
    for array, path in ((codes, Path(x_path)), (labels, Path(y_path))):
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, array)
        os.replace(tmp, path)
    return codes.shape
