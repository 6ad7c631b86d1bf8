import numpy as np
import pytest

from tbio.data.simulate import (
    SimulationError,
    assert_disjoint,
    distance_bounds,
    make_decoy,
    reverse_complement,
    simulate_dna,
    simulate_protein,
    split_seed,
)

PROMOTER, ENHANCER = "TATAAAAGGCCT", "CACGTGACTGCA"


def dna(n=200, seq_len=256, distance=40, seed=1, decoy="shuffle"):
    return simulate_dna(n, seq_len, PROMOTER, ENHANCER, distance, seed, decoy=decoy)


@pytest.mark.parametrize("distance", [7, 30, 100, 116])
def test_motifs_sit_where_the_record_says(distance):
    records = dna(distance=distance)
    decoy = make_decoy(ENHANCER, "shuffle", "ACGT")
    centre = 256 // 2
    for r in records:
        assert len(r.seq) == 256
        assert r.seq[r.promoter_start : r.promoter_start + len(PROMOTER)] == PROMOTER
        assert r.promoter_start == centre - len(PROMOTER) // 2
        element = r.seq[r.element_start : r.element_start + len(ENHANCER)]
        assert element == (ENHANCER if r.label else decoy)
        # distance is the gap from the readout centre to the element's nearest base
        nearest = r.element_start if r.side == "downstream" else r.element_start + len(ENHANCER) - 1
        assert abs(nearest - centre) == distance
        assert r.seq.count(ENHANCER) == r.label


def test_classes_and_sides_are_balanced():
    records = dna(n=400)
    labels = np.array([r.label for r in records])
    assert labels.sum() == 200
    sides = [r.side for r in records]
    assert 150 < sides.count("upstream") < 250


def test_same_seed_same_data_other_seed_other_data():
    assert [r.seq for r in dna(seed=3)] == [r.seq for r in dna(seed=3)]
    assert [r.seq for r in dna(seed=3)] != [r.seq for r in dna(seed=4)]


def test_split_seeds_differ_and_splits_do_not_overlap():
    seeds = {split: split_seed(7, split, 40) for split in ("train", "val", "test")}
    states = {split: np.random.default_rng(s).integers(0, 2**63) for split, s in seeds.items()}
    assert len(set(states.values())) == 3
    splits = {split: dna(seed=seed) for split, seed in seeds.items()}
    assert_disjoint(splits)
    assert not ({r.seq for r in splits["train"]} & {r.seq for r in splits["test"]})
    with pytest.raises(SimulationError, match="repeats a sequence"):
        assert_disjoint({"train": splits["train"], "test": splits["train"][:1]})


def test_decoys_keep_composition_but_differ():
    shuffled = make_decoy(ENHANCER, "shuffle", "ACGT")
    assert sorted(shuffled) == sorted(ENHANCER) and shuffled != ENHANCER
    assert make_decoy(ENHANCER, "revcomp", "ACGT") == reverse_complement(ENHANCER)
    negatives = [r for r in dna(decoy="revcomp") if r.label == 0]
    assert all(reverse_complement(ENHANCER) in r.seq and ENHANCER not in r.seq for r in negatives)
    assert all(r.element == "none" and r.element_start == -1 for r in dna(decoy="none") if r.label == 0)
    with pytest.raises(SimulationError, match="own reverse complement"):
        make_decoy("ACGT", "revcomp", "ACGT")


def test_distance_outside_bounds_is_refused():
    lowest, highest = distance_bounds(256, len(PROMOTER), len(ENHANCER))
    assert (lowest, highest) == (7, 116)
    for bad in (lowest - 1, highest + 1):
        with pytest.raises(SimulationError, match="must lie in"):
            dna(distance=bad)


def test_protein_motifs_and_labels():
    records = simulate_protein(300, 128, "WHCMKY", "FYPQRW", 32, seed=5)
    assert sum(r.label for r in records) == 150
    for r in records:
        has_a, has_b = "WHCMKY" in r.seq, "FYPQRW" in r.seq
        assert r.label == int(has_a and has_b)
        assert has_a or has_b  # negatives keep one real motif and a decoy of the other
        gap = abs(r.motif_a_start - r.motif_b_start)
        assert gap >= 32 + 6
        assert set(r.seq) <= set("ACDEFGHIKLMNPQRSTVWY")
