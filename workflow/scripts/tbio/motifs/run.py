"""The two motif jobs from files to files, callable without Snakemake: the
contribution scores of one trained DNA model (``score_job``) and the
patterns found in them, each with its best JASPAR match (``discovery_job``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import encode
from ..files import write_atomic

# motifs.tsv, one row per discovered pattern
MOTIF_COLUMNS = [
    "pattern",
    "n_seqlets",
    "best_match_id",
    "best_match_name",
    "pvalue",
    "qvalue",
    "planted",
    "planted_match",
]


def score_job(
    checkpoint_paths, x_path, y_path, n_sequences: int, threads: int, scores_paths, device=None, log=print
) -> int:
    """Hypothetical contributions of the model in each of ``checkpoint_paths``
    (one per seed) on the first ``n_sequences`` positives of (``x_path``,
    ``y_path``), with their one-hot sequences and their indices in the split,
    into the matching one of ``scores_paths`` (.npz). Returns the number of
    sequences scored. ``device``: by default a GPU when torch sees one."""
    import torch

    from ..models import build_model
    from ..train.loop import make_deterministic, pick_device
    from .scores import hypothetical_contributions

    device = device or pick_device()
    x, y = np.load(x_path, mmap_mode="r"), np.load(y_path)
    index = np.flatnonzero(y == 1)[:n_sequences]
    one_hot = encode.one_hot(x[index], encode.CHANNELS["dna"])  # (n, seq_len, 4) uint8
    for checkpoint_path, scores_path in zip(checkpoint_paths, scores_paths, strict=True):
        make_deterministic(0, threads)
        checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
        model, _ = build_model(
            checkpoint["model"], checkpoint["model_config"], checkpoint["seq_len"], checkpoint["in_channels"]
        )
        model.load_state_dict(checkpoint["state_dict"])
        model.to(device)
        hypothetical = hypothetical_contributions(model, torch.from_numpy(one_hot), 64, device)
        log(f"{checkpoint_path}: hypothetical contributions of {len(index)} test positives on {device}")
        arrays = {"one_hot": one_hot.astype(np.uint8), "hypothetical": hypothetical, "index": index}
        write_atomic(scores_path, lambda tmp: np.savez_compressed(tmp, **arrays))
    return len(index)


def discovery_job(
    scores_paths, settings: dict, release: str, planted_specs: list[str], motifs_paths, patterns_paths, log=print
) -> list[pd.DataFrame]:
    """For each of ``scores_paths`` (a score_job's .npz per seed): the
    patterns TF-MoDISco-lite finds in it, each with its best match in the
    JASPAR ``release`` and the planted (or known) matrix it recovers, if any;
    the table into the matching one of ``motifs_paths`` (MOTIF_COLUMNS) and
    every pattern's PPM, CWM and matched matrix (as aligned) into the
    matching one of ``patterns_paths`` (.npz), for the report's logos."""
    from .database import matrix_key, motif_database

    targets = motif_database(release, planted_specs)
    planted_ids = {matrix_key(spec) for spec in planted_specs}
    planted = [t for t in targets if t.matrix_id in planted_ids]
    tables = []
    for scores_path, motifs_path, patterns_path in zip(scores_paths, motifs_paths, patterns_paths, strict=True):
        tables.append(_discover(scores_path, settings, targets, planted, motifs_path, patterns_path, log))
    return tables


def _discover(scores_path, settings: dict, targets, planted, motifs_path, patterns_path, log) -> pd.DataFrame:
    from .discovery import DiscoverySettings, best_matches, discover_patterns, planted_match

    scores = np.load(scores_path)
    one_hot, hypothetical = scores["one_hot"].astype(np.float32), scores["hypothetical"]
    try:
        patterns = discover_patterns(one_hot, hypothetical, DiscoverySettings.from_settings(settings))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # leidenalg raises bare BaseExceptions
        raise RuntimeError(
            f"TF-MoDISco-lite failed on {scores_path} ({len(one_hot)} sequences) with the motifs settings "
            f"{settings}: {error!r} (the default motifs section ran on every test data set here; max_seqlets 500 did not)."
        ) from error
    matches = best_matches(patterns, targets, settings["trim"])
    rows, arrays = [], {}
    for pattern, match in zip(patterns, matches):
        recovered, level = planted_match(match, planted, settings["max_qvalue"])
        rows.append(
            {
                "pattern": pattern.name,
                "n_seqlets": pattern.n_seqlets,
                "best_match_id": match.target.matrix_id,
                "best_match_name": match.target.name,
                "pvalue": match.p_value,
                "qvalue": match.q_value,
                "planted": recovered,
                "planted_match": level,
            }
        )
        arrays[f"{pattern.name}|ppm"] = pattern.frequencies
        arrays[f"{pattern.name}|cwm"] = pattern.contributions
        arrays[f"{pattern.name}|match"] = match.oriented()
    table = pd.DataFrame(rows, columns=MOTIF_COLUMNS)
    log(
        f"{scores_path}: {len(patterns)} patterns from {len(one_hot)} sequences; recovered: "
        + (", ".join(sorted(set(table["planted"]) - {""})) or "none")
    )
    write_atomic(patterns_path, lambda tmp: np.savez_compressed(tmp, **arrays))
    write_atomic(motifs_path, lambda tmp: table.to_csv(tmp, sep="\t", index=False, float_format="%.6g"))
    return table
