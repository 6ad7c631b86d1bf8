"""FASTA + labels TSV, written with Biopython and read back with checks.

The FASTA alone is self-describing (ids and descriptions carry label and
positions); the labels TSV is the table a model reads. Users may bring their
own FASTA + labels: ``read_labelled_fasta`` is the one place that checks them.
``fasta_blocks`` is the encoder's fast path through the same files; it
hands anything unusual back to ``read_labelled_fasta``.
"""

from __future__ import annotations

import bisect
import mmap
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterator

import pandas as pd
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqIO.FastaIO import SimpleFastaParser
from Bio.SeqRecord import SeqRecord


class InputDataError(ValueError):
    """A FASTA or labels file that the workflow cannot use."""


def _atomic_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def write_records(records: list, fasta_path: str | os.PathLike, labels_path: str | os.PathLike) -> None:
    """Write ``records`` (dataclasses with id, seq, description) as FASTA and
    their fields (less the sequence) as a TSV; both appear whole or not at all."""
    fasta_path, labels_path = Path(fasta_path), Path(labels_path)
    seq_records = (SeqRecord(Seq(r.seq), id=r.id, description=r.description) for r in records)
    tmp_fasta, tmp_labels = _atomic_path(fasta_path), _atomic_path(labels_path)
    SeqIO.write(seq_records, tmp_fasta, "fasta")
    columns = [f.name for f in fields(records[0]) if f.name != "seq"]
    table = pd.DataFrame([{k: v for k, v in asdict(r).items() if k != "seq"} for r in records], columns=columns)
    table.to_csv(tmp_labels, sep="\t", index=False)
    os.replace(tmp_fasta, fasta_path)
    os.replace(tmp_labels, labels_path)


def read_labelled_fasta(
    fasta_path: str | os.PathLike, labels_path: str | os.PathLike, seq_len: int | None = None
) -> tuple[list[str], list[str], list[int]]:
    """Read ids, sequences and labels, checking what a user-supplied pair can
    get wrong: empty files, duplicate ids, sequences of another length, labels
    that are missing, extra, or not 0/1. Errors name file, record and line."""
    fasta_path, labels_path = Path(fasta_path), Path(labels_path)
    ids, seqs = [], []
    line_no = 1
    with open(fasta_path) as handle:
        first = handle.read(1)
        if not first:
            raise InputDataError(f"{fasta_path}: the FASTA file is empty; expected at least one record")
        if first != ">":
            raise InputDataError(f"{fasta_path}, line 1: expected a FASTA header starting with '>'")
        handle.seek(0)
        for title, seq in SimpleFastaParser(handle):
            record_id = title.split(None, 1)[0] if title.strip() else ""
            if not record_id:
                raise InputDataError(f"{fasta_path}, line {line_no}: a record has an empty id")
            ids.append(record_id)
            seqs.append(seq)
            line_no += 1 + (len(seq) + 59) // 60  # approximate for error messages only
    lengths = [len(seq) for seq in seqs]
    # one pass in C for the usual case of nothing wrong; the loop names the first problem
    if len(set(ids)) != len(ids) or 0 in lengths or (seq_len is not None and lengths.count(seq_len) != len(lengths)):
        seen: set[str] = set()
        for record_id, length in zip(ids, lengths):
            if record_id in seen:
                raise InputDataError(f"{fasta_path}: record {record_id!r} appears twice; ids must be unique")
            seen.add(record_id)
            if not length:
                raise InputDataError(f"{fasta_path}: record {record_id!r} has an empty sequence")
            if seq_len is not None and length != seq_len:
                raise InputDataError(
                    f"{fasta_path}: record {record_id!r} is {length} letters long; expected seq_len {seq_len}"
                )
    return ids, seqs, read_labels(labels_path, fasta_path, ids)


def read_labels(labels_path: str | os.PathLike, fasta_path: str | os.PathLike, ids: list[str]) -> list[int]:
    """The 0/1 label of each of ``ids`` (the unique ids of ``fasta_path``, in
    order) from the labels TSV, checking that every id has exactly one label
    and every label its record. Errors name file, line and id."""
    labels_path = Path(labels_path)
    try:
        table = pd.read_csv(labels_path, sep="\t", dtype={"id": str})
    except pd.errors.EmptyDataError:
        raise InputDataError(f"{labels_path}: the labels file is empty; expected a TSV with columns id, label")
    for column in ("id", "label"):
        if column not in table.columns:
            raise InputDataError(
                f"{labels_path}: no column {column!r}; expected a tab-separated header with 'id' and 'label'"
            )
    if table.empty:
        raise InputDataError(f"{labels_path}: the labels file has a header but no rows")
    id_column, label_column = table["id"], table["label"]
    # the usual case, checked by whole columns: integer labels, each 0 or 1, one row per record
    if (
        pd.api.types.is_integer_dtype(label_column)
        and label_column.isin((0, 1)).all()
        and len(table) == len(ids)
        and not id_column.duplicated().any()
        and id_column.isin(ids).all()
    ):
        return label_column.to_numpy()[pd.Index(id_column).get_indexer(ids)].tolist()
    known = set(ids)
    labels: dict[str, int] = {}
    for row_no, (record_id, label) in enumerate(zip(id_column, label_column), start=2):
        if record_id in labels:
            raise InputDataError(f"{labels_path}, line {row_no}: id {record_id!r} appears twice")
        if str(label) not in ("0", "1"):
            raise InputDataError(f"{labels_path}, line {row_no}: label {label!r} of {record_id!r}; expected 0 or 1")
        if record_id not in known:
            raise InputDataError(f"{labels_path}, line {row_no}: id {record_id!r} has no record in {fasta_path}")
        labels[record_id] = int(label)
    missing = [i for i in ids if i not in labels]
    if missing:
        raise InputDataError(f"{fasta_path}: record {missing[0]!r} has no label in {labels_path}")
    return [labels[i] for i in ids]


@dataclass
class FastaBlocks:
    """A FASTA file's record ids and, chunk by chunk, its records' sequence
    lines: each chunk holds whole records, each record closed by b'>', with
    newlines and spaces still in (the encoder drops them in the pass that
    maps letters)."""

    ids: list[str]
    chunks: Iterator[bytes]


@contextmanager
def fasta_blocks(fasta_path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> Iterator[FastaBlocks | None]:
    """The encoder's fast reader, open while the encoder consumes its chunks.

    It maps the file, finds the header lines with one pass of ``find`` and
    hands the sequence lines out in chunks of about ``chunk_bytes``, so that
    what the encoder makes of one chunk stays in the cache: at 100 Mbp a pass
    over memory, not Python, is what costs. It gives None for a header that
    it would not read exactly as ``read_labelled_fasta`` does: a file that
    does not start with '>', a header with non-ASCII bytes or a carriage
    return (text mode ends a line there), a blank id, a header that ends the
    file, an id seen twice; the caller then takes ``read_labelled_fasta``,
    which names the problem. Sequence lines are not checked here: the
    caller's look-up table must reject every byte but letters, spaces and
    newlines (non-ASCII, carriage returns, tabs) and notice empty records,
    and fall back the same way.
    """
    with open(fasta_path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield None
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data, memoryview(data) as view:
            records = _header_lines(data, view)
            if records is None:
                yield None
                return
            ids, starts, ends = records
            yield FastaBlocks(ids, _sequence_chunks(view, starts, ends, chunk_bytes))


def _header_lines(data: mmap.mmap, view: memoryview) -> tuple[list[str], list[int], list[int]] | None:
    """Ids, and where each header line starts ('>') and ends ('\\n')."""
    if data[:1] != b">":
        return None
    starts = []  # each '>' that begins a line
    position = 0
    while position >= 0:
        if position == 0 or data[position - 1] == ord("\n"):
            starts.append(position)
        position = data.find(b">", position + 1)
    ends = [data.find(b"\n", start) for start in starts]
    if ends[-1] == -1:  # the last header ends the file
        return None
    headers = b"\n".join([view[start + 1 : end] for start, end in zip(starts, ends)])
    if not headers.isascii() or b"\r" in headers:
        return None
    try:
        ids = [title.split(None, 1)[0] for title in headers.decode("ascii").split("\n")]  # as read_labelled_fasta
    except IndexError:  # a blank title
        return None
    if len(set(ids)) != len(ids):
        return None
    return ids, starts, ends


def _sequence_chunks(view: memoryview, starts: list[int], ends: list[int], chunk_bytes: int) -> Iterator[bytes]:
    sequence_ends = starts[1:] + [len(view)]  # a record's lines run to the next header
    first = 0
    while first < len(starts):
        last = bisect.bisect_left(starts, starts[first] + chunk_bytes, lo=first + 1)  # records first..last-1
        yield b">".join([view[ends[i] + 1 : sequence_ends[i]] for i in range(first, last)] + [b""])
        first = last
