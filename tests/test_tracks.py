"""Element tracks (tbio.train.tracks): per-bin targets beside the label. They
mark every planted element and nothing else, they carry nothing about the
label by themselves, and a model with bins learns them when asked to."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch

from tbio.data.encode import encode
from tbio.data.layout import task_element_lengths
from tbio.data.motifs import task_elements
from tbio.data.pairs import simulate_pairs
from tbio.models import build_model
from tbio.train.loop import TrainConfig, fit, make_deterministic
from tbio.train.tracks import N_TRACKS, element_tracks
from tbio.train.run import train_job

DNA = {
    "jaspar_release": "JASPAR2020",
    "promoters": ["POL001.1", "POL011.1"],
    "enhancers": ["MA0105.4", "MA0796.1"],
    "enhancer_copies": 2,
    "enhancer_spacer": 3,
}
ELEMENTS = task_element_lengths(DNA)


def simulated(n, seq_len=512, window=(10, 60), seed=3):
    records = simulate_pairs(n, seq_len, *task_elements(DNA), window=window, seed=seed)
    labels = pd.DataFrame([{k: v for k, v in vars(r).items() if k != "seq"} for r in records])
    return records, labels


def test_lengths_at_plan_time_equal_the_simulated_elements():
    promoters, enhancers = task_elements(DNA)
    assert ELEMENTS == {
        "promoters": [[m.spec, m.length] for m in promoters],
        "enhancers": [[c.spec, c.length] for c in enhancers],
    }


@pytest.mark.parametrize("bin_bp", [1, 8, 128])
def test_tracks_mark_exactly_the_bins_that_each_element_overlaps(bin_bp):
    records, labels = simulated(300)
    tracks = element_tracks(labels, ELEMENTS, 512, bin_bp)
    assert tracks.shape == (300, N_TRACKS, 512 // bin_bp) and tracks.dtype == np.uint8
    promoters = [spec for spec, _ in ELEMENTS["promoters"]]
    enhancers = [spec for spec, _ in ELEMENTS["enhancers"]]
    length = dict(map(tuple, ELEMENTS["promoters"] + ELEMENTS["enhancers"]))
    for i, r in enumerate(records):
        expected = np.zeros_like(tracks[i])
        for spec, start, channel in (
            (r.promoter, r.promoter_start, promoters.index(r.promoter)),
            (r.enhancer, r.enhancer_start, 2 + enhancers.index(r.enhancer)),
            (r.other_promoter, r.other_promoter_start, promoters.index(r.other_promoter)),
            (r.other_enhancer, r.other_enhancer_start, 2 + enhancers.index(r.other_enhancer)),
        ):
            expected[
                channel,
                [b for b in range(512 // bin_bp) if b * bin_bp < start + length[spec] and start < (b + 1) * bin_bp],
            ] = 1
        np.testing.assert_array_equal(tracks[i], expected, err_msg=r.id)
    # at 1 bp a bin, the readout promoter's track is exactly its span in the labels
    if bin_bp == 1:
        row = labels.iloc[0]
        channel = promoters.index(row["promoter"])
        assert tracks[0, channel, row["promoter_start"] : row["promoter_end"]].all()


def test_the_tracks_alone_say_nothing_about_the_label():
    """How many elements of each class a record holds has the same
    distribution in both classes (the counts a global readout of the tracks
    would see); had only the readout pair been marked, label 1 would always
    show promoter and enhancer of one class."""
    _, labels = simulated(6000, seed=5)
    tracks = element_tracks(labels, ELEMENTS, 512, 1)
    # elements a track holds: its runs of marked bases
    runs = (tracks[:, :, 1:] > tracks[:, :, :-1]).sum(-1) + tracks[:, :, 0]
    assert (runs.sum(-1) == 4).mean() > 0.95  # two promoters and two enhancers (unless two touch)
    classes = [tuple(row) for row in runs.tolist()]
    counts = {label: Counter(c for c, y in zip(classes, labels["label"]) if y == label) for label in (0, 1)}
    totals = {label: sum(counts[label].values()) for label in (0, 1)}
    keys = set(counts[0]) | set(counts[1])
    distance = 0.5 * sum(abs(counts[0][k] / totals[0] - counts[1][k] / totals[1]) for k in keys)
    assert distance < 0.04, counts
    # the readout pair alone does tell it: the control of this test
    readout = labels["promoter"] + " " + labels["enhancer"]
    alone = {label: Counter(readout[labels["label"] == label]) for label in (0, 1)}
    assert not set(alone[0]) & set(alone[1])


def test_a_record_with_an_element_the_config_lacks_is_named():
    _, labels = simulated(20)
    labels.loc[7, "other_enhancer"] = "MA0139.1"
    with pytest.raises(ValueError, match=r"val\.labels\.tsv: record \S+_000007 has other_enhancer 'MA0139.1'"):
        element_tracks(labels, ELEMENTS, 512, 8, source="val.labels.tsv")
    with pytest.raises(ValueError, match="need the column"):
        element_tracks(labels.drop(columns="other_promoter_start"), ELEMENTS, 512, 8, source="x")


def arrays(records):
    x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], "dna"))
    return x, torch.tensor([r.label for r in records])


@pytest.mark.parametrize("name", ["enformer", "cnn_dilated"])
def test_a_model_with_bins_learns_the_tracks_when_asked_and_has_no_head_otherwise(name):
    records, labels = simulated(600, seed=1)
    val_records, val_labels = simulated(200, seed=2)
    settings = {"dim": 16, "n_pool": 3}
    make_deterministic(0, 1)
    plain, _ = build_model(name, settings, 512, 4)
    assert plain.track_head is None
    make_deterministic(0, 1)
    model, config = build_model(name, {**settings, "tracks": N_TRACKS}, 512, 4)
    assert config.tracks == N_TRACKS
    tracks = tuple(torch.from_numpy(element_tracks(t, ELEMENTS, 512, model.bin_bp)) for t in (labels, val_labels))
    result = fit(
        model,
        arrays(records),
        arrays(val_records),
        TrainConfig(epochs=3, min_epochs=3, lr=0.003, batch_size=16, warmup_steps=10, track_weight=1.0),
        torch.device("cpu"),
        log=lambda line: None,
        tracks=tracks,
    )
    # a fresh tower scores about 0.5; three short epochs find the elements
    assert result.history[-1]["val_track_auroc"] > 0.9, result.history
    assert "train_track_loss" in result.history[-1]


def test_a_training_job_refuses_tracks_without_their_labels(tmp_path):
    records, _ = simulated(20)
    x, y = arrays(records)
    paths = {}
    for split in ("train", "val", "test"):
        np.save(tmp_path / f"{split}.x.npy", x.numpy())
        np.save(tmp_path / f"{split}.y.npy", y.numpy())
        paths[f"x_{split}"], paths[f"y_{split}"] = tmp_path / f"{split}.x.npy", tmp_path / f"{split}.y.npy"
    with pytest.raises(ValueError, match="track_weight needs the simulation's labels TSVs"):
        train_job(
            "enformer",
            "dna",
            {"dim": 16, "n_pool": 3, "epochs": 1, "track_weight": 1.0},
            1,
            1,
            paths,
            tmp_path / "checkpoint.pt",
            tmp_path / "metrics.json",
            log=lambda line: None,
        )
    assert not (tmp_path / "checkpoint.pt").exists()
