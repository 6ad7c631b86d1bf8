"""Writing an output whole or not at all: a job killed mid-write leaves its
old file (or none), never a truncated one that a rerun would take as done."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path, write) -> None:
    """``write(tmp)`` into a hidden file beside ``path``, then rename it onto
    ``path``. The temporary name keeps the suffix (``.x.tmp.npz``), as numpy
    appends ``.npz`` to a name without it."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)
