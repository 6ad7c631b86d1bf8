"""Where a job runs, and how jobs share a GPU.

Snakemake runs jobs side by side as ``--cores`` allows, and knows nothing of
GPUs: on a machine with one card, eight training jobs would all land on it
and the last to allocate would run out of memory. Here each job that uses a
GPU first holds a slot on a card: ``jobs_per_gpu`` slots per card (the
config key), each an exclusive ``flock`` on a file named after the card's
UUID in the machine's temporary folder. The kernel drops a lock when its
process ends, however it ends, so a killed job never keeps its slot. A job
finding every slot taken waits for one and says so in its log. Slots are
taken slot-major (slot 0 of every card before slot 1 of any), so jobs spread
over the cards first. A job that holds a slot may use ``1 / jobs_per_gpu`` of
the card's memory (``torch.cuda.set_per_process_memory_fraction``): when a
model is too large for its share it stops with an out-of-memory error rather
than starving the jobs beside it. A benchmark that times the card
(``exclusive``) takes every slot of one card.

Under SLURM each job is given its own card (``gpu`` resource) and finds its
slot free; the UUIDs keep two jobs that see the same card under different
numbers from both taking it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import torch

LOCK_DIR = Path(tempfile.gettempdir()) / f"tbio-gpu-slots-{os.getuid()}"
POLL_SECONDS = 2.0
# the share of the card each job may use: 1 / jobs_per_gpu of the card, per device index
_SHARES: dict[int, float] = {}


def _take(path: Path):
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _try_claim(cards: list[str], per_card: int, exclusive: bool, lock_dir: Path):
    """(card index, open lock handles), or None when no slot is free."""
    if exclusive:
        for card, name in enumerate(cards):
            handles = [_take(lock_dir / f"{name}.{slot}.lock") for slot in range(per_card)]
            if all(handles):
                return card, handles
            for handle in filter(None, handles):
                handle.close()
        return None
    for slot in range(per_card):
        for card, name in enumerate(cards):
            handle = _take(lock_dir / f"{name}.{slot}.lock")
            if handle:
                return card, [handle]
    return None


@contextlib.contextmanager
def gpu_slot(
    cards: list[str],
    per_card: int,
    exclusive: bool = False,
    lock_dir: Path = LOCK_DIR,
    poll: float = POLL_SECONDS,
    log: Callable[[str], None] = print,
) -> Iterator[int]:
    """Hold one of ``per_card`` slots of one of ``cards`` (names unique to
    each physical card), all of one card's slots with ``exclusive``, until
    the block ends; yields the card's index in ``cards``. Waits while every
    slot is taken."""
    if per_card < 1:
        raise ValueError(f"jobs_per_gpu must be at least 1, got {per_card}")
    lock_dir.mkdir(parents=True, exist_ok=True)
    waited = 0.0
    while (claimed := _try_claim(cards, per_card, exclusive, lock_dir)) is None:
        if waited == 0.0:
            log(f"waiting for a GPU slot: all {per_card} slot(s) of {len(cards)} card(s) are held by other jobs")
        time.sleep(poll)
        waited += poll
    card, handles = claimed
    if waited:
        log(f"GPU slot free after {waited:.0f} s")
    try:
        yield card
    finally:
        for handle in handles:
            handle.close()


@contextlib.contextmanager
def claim_device(
    jobs_per_gpu: int = 1, exclusive: bool = False, log: Callable[[str], None] = print
) -> Iterator[torch.device]:
    """The device a job runs on, held for the block: a GPU slot (see the
    module's docstring) when torch sees a GPU, else the CPU."""
    if not torch.cuda.is_available():
        yield torch.device("cpu")
        return
    cards = [str(torch.cuda.get_device_properties(i).uuid) for i in range(torch.cuda.device_count())]
    with gpu_slot(cards, jobs_per_gpu, exclusive, lock_dir=LOCK_DIR, log=log) as index:
        torch.cuda.set_device(index)
        share = 1.0 if exclusive else 1.0 / jobs_per_gpu
        if share < 1.0:
            torch.cuda.set_per_process_memory_fraction(share, index)
        _SHARES[index] = share
        log(f"on cuda:{index} ({torch.cuda.get_device_name(index)}), {share:.3g} of its memory")
        try:
            yield torch.device("cuda", index)
        finally:
            _SHARES.pop(index, None)
            if share < 1.0:
                torch.cuda.set_per_process_memory_fraction(1.0, index)


def memory_budget(device: torch.device) -> int:
    """Bytes this job may still take on ``device``: the card's free memory,
    capped by the job's share of the card."""
    index = device.index if device.index is not None else torch.cuda.current_device()
    free, total = torch.cuda.mem_get_info(index)
    return int(min(free, total * _SHARES.get(index, 1.0) - torch.cuda.memory_reserved(index)))
