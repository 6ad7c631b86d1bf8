"""Does a model learn a task, and by which epoch? Trains one model on freshly
simulated data, without early stopping, and prints the validation accuracy
of every epoch: the quick check behind a default (how long the Enformer-style
model sits on its plateau, whether a protein model learns the spacing task).

    .venv/bin/python tests/benchmarks/learning_probe.py dna enformer --window 72 92 --seed 4
    .venv/bin/python tests/benchmarks/learning_probe.py dna enformer --dna '{"enhancers": ["MA0114.4", "MA0148.4"]}'
    .venv/bin/python tests/benchmarks/learning_probe.py spacing transformer --protein '{"repeats": 1}'
    .venv/bin/python tests/benchmarks/learning_probe.py spacing performer --settings '{"pool": 1}'
    .venv/bin/python tests/benchmarks/learning_probe.py dna enformer --tracks 1 --n-train 2000 --epochs 6 \
        --window 3000 4000 --dna '{"seq_len": 16384}' --settings '{"n_pool": 7, "dim": 64, "batch_size": 4}'

The DNA task takes the default config's dna section (``--dna`` overrides keys
of it), the protein spacing task its protein section (``--protein``). Model
keys come from the default config's models section (``--settings`` overrides
them). ``--tracks W`` (DNA, models with bins) adds the element tracks'
loss with weight W (``tbio.train.tracks``) and prints their validation AUROC.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

from tbio.data.encode import encode  # noqa: E402
from tbio.data.layout import task_element_lengths  # noqa: E402
from tbio.data.motifs import task_elements  # noqa: E402
from tbio.data.pairs import simulate_pairs  # noqa: E402
from tbio.data.simulate import split_seed  # noqa: E402
from tbio.data.spacing import simulate_spacing  # noqa: E402
from tbio.models import build_model  # noqa: E402
from tbio.train.loop import TrainConfig, fit, make_deterministic  # noqa: E402
from tbio.train.tracks import N_TRACKS, element_tracks  # noqa: E402


def arrays(records, alphabet: str):
    x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], alphabet))
    return x, torch.tensor([r.label for r in records])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["dna", "spacing"])
    parser.add_argument("model")
    parser.add_argument("--n-train", type=int, default=None, help="default: 6000 DNA, the config's protein n_train")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1, help="the model's seed (the data's is the config's)")
    parser.add_argument("--window", type=int, nargs=2, default=[72, 92], help="DNA distance window")
    parser.add_argument("--dna", default="{}", help="JSON overrides of the dna section")
    parser.add_argument("--protein", default="{}", help="JSON overrides of the protein section")
    parser.add_argument("--settings", default="{}", help="JSON overrides of the model's section")
    parser.add_argument("--tracks", type=float, default=0.0, help="weight of the element tracks' loss (DNA)")
    parser.add_argument("--verbose", action="store_true", help="print the training loop's line for every epoch")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: two probes side by side)")
    args = parser.parse_args()

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    if args.task == "dna":
        dna = {**config["dna"], **json.loads(args.dna)}
        promoters, enhancers = task_elements(dna)
        window = tuple(args.window)

        def split(name, n):
            seed = split_seed(dna["data_seed"], name, *window)
            records = simulate_pairs(n, dna["seq_len"], promoters, enhancers, window, seed)
            labels[name] = pd.DataFrame([{k: v for k, v in vars(r).items() if k != "seq"} for r in records])
            return arrays(records, "dna")

        labels = {}

        seq_len, channels = dna["seq_len"], 4
    else:

        protein = {**config["protein"], **json.loads(args.protein)}
        keys = ("motif_a", "motif_b", "near", "far", "repeats")
        seq_len, channels = max(protein["seq_lens"]), 21  # the sweep's longest length

        def split(name, n):
            seed = split_seed(protein["data_seed"], name)
            settings = {key: protein[key] for key in keys}
            return arrays(simulate_spacing(n, seq_len=seq_len, seed=seed, **settings), "protein")

    n_train = args.n_train or (6000 if args.task == "dna" else protein["n_train"])
    train, val = split("train", n_train), split("val", 500)
    settings = {**config["models"][args.model], **json.loads(args.settings)}
    settings.update(epochs=args.epochs, min_epochs=args.epochs, patience=args.epochs, track_weight=args.tracks)
    if args.tracks:
        settings["tracks"] = N_TRACKS
    make_deterministic(args.seed, args.threads)
    model, _ = build_model(args.model, settings, seq_len, channels)
    tracks = None
    if args.tracks:
        elements = task_element_lengths(dna)
        tracks = tuple(element_tracks(labels[s], elements, seq_len, model.bin_bp) for s in ("train", "val"))
        tracks = tuple(map(torch.from_numpy, tracks))
    started = time.perf_counter()
    result = fit(
        model,
        train,
        val,
        TrainConfig.from_settings(settings, args.seed),
        torch.device("cpu"),
        log=(lambda line: print(line, flush=True)) if args.verbose else (lambda line: None),
        tracks=tracks,
    )
    accuracies = " ".join(f"{h['val_accuracy']:.2f}" for h in result.history)
    print(f"{args.task} {args.model} seed {args.seed}: validation accuracy by epoch {accuracies}", end="")
    if args.tracks:
        print(", track AUROC " + " ".join(f"{h['val_track_auroc']:.3f}" for h in result.history), end="")
    print(f" ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
