"""The motif database patterns are matched against: one JASPAR release, read
offline through pyjaspar, as the simulation reads its planted matrices.

It holds the latest version of every matrix in the CORE collection and in
each collection a planted matrix comes from (POLII for core-promoter
elements), with each planted matrix in the very version the simulation drew
from. A planted consensus string joins it as a matrix of its own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.design import DNA_ALPHABET
from ..data.layout import is_consensus
from ..data.motifs import load_motif


@dataclass(frozen=True, eq=False)
class Target:
    matrix_id: str  # MA0105.4, or a consensus as written in the config
    name: str  # NFKB1, or the consensus
    families: tuple[str, ...]  # JASPAR's TF family annotation (empty for POLII matrices and consensuses)
    frequencies: np.ndarray  # (4, length): A, C, G, T per position, as Tomtom takes them

    @property
    def base_id(self) -> str:
        return self.matrix_id.split(".")[0]


def matrix_key(spec: str) -> str:
    """A config's motif spec as the database names it: a JASPAR ID as
    written, a consensus in capitals."""
    return spec.upper() if is_consensus(spec) else spec


def planted_roles(dna: dict, known: list[str]) -> dict[str, str]:
    """The matrices a discovered pattern may recover, each with its role: on
    simulated DNA the planted promoters and enhancers, and ``known``
    (motifs.known, for the user's own DNA) in every case."""
    roles = {}
    if not dna.get("input"):
        for role in ("promoter", "enhancer"):
            roles.update({matrix_key(spec): role for spec in dna.get(f"{role}s", [])})
    for spec in known:
        roles.setdefault(matrix_key(spec), "known")
    return roles


def _frequencies(matrix) -> np.ndarray:
    counts = np.array([matrix.counts[letter] for letter in DNA_ALPHABET], dtype=np.float64)
    return counts / counts.sum(axis=0, keepdims=True)


def motif_database(release: str, planted: list[str]) -> list[Target]:
    """Every matrix a discovered pattern may match (see the module's text);
    ``planted``: the config's promoter and enhancer specs."""
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    planted_matrices = [db.fetch_motif_by_id(spec) for spec in planted if not is_consensus(spec)]
    collections = sorted({"CORE"} | {m.collection for m in planted_matrices})
    exact = {m.matrix_id.split(".")[0]: m for m in planted_matrices}
    targets = []
    for matrix in db.fetch_motifs(collection=collections, all_versions=False):
        matrix = exact.pop(matrix.matrix_id.split(".")[0], matrix)
        targets.append(Target(matrix.matrix_id, matrix.name, tuple(matrix.tf_family or ()), _frequencies(matrix)))
    targets += [Target(m.matrix_id, m.name, tuple(m.tf_family or ()), _frequencies(m)) for m in exact.values()]
    for spec in planted:
        if is_consensus(spec):
            motif = load_motif(spec, release)
            targets.append(Target(matrix_key(spec), motif.name, (), motif.frequencies.T.copy()))
    return targets
