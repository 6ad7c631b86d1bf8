"""The protein task (tbio.data.spacing): the label is the band of the two
motif arrays' spacing, and nothing but that spacing tells it."""

import numpy as np
import pytest
from test_pairs import kmer_counts, logistic_regression_accuracy

from tbio.data.design import AMINO_ACIDS
from tbio.data.simulate import SimulationError
from tbio.data.bands import check_bands, min_gap
from tbio.data.spacing import simulate_spacing, spacing_label

A, B = "WHCMKY", "FYPQRW"
NEAR, FAR = (288, 352), (436, 500)  # the default config's
REPEATS, ARRAY = 4, 24


@pytest.fixture(scope="module")
def records():
    return simulate_spacing(4000, 1024, A, B, NEAR, FAR, seed=1, repeats=REPEATS)


def test_both_arrays_once_and_the_label_is_the_band_of_their_spacing(records):
    assert sum(r.label for r in records) == 2000
    assert min_gap(ARRAY, NEAR, FAR) == 264
    for r in records:
        assert r.seq.count(A) == REPEATS and r.seq.count(B) == REPEATS and len(r.seq) == 1024
        assert r.seq[r.motif_a_start : r.motif_a_start + ARRAY] == A * REPEATS
        assert r.seq[r.motif_b_start : r.motif_b_start + ARRAY] == B * REPEATS
        assert spacing_label(1024, ARRAY, r.motif_a_start, r.motif_b_start, NEAR, FAR) == r.label
        assert r.spacing - ARRAY >= 264  # never close enough for a local model to see both


def test_the_label_flips_when_the_spacing_moves_to_the_other_band(records):
    for r in records[:200]:
        low, high = FAR if r.label else NEAR
        moved = r.motif_a_start + low if r.motif_a_start + low + ARRAY <= 1024 else r.motif_a_start - low
        assert spacing_label(1024, ARRAY, r.motif_a_start, moved, NEAR, FAR) == 1 - r.label


def chi_square_uniform_across_classes(starts, labels, bins=10):
    """Chi-square statistic of a (class x position bin) table: the positions have
    the same distribution in both classes when it stays small."""
    table = np.zeros((2, bins))
    for start, label in zip(starts, labels):
        table[label, min(start * bins // (1024 - ARRAY + 1), bins - 1)] += 1
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    return ((table - expected) ** 2 / expected).sum()


def test_each_motifs_position_has_the_same_distribution_in_both_classes(records):
    labels = [r.label for r in records]
    for starts in ([r.motif_a_start for r in records], [r.motif_b_start for r in records]):
        # 9 degrees of freedom: the 0.999 quantile of chi-square is 27.9
        assert chi_square_uniform_across_classes(starts, labels) < 27.9
    # while the spacing alone separates the classes
    spacings = [{r.spacing for r in records if r.label == label} for label in (0, 1)]
    assert not spacings[0] & spacings[1]


def test_a_global_kmer_logistic_regression_is_at_chance_yet_finds_what_counts_do_tell():
    train = simulate_spacing(2000, 1024, A, B, NEAR, FAR, seed=2, repeats=REPEATS)
    test = simulate_spacing(1000, 1024, A, B, NEAR, FAR, seed=3, repeats=REPEATS)
    x_train, x_test = (kmer_counts(records, 2, AMINO_ACIDS) for records in (train, test))
    accuracy = logistic_regression_accuracy(x_train, [r.label for r in train], x_test, [r.label for r in test])
    assert accuracy <= 0.60
    # the control that could fail: the same regression reads a feature the counts do hold
    rich = [int(r.seq.count("W") > 1024 / 20) for r in train], [int(r.seq.count("W") > 1024 / 20) for r in test]
    assert logistic_regression_accuracy(x_train, rich[0], x_test, rich[1]) >= 0.9


def test_bands_whose_spacings_meet_once_the_ring_wraps_are_refused():
    check_bands(1024, 6, NEAR, FAR)
    with pytest.raises(SimulationError, match="share spacings"):
        check_bands(1024, 6, (256, 320), (300, 400))
    with pytest.raises(SimulationError, match="does not fit"):
        check_bands(1024, 6, (256, 320), (440, 600))
