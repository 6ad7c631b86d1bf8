"""FASTA + labels TSV, written as Biopython writes them and read back with checks.

The FASTA alone is self-describing (ids and descriptions carry label and
positions); the labels TSV is the table a model reads. Users may bring their
own FASTA + labels: ``read_labelled_fasta`` is the one place that checks them.
``fasta_blocks`` is the encoder's fast path through the same files; it
hands anything unusual back to ``read_labelled_fasta``. Either file may be
gzip-compressed, whatever its name: its first bytes say so.
"""

from __future__ import annotations

import bisect
import gzip
import io
import itertools
import mmap
import os
import re
import zlib
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterator, TextIO

import numpy as np
import pandas as pd
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqIO.FastaIO import SimpleFastaParser
from Bio.SeqRecord import SeqRecord


class InputDataError(ValueError):
    """A FASTA or labels file that the workflow cannot use."""


GZIP_MAGIC = b"\x1f\x8b"
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)  # a damaged or cut-short gzip file


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _open_text(path: Path, encoding: str = "ascii", errors: str = "strict") -> TextIO:
    """``path`` as text with universal newlines (as ``open`` in text mode),
    decompressed when it is gzip."""
    return io.TextIOWrapper(gzip.open(path) if _is_gzip(path) else open(path, "rb"), encoding=encoding, errors=errors)


def _gzip_error(path: Path, error: Exception) -> InputDataError:
    return InputDataError(f"{path}: starts as gzip but does not decompress ({error}); expected a whole gzip file")


def _character(char: str) -> str:
    """A character read with errors='surrogateescape', as an error names it."""
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8
        return f"byte {ord(char) - 0xDC00:#x}, which is not UTF-8 text"
    return f"character {char!r} (U+{ord(char):04X})"


def _record_id(title: str) -> str:
    """A FASTA header's id, its first word (empty for a blank header)."""
    return title.split(None, 1)[0] if title.strip() else ""


def _atomic_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


FASTA_WRAP = 60  # letters a line, as Biopython's FASTA writer wraps them
FASTA_BATCH = 256  # records wrapped at once: bounds the extra memory to 256 sequences


def fasta_title(record_id: str, description: str) -> str:
    """A record's header line after '>', as Biopython's FASTA writer makes it."""
    record_id, description = (text.replace("\n", " ").replace("\r", " ") for text in (record_id, description))
    if description and description.split(None, 1)[0] == record_id:
        return description
    return f"{record_id} {description}" if description else record_id


def _wrapped(seqs: list[str]) -> np.ndarray:
    """Equal-length sequences as one (n, wrapped length) byte array, a newline
    after every FASTA_WRAP letters and at the end: one numpy scatter for all
    records, not a write per line."""
    length = len(seqs[0])
    letters = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8).reshape(len(seqs), length)
    full, rest = divmod(length, FASTA_WRAP)
    out = np.full((len(seqs), length + full + (rest > 0)), ord("\n"), dtype=np.uint8)
    # the full lines as a (records, lines, 61) view: one strided copy
    lines = out[:, : full * (FASTA_WRAP + 1)].reshape(len(seqs), full, FASTA_WRAP + 1)
    lines[:, :, :FASTA_WRAP] = letters[:, : full * FASTA_WRAP].reshape(len(seqs), full, FASTA_WRAP)
    if rest:
        out[:, full * (FASTA_WRAP + 1) : -1] = letters[:, full * FASTA_WRAP :]
    return out


def write_fasta(records: list, path: str | os.PathLike) -> None:
    """``records`` (with id, seq, description) as FASTA, byte for byte as
    ``Bio.SeqIO.write(..., "fasta")`` writes them (a test compares the two),
    at memory speed for equal-length sequences: the simulations' records."""
    lengths = {len(r.seq) for r in records}
    if len(lengths) != 1 or 0 in lengths or not all(r.seq.isascii() for r in records):
        SeqIO.write((SeqRecord(Seq(r.seq), id=r.id, description=r.description) for r in records), path, "fasta")
        return
    with open(path, "wb") as handle:
        for start in range(0, len(records), FASTA_BATCH):
            batch = records[start : start + FASTA_BATCH]
            body = _wrapped([r.seq for r in batch])
            for record, row in zip(batch, body):
                handle.write(f">{fasta_title(record.id, record.description)}\n".encode())
                handle.write(row.data)


def write_records(records: list, fasta_path: str | os.PathLike, labels_path: str | os.PathLike) -> None:
    """Write ``records`` (dataclasses with id, seq, description) as FASTA and
    their fields (less the sequence) as a TSV; both appear whole or not at all."""
    fasta_path, labels_path = Path(fasta_path), Path(labels_path)
    tmp_fasta, tmp_labels = _atomic_path(fasta_path), _atomic_path(labels_path)
    write_fasta(records, tmp_fasta)
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
    try:
        with _open_text(fasta_path) as handle:
            first = handle.read(1)
            if not first:
                raise InputDataError(f"{fasta_path}: the FASTA file is empty; expected at least one record")
            if first != ">":
                raise InputDataError(f"{fasta_path}, line 1: expected a FASTA header starting with '>'")
            handle.seek(0)
            for title, seq in SimpleFastaParser(handle):
                record_id = _record_id(title)
                if not record_id:
                    line_no = _header_line(fasta_path, len(ids))
                    raise InputDataError(f"{fasta_path}, line {line_no}: a record has an empty id")
                ids.append(record_id)
                seqs.append(seq)
    except UnicodeDecodeError:
        raise _not_ascii_error(fasta_path) from None
    except GZIP_ERRORS as error:
        raise _gzip_error(fasta_path, error) from None
    lengths = [len(seq) for seq in seqs]
    # one pass in C for the usual case of nothing wrong; the loop names the first problem
    if len(set(ids)) != len(ids) or 0 in lengths or (seq_len is not None and lengths.count(seq_len) != len(lengths)):
        seen: set[str] = set()
        for index, (record_id, length) in enumerate(zip(ids, lengths)):
            if record_id in seen:
                problem = "appears twice; ids must be unique"
            elif not length:
                problem = "has an empty sequence"
            elif seq_len is not None and length != seq_len:
                problem = f"is {length} letters long; expected seq_len {seq_len}"
            else:
                seen.add(record_id)
                continue
            line_no = _header_line(fasta_path, index)
            raise InputDataError(f"{fasta_path}, line {line_no}: record {record_id!r} {problem}")
    return ids, seqs, read_labels(labels_path, fasta_path, ids)


def _header_line(fasta_path: Path, index: int) -> int:
    """The line number of record ``index``'s header: a pass over the file,
    for error messages only."""
    with _open_text(fasta_path) as handle:
        headers = (line_no for line_no, line in enumerate(handle, start=1) if line.startswith(">"))
        return next(itertools.islice(headers, index, None))


def _not_ascii_error(fasta_path: Path) -> InputDataError:
    """The error naming the first character of ``fasta_path`` that is not
    ASCII, its line and its record (a pass over the file, on the error path)."""
    title = None
    with _open_text(fasta_path, "utf-8", "surrogateescape") as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith(">"):
                title = line[1:]
            if line.isascii():
                continue
            if title is None:  # the first line is no header
                return InputDataError(f"{fasta_path}, line 1: expected a FASTA header starting with '>'")
            record_id = _record_id(title).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            part, expected = ("header", "ASCII text") if line.startswith(">") else ("sequence", "ASCII letters")
            char = next(char for char in line if not char.isascii())
            return InputDataError(
                f"{fasta_path}, line {line_no}: the {part} of record {record_id!r} has {_character(char)}; "
                f"expected {expected}"
            )
    raise AssertionError(f"{fasta_path} is ASCII")  # only called when decoding it as ASCII failed


def read_labels(labels_path: str | os.PathLike, fasta_path: str | os.PathLike, ids: list[str]) -> list[int]:
    """The 0/1 label of each of ``ids`` (the unique ids of ``fasta_path``, in
    order) from the labels TSV, checking that every id has exactly one label
    and every label its record. Errors name file, line and id; blank lines
    are reported, but for those that end the file."""
    labels_path = Path(labels_path)
    try:
        # every line a row (blank lines too, and empty cells as ''), so that row i is line i + 2
        table = pd.read_csv(
            labels_path,
            sep="\t",
            dtype={"id": str},
            na_filter=False,
            skip_blank_lines=False,
            compression="gzip" if _is_gzip(labels_path) else None,
        )
    except pd.errors.EmptyDataError:
        raise InputDataError(f"{labels_path}: the labels file is empty; expected a TSV with columns id, label")
    except pd.errors.ParserError as error:  # pandas counts every line, blank ones included
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        problem = (
            f", line {found[2]}: {found[3]} fields; expected {found[1]}"
            if found
            else f": {str(error).strip()}; expected"
        )
        raise InputDataError(f"{labels_path}{problem} tab-separated columns as in the header") from None
    except UnicodeDecodeError:
        raise _not_utf8_error(labels_path) from None
    except GZIP_ERRORS as error:
        raise _gzip_error(labels_path, error) from None
    for column in ("id", "label"):
        if column not in table.columns:
            raise InputDataError(
                f"{labels_path}: no column {column!r}; expected a tab-separated header with 'id' and 'label'"
            )
    id_column, label_column = table["id"], table["label"]
    # the usual case, checked by whole columns: integer labels (so no empty cells
    # or blank lines), each 0 or 1, one row per record
    if (
        pd.api.types.is_integer_dtype(label_column)
        and label_column.isin((0, 1)).all()
        and len(table) == len(ids)
        and not id_column.duplicated().any()
        and id_column.isin(ids).all()
    ):
        return label_column.to_numpy()[pd.Index(id_column).get_indexer(ids)].tolist()
    rows = list(zip(id_column.str.strip(), label_column.astype(str).str.strip()))
    while rows and rows[-1] == ("", ""):  # blank lines that end the file are harmless
        rows.pop()
    if not rows:
        raise InputDataError(f"{labels_path}: the labels file has a header but no rows")
    known = set(ids)
    labels: dict[str, int] = {}
    for line_no, (record_id, label) in enumerate(rows, start=2):
        where = f"{labels_path}, line {line_no}"
        if not record_id:
            problem = " is blank" if not label else ": the id is empty"
            raise InputDataError(f"{where}{problem}; expected the id of a record in {fasta_path} and its label")
        if record_id in labels:
            raise InputDataError(f"{where}: id {record_id!r} appears twice")
        if label not in ("0", "1"):
            what = f"label {label!r}" if label else "no label"
            raise InputDataError(f"{where}: {what} for {record_id!r}; expected 0 or 1")
        if record_id not in known:
            raise InputDataError(f"{where}: id {record_id!r} has no record in {fasta_path}")
        labels[record_id] = int(label)
    for index, record_id in enumerate(ids):
        if record_id not in labels:
            line_no = _header_line(fasta_path, index)
            raise InputDataError(f"{fasta_path}, line {line_no}: record {record_id!r} has no label in {labels_path}")
    return [labels[i] for i in ids]


def _not_utf8_error(labels_path: Path) -> InputDataError:
    """The error naming the first byte of ``labels_path`` that is not UTF-8
    and its line (a pass over the file, on the error path)."""
    with _open_text(labels_path, "utf-8", "surrogateescape") as handle:
        for line_no, line in enumerate(handle, start=1):
            char = next((char for char in line if "\udc80" <= char <= "\udcff"), None)
            if char:
                return InputDataError(f"{labels_path}, line {line_no}: {_character(char)}; expected a UTF-8 TSV")
    raise AssertionError(f"{labels_path} is UTF-8")  # only called when decoding it failed


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

    It maps the file (or decompresses a gzip file into memory), finds the
    header lines with one pass of ``find`` and hands the sequence lines out
    in chunks of about ``chunk_bytes``, so that what the encoder makes of
    one chunk stays in the cache: at 100 Mbp a pass over memory, not Python,
    is what costs. It gives None for a header that
    it would not read exactly as ``read_labelled_fasta`` does: a file that
    does not start with '>', a header with non-ASCII bytes or a carriage
    return (text mode ends a line there), a blank id, a header that ends the
    file, an id seen twice; the caller then takes ``read_labelled_fasta``,
    which names the problem. Sequence lines are not checked here: the
    caller's look-up table must reject every byte but letters, spaces and
    newlines (non-ASCII, carriage returns, tabs) and notice empty records,
    and fall back the same way.
    """
    with open(fasta_path, "rb") as handle, ExitStack() as stack:
        data = b""
        if os.fstat(handle.fileno()).st_size:
            data = stack.enter_context(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        if data[:2] == GZIP_MAGIC:
            try:
                data = gzip.decompress(data)
            except GZIP_ERRORS:
                data = b""  # read_labelled_fasta names the problem
        view = stack.enter_context(memoryview(data))
        records = _header_lines(data, view)
        if records is None:
            yield None
            return
        ids, starts, ends = records
        yield FastaBlocks(ids, _sequence_chunks(view, starts, ends, chunk_bytes))


def _header_lines(data: mmap.mmap | bytes, view: memoryview) -> tuple[list[str], list[int], list[int]] | None:
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
