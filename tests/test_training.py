import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from simulated import dna_records

from tbio.data.encode import encode
from tbio.data.spacing import simulate_spacing
from tbio.models import build_model
from tbio.train.loop import (
    TrainConfig,
    epochs_run,
    evaluate,
    fit,
    make_deterministic,
    may_stop,
    nondeterministic_ops,
)
from tbio.train.metrics import accuracy, auroc
from tbio.train.interpret import used_reach_bp
from tbio.train.run import train_job


def arrays(n, seed, window=(5, 12)):
    records = dna_records(n, 128, seed, window)
    x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], "dna"))
    return x, torch.tensor([r.label for r in records])


def labelled_arrays(folder, name, n, seed, window):
    """x, y .npy and the labels TSV of ``n`` simulated records, as the workflow writes them."""
    records = dna_records(n, 128, seed, window, id_prefix=name)
    x = encode([r.id for r in records], [r.seq for r in records], "dna")
    paths = {"x": folder / f"{name}.x.npy", "y": folder / f"{name}.y.npy", "labels": folder / f"{name}.labels.tsv"}
    np.save(paths["x"], x)
    np.save(paths["y"], np.array([r.label for r in records]))
    pd.DataFrame([{k: v for k, v in vars(r).items() if k != "seq"} for r in records]).to_csv(
        paths["labels"], sep="\t", index=False
    )
    return paths


def test_auroc_and_accuracy_against_hand_counts():
    labels = np.array([0, 0, 1, 1])
    assert auroc(labels, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auroc(labels, np.array([0.5, 0.5, 0.5, 0.5])) == pytest.approx(0.5)
    assert accuracy(labels, np.array([0.1, 0.6, 0.7, 0.2])) == 0.5


def separable_arrays(n, seed):
    """Random 128-bp sequences (uint8 codes) whose label is the base at the readout (A or C: 1), which any CNN learns at once."""
    bases = torch.randint(0, 4, (n, 128), generator=torch.Generator().manual_seed(seed))
    return bases.to(torch.uint8), (bases[:, 64] <= 1).long()


def train(config, resume_path=None, crash_after=None, separable=False):
    make_deterministic(config.seed, 1)
    model, _ = build_model("cnn", {"channels": 8, "dilations": [1, 2]}, 128, 4)

    def log(line):
        if crash_after and line.startswith(f"epoch {crash_after + 1}:"):
            raise KeyboardInterrupt("simulated kill")

    data = separable_arrays if separable else arrays
    result = fit(
        model,
        data(384 if separable else 96, 1),
        data(64 if separable else 32, 2),
        config,
        torch.device("cpu"),
        resume_path,
        "key",
        log,
    )
    return model, result


def test_same_seed_gives_bit_identical_weights():
    config = TrainConfig(epochs=2, batch_size=16, seed=5)
    first, _ = train(config)
    second, _ = train(config)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        assert torch.equal(a, b), name


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path):
    config = TrainConfig(epochs=4, batch_size=16, seed=3, patience=10)
    reference, reference_result = train(config)
    resume = tmp_path / "resume.pt"
    with pytest.raises(KeyboardInterrupt):
        train(config, resume, crash_after=2)
    assert torch.load(resume, weights_only=True)["epoch"] == 2
    resumed, result = train(config, resume)
    assert result.resumed_from_epoch == 2
    assert [h["val_loss"] for h in result.history] == [h["val_loss"] for h in reference_result.history]
    for (name, a), (_, b) in zip(reference.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name


def test_early_stopping_keeps_the_best_validation_state():
    config = TrainConfig(epochs=30, batch_size=16, seed=1, patience=2, min_epochs=1, lr=0.01)
    model, result = train(config)
    losses = [h["val_loss"] for h in result.history]
    assert len(losses) < 30
    assert result.best_epoch == 1 + int(np.argmin(losses))
    scores = evaluate(model, *arrays(32, 2), 16, torch.device("cpu"))
    assert scores["loss"] == pytest.approx(min(losses), rel=1e-5)


@pytest.mark.parametrize(
    "settings, separable",
    [
        ({"patience": 2, "min_epochs": 1, "lr": 0.01}, False),  # stops on patience
        ({"patience": 1, "min_epochs": 4, "plateau_epochs": 6, "lr": 1e-5}, False),  # waits at chance
        ({"patience": 5, "stop_accuracy": 0.95, "lr": 0.01}, True),  # stops on the stop accuracy
    ],
)
def test_epochs_run_replays_the_stopping_rule_of_fit(settings, separable):
    """The epoch count that sizes a run before it starts (tests/benchmarks/sweep_budget.py)
    is the one fit trains, given the same scores, whichever rule stops it."""
    config = TrainConfig(epochs=12, batch_size=16, seed=2, **settings)
    _, result = train(config, separable=separable)
    assert 1 <= len(result.history) < config.epochs
    assert epochs_run(config, lambda epoch: result.history[epoch - 1]) == len(result.history)


def test_train_job_writes_checkpoint_metrics_contributions_controls_and_accuracy_by_distance(tmp_path):
    paths, files = {}, {}
    for split, seed in (("train", 1), ("val", 2), ("test", 3)):
        files[split] = labelled_arrays(tmp_path, split, 64, seed, (5, 12))
        paths[f"x_{split}"], paths[f"y_{split}"] = files[split]["x"], files[split]["y"]
    probe = labelled_arrays(tmp_path, "probe", 200, 4, (5, 23))
    metrics = train_job(
        "cnn",
        "dna",
        {"epochs": 2, "channels": 8, "dilations": [1, 2, 4, 8]},
        seed=1,
        threads=1,
        arrays=paths,
        checkpoint_path=tmp_path / "model.pt",
        metrics_path=tmp_path / "metrics.json",
        contributions_path=tmp_path / "contributions.tsv",
        controls_path=tmp_path / "controls.tsv",
        by_distance_path=tmp_path / "by_distance.tsv",
        test_labels=files["test"]["labels"],
        probe={"x_probe": probe["x"], "y_probe": probe["y"], "labels_probe": probe["labels"]},
        resume_path=tmp_path / "resume.pt",
        dataset="w5-12",
        window=(5, 12),
        log=lambda line: None,
    )
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["test_accuracy"] == metrics["test_accuracy"] and saved["receptive_field_bp"] == 75
    assert len(saved["history"]) == 2 and saved["dataset"] == "w5-12"
    assert (saved["distance_bp"], saved["distance_min_bp"], saved["distance_max_bp"]) == (8, 5, 12)
    controls = pd.read_csv(tmp_path / "controls.tsv", sep="\t")
    assert controls["control"].tolist() == ["none", "enhancer_masked", "promoter_masked", "untrained"]
    assert controls["test_accuracy"].tolist() == [saved["controls"][c] for c in controls["control"]]
    assert saved["controls"]["none"] == saved["test_accuracy"]
    by_distance = pd.read_csv(tmp_path / "by_distance.tsv", sep="\t")
    probe_distances = pd.read_csv(probe["labels"], sep="\t")["distance_bp"]
    assert by_distance["distance_bp"].tolist() == sorted(probe_distances.unique())
    assert by_distance["n"].sum() == 200 and by_distance["accuracy"].between(0, 1).all()
    assert 0 <= saved["used_reach_bp"] <= 37  # no contribution from beyond the receptive field
    checkpoint = torch.load(tmp_path / "model.pt", weights_only=True)
    model, _ = build_model(checkpoint["model"], checkpoint["model_config"], checkpoint["seq_len"], 4)
    model.load_state_dict(checkpoint["state_dict"])
    assert not (tmp_path / "resume.pt").exists()
    contributions = np.loadtxt(tmp_path / "contributions.tsv", skiprows=1)
    assert contributions.shape == (128, 3)
    # outside the CNN's receptive field nothing can contribute
    outside = np.abs(contributions[:, 0] - 64) > 37
    assert np.all(contributions[outside, 1] == 0)


def test_a_model_that_sees_only_the_promoter_scores_chance():
    """Control: a CNN whose receptive field covers just the promoter learns
    nothing, because the promoter is in every sequence and the label is not."""
    make_deterministic(0, 1)
    model, _ = build_model("cnn", {"channels": 8, "stem_kernel": 9, "dilations": []}, 128, 4)
    assert model.receptive_field_bp() == 9
    config = TrainConfig(epochs=3, batch_size=32, seed=0)
    fit(model, arrays(400, 1), arrays(100, 2), config, torch.device("cpu"), log=lambda s: None)
    scores = evaluate(model, *arrays(600, 3), 64, torch.device("cpu"))
    assert 0.42 <= scores["accuracy"] <= 0.58
    assert 0.42 <= scores["auroc"] <= 0.58


def saved_arrays(folder, data_seed):
    """Train/val/test .npy files of one simulated data set, as encode_onehot writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for offset, split in enumerate(("train", "val", "test")):
        x, y = arrays(64, data_seed * 10 + offset)
        paths[f"x_{split}"], paths[f"y_{split}"] = folder / f"{split}.x.npy", folder / f"{split}.y.npy"
        np.save(paths[f"x_{split}"], x.numpy())
        np.save(paths[f"y_{split}"], y.numpy())
    return paths


def run_job(tmp_path, data, resume, crash_after=None, settings=None, threads=1):
    lines = []

    def log(line):
        lines.append(line)
        if crash_after and line.startswith(f"epoch {crash_after + 1}:"):
            raise KeyboardInterrupt("simulated kill")

    metrics = train_job(
        "cnn",
        "dna",
        settings or {"epochs": 4, "patience": 10, "channels": 8, "dilations": [1, 2]},
        seed=1,
        threads=threads,
        arrays=data,
        checkpoint_path=tmp_path / "model.pt",
        metrics_path=tmp_path / "metrics.json",
        resume_path=resume,
        log=log,
    )
    comparable = {k: v for k, v in metrics.items() if k not in ("train_seconds", "resumed_from_epoch", "history")}
    comparable["val_losses"] = [h["val_loss"] for h in metrics["history"]]
    return comparable, lines, (tmp_path / "model.pt").read_bytes()


def test_a_resume_continues_only_the_same_data_and_settings(tmp_path):
    """A state saved on one data set must not be continued on another of the
    same shape (another data_seed), nor under other settings or threads."""
    first, second = saved_arrays(tmp_path / "a", 1), saved_arrays(tmp_path / "b", 2)
    resume = tmp_path / "resume.pt"
    fresh_second, _, second_bytes = run_job(tmp_path, second, None)

    other_runs = [
        dict(data=second),
        dict(data=first, settings={"epochs": 4, "patience": 10, "channels": 8, "dilations": [1, 2], "lr": 0.004}),
        dict(data=first, threads=2),
    ]
    for change in other_runs:
        with pytest.raises(KeyboardInterrupt):
            run_job(tmp_path, first, resume, crash_after=2)
        assert torch.load(resume, weights_only=True)["epoch"] == 2
        result, lines, _ = run_job(tmp_path, resume=resume, **change)
        assert not any(line.startswith("resumed") for line in lines), change
        assert any("belongs to other data or settings" in line for line in lines), change
        assert result["epochs_run"] == 4
    # the data change above ended exactly where a fresh run on that data ends
    with pytest.raises(KeyboardInterrupt):
        run_job(tmp_path, first, resume, crash_after=2)
    result, _, checkpoint = run_job(tmp_path, second, resume)
    assert result == fresh_second and checkpoint == second_bytes

    # and the same data and settings do resume, to the uninterrupted result
    fresh_first, _, first_bytes = run_job(tmp_path, first, None)
    with pytest.raises(KeyboardInterrupt):
        run_job(tmp_path, first, resume, crash_after=2)
    result, lines, checkpoint = run_job(tmp_path, first, resume)
    assert any(line.startswith("resumed") for line in lines)
    assert result == fresh_first and checkpoint == first_bytes


def test_a_resume_does_not_continue_a_model_whose_layout_changed(tmp_path, monkeypatch):
    """Same data and settings, but the code now builds another set of weights
    (an edited model class): the job starts afresh instead of failing to load
    the old state."""
    from tbio.models import cnn

    data, resume = saved_arrays(tmp_path / "a", 1), tmp_path / "resume.pt"
    with pytest.raises(KeyboardInterrupt):
        run_job(tmp_path, data, resume, crash_after=2)
    original = cnn.CNN.__init__

    def with_an_extra_layer(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.extra = torch.nn.Linear(2, 2)

    monkeypatch.setattr(cnn.CNN, "__init__", with_an_extra_layer)
    result, lines, _ = run_job(tmp_path, data, resume)
    assert any("belongs to other data or settings" in line for line in lines)
    assert result["epochs_run"] == 4


def test_a_model_with_a_plateau_wait_that_never_left_chance_says_so_in_its_log(tmp_path):
    data = saved_arrays(tmp_path / "a", 1)
    base = {"epochs": 2, "patience": 10, "channels": 8, "dilations": [1, 2], "lr": 1e-9}
    for settings, warned in ((base, False), ({**base, "plateau_epochs": 2}, True)):
        _, lines, _ = run_job(tmp_path, data, None, settings=settings)
        history = json.loads((tmp_path / "metrics.json").read_text())["history"]
        best = max(h["val_accuracy"] for h in history)
        assert best < 0.6  # lr 1e-9: it cannot learn
        assert any(line.startswith("warning: validation accuracy never reached 0.6") for line in lines) == warned


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_resume_file_starts_the_job_afresh_with_a_warning(tmp_path, damage):
    data = saved_arrays(tmp_path / "a", 1)
    resume = tmp_path / "resume.pt"
    fresh, _, fresh_bytes = run_job(tmp_path, data, None)
    with pytest.raises(KeyboardInterrupt):
        run_job(tmp_path, data, resume, crash_after=2)
    whole = resume.read_bytes()
    resume.write_bytes({"truncate": whole[: len(whole) // 2], "garbage": b"not a torch file", "empty": b""}[damage])
    result, lines, checkpoint = run_job(tmp_path, data, resume)
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1 and str(resume) in warnings[0] and "starts afresh" in warnings[0]
    assert result == fresh and checkpoint == fresh_bytes
    assert not resume.exists()


def test_a_diverging_run_fails_instead_of_writing_nan_results(tmp_path):
    data = saved_arrays(tmp_path / "a", 1)
    with pytest.raises(
        FloatingPointError, match=r"training diverged: the loss is (nan|inf) at epoch \d+, batch \d+ with lr 1e\+30"
    ):
        run_job(tmp_path, data, None, settings={"epochs": 2, "lr": 1e30, "warmup_steps": 0, "channels": 8})
    assert not (tmp_path / "metrics.json").exists()


def test_training_steps_leave_their_losses_on_the_device(monkeypatch):
    """No host sync per step (a GPU would wait on each .item() of a loss):
    the loop reads its step losses once an epoch, stacked. Counted: .item()
    on a tensor in the autograd graph, as the step loss is (the optimiser's
    own step counters and the validation loss are not)."""
    calls = []
    item = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda self: calls.append(self.grad_fn is not None) or item(self))
    make_deterministic(0, 1)
    model, _ = build_model("cnn", {"channels": 8, "dilations": [1, 2]}, 128, 4)
    config = TrainConfig(epochs=2, batch_size=16, seed=0, min_epochs=2, patience=5)
    result = fit(model, arrays(400, 1), arrays(64, 2), config, torch.device("cpu"), log=lambda s: None)
    assert len(result.history) == 2  # 25 steps an epoch
    assert sum(calls) == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")
def test_a_training_set_that_fits_moves_to_the_gpu_once():
    from tbio.train.loop import on_device

    x = torch.zeros(16, 8, dtype=torch.uint8)
    assert on_device(x, torch.device("cuda")).is_cuda and torch.equal(on_device(x, torch.device("cuda")).cpu(), x)
    assert on_device(x, torch.device("cpu")) is x


def test_ops_without_a_deterministic_kernel_are_named_and_other_warnings_pass():
    with pytest.warns(UserWarning, match="unrelated"), nondeterministic_ops() as found:
        for op in ("index_add_cuda_", "scatter_add_cuda_kernel", "index_add_cuda_"):
            warnings.warn(f"{op} does not have a deterministic implementation, but you set 'warn_only=True'")
        warnings.warn("unrelated")
    assert found == ["index_add_cuda_", "scatter_add_cuda_kernel"]


def job_arrays(tmp_path, task):
    """Small train/val/test arrays of ``task`` on disk, as the encode rule writes them."""
    paths = {}
    for split, seed in (("train", 1), ("val", 2), ("test", 3)):
        if task == "dna":
            x, y = arrays(64, seed)
        else:
            records = simulate_spacing(64, 96, "WHCMKY", "FYPQRW", (16, 24), (32, 40), seed=seed)
            x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], "protein"))
            y = torch.tensor([r.label for r in records])
        paths[f"x_{split}"], paths[f"y_{split}"] = tmp_path / f"{split}.x.npy", tmp_path / f"{split}.y.npy"
        np.save(paths[f"x_{split}"], x.numpy())
        np.save(paths[f"y_{split}"], y.numpy())
    return paths


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")
@pytest.mark.parametrize(
    "model_name, task, settings",
    [
        ("cnn", "dna", {"channels": 8}),
        ("enformer", "dna", {"dim": 16, "heads": 2, "n_pool": 3}),
        ("transformer", "protein", {"dim": 16, "heads": 2, "kmer": 3}),
        ("performer", "protein", {"dim": 16, "heads": 2, "kmer": 3, "nb_features": 16, "redraw_interval": 2}),
    ],
)
def test_two_training_runs_on_cuda_give_identical_results(tmp_path, model_name, task, settings):
    paths = job_arrays(tmp_path, task)
    runs = []
    for run in ("first", "second"):
        metrics = train_job(
            model_name,
            task,
            {"epochs": 2, "batch_size": 16, **settings},
            seed=1,
            threads=1,
            arrays=paths,
            checkpoint_path=tmp_path / f"{run}.pt",
            metrics_path=tmp_path / f"{run}.json",
            log=lambda line: None,
        )
        assert metrics["device"].startswith("cuda") and metrics["nondeterministic_ops"] == []
        # all but the wall-clock times
        metrics["history"] = [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in metrics["history"]]
        runs.append({k: v for k, v in metrics.items() if k != "train_seconds"})
    assert runs[0] == runs[1]
    first, second = (torch.load(tmp_path / f"{run}.pt", weights_only=True)["state_dict"] for run in ("first", "second"))
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_a_model_memorising_its_training_set_at_chance_stops_waiting_on_the_plateau():
    """The dilated CNN on the far window: training loss falls, validation
    loss rises, validation accuracy stays at chance (seed 1 of the default
    run, epochs 1-4). It stops once its training loss is below half its
    validation loss; the same history with both losses near ln 2 waits."""
    config = TrainConfig(patience=2, min_epochs=3, plateau_epochs=9)
    losses = [(0.697, 0.694), (0.664, 0.717), (0.546, 0.806), (0.387, 1.038)]
    history = [{"val_accuracy": 0.5, "train_loss": t, "val_loss": v} for t, v in losses]
    assert not may_stop(config, 4, 2, history[:3])  # 0.546 > 0.403: still waiting
    assert may_stop(config, 5, 3, history)  # 0.387 < 0.519: memorising
    flat = [{**h, "train_loss": 0.69, "val_loss": 0.69} for h in history]
    assert not may_stop(config, 5, 3, flat)


def test_a_model_climbing_from_chance_is_making_progress_even_before_its_loss_drops():
    """The Enformer-style model on the far window with 4,000 sequences, seed 1:
    validation accuracy 0.49 0.52 0.55 0.62 while the loss had not dropped by
    min_delta, and early stopping ended it at 0.62. An epoch that raises the
    best accuracy by 0.01 between 0.6 and 0.9 now counts as progress."""
    from tbio.train.loop import climbing

    def history(*accuracies):
        return [{"val_accuracy": a} for a in accuracies]

    assert climbing(history(0.49, 0.52, 0.55, 0.62))
    assert not climbing(history(0.49, 0.52, 0.55))  # at chance: the plateau rule's business
    assert not climbing(history(0.49, 0.62, 0.625))  # up by less than 0.01
    assert not climbing(history(0.6, 0.85, 0.95))  # past 0.9: learned, the loss rules
    assert not climbing(history(0.7, 0.65))  # no new best
    assert not climbing([])


def test_used_reach_is_the_radius_that_holds_nine_tenths_of_the_contribution():
    profile = np.zeros(101)
    profile[50] = 5.0  # the readout
    profile[60] = 4.0  # 10 bp downstream
    profile[20] = 1.0  # 30 bp upstream: the last tenth
    assert used_reach_bp(profile, 50) == 10
    assert used_reach_bp(profile, 50, share=0.95) == 30
    assert used_reach_bp(np.zeros(101), 50) == 0


@pytest.mark.parametrize(
    "accuracies, bad_epochs, next_epoch, stops",
    [
        ([0.5, 0.51, 0.5], 2, 4, False),  # still at chance: waits up to plateau_epochs (6)
        ([0.5, 0.51, 0.5, 0.5, 0.52, 0.5], 2, 7, True),  # waited long enough
        ([0.5, 0.9, 0.99], 2, 4, True),  # left chance and stopped improving: past min_epochs, stops
        ([0.5, 0.9, 0.99], 2, 3, False),  # never before min_epochs (3)
        ([0.5, 0.9, 0.99], 1, 4, False),  # still within patience
    ],
)
def test_early_stopping_waits_on_the_plateau_but_not_after_learning(accuracies, bad_epochs, next_epoch, stops):
    config = TrainConfig(patience=2, min_epochs=3, plateau_epochs=6)
    history = [{"val_accuracy": a, "train_loss": 0.69, "val_loss": 0.69} for a in accuracies]
    assert may_stop(config, next_epoch, bad_epochs, history) is stops
    assert may_stop(TrainConfig(patience=2, min_epochs=3), next_epoch, bad_epochs, history) is (
        bad_epochs >= 2 and next_epoch > 3
    )


def test_reaching_the_stop_accuracy_ends_training_whatever_the_other_rules_say():
    config = TrainConfig(patience=2, min_epochs=3, plateau_epochs=6, stop_accuracy=0.99)
    history = [{"val_accuracy": a, "train_loss": 0.1, "val_loss": 0.1} for a in (0.5, 0.99)]
    assert may_stop(config, 3, 0, history)  # before min_epochs, within patience, improving
    assert not may_stop(config, 3, 0, history[:1] + [{**history[1], "val_accuracy": 0.985}])
    assert not may_stop(TrainConfig(patience=2, min_epochs=3), 3, 0, history)  # off by default
    # in a real run: a model that learns the task stops at the first epoch at 0.95
    model, result = train(TrainConfig(epochs=8, batch_size=16, seed=5, lr=0.01, stop_accuracy=0.95), separable=True)
    accuracies = [h["val_accuracy"] for h in result.history]
    assert accuracies[-1] >= 0.95 and all(a < 0.95 for a in accuracies[:-1]) and len(accuracies) < 8


def test_make_deterministic_sets_the_flags_without_importing_the_compiler():
    """Deterministic and warn-only on, as torch.use_deterministic_algorithms
    would set them, but without its ~2 s import of torch._inductor in every job."""
    import subprocess
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    code = (
        f"import sys; sys.path.insert(0, {str(scripts)!r}); import torch; "
        "from tbio.train.loop import make_deterministic; make_deterministic(1, 1); "
        "print(torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), "
        "'torch._inductor' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "False"]
