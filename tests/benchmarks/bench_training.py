"""Part 3: training throughput of each model of the default config, and the
share of the machine's fp32 matmul peak it reaches.

Each model is built from ``config/config.yaml`` (defaults filled by the
workflow's own validation), with the pipeline's thread count and
``make_deterministic``, and trained on random one-hot data of the task's
shape (throughput does not depend on what the letters are):

- ``step``: the training step of ``tbio.train.loop.fit`` (batch gather and
  float cast, forward, loss, backward, gradient clipping, AdamW, scheduler),
  timed per phase over ``steps`` steps after a warm-up;
- ``fit``: one epoch of ``fit`` itself on the config's train and validation
  sizes, i.e. what a training job spends per epoch (validation included).

FLOPs of one forward+backward come from ``torch.utils.flop_counter``
(matmuls, convolutions, attention; element-wise work is not counted, so the
share of peak is an upper bound on how well the arithmetic units are used).
The peak is the best fp32 ``torch.matmul`` of two 2048 x 2048 matrices at 1
and 2 threads, measured in the same run. A profile of each model's steps
(torch.profiler, self CPU time per op) goes to ``profile_<model>.txt``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import torch
import yaml
from torch import nn
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

from harness import ROOT, best_of, log, save
from tbio.config import validate_config
from snakemake.utils import validate
from tbio.models import build_model
from tbio.models.inputs import model_input, one_hot
from tbio.train.loop import TrainConfig, fit, make_deterministic

TASKS = {
    "cnn": "dna",
    "cnn_dilated": "dna",
    "cnn_global": "dna",
    "enformer": "dna",
    "performer": "protein",
    "transformer": "protein",
}
CHANNELS = {"dna": 4, "protein": 21}
# SDPA's CPU kernel has no formula in torch's flop counter: count it as the others
SDPA_CPU_FLOPS = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: lambda q, k, v, *args, out_shape=None, **kwargs: (
        flop_counter.sdpa_flop_count(q, k, v)
    ),
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward: (
        lambda grad_out, q, k, v, *args, out_shape=None, **kwargs: flop_counter.sdpa_backward_flop_count(
            grad_out, q, k, v
        )
    ),
}


def default_config(path: Path = ROOT / "config" / "config.yaml") -> dict:
    with open(path) as handle:
        config = yaml.safe_load(handle)
    return validate_config(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"), validate)


def matmul_peak(threads: int, size: int = 2048) -> float:
    """Best fp32 GFLOP/s of a size^3 torch.matmul at ``threads`` threads
    (at least 5 runs, up to 20 within 3 s)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(size, size), torch.randn(size, size)
        out = torch.empty(size, size)
        torch.matmul(a, b, out=out)  # warm-up
        seconds, _ = best_of(lambda: torch.matmul(a, b, out=out), 20, max_seconds=3.0, min_repeats=5)
    finally:
        torch.set_num_threads(previous)
    return 2 * size**3 / seconds / 1e9


def random_task(n: int, seq_len: int, channels: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 codes and int64 labels, as ``load_arrays`` gives them."""
    x = torch.randint(0, channels, (n, seq_len), generator=generator).to(torch.uint8)
    return x, torch.randint(0, 2, (n,), generator=generator)


class Step:
    """``fit``'s inner loop, one batch at a time, with a clock per phase."""

    PHASES = ("batch", "forward", "backward", "clip", "optimizer")

    def __init__(self, model: nn.Module, train_config: TrainConfig):
        self.model = model
        self.optimizer = torch.optim.AdamW(
            model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay
        )
        warmup = max(1, train_config.warmup_steps)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda step: min(1.0, (step + 1) / warmup))
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.seconds = dict.fromkeys(self.PHASES, 0.0)

    def __call__(self, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor) -> None:
        clock = time.perf_counter
        t0 = clock()
        xb, yb = model_input(self.model, x[idx], torch.device("cpu")), y[idx].float()
        t1 = clock()
        loss = self.loss_fn(self.model(xb), yb)
        t2 = clock()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t3 = clock()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        t4 = clock()
        self.optimizer.step()
        self.scheduler.step()
        loss.item()
        t5 = clock()
        for phase, seconds in zip(self.PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            self.seconds[phase] += seconds


def fwd_bwd_flops(model: nn.Module, xb: torch.Tensor, yb: torch.Tensor) -> int:
    with FlopCounterMode(display=False, custom_mapping=SDPA_CPU_FLOPS) as counter:
        nn.functional.binary_cross_entropy_with_logits(model(xb), yb).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def profile(step: Step, x, y, batches: list[torch.Tensor], path: Path) -> pd.DataFrame:
    """Self CPU time per op over ``batches`` steps, written as a text table."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        for idx in batches:
            step(x, y, idx)
    averages = profiler.key_averages()
    path.write_text(averages.table(sort_by="self_cpu_time_total", row_limit=30))
    total = sum(event.self_cpu_time_total for event in averages)
    rows = [
        {
            "op": event.key,
            "calls_per_step": event.count / len(batches),
            "self_ms_per_step": event.self_cpu_time_total / 1000 / len(batches),
            "share": event.self_cpu_time_total / total,
        }
        for event in sorted(averages, key=lambda e: e.self_cpu_time_total, reverse=True)[:12]
    ]
    return pd.DataFrame(rows)


def run(
    out_dir: Path, models: list[str], threads: int, steps: int, train_size: int | None, seed: int = 1
) -> pd.DataFrame:
    config = default_config()
    peaks = {t: matmul_peak(t) for t in sorted({1, 2, threads})}
    save(
        pd.DataFrame([{"threads": t, "size": 2048, "gflop_per_s": g} for t, g in peaks.items()]),
        out_dir,
        "matmul_peak",
        "3a. fp32 matmul peak (torch.matmul 2048^3, best run)",
    )
    rows, phases, hotspots = [], [], []
    for name in models:
        task = TASKS[name]
        settings = config["models"][name]
        seq_len, channels = config[task]["seq_len"], CHANNELS[task]
        n_train = train_size or config[task]["n_train"]
        n_val = max(1, n_train * config[task]["n_val"] // config[task]["n_train"])
        make_deterministic(seed, threads)  # what every training job does first
        generator = torch.Generator().manual_seed(seed)
        train = random_task(n_train, seq_len, channels, generator)
        val = random_task(n_val, seq_len, channels, generator)
        train_config = TrainConfig.from_settings(settings, seed)
        batch_size = train_config.batch_size
        model, _ = build_model(name, settings, seq_len, channels)
        n_params = sum(p.numel() for p in model.parameters())

        x, y = train
        batches = [torch.randperm(n_train, generator=generator)[:batch_size] for _ in range(steps + 2)]
        model.train()
        flops = fwd_bwd_flops(model, one_hot(x[batches[0]], channels), y[batches[0]].float())
        step = Step(model, train_config)
        for idx in batches[:2]:  # warm-up
            step(x, y, idx)
        step.seconds = dict.fromkeys(Step.PHASES, 0.0)
        started = time.perf_counter()
        for idx in batches[2:]:
            step(x, y, idx)
        step_seconds = (time.perf_counter() - started) / steps
        phases.append({"model": name, **{p: s / steps / step_seconds for p, s in step.seconds.items()}})
        table = profile(step, x, y, batches[2 : 2 + min(steps, 5)], out_dir / f"profile_{name}.txt")
        hotspots.append(table.assign(model=name))

        make_deterministic(seed, threads)
        fresh, _ = build_model(name, settings, seq_len, channels)
        one_epoch = TrainConfig(**{**train_config.__dict__, "epochs": 1})
        result = fit(fresh, train, val, one_epoch, torch.device("cpu"), log=lambda message: None)
        epoch_seconds = result.train_seconds

        achieved = flops / step_seconds / 1e9
        rows.append(
            {
                "model": name,
                "task": task,
                "seq_len": seq_len,
                "batch_size": batch_size,
                "parameters": n_params,
                "threads": threads,
                "step_ms": step_seconds * 1000,
                "train_seqs_per_s": batch_size / step_seconds,
                "fit_epoch_s": epoch_seconds,
                "fit_seqs_per_s": n_train / epoch_seconds,
                "gflop_per_step": flops / 1e9,
                "gflop_per_s": achieved,
                "share_of_peak": achieved / peaks[threads],
                "n_train": n_train,
                "n_val": n_val,
            }
        )
        log(f"{name}: {batch_size / step_seconds:.0f} seqs/s per step, {n_train / epoch_seconds:.0f} in fit")
    table = pd.DataFrame(rows)
    save(
        table,
        out_dir,
        "training",
        f"3. Training throughput, default config, {threads} thread(s); share_of_peak against "
        f"{peaks[threads]:.0f} GFLOP/s",
        [
            "model",
            "seq_len",
            "batch_size",
            "parameters",
            "train_seqs_per_s",
            "fit_seqs_per_s",
            "gflop_per_step",
            "gflop_per_s",
            "share_of_peak",
        ],
    )
    save(pd.DataFrame(phases), out_dir, "training_phases", "3b. Share of step time per phase")
    save(
        pd.concat(hotspots, ignore_index=True),
        out_dir,
        "training_profile",
        "3c. Top ops by self CPU time per step (torch.profiler)",
        ["model", "op", "calls_per_step", "self_ms_per_step", "share"],
    )
    return table
