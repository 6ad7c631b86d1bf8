"""The promoter-enhancer compatibility task (tbio.data.pairs): its layout, its
labels, the matrices it samples, and the controls that must be at chance on
it by construction: every single element, and any global summary."""

import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch

from tbio.data.encode import N_CODE, encode
from tbio.data.layout import is_consensus, matrix_length, pair_distance_bounds
from tbio.data.motifs import Cluster, load_motif, task_elements
from tbio.data.pairs import probe_seed, simulate_pairs
from tbio.data.simulate import SPLITS, SimulationError, split_seed
from tbio.models import build_model
from tbio.train.controls import accuracy_by_distance, control_accuracies, mask_spans
from tbio.train.loop import TrainConfig, fit, make_deterministic

RELEASE = "JASPAR2020"
PROMOTERS, ENHANCERS = ("POL001.1", "POL011.1"), ("MA0105.4", "MA0796.1")


@pytest.fixture(scope="module")
def motifs():
    return [load_motif(s, RELEASE) for s in PROMOTERS], [load_motif(s, RELEASE) for s in ENHANCERS]


@pytest.fixture(scope="module")
def records(motifs):
    return simulate_pairs(4000, 512, *motifs, window=(10, 60), seed=3)


def test_plan_time_lengths_equal_the_matrices_pyjaspar_reads(motifs):
    for motif in motifs[0] + motifs[1]:
        assert matrix_length(motif.spec, RELEASE) == motif.length
    assert matrix_length("MA9999.1", RELEASE) is None
    assert is_consensus("acgtAC") and not is_consensus("MA0105.4")


def test_sampled_instances_have_the_matrix_frequencies():
    motif = load_motif("MA0105.4", RELEASE)
    codes = motif.sample(np.random.default_rng(0), 20000)
    observed = np.stack([(codes == ord(letter)).mean(axis=0) for letter in "ACGT"], axis=1)
    # binomial sd of a frequency over 20,000 draws is at most 0.0035: 0.015 is over 4 sd
    assert np.abs(observed - motif.frequencies).max() < 0.015
    consensus = load_motif("ACGTTG", RELEASE)
    assert set(map(bytes, consensus.sample(np.random.default_rng(1), 50))) == {b"ACGTTG"}


def test_label_is_the_compatibility_of_the_readout_pair_and_the_other_pair_is_the_opposite(records):
    labels = Counter(r.label for r in records)
    assert labels[0] == labels[1] == 2000
    for r in records:
        readout = PROMOTERS.index(r.promoter) == ENHANCERS.index(r.enhancer)
        other = PROMOTERS.index(r.other_promoter) == ENHANCERS.index(r.other_enhancer)
        assert r.label == readout and other != readout


def test_layout_distances_and_the_other_pair_lies_farther_than_the_readout_enhancer(records, motifs):
    lengths = {m.spec: m.length for m in motifs[0] + motifs[1]}
    for r in records:
        centre = 256
        assert 10 <= r.distance_bp <= 60
        assert (
            r.promoter_end - r.promoter_start == lengths[r.promoter]
            and r.promoter_start == centre - lengths[r.promoter] // 2
        )
        nearest = r.enhancer_start - centre if r.side == "downstream" else centre - (r.enhancer_end - 1)
        assert nearest == r.distance_bp
        reach = r.distance_bp + lengths[r.enhancer]  # the readout enhancer's farthest base
        for start, spec in ((r.other_promoter_start, r.other_promoter), (r.other_enhancer_start, r.other_enhancer)):
            bases = np.arange(start, start + lengths[spec])
            assert bases.min() >= 0 and bases.max() < 512
            assert np.abs(bases - centre).min() >= reach


def balanced(groups):
    """For each group of records: its share of positives, and how many it has."""
    return {key: (np.mean(labels), len(labels)) for key, labels in groups.items()}


def test_no_single_element_and_no_bag_of_motifs_or_pairs_tells_the_label(records):
    views = {
        "readout promoter": lambda r: r.promoter,
        "readout enhancer": lambda r: r.enhancer,
        "other promoter": lambda r: r.other_promoter,
        "other enhancer": lambda r: r.other_enhancer,
        "motif multiset": lambda r: tuple(sorted([r.promoter, r.other_promoter, r.enhancer, r.other_enhancer])),
        "pair multiset": lambda r: tuple(sorted([(r.promoter, r.enhancer), (r.other_promoter, r.other_enhancer)])),
        "side, distance": lambda r: (r.side, r.distance_bp // 10),
    }
    for name, view in views.items():
        groups = {}
        for r in records:
            groups.setdefault(view(r), []).append(r.label)
        for key, (share, n) in balanced(groups).items():
            # 4 binomial sd of a share over n records
            assert abs(share - 0.5) <= 4 * 0.5 / np.sqrt(n), (name, key, share, n)
    # the readout pair itself tells it, of course
    pairs = balanced(
        {
            k: [r.label for r in g]
            for k, g in itertools.groupby(
                sorted(records, key=lambda r: (r.promoter, r.enhancer)), key=lambda r: (r.promoter, r.enhancer)
            )
        }
    )
    assert {share for share, _ in pairs.values()} == {0.0, 1.0}


def kmer_counts(records, k, alphabet="ACGT"):
    """Counts of every k-mer of ``alphabet`` in each record's sequence: a global summary."""
    index = {"".join(w): i for i, w in enumerate(itertools.product(alphabet, repeat=k))}
    counts = np.zeros((len(records), len(index)), dtype=np.float32)
    for row, r in enumerate(records):
        for start in range(len(r.seq) - k + 1):
            counts[row, index[r.seq[start : start + k]]] += 1
    return counts


def logistic_regression_accuracy(x_train, y_train, x_test, y_test, l2=1e-3):
    mean, sd = x_train.mean(0), x_train.std(0) + 1e-6
    xt, xs = torch.tensor((x_train - mean) / sd), torch.tensor((x_test - mean) / sd)
    w = torch.zeros(xt.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")
    target = torch.tensor(y_train, dtype=torch.float32)

    def loss():
        optimizer.zero_grad()
        value = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, target) + l2 * (w * w).sum()
        value.backward()
        return value

    optimizer.step(loss)
    with torch.no_grad():
        return float((((xs @ w + b) > 0).numpy() == np.asarray(y_test)).mean())


@pytest.mark.parametrize("copies", [1, 2], ids=["single sites", "homotypic clusters (the default)"])
def test_a_global_kmer_logistic_regression_is_at_chance_yet_finds_what_global_counts_do_tell(motifs, copies):
    enhancers = [Cluster(m, copies, 3) for m in motifs[1]]
    train = simulate_pairs(3000, 512, motifs[0], enhancers, window=(20, 40), seed=11)
    test = simulate_pairs(2000, 512, motifs[0], enhancers, window=(20, 40), seed=12)
    x_train, x_test = kmer_counts(train, 5), kmer_counts(test, 5)
    label = logistic_regression_accuracy(x_train, [r.label for r in train], x_test, [r.label for r in test])
    assert label <= 0.60
    # the control that could fail: the readout enhancer's class leaves a trace in the counts
    # (the two enhancers of a record are of one class half the time): at best 0.75
    enhancer = [ENHANCERS.index(r.enhancer) for r in train], [ENHANCERS.index(r.enhancer) for r in test]
    found = logistic_regression_accuracy(x_train, enhancer[0], x_test, enhancer[1])
    assert found >= 0.65


def test_a_window_outside_the_layout_is_refused_with_its_bounds(motifs):
    lowest, highest = pair_distance_bounds(512, [19, 10], [13, 12])
    assert (lowest, highest) == (10, 111)
    with pytest.raises(SimulationError, match=r"distances must lie in \[10, 111\] bp"):
        simulate_pairs(10, 512, *motifs, window=(100, 120), seed=0)


def test_the_global_pooling_cnn_cannot_tell_where_a_feature_is():
    model, _ = build_model("cnn_global", {"channels": 8, "dilations": [1, 2]}, 256, 4)
    assert model.receptive_field_bp() == 256 and model.local_field_bp() == 15 + 4 * 3
    content = torch.eye(4)[torch.randint(0, 4, (40,), generator=torch.Generator().manual_seed(0))]
    here, there = torch.zeros(1, 256, 4), torch.zeros(1, 256, 4)
    here[0, 30:70], there[0, 180:220] = content, content
    assert torch.equal(model(here), model(there))


def pair_arrays(records):
    x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], "dna"))
    return x, torch.tensor([r.label for r in records]), pd.DataFrame([vars(r) for r in records])


def test_masking_controls_remove_what_a_trained_model_reads(motifs):
    """A local CNN that learned the readout pair falls to chance when either
    half of the pair is masked, and scores chance untrained: the controls can
    fail, and here they change exactly what they claim to."""
    consensus = [load_motif(m.consensus, RELEASE) for m in motifs[0]], [
        load_motif(m.consensus, RELEASE) for m in motifs[1]
    ]
    train, val, test = (
        pair_arrays(simulate_pairs(n, 256, *consensus, window=(10, 16), seed=s))
        for n, s in ((3000, 1), (500, 2), (1000, 3))
    )
    make_deterministic(0, 1)
    model, _ = build_model("cnn", {"channels": 16}, 256, 4)
    untrained = {k: v.clone() for k, v in model.state_dict().items()}
    fit(
        model,
        train[:2],
        val[:2],
        TrainConfig(epochs=8, lr=0.003, batch_size=64, patience=8),
        torch.device("cpu"),
        log=lambda line: None,
    )
    scores = control_accuracies(model, untrained, *test, 64, torch.device("cpu"))
    assert scores["none"] >= 0.9, scores
    assert max(scores["enhancer_masked"], scores["promoter_masked"], scores["untrained"]) <= 0.6, scores
    masked = mask_spans(test[0], test[2]["enhancer_start"], test[2]["enhancer_end"])
    changed = masked != test[0]  # positions whose base changed
    assert (masked[changed] == N_CODE).all()  # to N: an all-zero one-hot column
    for i in range(0, 1000, 97):
        row = test[2].iloc[i]
        assert changed[i].nonzero().flatten().tolist() == list(range(row["enhancer_start"], row["enhancer_end"]))


def test_accuracy_by_distance_bins_the_exact_distances():
    class Sign(torch.nn.Module):  # logit = the first base's A channel - 0.5: right exactly where y says so
        in_channels = 4

        def forward(self, x):
            return x[:, 0, 0] - 0.5

    x = torch.full((6, 4), 3, dtype=torch.uint8)  # codes: T everywhere but three first bases, A
    x[[0, 1, 4], 0] = 0
    y = torch.tensor([1, 1, 1, 0, 0, 0])
    table = accuracy_by_distance(Sign(), x, y, [10, 12, 15, 21, 29, 30], 10, 4, torch.device("cpu"))
    assert table["distance_min_bp"].tolist() == [10, 20, 30] and table["distance_max_bp"].tolist() == [19, 29, 39]
    assert table["n"].tolist() == [3, 2, 1] and table["accuracy"].tolist() == [2 / 3, 0.5, 1.0]
    assert table["distance_bp"].tolist() == [14.5, 24.5, 34.5]


def test_a_cluster_is_copies_of_the_matrix_drawn_apart_with_random_spacers():
    motif = load_motif("MA0796.1", RELEASE)  # TGIF1, 12 bp
    cluster = Cluster(motif, copies=3, spacer=4)
    assert cluster.length == 3 * 12 + 2 * 4 and cluster.spec == "MA0796.1"
    codes = cluster.sample(np.random.default_rng(0), 20000)
    assert codes.shape == (20000, 44)
    for copy in range(3):
        part = codes[:, copy * 16 : copy * 16 + 12]
        observed = np.stack([(part == ord(letter)).mean(axis=0) for letter in "ACGT"], axis=1)
        assert np.abs(observed - motif.frequencies).max() < 0.015
    spacers = codes[:, 12:16]
    assert np.abs(np.stack([(spacers == ord(c)).mean() for c in "ACGT"]) - 0.25).max() < 0.01
    # the copies are drawn independently: two copies are the same word as often as chance says
    same = (codes[:, :12] == codes[:, 16:28]).all(axis=1).mean()
    expected = np.prod((motif.frequencies**2).sum(axis=1))
    assert abs(same - expected) < 4 * np.sqrt(expected * (1 - expected) / 20000) and expected < 0.9


def test_the_config_names_the_elements_and_a_window_of_clusters_lays_out_as_recorded():
    dna = {
        "jaspar_release": RELEASE,
        "promoters": list(PROMOTERS),
        "enhancers": list(ENHANCERS),
        "enhancer_copies": 2,
        "enhancer_spacer": 3,
    }
    promoters, enhancers = task_elements(dna)
    assert [m.length for m in promoters] == [19, 10] and [e.length for e in enhancers] == [29, 27]
    records = simulate_pairs(500, 512, promoters, enhancers, window=(72, 92), seed=1)
    lengths = {e.spec: e.length for e in enhancers}
    for r in records:
        assert 72 <= r.distance_bp <= 92 and r.enhancer_end - r.enhancer_start == lengths[r.enhancer]


def test_the_probe_set_draws_from_its_own_stream_and_repeats():
    probe = np.random.default_rng(probe_seed(7)).integers(0, 2**63)
    splits = [np.random.default_rng(split_seed(7, s, 10, 30)).integers(0, 2**63) for s in SPLITS]
    assert probe not in splits
    assert probe == np.random.default_rng(probe_seed(7)).integers(0, 2**63)
    assert probe != np.random.default_rng(probe_seed(8)).integers(0, 2**63)
