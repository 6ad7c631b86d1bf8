"""GPU slots (tbio.train.devices): how many jobs share a card, which card a
job gets, and that a slot is free again however its job ends. The slots are
file locks named after each card, so they are tested here with made-up card
names; the CUDA part (device, memory share) runs only where a GPU is."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from tbio.train.devices import _try_claim, claim_device, gpu_slot

SCRIPTS = str(Path(__file__).resolve().parents[1] / "workflow" / "scripts")


def claim(lock_dir, cards=("cardA", "cardB"), per_card=2, **options):
    return gpu_slot(list(cards), per_card, lock_dir=lock_dir, poll=0.05, log=lambda line: None, **options)


def test_jobs_spread_over_the_cards_first_and_fill_each_up_to_its_slots(tmp_path):
    with claim(tmp_path) as first, claim(tmp_path) as second, claim(tmp_path) as third, claim(tmp_path) as fourth:
        assert [first, second, third, fourth] == [0, 1, 0, 1]
        waiting = []
        thread = threading.Thread(target=lambda: waiting.append(claim(tmp_path).__enter__()))
        thread.start()
        time.sleep(0.3)
        assert not waiting  # every slot is held: the fifth job waits
    thread.join(timeout=5)
    assert waiting == [0]


def test_a_waiting_job_says_so_and_takes_the_slot_that_frees(tmp_path):
    lines = []
    outer = claim(tmp_path, cards=["only"], per_card=1)
    outer.__enter__()
    got = []

    def second():
        with gpu_slot(["only"], 1, lock_dir=tmp_path, poll=0.05, log=lines.append) as card:
            got.append(card)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.3)
    assert got == [] and lines[0].startswith("waiting for a GPU slot: all 1 slot(s) of 1 card(s)")
    outer.__exit__(None, None, None)
    thread.join(timeout=5)
    assert got == [0] and lines[-1].startswith("GPU slot free after")


def test_an_exclusive_claim_takes_a_whole_card(tmp_path):
    with claim(tmp_path) as shared:
        assert shared == 0
        with claim(tmp_path, exclusive=True) as whole:
            assert whole == 1  # card A has a job on it: the benchmark takes card B
            assert _try_claim(["cardB"], 2, False, tmp_path) is None  # no slot of card B is free
    # a slot of card B taken meanwhile shows up as a wait, not a shared card
    with claim(tmp_path, cards=["cardB"], per_card=2):
        ready = []
        thread = threading.Thread(
            target=lambda: ready.append(claim(tmp_path, cards=["cardB"], per_card=2, exclusive=True).__enter__())
        )
        thread.start()
        time.sleep(0.3)
        assert not ready
    thread.join(timeout=5)
    assert ready == [0]


def test_a_killed_job_leaves_its_slot_free(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from pathlib import Path; from tbio.train.devices import gpu_slot\n"
            "with gpu_slot(['only'], 1, lock_dir=Path(sys.argv[2]), log=lambda l: None):\n"
            "    print('held', flush=True); time.sleep(60)",
            SCRIPTS,
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        free = []
        thread = threading.Thread(target=lambda: free.append(claim(tmp_path, cards=["only"], per_card=1).__enter__()))
        thread.start()
        time.sleep(0.3)
        assert not free  # held by the other process
        holder.kill()  # SIGKILL: no cleanup code runs
        thread.join(timeout=5)
        assert free == [0]
    finally:
        holder.kill()
        holder.wait()


def test_zero_slots_is_refused(tmp_path):
    with pytest.raises(ValueError, match="jobs_per_gpu must be at least 1, got 0"):
        with claim(tmp_path, per_card=0):
            pass  # pragma: no cover


def test_without_a_gpu_the_job_runs_on_the_cpu_and_takes_no_slot():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with claim_device(4, log=lambda line: None) as device:
        assert device == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")
def test_a_shared_card_caps_each_jobs_memory(tmp_path, monkeypatch):
    from tbio.train import devices

    monkeypatch.setattr(devices, "LOCK_DIR", tmp_path)
    with claim_device(4, log=lambda line: None) as device:
        assert device.type == "cuda" and devices._SHARES[device.index] == 0.25
        total = torch.cuda.get_device_properties(device).total_memory
        assert devices.memory_budget(device) <= total * 0.25
        with pytest.raises(torch.cuda.OutOfMemoryError):
            torch.empty(int(total * 0.3), dtype=torch.uint8, device=device)
