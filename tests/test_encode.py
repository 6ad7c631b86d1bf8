import numpy as np
import pytest

from tbio.data.encode import EncodingError, decode, encode, write_encoded
from tbio.data.fasta import InputDataError, read_labelled_fasta, write_records
from tbio.data.simulate import simulate_dna, simulate_protein


def test_dna_round_trip_and_channel_order():
    onehot = encode(["a", "b"], ["ACGTN", "ttgca"], "dna")
    assert onehot.shape == (2, 5, 4) and onehot.dtype == np.uint8
    assert onehot[0, :4].argmax(axis=1).tolist() == [0, 1, 2, 3]  # A, C, G, T
    assert decode(onehot, "dna") == ["ACGTN", "TTGCA"]


def test_ambiguity_codes_give_all_zero_columns():
    onehot = encode(["a"], ["ANRYSWKMBDHV"], "dna")
    assert onehot[0, 0].tolist() == [1, 0, 0, 0]
    assert onehot[0, 1:].sum() == 0


def test_bad_letter_names_record_and_position():
    with pytest.raises(EncodingError, match=r"record 'second', position 3: letter 'X'"):
        encode(["first", "second"], ["ACGT", "ACXT"], "dna")


def test_protein_alphabet_has_unknown_channel():
    onehot = encode(["p"], ["ACDXBW"], "protein")
    assert onehot.shape == (1, 6, 21)
    assert onehot[0, 3, 20] == 1 and onehot[0, 4, 20] == 1
    assert decode(onehot, "protein") == ["ACDXXW"]
    with pytest.raises(EncodingError, match="position 2"):
        encode(["p"], ["A1"], "protein")


def test_fasta_round_trip_through_biopython_and_npy(tmp_path):
    records = simulate_dna(20, 128, "TATAAAAG", "CACGTGAC", 30, seed=2)
    write_records(records, tmp_path / "s.fasta", tmp_path / "s.tsv")
    ids, seqs, labels = read_labelled_fasta(tmp_path / "s.fasta", tmp_path / "s.tsv")
    assert ids == [r.id for r in records] and seqs == [r.seq for r in records]
    assert labels == [r.label for r in records]
    shape = write_encoded(tmp_path / "s.fasta", tmp_path / "s.tsv", "dna", tmp_path / "x.npy", tmp_path / "y.npy")
    x = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert shape == x.shape == (20, 128, 4)
    assert decode(np.asarray(x), "dna") == seqs
    assert np.load(tmp_path / "y.npy").tolist() == labels


def test_protein_round_trip(tmp_path):
    records = simulate_protein(10, 64, "WHCMKY", "FYPQRW", 10, seed=1)
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
