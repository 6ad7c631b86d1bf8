"""One training job from arrays on disk to checkpoint, metrics and
interpretation tables: what every ``train_*`` rule runs."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..data.encode import CHANNELS
from ..data.layout import window_centre
from ..files import write_atomic
from ..models import build_model
from . import TRAINED_DRAW
from .controls import accuracy_by_distance, control_accuracies
from .draws import accuracy_over_draws
from .interpret import centre_attention, gradient_times_input, used_reach_bp
from .tracks import N_TRACKS, element_tracks
from .loop import (
    PLATEAU_ACCURACY,
    TrainConfig,
    content_digest,
    evaluate,
    fingerprint,
    fit,
    load_arrays,
    make_deterministic,
    memorising,
    nondeterministic_ops,
    pick_device,
)


def _tracks(model_name: str, model, track_labels: dict | None, elements: dict | None, splits: dict) -> tuple:
    """The train and val splits' element tracks at the model's bins, each
    checked against its split's arrays (same records, same labels)."""
    if getattr(model, "track_head", None) is None:
        raise ValueError(f"models.{model_name}.track_weight: {model_name} has no bins to read element tracks from")
    if not track_labels or not elements:
        raise ValueError(
            f"models.{model_name}.track_weight needs the simulation's labels TSVs of the train and val splits "
            "(where each element lies): set it to 0 for DNA without them (dna.input)"
        )
    tracks = []
    for split, (x, y) in splits.items():
        path = track_labels[split]
        labels = pd.read_csv(path, sep="\t")
        if len(labels) != len(y) or not np.array_equal(labels["label"].to_numpy(), y.numpy()):
            raise ValueError(f"{path}: its {len(labels)} records and labels are not those of the {split} arrays")
        tracks.append(torch.from_numpy(element_tracks(labels, elements, x.shape[1], model.bin_bp, source=str(path))))
    return tuple(tracks)


def train_job(
    model_name: str,
    task: str,
    settings: dict,
    seed: int,
    threads: int,
    arrays: dict,
    checkpoint_path,
    metrics_path,
    contributions_path=None,
    attention_path=None,
    controls_path=None,
    by_distance_path=None,
    draws_path=None,
    test_labels=None,
    probe: dict | None = None,
    resume_path=None,
    dataset: str | None = None,
    window: tuple[int, int] | None = None,
    device: torch.device | None = None,
    track_labels: dict | None = None,
    elements: dict | None = None,
    log=print,
) -> dict:
    """Train ``model_name`` on ``arrays`` (x_train, y_train, x_val, ... paths),
    select on validation, score the test split once, write the outputs.

    On the simulated DNA task (``test_labels``, the test split's labels TSV
    with the planted positions) the test split is scored again under each
    control of ``controls.control_accuracies`` (readout enhancer masked,
    readout promoter masked, untrained model), written to ``controls_path``;
    with ``probe`` (x_probe, y_probe, labels_probe paths: the
    held-out-distance set) the accuracy at every exact distance goes to
    ``by_distance_path``. A Performer with ``draws_path`` is scored again over
    fresh random-feature draws (``draws.accuracy_over_draws``; settings
    test_draws, sweep_draws and test_nb_features). ``window``: the training distances (low, high).
    ``device``: where to train (``devices.claim_device``); by default a GPU
    when torch sees one, else the CPU. With ``settings['track_weight']`` the
    model also learns the element tracks (``tracks.element_tracks``) of
    ``track_labels`` (train, val: the labels TSVs of those splits) for
    ``elements`` (the config's promoters and enhancers with their lengths)."""
    make_deterministic(seed, threads)
    device = device or pick_device()
    train = load_arrays(arrays["x_train"], arrays["y_train"])
    val = load_arrays(arrays["x_val"], arrays["y_val"])
    test = load_arrays(arrays["x_test"], arrays["y_test"])
    seq_len, channels = train[0].shape[1], CHANNELS[task]  # the one-hot's channels, made per batch
    train_config = TrainConfig.from_settings(settings, seed)
    if train_config.track_weight:
        settings = {**settings, "tracks": N_TRACKS}
    model, model_config = build_model(model_name, settings, seq_len, channels)
    untrained_state = {k: v.detach().clone() for k, v in model.state_dict().items()}  # the untrained control
    tracks = None
    if train_config.track_weight:
        tracks = _tracks(model_name, model, track_labels, elements, {"train": train, "val": val})
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{model_name} on {task}: {n_params} parameters, {device}, {threads} thread(s), seq_len {seq_len}")

    # a resume must continue the very same run: same data, bytes and all, same
    # settings and model layout (a code change may rename or reshape weights),
    # same thread count and device, same torch; else it starts afresh
    key = fingerprint(
        model_name,
        settings,
        asdict(model_config),
        [(name, tuple(tensor.shape)) for name, tensor in untrained_state.items()],
        asdict(train_config),
        content_digest(*train, *val, *(tracks or ())),
        threads,
        str(device),
        torch.__version__,
    )
    if resume_path:
        Path(resume_path).parent.mkdir(parents=True, exist_ok=True)
    # ops without a deterministic kernel on this device (none on the CPU)
    with nondeterministic_ops() as unrepeatable:
        result = fit(
            model, train, val, train_config, device, resume_path=resume_path, resume_key=key, log=log, tracks=tracks
        )
        scores = evaluate(model, *test, train_config.batch_size, device)
        log(f"test: accuracy {scores['accuracy']:.4f} auroc {scores['auroc']:.4f} (best epoch {result.best_epoch})")
        best_val = max((h["val_accuracy"] for h in result.history), default=0.0)
        if train_config.plateau_epochs and best_val < PLATEAU_ACCURACY:
            last = result.history[-1]
            why = (
                f"it fit its training set without learning the rule (training loss {last['train_loss']:.3f}, "
                f"validation loss {last['val_loss']:.3f})"
                if memorising(result.history)
                else "if this model should learn the task, it may not have left the plateau at chance yet "
                "(halve batch_size, raise plateau_epochs and epochs)"
            )
            log(f"warning: validation accuracy never reached {PLATEAU_ACCURACY} in {len(result.history)} epochs: {why}")

        checkpoint = {
            "model": model_name,
            "model_config": asdict(model_config),
            "seq_len": seq_len,
            "in_channels": channels,
            "state_dict": result.best_state,
        }
        write_atomic(Path(checkpoint_path), lambda p: torch.save(checkpoint, p))

        controls = None
        if controls_path:
            labels = pd.read_csv(test_labels, sep="\t")
            controls = control_accuracies(
                model, untrained_state, *test, labels, train_config.batch_size, device, scores["accuracy"]
            )
            log("controls: " + ", ".join(f"{name} {accuracy:.4f}" for name, accuracy in controls.items()))
            table = pd.DataFrame({"control": list(controls), "test_accuracy": list(controls.values())})
            write_atomic(Path(controls_path), lambda p: table.to_csv(p, sep="\t", index=False, float_format="%.6g"))
        if by_distance_path:
            x_probe, y_probe = load_arrays(probe["x_probe"], probe["y_probe"])
            distances = pd.read_csv(probe["labels_probe"], sep="\t")["distance_bp"]
            table = accuracy_by_distance(model, x_probe, y_probe, distances, 1, train_config.batch_size, device)
            table = table[["distance_bp", "n", "accuracy"]].astype({"distance_bp": int})
            write_atomic(Path(by_distance_path), lambda p: table.to_csv(p, sep="\t", index=False, float_format="%.6g"))

        if draws_path:
            table = accuracy_over_draws(
                model,
                *test,
                settings["test_nb_features"],
                settings["test_draws"],
                settings["sweep_draws"],
                train_config.batch_size,
                device,
                scores["accuracy"],
            )
            fresh = table[table["draw"] != TRAINED_DRAW].groupby("nb_features")["test_accuracy"]
            log(
                "over fresh feature draws: "
                + ", ".join(
                    f"{m} features {a:.4f} ± {s:.4f}" for m, a, s in zip(fresh.mean().index, fresh.mean(), fresh.std())
                )
            )
            write_atomic(Path(draws_path), lambda p: table.to_csv(p, sep="\t", index=False, float_format="%.6g"))

        positives = test[0][test[1] == 1]
        used_reach = None
        if contributions_path:
            contribution = gradient_times_input(model, positives, train_config.batch_size, device)
            used_reach = used_reach_bp(np.abs(contribution).mean(axis=0), seq_len // 2)
            table = pd.DataFrame(
                {
                    "position": np.arange(seq_len),
                    "mean_contribution": contribution.mean(axis=0),
                    "mean_abs_contribution": np.abs(contribution).mean(axis=0),
                }
            )
            write_atomic(
                Path(contributions_path), lambda p: table.to_csv(p, sep="\t", index=False, float_format="%.6g")
            )
        if attention_path:
            attention = centre_attention(model, positives, train_config.batch_size, device)
            bins = attention.shape[1]
            rows = [
                {"layer": layer + 1, "bin": b, "start_bp": b * model.bin_bp, "attention": attention[layer, b]}
                for layer in range(attention.shape[0])
                for b in range(bins)
            ]
            table = pd.DataFrame(rows)
            write_atomic(Path(attention_path), lambda p: table.to_csv(p, sep="\t", index=False, float_format="%.6g"))
    if unrepeatable:
        log(f"not bit-repeatable on {device}: {', '.join(unrepeatable)} ran without a deterministic kernel")

    metrics = {
        "task": task,
        "model": model_name,
        "dataset": dataset,
        # a window's centre (rounded down) and ends; none for protein or the user's DNA
        "distance_bp": window_centre(window) if window else None,
        "distance_min_bp": window[0] if window else None,
        "distance_max_bp": window[1] if window else None,
        "seq_len": seq_len,
        "seed": seed,
        "test_accuracy": scores["accuracy"],
        "test_auroc": scores["auroc"],
        "test_loss": scores["loss"],
        "controls": controls,
        "n_params": n_params,
        "receptive_field_bp": model.receptive_field_bp(),
        "used_reach_bp": used_reach,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "history": result.history,
        "model_config": asdict(model_config),
        "train_config": asdict(train_config),
        # wall-clock and machine facts: the only fields that differ between identical runs
        "train_seconds": result.train_seconds,
        "resumed_from_epoch": result.resumed_from_epoch,
        "device": str(device),
        "threads": threads,
        "torch": torch.__version__,
        "nondeterministic_ops": unrepeatable,
        "python": platform.python_version(),
    }
    write_atomic(Path(metrics_path), lambda p: Path(p).write_text(json.dumps(metrics, indent=2) + "\n"))
    if resume_path and Path(resume_path).exists():
        os.remove(resume_path)  # the job is complete; a rerun starts afresh
    return metrics
