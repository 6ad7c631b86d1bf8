"""How long a config's DNA training sweep takes on this machine, before it runs.

The DNA sweep is one training job per model, distance window and seed. Each
job's time is its epochs times an epoch's time, plus the test and control
passes at the end. This script measures an epoch's time for each model of the
config here (``fit`` itself on random data of the config's shape: an epoch of
about ``--seconds`` after a warm-up, with the element tracks where the config
has them) and counts a job's epochs with ``fit``'s own stopping rule
(``epochs_run``) in three cases:

- ``at once``: the model reaches ``stop_accuracy`` in its first epoch;
- ``expected``: the model learns in ``--learn-epochs`` epochs where the window
  lies inside its receptive field, and stays at chance where it does not (the
  global-pooling control everywhere, by construction). ``epochs_run`` then
  gives the plateau wait, patience and minimum epochs a model at chance runs;
- ``at most``: every job runs its ``epochs``.

``--workers K`` also times K copies of each model training side by side, each
in its own process holding a slot of the device as a training job does (on a
GPU, K = ``jobs_per_gpu`` jobs sharing the card; on a CPU, K one-thread jobs on
K cores): the sum of their rates, against one job's, is what running them
side by side buys, and the minutes are divided by it. No sweep finishes
before its longest job, whatever the speed-up.

    .venv/bin/python tests/benchmarks/sweep_budget.py --configfile config/enformer_scale.yaml
    python3 tests/benchmarks/sweep_budget.py --configfile config/enformer_scale.yaml   # on a GPU: 8 side by side

``--rate NAME=S`` skips the timing of model NAME and takes S training
sequences a second instead, as measured on another machine, with the
evaluation passes at 3 S (a forward pass is about a third of a training
step, in arithmetic and in kernels launched): the sweep on a card this
machine lacks, from one figure a model.

    .venv/bin/python tests/benchmarks/sweep_budget.py --configfile config/enformer_scale.yaml \
        --rate enformer=153 cnn_dilated=167 cnn_global=300 cnn=840

The estimate leaves out the data rules, the report and the job start-up (a
few seconds each); it prints the measured figures with it, so that a wrong
estimate shows where it went wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from harness import ROOT, save
from snakemake.utils import update_config, validate
from tbio.config import ConfigError, validate_config
from tbio.models import DNA_MODELS, build_model
from tbio.train.devices import claim_device
from tbio.train.loop import TrainConfig, epochs_run, evaluate, fit, make_deterministic
from tbio.train.tracks import N_TRACKS

GLOBAL_CONTROL = "cnn_global"  # at chance at every window by construction
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load_config(configfiles: list[str]) -> dict:
    """``config/config.yaml`` updated by each of ``configfiles`` in turn, as
    ``snakemake --configfile`` does, with the schema's defaults filled."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for path in configfiles:
        if not Path(path).is_file():
            raise SystemExit(f"sweep_budget: --configfile {path} is not a file; expected a workflow config (YAML).")
        update_config(config, yaml.safe_load(Path(path).read_text()) or {})
    try:
        return validate_config(config, str(SCHEMA), validate)
    except ConfigError as error:
        raise SystemExit(f"sweep_budget: {error}") from None


def parse_rates(pairs: list[str]) -> dict[str, float]:
    """``["enformer=153", ...]`` -> {"enformer": 153.0}; a bad pair is one sentence."""
    rates = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = 0.0
        if name not in DNA_MODELS or not rate > 0:
            raise SystemExit(
                f"sweep_budget: --rate {pair!r} is not NAME=S with NAME one of {', '.join(DNA_MODELS)} "
                "and S a positive number of training sequences a second."
            )
        rates[name] = rate
    return rates


def model_settings(config: dict, name: str) -> dict:
    settings = dict(config["models"][name])
    if settings.get("track_weight"):
        settings["tracks"] = N_TRACKS
    return settings


def measure(config: dict, name: str, device: torch.device, steps: int | None, seconds: float, barrier=None) -> dict:
    """Seconds per training sequence (an epoch of ``fit`` without its
    validation pass) and per evaluated sequence, for ``name`` at the
    config's sequence length on ``device``: a warm-up epoch of two steps,
    then (after ``barrier()``, where jobs side by side start together) an
    epoch of ``steps`` steps, or of as many as take about ``seconds``."""
    settings = model_settings(config, name)
    seq_len = config["dna"]["seq_len"]
    make_deterministic(1, config["threads"]["train"])
    model, _ = build_model(name, settings, seq_len, 4)
    model = model.to(device)
    one_epoch = TrainConfig.from_settings({**settings, "epochs": 1, "min_epochs": 1, "stop_accuracy": None}, 1)
    batch = one_epoch.batch_size
    generator = torch.Generator().manual_seed(1)

    def split(n):
        x = torch.randint(0, 4, (n, seq_len), generator=generator).to(torch.uint8)
        y = torch.randint(0, 2, (n,), generator=generator)
        if not settings.get("tracks"):
            return (x, y), None
        return (x, y), (torch.rand(n, N_TRACKS, seq_len // model.bin_bp, generator=generator) < 0.01).to(torch.uint8)

    def epoch(n_steps):
        (train, train_tracks), (val, val_tracks) = split(n_steps * batch), split(batch)
        tracks = (train_tracks, val_tracks) if train_tracks is not None else None
        result = fit(model, train, val, one_epoch, device, log=lambda line: None, tracks=tracks)
        started = time.perf_counter()
        evaluate(model, *val, batch, device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        eval_seconds = (time.perf_counter() - started) / batch
        return max(result.history[0]["seconds"] / batch - eval_seconds, 0.0) / n_steps, eval_seconds

    train_seconds, _ = epoch(2)  # warm-up: first kernels, allocator, cuDNN's choices
    steps = steps or max(2, round(seconds / (train_seconds * batch)))
    if barrier is not None:
        barrier()
    train_seconds, eval_seconds = epoch(steps)
    return {"train_s_per_seq": train_seconds, "eval_s_per_seq": eval_seconds, "steps": steps}


def file_barrier(folder: Path, parties: int, timeout: float = 600.0):
    """A barrier across processes: each marks itself in ``folder`` and waits for ``parties`` marks."""

    def wait():
        (folder / str(os.getpid())).touch()
        deadline = time.monotonic() + timeout
        while len(list(folder.iterdir())) < parties:
            if time.monotonic() > deadline:
                raise SystemExit(f"sweep_budget: fewer than {parties} workers started within {timeout:.0f} s")
            time.sleep(0.05)

    return wait


def worker(args) -> None:
    """One of ``--workers`` processes: claims a slot of the device as a
    training job does, then measures, starting with the others."""
    config = load_config(args.configfile)
    with claim_device(args.workers, log=lambda line: None) as device:
        barrier = file_barrier(Path(args.barrier), args.workers)
        print(json.dumps(measure(config, args.worker, device, args.steps, 0.0, barrier)), flush=True)


def side_by_side(args, name: str, steps: int) -> float:
    """Seconds per training sequence of each of ``args.workers`` jobs of
    ``name`` training side by side, ``steps`` steps each (the slowest's)."""
    with tempfile.TemporaryDirectory() as barrier:
        command = [sys.executable, __file__, "--worker", name, "--workers", str(args.workers)]
        command += ["--steps", str(steps), "--barrier", barrier]
        for path in args.configfile:
            command += ["--configfile", path]
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.workers)]
        results = []
        for process in processes:
            out, _ = process.communicate()
            if process.returncode:
                raise SystemExit(f"sweep_budget: a worker measuring {name} failed (exit {process.returncode})")
            results.append(json.loads(out.strip().splitlines()[-1]))
    return max(r["train_s_per_seq"] for r in results)


def window_reached(model, window: list[int]) -> bool:
    """Whether the readout's receptive field reaches the window's nearest enhancer."""
    field = model.local_field_bp() if hasattr(model, "local_field_bp") else model.receptive_field_bp()
    return field // 2 >= window[0]


def job_epochs(train_config: TrainConfig, learns_in: int | None) -> int:
    """Epochs ``fit`` runs for a model that reaches its stop accuracy in
    epoch ``learns_in`` (its validation loss falling by more than min_delta
    each epoch until then), or stays at chance (``None``), with a flat
    validation loss and no memorising."""
    if learns_in is None:
        return epochs_run(train_config, lambda epoch: {"train_loss": 0.693, "val_loss": 0.693, "val_accuracy": 0.5})
    stop = train_config.stop_accuracy if train_config.stop_accuracy is not None else 1.0

    def score(epoch):
        done = epoch >= learns_in
        loss = 0.693 - 0.6 * min(epoch, learns_in) / learns_in  # falls by more than min_delta each epoch
        return {"train_loss": loss, "val_loss": loss, "val_accuracy": stop if done else 0.5 + 0.3 * epoch / learns_in}

    return epochs_run(train_config, score)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="+", action="extend", default=[], help="as snakemake's")
    parser.add_argument("--seconds", type=float, default=10.0, help="time each model's training for about this long")
    parser.add_argument("--steps", type=int, help="time this many training steps instead")
    parser.add_argument("--learn-epochs", type=int, default=6, help="epochs a model takes to learn a window in reach")
    parser.add_argument(
        "--workers", type=int, help="jobs side by side (default: the config's jobs_per_gpu on a GPU, else 1)"
    )
    parser.add_argument("--models", nargs="+", default=DNA_MODELS, choices=DNA_MODELS)
    parser.add_argument(
        "--rate",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=S",
        help="take S training sequences/s for model NAME instead of timing it (evaluation at 3 S)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--barrier", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    config = load_config(args.configfile)
    given = parse_rates(args.rate)
    args.workers = args.workers or (config["jobs_per_gpu"] if torch.cuda.is_available() else 1)
    dna = config["dna"]
    if dna["input"]:
        raise SystemExit("sweep_budget: the config trains on dna.input; this sizes the simulated sweep only")
    seeds, windows = config["seeds"], dna["windows"]
    evaluated = 5 * dna["n_test"] + dna["n_probe"]  # test, three controls, by distance; the probe set
    rows = []
    for name in args.models:
        settings = model_settings(config, name)
        train_config = TrainConfig.from_settings(settings, 1)
        if name in given:
            device = "given"
            rates = {"train_s_per_seq": 1 / given[name], "eval_s_per_seq": 1 / (3 * given[name])}
        else:
            with claim_device(1, log=lambda line: None) as device:
                rates = measure(config, name, device, args.steps, args.seconds)
        alone = rates["train_s_per_seq"]
        shared = side_by_side(args, name, rates["steps"]) if args.workers > 1 and name not in given else None
        speedup = args.workers * alone / shared if shared else 1.0
        model, _ = build_model(name, settings, dna["seq_len"], 4)

        def job_seconds(epochs):
            epoch = dna["n_train"] * alone + dna["n_val"] * rates["eval_s_per_seq"]
            return epochs * epoch + evaluated * rates["eval_s_per_seq"]

        cases = {"at once": [], "expected": [], "at most": []}
        for window in windows:
            reached = name != GLOBAL_CONTROL and window_reached(model, window)
            cases["at once"].append(job_epochs(train_config, 1))
            cases["expected"].append(job_epochs(train_config, args.learn_epochs if reached else None))
            cases["at most"].append(train_config.epochs)
        row = {
            "model": name,
            "jobs": len(windows) * len(seeds),
            "device": str(device),
            "train_seq_per_s": 1 / alone,
            "eval_seq_per_s": 1 / rates["eval_s_per_seq"],
            "speedup_side_by_side": speedup,
        }
        for case, epochs in cases.items():
            row[f"epochs_{case.replace(' ', '_')}"] = " ".join(map(str, epochs))
            row[f"minutes_{case.replace(' ', '_')}"] = len(seeds) * sum(map(job_seconds, epochs)) / 60 / speedup
        row["longest_job_minutes_expected"] = max(map(job_seconds, cases["expected"])) / 60
        rows.append(row)
        print(f"  {name}: {1 / alone:.1f} training sequences/s on {device}", file=sys.stderr, flush=True)

    table = pd.DataFrame(rows)
    total = table[[c for c in table.columns if c.startswith("minutes_")]].sum()
    save(
        table,
        args.out,
        "sweep_budget",
        f"DNA sweep of {' '.join(args.configfile) or 'config/config.yaml'} at {dna['seq_len']:,} bp, "
        f"{len(windows)} window(s) x {len(seeds)} seed(s); minutes of training, one job's rate"
        + (f" times the speed-up of {args.workers} side by side" if args.workers > 1 else ""),
    )
    print(
        "\nsweep total, minutes of training: "
        + ", ".join(
            f"{case.removeprefix('minutes_').replace('_', ' ')} {minutes:.1f}" for case, minutes in total.items()
        )
    )


if __name__ == "__main__":
    main()
