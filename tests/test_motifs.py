"""Motif discovery: contribution scores, TF-MoDISco-lite patterns and their
Tomtom matches to JASPAR recover a planted matrix and no other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from tbio.data.motifs import load_motif
from tbio.motifs.database import Target, motif_database
from tbio.motifs.discovery import (
    DiscoverySettings,
    Match,
    benjamini_hochberg,
    best_matches,
    discover_patterns,
    planted_match,
)
from tbio.motifs.scores import hypothetical_contributions
from tbio.report.motifs import recovery_table

RELEASE = "JASPAR2020"


class LinearScore(nn.Module):
    """logit = sum of weight * one-hot: its exact contributions are its weights."""

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x):  # (batch, seq_len, 4) -> (batch,)
        return (x * self.weight).sum(dim=(1, 2))


def test_hypothetical_contributions_of_a_linear_model_are_its_weights_centred_per_position():
    weight = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    x = torch.eye(4)[torch.randint(0, 4, (7, 50), generator=torch.Generator().manual_seed(1))]
    scores = hypothetical_contributions(LinearScore(weight), x, 3, torch.device("cpu"))
    expected = (weight - weight.mean(dim=1, keepdim=True)).detach().numpy()
    assert scores.shape == (7, 50, 4)
    np.testing.assert_allclose(scores, np.broadcast_to(expected, scores.shape), atol=1e-6)
    # the actual contribution of each position is the weight of the base present
    actual = (scores * x.numpy()).sum(-1)
    assert np.allclose(actual, (x.numpy() * expected).sum(-1), atol=1e-6)


def test_benjamini_hochberg_q_values():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01 0.03 0.04 0.5 -> 0.04 0.06 0.0533 0.5, then the running minimum from the top
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.05333333, 0.05333333, 0.5])


def planted_sequences(spec: str, n: int = 300, seq_len: int = 160, seed: int = 0):
    """Random DNA with one instance of ``spec`` drawn from its matrix in each
    sequence, and the exact contribution scores of the model that scores the
    planted site by the matrix's log-odds (zero elsewhere), plus noise at a
    twentieth of the site's scale everywhere, as attribution has."""
    rng = np.random.default_rng(seed)
    motif = load_motif(spec, RELEASE)
    letters = rng.integers(0, 4, (n, seq_len))
    starts = rng.integers(10, seq_len - motif.length - 10, n)
    instances = motif.sample(rng, n)
    codes = {ord(b): i for i, b in enumerate("ACGT")}
    hypothetical = np.zeros((n, seq_len, 4), dtype=np.float32)
    log_odds = motif.log_odds()
    centred = log_odds - log_odds.mean(axis=1, keepdims=True)
    for i, start in enumerate(starts):
        letters[i, start : start + motif.length] = [codes[c] for c in instances[i]]
        hypothetical[i, start : start + motif.length] = centred
    one_hot = np.eye(4, dtype=np.float32)[letters]
    hypothetical += rng.normal(0, np.abs(centred).mean() / 20, hypothetical.shape).astype(np.float32)
    return one_hot, hypothetical


@pytest.fixture(scope="module")
def database():
    # NFKB1 and CTCF: each is planted in one case and listed, unplanted, in the other
    return motif_database(RELEASE, ["MA0105.4", "MA0139.1"])


@pytest.mark.parametrize("planted, unplanted", [("MA0105.4", "MA0139.1"), ("MA0139.1", "MA0105.4")])
def test_discovery_and_matching_recover_the_planted_matrix_and_no_unplanted_one(database, planted, unplanted):
    one_hot, hypothetical = planted_sequences(planted)
    patterns = discover_patterns(one_hot, hypothetical, DiscoverySettings(leiden_runs=2))
    assert patterns, "TF-MoDISco-lite found no pattern in exact scores of a planted matrix"
    matches = best_matches(patterns, database, trim=0.3)
    candidates = [t for t in database if t.matrix_id in (planted, unplanted)]
    recovered = [planted_match(m, candidates, 0.05) for m in matches]
    assert (planted, "exact") in recovered, [(m.target.matrix_id, m.q_value) for m in matches]
    assert all(matrix != unplanted for matrix, _ in recovered)


def test_sequences_without_a_planted_matrix_recover_nothing(database):
    """Noise alone: any pattern found must not be called a listed matrix."""
    rng = np.random.default_rng(3)
    one_hot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (300, 160))]
    hypothetical = rng.normal(0, 1, one_hot.shape).astype(np.float32)
    patterns = discover_patterns(one_hot, hypothetical, DiscoverySettings(leiden_runs=2))
    matches = best_matches(patterns, database, trim=0.3)
    listed = [t for t in database if t.matrix_id in ("MA0105.4", "MA0139.1")]
    assert all(planted_match(m, listed, 0.05) == ("", "") for m in matches)


def target(matrix_id: str, families=()) -> Target:
    return Target(matrix_id, matrix_id, tuple(families), np.full((4, 6), 0.25))


def test_a_match_recovers_a_planted_matrix_exactly_or_through_its_family_only_when_significant():
    tgif1 = target("MA0796.1", ["TALE-type homeo domain factors"])
    mte = target("POL001.1")
    planted = [tgif1, mte]
    assert planted_match(Match(tgif1, 1e-9, 1e-6, False), planted, 0.05) == ("MA0796.1", "exact")
    paralogue = target("MA1571.1", ["TALE-type homeo domain factors"])
    assert planted_match(Match(paralogue, 1e-9, 1e-6, False), planted, 0.05) == ("MA0796.1", "family")
    assert planted_match(Match(paralogue, 0.01, 0.2, False), planted, 0.05) == ("", "")
    unrelated = target("MA1284.1", ["TCP domain"])
    assert planted_match(Match(unrelated, 1e-9, 1e-6, False), planted, 0.05) == ("", "")
    # no family annotation (a POLII element): only the matrix itself counts
    assert planted_match(Match(target("POL002.1"), 1e-9, 1e-6, False), planted, 0.05) == ("", "")


def test_the_database_holds_each_planted_matrix_in_its_own_version_and_a_consensus():
    targets = motif_database(RELEASE, ["MA0105.3", "POL001.1", "TATAAAAG"])
    ids = [t.matrix_id for t in targets]
    assert "MA0105.3" in ids and "MA0105.4" not in ids  # the planted version replaces the latest
    assert "POL001.1" in ids  # its collection (POLII) joins CORE
    assert "TATAAAAG" in ids
    assert len(ids) == len(set(ids)) > 1000
    for t in targets:
        np.testing.assert_allclose(t.frequencies.sum(axis=0), 1.0)


def test_recovery_counts_the_seeds_whose_patterns_recovered_each_role():
    motifs = pd.DataFrame(
        {
            "model": ["cnn", "cnn", "cnn", "enformer"],
            "dataset": ["w10-30", "w10-30", "w10-30", "w10-30"],
            "seed": [1, 1, 2, 1],
            "planted": ["MA0105.4", "POL001.1", "", "MA0796.1"],
        }
    )
    jobs = pd.DataFrame(
        {"model": ["cnn", "cnn", "enformer", "enformer"], "dataset": ["w10-30"] * 4, "seed": [1, 2, 1, 2]}
    )
    config = {"dna": {"promoters": ["POL001.1", "POL011.1"], "enhancers": ["MA0105.4", "MA0796.1"]}}
    table = recovery_table(motifs, config, jobs).set_index(["model", "role"])
    assert table.loc[("cnn", "enhancer"), ["seeds_recovered", "seeds"]].tolist() == [1, 2]
    assert table.loc[("cnn", "promoter"), "matrices_recovered"] == "POL001.1"
    assert table.loc[("enformer", "promoter"), "seeds_recovered"] == 0
    assert table.loc[("enformer", "enhancer"), "distance_max_bp"] == 30
