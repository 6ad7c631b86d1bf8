"""The training loop: seeded, deterministic on the CPU, early stopping on the
validation split, a resumable state file written after every epoch.

Models do not train themselves; everything here works for any model that maps
``(batch, seq_len, channels)`` float input to one logit per sequence and says
its ``in_channels``: sequences come as uint8 codes (batch, seq_len) and each
batch becomes that one-hot on the model's device (``tbio.models.inputs``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..models.inputs import model_input
from .devices import memory_budget
from .metrics import accuracy, auroc


@dataclass
class TrainConfig:
    """Training keys shared by every ``models.<name>`` section."""

    epochs: int = 20
    lr: float = 1e-3
    batch_size: int = 64
    patience: int = 5
    min_epochs: int = 1  # never stop before this epoch: learning can set in suddenly
    # while the best validation accuracy is still at chance (below PLATEAU_ACCURACY),
    # keep waiting for learning to set in up to this epoch (0: no such wait)
    plateau_epochs: int = 0
    min_delta: float = 1e-3  # a smaller drop in validation loss does not count as progress
    # stop once an epoch's validation accuracy reaches this (None: never): the
    # model has learned the task; more epochs would only sharpen its loss
    stop_accuracy: float | None = None
    weight_decay: float = 0.01
    warmup_steps: int = 50
    # the element tracks' loss, weighed against the label's (tbio.train.tracks); 0: none
    track_weight: float = 0.0
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: dict, seed: int) -> "TrainConfig":
        names = {f for f in cls.__dataclass_fields__ if f != "seed"}
        return cls(**{k: v for k, v in settings.items() if k in names}, seed=seed)


# The best validation accuracy below which a binary classifier (balanced
# classes: chance is 0.5) counts as not yet learning, for plateau_epochs.
PLATEAU_ACCURACY = 0.6
# A model at chance whose training loss has fallen below this share of its
# validation loss has fit its training set without learning the rule: it is
# memorising, not on the plateau before learning (where both losses stay
# near ln 2), so the plateau wait ends for it.
MEMORISED_LOSS_RATIO = 0.5


def memorising(history: list[dict]) -> bool:
    """The last epoch's training loss below MEMORISED_LOSS_RATIO of its validation loss."""
    return bool(history) and history[-1]["train_loss"] < MEMORISED_LOSS_RATIO * history[-1]["val_loss"]


# Between chance and this validation accuracy a model is climbing: an epoch
# that raises its best accuracy by CLIMB_STEP is progress even where the
# validation loss has not yet dropped by min_delta (as learning sets in, the
# loss lags the accuracy: a model at 0.62 and rising must not stop there).
CLIMBING_BELOW = 0.9
CLIMB_STEP = 0.01


def climbing(history: list[dict]) -> bool:
    """The last epoch raised the best validation accuracy by CLIMB_STEP, to at
    least PLATEAU_ACCURACY and still below CLIMBING_BELOW."""
    if not history:
        return False
    last, before = history[-1]["val_accuracy"], max((h["val_accuracy"] for h in history[:-1]), default=0.0)
    return PLATEAU_ACCURACY <= last < CLIMBING_BELOW and last >= before + CLIMB_STEP


def may_stop(config: TrainConfig, next_epoch: int, bad_epochs: int, history: list[dict]) -> bool:
    """Early stopping before ``next_epoch``: ``patience`` epochs without a
    ``min_delta`` drop in validation loss, never before ``min_epochs``, and
    while every epoch so far was at chance, never before ``plateau_epochs``:
    a model on the plateau that precedes sudden learning gets that long to
    leave it, one that has learned stops as soon as it stops improving, and
    one that is memorising its training set at chance stops too. An epoch
    at ``stop_accuracy`` or above ends training whatever the rest says."""
    if config.stop_accuracy is not None and history and history[-1]["val_accuracy"] >= config.stop_accuracy:
        return True
    if bad_epochs < config.patience or next_epoch <= config.min_epochs:
        return False
    at_chance = max((h["val_accuracy"] for h in history), default=0.0) < PLATEAU_ACCURACY
    return not (at_chance and not memorising(history) and next_epoch <= config.plateau_epochs)


def progress(config: TrainConfig, history: list[dict], best_loss: float, bad_epochs: int) -> tuple[bool, float, int]:
    """After the epoch last appended to ``history``: whether its validation
    loss is a new best (a drop of at least ``min_delta``), then the best loss
    and the count of epochs without progress, as ``may_stop`` reads it."""
    loss = history[-1]["val_loss"]
    if loss < best_loss - config.min_delta:
        return True, loss, 0
    return False, best_loss, 0 if climbing(history) else bad_epochs + 1


def epochs_run(config: TrainConfig, score: Callable[[int], dict]) -> int:
    """How many epochs ``fit`` trains when epoch e's scores are ``score(e)``
    (``train_loss``, ``val_loss``, ``val_accuracy``): its stopping rule
    without the training, to size a run before it starts."""
    history: list[dict] = []
    best_loss, bad_epochs = math.inf, 0
    for epoch in range(1, config.epochs + 1):
        if may_stop(config, epoch, bad_epochs, history):
            return epoch - 1
        history.append(score(epoch))
        _, best_loss, bad_epochs = progress(config, history, best_loss, bad_epochs)
    return config.epochs


@dataclass
class FitResult:
    best_state: dict
    best_epoch: int
    history: list[dict] = field(default_factory=list)
    train_seconds: float = 0.0
    resumed_from_epoch: int = 0


def pick_device() -> torch.device:
    """cuda when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_deterministic(seed: int, threads: int) -> None:
    """Same seed and thread count on the CPU -> bit-identical results."""
    torch.set_num_threads(max(1, int(threads)))
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    # torch.use_deterministic_algorithms also imports torch._inductor, about 2 s
    # a job, only to set the same flag for compiled code; nothing here is
    # compiled, so set the eager flag alone where this torch has the setter
    set_eager_flag = getattr(torch._C, "_set_deterministic_algorithms", None)
    if set_eager_flag is None:
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        set_eager_flag(True, warn_only=True)
    # deterministic mode also fills every new tensor with NaN, a few hundred
    # needless writes per step; our kernels never read uninitialised memory
    torch.utils.deterministic.fill_uninitialized_memory = False
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


@contextlib.contextmanager
def nondeterministic_ops():
    """Collect the ops that ran without a deterministic implementation.

    Deterministic mode is on with warn_only (``make_deterministic``): an op
    that has no deterministic kernel on this device still runs, and torch
    warns. Inside this block those warnings are caught and the op names
    gathered into the yielded list, so that a job can say in its metrics that
    its result may differ between runs; other warnings pass on as usual.
    """
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for warning in caught:
        message = str(warning.message)
        match = re.match(r"(.+?) does not have a deterministic implementation", message)
        if match:
            found.append(match.group(1).strip())
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    found[:] = sorted(set(found))


def fingerprint(*parts) -> str:
    """A short hash of everything that must match for a resume to be valid."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def content_digest(*tensors: torch.Tensor) -> str:
    """SHA-256 over the dtype, shape and bytes of each tensor: two data sets
    of the same shape (another data_seed, another FASTA) differ here."""
    digest = hashlib.sha256()
    for tensor in tensors:
        array = np.ascontiguousarray(tensor.numpy())
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _batches(n: int, batch_size: int, generator: torch.Generator | None):
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@torch.no_grad()
def predict(
    model: nn.Module, x: torch.Tensor, batch_size: int, device: torch.device, track_logits: list | None = None
) -> np.ndarray:
    """Logits for uint8 codes ``x`` (n, seq_len); with a list
    ``track_logits``, each batch's element-track logits are appended to it."""
    model.eval()
    logits = []
    for idx in _batches(len(x), batch_size, None):
        logits.append(model(model_input(model, x[idx], device)).float().cpu())
        if track_logits is not None:
            track_logits.append(model.track_logits.float().cpu())
    return torch.cat(logits).numpy()


def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    device: torch.device,
    tracks: torch.Tensor | None = None,
) -> dict:
    """Loss, accuracy and AUROC of the label; with ``tracks`` (the element
    tracks of ``x``) also ``track_auroc``, over every (sequence, track, bin),
    from the same forward passes."""
    track_logits = [] if tracks is not None else None
    logits = predict(model, x, batch_size, device, track_logits)
    labels = y.numpy()
    loss = nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(logits), y.float()).item()
    probabilities = 1.0 / (1.0 + np.exp(-logits))
    scores = {
        "loss": loss,
        "accuracy": accuracy(labels, probabilities),
        "auroc": auroc(labels, logits),
    }
    if tracks is not None:
        scores["track_auroc"] = auroc(tracks.numpy().ravel(), torch.cat(track_logits).numpy().ravel())
    return scores


def _track_loss(train_tracks: torch.Tensor, device: torch.device) -> nn.Module:
    """Binary cross-entropy over every (track, bin), the marked bins weighed
    up by how rare they are in the training tracks (a few bins in hundreds),
    so that both kinds of bin count alike."""
    share = train_tracks.sum(dtype=torch.float64).item() / train_tracks.numel()
    if not 0.0 < share < 1.0:
        raise ValueError(f"the training tracks mark {share:.0%} of bins; expected some bins marked and some not")
    return nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1.0 - share) / share, device=device))


def _load_resume_state(path: Path, log: Callable[[str], None]) -> dict | None:
    """The saved state, or None (with a warning) when the file cannot be read
    whole: a truncated file must not stop every later run of the job."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several kinds for a damaged zip/pickle
        log(f"warning: ignoring {path}: it cannot be read ({type(error).__name__}: {error}); training starts afresh")
        return None
    if not isinstance(state, dict):
        log(f"warning: ignoring {path}: it holds no training state; training starts afresh")
        return None
    return state


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    device: torch.device,
    resume_path: str | os.PathLike | None = None,
    resume_key: str = "",
    log: Callable[[str], None] = print,
    tracks: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> FitResult:
    """Train ``model`` on ``train`` = (uint8 codes, labels), keep the state
    with the lowest validation loss, stop early as ``may_stop`` says. With ``resume_path``, the full state (weights, optimiser,
    random generators, history) is written after every epoch and picked up
    again when it carries the same ``resume_key``. With ``tracks`` (train,
    val: uint8 (n, tracks, bins), ``tracks.element_tracks``) and
    ``config.track_weight``, the model's ``track_logits`` learn them too; the
    validation loss that selects and stops stays the label's."""
    x_train, y_train = train
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    warmup = max(1, config.warmup_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    shuffle = torch.Generator().manual_seed(config.seed)
    loss_fn = nn.BCEWithLogitsLoss()
    track_loss_fn = _track_loss(tracks[0], device) if tracks is not None and config.track_weight else None

    history: list[dict] = []
    best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    best_loss, best_epoch, bad_epochs, start_epoch, elapsed = math.inf, 0, 0, 1, 0.0
    resume_path = Path(resume_path) if resume_path else None
    state = _load_resume_state(resume_path, log) if resume_path and resume_path.exists() else None
    if state is not None:
        if state.get("key") == resume_key:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            shuffle.set_state(state["shuffle"])
            torch.set_rng_state(state["torch_rng"])
            history, best_state = state["history"], state["best_state"]
            best_loss, best_epoch, bad_epochs = state["best_loss"], state["best_epoch"], state["bad_epochs"]
            start_epoch, elapsed = state["epoch"] + 1, state["elapsed"]
            log(f"resumed from {resume_path} after epoch {state['epoch']}")
        else:
            log(f"ignoring {resume_path}: it belongs to other data or settings; training starts afresh")
    resumed_from = start_epoch - 1

    x_train, y_train = on_device(x_train, device), on_device(y_train, device)
    for epoch in range(start_epoch, config.epochs + 1):
        if may_stop(config, epoch, bad_epochs, history):
            break
        started = time.perf_counter()
        model.train()
        # each step's loss stays on the device until the epoch ends: no host
        # sync per step, so a GPU never waits for the Python loop
        losses, sizes, track_losses = [], [], []
        for idx in _batches(len(x_train), config.batch_size, shuffle):
            xb = model_input(model, x_train[idx], device)
            yb = y_train[idx].to(device).float()
            loss = loss_fn(model(xb), yb)  # the label's: train_loss in the history
            objective = loss
            if track_loss_fn is not None:
                track_loss = track_loss_fn(model.track_logits, tracks[0][idx].to(device).float())
                track_losses.append(track_loss.detach())
                objective = loss + config.track_weight * track_loss
            optimizer.zero_grad(set_to_none=True)
            objective.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(loss.detach())
            sizes.append(len(idx))
        step_losses = torch.stack(losses).tolist()
        for batch, step_loss in enumerate(step_losses, start=1):
            if not math.isfinite(step_loss):
                raise FloatingPointError(
                    f"training diverged: the loss is {step_loss} at epoch {epoch}, batch {batch} "
                    f"with lr {config.lr} and weight_decay {config.weight_decay}; expected a finite loss (lower lr)"
                )
        total, count = 0.0, 0
        for step_loss, size in zip(step_losses, sizes):  # summed as before, in Python floats
            total += step_loss * size
            count += size
        # with tracks also how well the tower finds the elements
        scores = evaluate(model, *val, config.batch_size, device, tracks[1] if track_loss_fn is not None else None)
        elapsed += time.perf_counter() - started
        history.append(
            {
                "epoch": epoch,
                "train_loss": total / count,
                "val_loss": scores["loss"],
                "val_accuracy": scores["accuracy"],
                "val_auroc": scores["auroc"],
                "seconds": elapsed,
            }
        )
        if track_loss_fn is not None:
            history[-1]["train_track_loss"] = torch.stack(track_losses).mean().item()
            history[-1]["val_track_auroc"] = scores["track_auroc"]
        improved, best_loss, bad_epochs = progress(config, history, best_loss, bad_epochs)
        if improved:
            best_epoch = epoch
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        tracks_note = f" val_track_auroc {scores['track_auroc']:.3f}" if track_loss_fn is not None else ""
        log(
            f"epoch {epoch}: train_loss {total / count:.4f} val_loss {scores['loss']:.4f} "
            f"val_accuracy {scores['accuracy']:.3f}{tracks_note} ({elapsed:.1f} s)"
        )
        if resume_path:
            _save_atomic(
                {
                    "key": resume_key,
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "shuffle": shuffle.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                    "best_state": best_state,
                    "best_loss": best_loss,
                    "best_epoch": best_epoch,
                    "bad_epochs": bad_epochs,
                    "elapsed": elapsed,
                },
                resume_path,
            )
    model.load_state_dict(best_state)
    return FitResult(best_state, best_epoch, history, elapsed, resumed_from)


# the share of a GPU's free memory a training set may take there
DEVICE_DATA_SHARE = 0.25


def on_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``tensor`` on a GPU when it takes at most DEVICE_DATA_SHARE of the
    memory this job may still take there (``devices.memory_budget``: its
    share of the card); batches are then drawn without a host-to-device
    copy. Else where it is: each batch drawn from it is pinned and copied
    asynchronously (``inputs.model_input``; a batch drawn by index is a new
    tensor, so pinning the whole set would buy nothing). On the CPU always
    where it is. The values are the same."""
    if device.type != "cuda":
        return tensor
    if tensor.numel() * tensor.element_size() <= DEVICE_DATA_SHARE * memory_budget(device):
        return tensor.to(device)
    return tensor


def load_arrays(x_path: str | os.PathLike, y_path: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 codes (n, seq_len) and int64 labels as tensors; the one-hot is
    made per batch (``tbio.models.inputs``)."""
    x = np.load(x_path, mmap_mode="r")
    if x.ndim != 2 or x.dtype != np.uint8:
        raise ValueError(
            f"{x_path}: expected uint8 codes of shape (sequences, seq_len), found {x.dtype} {x.shape} "
            "(an older one-hot file? rerun encode_onehot)"
        )
    y = torch.from_numpy(np.load(y_path).astype(np.int64))
    return torch.from_numpy(np.array(x)), y  # a writable in-memory copy
