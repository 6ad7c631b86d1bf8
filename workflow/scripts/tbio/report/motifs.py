"""The report's motif pieces: every discovered pattern of every job in one
table (motifs.tsv), whether each model recovered the planted promoter and
enhancer matrices per data set (motif_recovery), and logos of recovered
patterns beside their JASPAR match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.layout import window_of
from ..motifs.database import planted_roles
from ..motifs.discovery import trimmed_span
from ..motifs.run import MOTIF_COLUMNS
from .aggregate import _model_path_keys

# motifs.tsv: every job's table (tbio.motifs.run), keyed by model, data set and seed
MOTIFS_COLUMNS = ["model", "dataset", "seed", *MOTIF_COLUMNS]
RECOVERY_COLUMNS = [
    "model",
    "dataset",
    "distance_min_bp",
    "distance_max_bp",
    "role",
    "seeds_recovered",
    "seeds",
    "matrices_recovered",
]


def motifs_table(paths: list[str]) -> pd.DataFrame:
    """Every job's motifs.tsv, keyed by model, data set and seed (from its path)."""
    frames = []
    for path in paths:
        keys = _model_path_keys(path)
        table = pd.read_csv(path, sep="\t", keep_default_na=False)  # planted: "" where none
        frames.append(table.assign(model=keys["model"], dataset=keys["dataset"], seed=keys["seed"]))
    if not frames:
        return pd.DataFrame(columns=MOTIFS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MOTIFS_COLUMNS]


def roles(config: dict) -> dict[str, str]:
    """Planted (or known) matrix ID -> its role: promoter, enhancer or known."""
    return planted_roles(config.get("dna", {}), config.get("motifs", {}).get("known", []))


def recovery_table(motifs: pd.DataFrame, config: dict, jobs: pd.DataFrame) -> pd.DataFrame:
    """Per (model, data set, role): in how many seeds some discovered pattern
    recovered a matrix of that role (its best match, below motifs.max_qvalue),
    and which. ``jobs``: model, dataset, seed of every discovery job (a job
    that found no pattern still counts as a seed)."""
    role_of = roles(config)
    rows = []
    for (model, dataset), group in jobs.groupby(["model", "dataset"], sort=False):
        found = motifs[(motifs["model"] == model) & (motifs["dataset"] == dataset) & (motifs["planted"] != "")]
        window = window_of(dataset) or (pd.NA, pd.NA)
        for role in dict.fromkeys(role_of.values()):
            hits = found[found["planted"].map(role_of) == role]
            rows.append(
                {
                    "model": model,
                    "dataset": dataset,
                    "distance_min_bp": window[0],
                    "distance_max_bp": window[1],
                    "role": role,
                    "seeds_recovered": int(hits["seed"].nunique()),
                    "seeds": int(group["seed"].nunique()),
                    "matrices_recovered": " ".join(sorted(set(hits["planted"]))),
                }
            )
    return pd.DataFrame(rows, columns=RECOVERY_COLUMNS)


def jobs_of(paths: list[str]) -> pd.DataFrame:
    return pd.DataFrame([_model_path_keys(p) for p in paths], columns=["model", "dataset", "seed"])


def logo_rows(motifs: pd.DataFrame, pattern_paths: list[str], config: dict) -> list[dict]:
    """What the logo figure shows: per (model, data set) and role, the
    recovered pattern with the most seqlets (lowest seed first), its CWM
    over the span that was matched (motifs.trim) and its matched matrix as
    aligned (from the job's patterns.npz)."""
    role_of = roles(config)
    trim = config.get("motifs", {}).get("trim", 0.3)
    by_job = {(k["model"], k["dataset"], k["seed"]): p for p in pattern_paths for k in [_model_path_keys(p)]}
    rows = []
    recovered = motifs[motifs["planted"] != ""].sort_values(["seed", "n_seqlets"], ascending=[True, False])
    for model, dataset in dict.fromkeys((k["model"], k["dataset"]) for k in map(_model_path_keys, pattern_paths)):
        for role in dict.fromkeys(role_of.values()):
            hits = recovered[
                (recovered["model"] == model)
                & (recovered["dataset"] == dataset)
                & (recovered["planted"].map(role_of) == role)
            ]
            if hits.empty:
                rows.append({"model": model, "dataset": dataset, "role": role, "pattern": None})
                continue
            best = hits.iloc[0]
            with np.load(by_job[(model, dataset, int(best["seed"]))]) as arrays:
                cwm, match = arrays[f"{best['pattern']}|cwm"], arrays[f"{best['pattern']}|match"]
            start, end = trimmed_span(cwm, trim)
            cwm = cwm[start:end]
            rows.append({"model": model, "dataset": dataset, "role": role, "pattern": best, "cwm": cwm, "match": match})
    return rows
