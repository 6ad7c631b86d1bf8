"""The simulation's common pieces (per-split seeds, disjoint splits, decoys)
and the protein task. The DNA task has its own tests: test_pairs.py."""

import numpy as np
import pytest

from tbio.data.simulate import SimulationError, assert_disjoint, make_decoy, simulate_protein, split_seed


def protein(n=200, seed=1):
    return simulate_protein(n, 128, "WHCMKY", "FYPQRW", 32, seed=seed)


def test_same_seed_same_data_other_seed_other_data():
    assert [r.seq for r in protein(seed=3)] == [r.seq for r in protein(seed=3)]
    assert [r.seq for r in protein(seed=3)] != [r.seq for r in protein(seed=4)]


def test_split_seeds_differ_and_splits_do_not_overlap():
    seeds = {split: split_seed(7, split, 40) for split in ("train", "val", "test")}
    states = {split: np.random.default_rng(s).integers(0, 2**63) for split, s in seeds.items()}
    assert len(set(states.values())) == 3
    splits = {split: protein(seed=seed) for split, seed in seeds.items()}
    assert_disjoint(splits)
    assert not ({r.seq for r in splits["train"]} & {r.seq for r in splits["test"]})
    with pytest.raises(SimulationError, match="repeats a sequence"):
        assert_disjoint({"train": splits["train"], "test": splits["train"][:1]})


def test_decoys_keep_composition_but_differ():
    shuffled = make_decoy("WHCMKY", "ACDEFGHIKLMNPQRSTVWY")
    assert sorted(shuffled) == sorted("WHCMKY") and shuffled != "WHCMKY"
    assert make_decoy("WHCMKY", "ACDEFGHIKLMNPQRSTVWY") == shuffled  # fixed: the same in every split and run
    with pytest.raises(SimulationError, match="single letter"):
        make_decoy("WWWW", "ACDEFGHIKLMNPQRSTVWY")


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
