import gzip
import re

import numpy as np
import pytest

from tbio.data.encode import CHANNELS, N_CODE, EncodingError, decode, encode, one_hot, write_encoded
from tbio.data.fasta import InputDataError, fasta_blocks, read_labelled_fasta, write_records
from simulated import dna_records
from tbio.data.spacing import simulate_spacing


def test_dna_round_trip_and_channel_order():
    codes = encode(["a", "b"], ["ACGTN", "ttgca"], "dna")
    assert codes.shape == (2, 5) and codes.dtype == np.uint8  # one byte a base
    assert codes[0].tolist() == [0, 1, 2, 3, N_CODE]  # A, C, G, T, N
    onehot = one_hot(codes, CHANNELS["dna"])
    assert onehot.shape == (2, 5, 4) and onehot.dtype == np.uint8
    assert onehot[0, :4].argmax(axis=1).tolist() == [0, 1, 2, 3]
    assert decode(codes, "dna") == ["ACGTN", "TTGCA"]


def test_ambiguity_codes_give_all_zero_columns():
    onehot = one_hot(encode(["a"], ["ANRYSWKMBDHV"], "dna"), 4)
    assert onehot[0, 0].tolist() == [1, 0, 0, 0]
    assert onehot[0, 1:].sum() == 0


def test_the_compact_encoding_round_trips_through_one_hot_on_numpy_and_torch():
    """codes -> one-hot (numpy here, torch where a model is fed) -> codes: the
    same sequences, N included, and the torch one-hot is the numpy one as
    float32 on whatever device the codes are."""
    import torch

    from tbio.models.inputs import one_hot as torch_one_hot

    rng = np.random.default_rng(3)
    letters = np.array(list("ACGTN"))
    seqs = ["".join(rng.choice(letters, 300, p=[0.24, 0.24, 0.24, 0.24, 0.04])) for _ in range(7)]
    codes = encode([f"r{i}" for i in range(7)], seqs, "dna")
    onehot = one_hot(codes, 4)
    back = np.where(onehot.any(axis=-1), onehot.argmax(axis=-1), N_CODE).astype(np.uint8)
    assert np.array_equal(back, codes) and decode(back, "dna") == seqs
    assert onehot.sum() == sum(len(s) - s.count("N") for s in seqs)
    made = torch_one_hot(torch.from_numpy(codes), 4)
    assert made.dtype == torch.float32 and torch.equal(made, torch.from_numpy(onehot).float())
    if torch.cuda.is_available():  # made on the GPU where the codes lie there
        on_gpu = torch_one_hot(torch.from_numpy(codes).cuda(), 4)
        assert on_gpu.is_cuda and torch.equal(on_gpu.cpu(), made)
    protein = encode(["p"], ["ACDEFGHIKLMNPQRSTVWYX"], "protein")
    assert protein[0].tolist() == list(range(21))
    assert torch.equal(torch_one_hot(torch.from_numpy(protein), 21)[0], torch.eye(21))


def test_bad_letter_names_record_and_position():
    with pytest.raises(EncodingError, match=r"record 'second', position 3: letter 'X'"):
        encode(["first", "second"], ["ACGT", "ACXT"], "dna")


def test_protein_alphabet_has_unknown_channel():
    codes = encode(["p"], ["ACDXBW"], "protein")
    onehot = one_hot(codes, CHANNELS["protein"])
    assert onehot.shape == (1, 6, 21)
    assert onehot[0, 3, 20] == 1 and onehot[0, 4, 20] == 1
    assert decode(codes, "protein") == ["ACDXXW"]
    with pytest.raises(EncodingError, match="position 2"):
        encode(["p"], ["A1"], "protein")


def test_fasta_round_trip_through_biopython_and_npy(tmp_path):
    records = dna_records(20, 128, seed=2)
    write_records(records, tmp_path / "s.fasta", tmp_path / "s.tsv")
    ids, seqs, labels = read_labelled_fasta(tmp_path / "s.fasta", tmp_path / "s.tsv")
    assert ids == [r.id for r in records] and seqs == [r.seq for r in records]
    assert labels == [r.label for r in records]
    shape = write_encoded(tmp_path / "s.fasta", tmp_path / "s.tsv", "dna", tmp_path / "x.npy", tmp_path / "y.npy")
    x = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert shape == x.shape == (20, 128) and x.dtype == np.uint8
    assert decode(np.asarray(x), "dna") == seqs
    assert np.load(tmp_path / "y.npy").tolist() == labels


def test_protein_round_trip(tmp_path):
    records = simulate_spacing(10, 64, "WHCMKY", "FYPQRW", (10, 12), (20, 24), seed=1)
    write_records(records, tmp_path / "p.fasta", tmp_path / "p.tsv")
    write_encoded(tmp_path / "p.fasta", tmp_path / "p.tsv", "protein", tmp_path / "x.npy", tmp_path / "y.npy")
    assert decode(np.load(tmp_path / "x.npy"), "protein") == [r.seq for r in records]


def test_bad_letter_in_a_file_names_the_file(tmp_path):
    (tmp_path / "bad.fasta").write_text(">r1\nACGT\n>r2\nAC!T\n")
    (tmp_path / "bad.tsv").write_text("id\tlabel\nr1\t0\nr2\t1\n")
    with pytest.raises(EncodingError, match=r"bad\.fasta: record 'r2', position 3"):
        write_encoded(tmp_path / "bad.fasta", tmp_path / "bad.tsv", "dna", tmp_path / "x.npy", tmp_path / "y.npy")
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize(
    "fasta, labels, message",
    [
        ("", "id\tlabel\nr1\t0\n", "FASTA file is empty"),
        (">r1\nACGT\n>r1\nACGT\n", "id\tlabel\nr1\t0\n", "'r1' appears twice"),
        (">r1\nACGT\n", "", "labels file is empty"),
        (">r1\nACGT\n", "id\tlabel\nr2\t0\n", "'r2' has no record"),
        (">r1\nACGT\n>r2\nACGT\n", "id\tlabel\nr1\t0\n", "'r2' has no label"),
        (">r1\nACGT\n", "id\tlabel\nr1\tyes\n", "expected 0 or 1"),
    ],
)
def test_labelled_fasta_errors(tmp_path, fasta, labels, message):
    (tmp_path / "f.fasta").write_text(fasta)
    (tmp_path / "l.tsv").write_text(labels)
    with pytest.raises(InputDataError, match=message):
        read_labelled_fasta(tmp_path / "f.fasta", tmp_path / "l.tsv")


def test_wrong_length_is_named(tmp_path):
    (tmp_path / "f.fasta").write_text(">r1\nACGT\n>r2\nACG\n")
    (tmp_path / "l.tsv").write_text("id\tlabel\nr1\t0\nr2\t1\n")
    with pytest.raises(InputDataError, match="'r2' is 3 letters long; expected seq_len 4"):
        read_labelled_fasta(tmp_path / "f.fasta", tmp_path / "l.tsv", seq_len=4)


def gzip_copy(source, target):
    target.write_bytes(gzip.compress(source.read_bytes()))
    return target


@pytest.mark.parametrize("fasta_name, labels_name", [("s.fa.gz", "s.tsv.gz"), ("s.fasta.gz", "s.tsv"), ("s.txt", "s")])
def test_gzip_files_are_known_by_their_first_bytes_whatever_their_name(tmp_path, fasta_name, labels_name):
    records = dna_records(20, 128, seed=3)
    write_records(records, tmp_path / "plain.fasta", tmp_path / "plain.tsv")
    (tmp_path / "gz").mkdir()
    fasta = gzip_copy(tmp_path / "plain.fasta", tmp_path / "gz" / fasta_name)
    labels = gzip_copy(tmp_path / "plain.tsv", tmp_path / "gz" / labels_name)
    assert read_labelled_fasta(fasta, labels) == read_labelled_fasta(tmp_path / "plain.fasta", tmp_path / "plain.tsv")
    with fasta_blocks(fasta) as blocks:  # the encoder's fast path decompresses it
        assert blocks is not None and blocks.ids == [r.id for r in records]
    write_encoded(fasta, labels, "dna", tmp_path / "x.npy", tmp_path / "y.npy")
    assert decode(np.load(tmp_path / "x.npy"), "dna") == [r.seq for r in records]
    assert np.load(tmp_path / "y.npy").tolist() == [r.label for r in records]


def test_a_plain_file_named_gz_and_a_damaged_gzip_file(tmp_path):
    (tmp_path / "f.fa.gz").write_text(">r1\nACGT\n")
    (tmp_path / "l.tsv.gz").write_text("id\tlabel\nr1\t1\n")
    assert read_labelled_fasta(tmp_path / "f.fa.gz", tmp_path / "l.tsv.gz") == (["r1"], ["ACGT"], [1])
    (tmp_path / "cut.fa.gz").write_bytes(gzip.compress(b">r1\nACGT\n")[:-6])
    for read in (
        read_labelled_fasta,
        lambda *files: write_encoded(*files, "dna", tmp_path / "x.npy", tmp_path / "y.npy"),
    ):
        with pytest.raises(InputDataError, match=r"cut\.fa\.gz: starts as gzip but does not decompress"):
            read(tmp_path / "cut.fa.gz", tmp_path / "l.tsv.gz")


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "fasta, message",
    [
        (
            b">r1\nACGT\n>r2\nAC\xffT\n",
            "line 4: the sequence of record 'r2' has byte 0xff, which is not UTF-8 text; expected ASCII letters",
        ),
        (
            b">r1\nACGT\n>r2\nAC\xe2\x80\x93T\n",
            "line 4: the sequence of record 'r2' has character '\u2013' (U+2013); expected ASCII letters",
        ),
        (
            b">r1\nACGT\n>r2 a\xe2\x80\x93b\nACGT\n",
            "line 3: the header of record 'r2' has character '\u2013' (U+2013); expected ASCII text",
        ),
        (
            b">r1\nACGT\n>r\xff2\nACGT\n",
            "line 3: the header of record 'r\ufffd2' has byte 0xff, which is not UTF-8 text; expected ASCII text",
        ),
    ],
    ids=["byte in sequence", "en-dash in sequence", "en-dash in header", "byte in header"],
)
def test_non_ascii_bytes_are_named_by_file_line_and_record(tmp_path, fasta, message, compress):
    (tmp_path / "f.fasta").write_bytes(gzip.compress(fasta) if compress else fasta)
    (tmp_path / "l.tsv").write_text("id\tlabel\nr1\t0\nr2\t1\n")
    for read in (
        read_labelled_fasta,
        lambda *files: write_encoded(*files, "dna", tmp_path / "x.npy", tmp_path / "y.npy"),
    ):
        with pytest.raises(InputDataError) as error:
            read(tmp_path / "f.fasta", tmp_path / "l.tsv")
        assert str(error.value) == f"{tmp_path / 'f.fasta'}, {message}"


def test_a_letter_that_is_not_ascii_is_named_by_encode():
    with pytest.raises(EncodingError, match="record 'b', position 3: letter '\u2013' is not a dna letter"):
        encode(["a", "b"], ["ACGT", "AC\u2013T"], "dna")


@pytest.mark.parametrize(
    "labels, message",
    [
        ("id\tlabel\nr1\t0\nr2\t\nr3\t1\n", "line 3: no label for 'r2'; expected 0 or 1"),
        ("id\tlabel\nr1\t0\n\nr2\t1\nr3\t1\n", "line 3 is blank; expected the id of a record in"),
        ("id\tlabel\nr1\t0\n\t1\nr3\t1\n", "line 3: the id is empty"),
        ("id\tlabel\nr1\t0\n\nr2\t1\tx\nr3\t1\n", "line 4: 3 fields; expected 2 tab-separated columns"),
        ("id\tlabel\nr1\t0\nr2\t1\nr3\t2\n", "line 4: label '2' for 'r3'; expected 0 or 1"),
        ("id\tlabel\nr1\t0\nr2\t1\nr1\t1\n", "line 4: id 'r1' appears twice"),
        ("id\tlabel\nr1\t0\nr2\xff\t1\nr3\t1\n", "line 3: byte 0xff, which is not UTF-8 text; expected a UTF-8 TSV"),
    ],
)
def test_labels_errors_name_the_exact_line(tmp_path, labels, message):
    (tmp_path / "f.fasta").write_text(">r1\nACGT\n>r2\nACGT\n>r3\nACGT\n")
    (tmp_path / "l.tsv").write_bytes(labels.encode("latin-1"))
    with pytest.raises(InputDataError, match=f"l\\.tsv, {re.escape(message)}"):
        read_labelled_fasta(tmp_path / "f.fasta", tmp_path / "l.tsv")


def test_blank_lines_that_end_the_labels_file_are_harmless(tmp_path):
    (tmp_path / "f.fasta").write_text(">r1\nACGT\n>r2\nACGT\n")
    (tmp_path / "l.tsv").write_text("id\tlabel\nr2\t1\nr1\t0\n\n\n")
    assert read_labelled_fasta(tmp_path / "f.fasta", tmp_path / "l.tsv")[2] == [0, 1]


@pytest.mark.parametrize(
    "fasta, labels, message",
    [
        (">r1\nACG\nT\n\n>r2\nAC\nGT\n>r1\nACGT\n", "", "line 8: record 'r1' appears twice"),
        (">r1\nACG\nT\n\n>r2\nAC\nGT\n>r3\nACGTA\n", "", "line 8: record 'r3' is 5 letters long; expected seq_len 4"),
        (">r1\nACGTACGTACGT\n>r2\n>r3\nACGT\n", "", "line 3: record 'r2' has an empty sequence"),
        (">r1\nA\nC\nG\nT\n> \nACGT\n", "", "line 6: a record has an empty id"),
        (">r1\nACG\nT\n\n>r2\nAC\nGT\n>r3\nACGT\n", "id\tlabel\nr1\t0\nr2\t1\n", "line 8: record 'r3' has no label"),
    ],
)
def test_fasta_errors_name_the_exact_line(tmp_path, fasta, labels, message):
    (tmp_path / "f.fasta").write_text(fasta)
    (tmp_path / "l.tsv").write_text(labels or "id\tlabel\nr1\t0\nr2\t1\nr3\t1\n")
    with pytest.raises(InputDataError, match=f"f\\.fasta, {re.escape(message)}"):
        read_labelled_fasta(tmp_path / "f.fasta", tmp_path / "l.tsv", seq_len=4 if "seq_len" in message else None)


@pytest.mark.parametrize("length", [1, 59, 60, 61, 131, 1000])
def test_the_fasta_writer_writes_biopythons_bytes(tmp_path, length):
    """write_fasta's numpy path (equal-length records) against Biopython's
    own FASTA writer: the same file, byte for byte, whatever the length's
    place against the 60-letter lines; headers with and without a
    description, and one that starts with the id."""
    from dataclasses import dataclass

    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    from tbio.data.fasta import write_fasta

    @dataclass
    class Record:
        id: str
        seq: str
        description: str

    records = [Record(f"s{i}", ("ACGTN" * 400)[i : i + length], f"label={i % 2} d=5") for i in range(300)]
    records[3].description, records[4].description = "", "s4 starts with its id"
    write_fasta(records, tmp_path / "ours.fasta")
    SeqIO.write(
        (SeqRecord(Seq(r.seq), id=r.id, description=r.description) for r in records), tmp_path / "bio.fasta", "fasta"
    )
    assert (tmp_path / "ours.fasta").read_bytes() == (tmp_path / "bio.fasta").read_bytes()
    # records of unequal length take Biopython's writer itself
    records[0].seq += "A"
    write_fasta(records, tmp_path / "mixed.fasta")
    assert [len(r.seq) for r in SeqIO.parse(tmp_path / "mixed.fasta", "fasta")][:2] == [length + 1, length]
