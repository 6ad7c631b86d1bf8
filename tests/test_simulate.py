"""The simulation's common pieces (per-split seeds, disjoint splits). The
tasks have their own tests: test_pairs.py (DNA), test_spacing.py (protein)."""

import numpy as np
import pytest

from tbio.data.simulate import SimulationError, assert_disjoint, quaternary_draws, split_seed
from tbio.data.spacing import simulate_spacing


def protein(n=200, seed=1):
    return simulate_spacing(n, 128, "WHCMKY", "FYPQRW", (32, 40), (50, 60), seed=seed)


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


@pytest.mark.parametrize("chunk", [3, 2**20])  # 64-bit words a chunk: many chunks, one
@pytest.mark.parametrize("earlier", [0, 1, 2, 5])
@pytest.mark.parametrize("count", [0, 1, 2, 3, 6, 7, 1001])
def test_quaternary_draws_are_numpys_draws_and_leave_the_same_state(monkeypatch, chunk, earlier, count):
    """The fast DNA background draw equals rng.integers(0, 4, count), and the
    generator goes on exactly as numpy's would (a 32-bit half may be pending)."""
    monkeypatch.setattr("tbio.data.simulate.RAW_CHUNK", chunk)
    ours, numpys = np.random.default_rng(earlier), np.random.default_rng(earlier)
    for rng in (ours, numpys):
        rng.integers(0, 4, earlier)  # an odd count leaves a pending half
    assert np.array_equal(quaternary_draws(ours, count), numpys.integers(0, 4, count))
    assert np.array_equal(ours.integers(0, 4, 7), numpys.integers(0, 4, 7))
    assert np.array_equal(ours.random(3), numpys.random(3))
