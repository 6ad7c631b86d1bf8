"""FASTA + labels TSV, written with Biopython and read back with checks.

The FASTA alone is self-describing (ids and descriptions carry label and
positions); the labels TSV is the table a model reads. Users may bring their
own FASTA + labels: ``read_labelled_fasta`` is the one place that checks them.
"""

from __future__ import annotations

import os
from dataclasses import asdict, fields
from pathlib import Path

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
    ids, seqs, lines = [], [], []
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
            lines.append(line_no)
            line_no += 1 + (len(seq) + 59) // 60  # approximate for error messages only
    seen: dict[str, int] = {}
    for record_id, seq, line in zip(ids, seqs, lines):
        if record_id in seen:
            raise InputDataError(f"{fasta_path}: record {record_id!r} appears twice; ids must be unique")
        seen[record_id] = line
        if not seq:
            raise InputDataError(f"{fasta_path}: record {record_id!r} has an empty sequence")
        if seq_len is not None and len(seq) != seq_len:
            raise InputDataError(
                f"{fasta_path}: record {record_id!r} is {len(seq)} letters long; expected seq_len {seq_len}"
            )
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
    labels: dict[str, int] = {}
    for row_no, (record_id, label) in enumerate(zip(table["id"], table["label"]), start=2):
        if record_id in labels:
            raise InputDataError(f"{labels_path}, line {row_no}: id {record_id!r} appears twice")
        if str(label) not in ("0", "1"):
            raise InputDataError(f"{labels_path}, line {row_no}: label {label!r} of {record_id!r}; expected 0 or 1")
        if record_id not in seen:
            raise InputDataError(f"{labels_path}, line {row_no}: id {record_id!r} has no record in {fasta_path}")
        labels[record_id] = int(label)
    missing = [i for i in ids if i not in labels]
    if missing:
        raise InputDataError(f"{fasta_path}: record {missing[0]!r} has no label in {labels_path}")
    return ids, seqs, [labels[i] for i in ids]
