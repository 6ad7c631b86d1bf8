"""The workflow submitted to a real SLURM cluster through profiles/slurm.

tests/cluster/start_slurm.sh starts a one-node SLURM cluster on this machine (root,
Debian; it installs the packages). The workflow, copied to a temporary directory, runs
config/test.yaml there with

    snakemake --profile profiles/slurm --profile tests/cluster/profile

(the second profile only adapts the first to a cluster without an accounting
database), and once more locally with --cores 2. The tests check that every job went
through sbatch and completed, that both runs report the same accuracies, bit for bit,
that a failing job fails the SLURM run, and that with use_gpu a training job goes to
a GPU partition asking for one GPU (the test cluster counts two, without devices).

Skipped where SLURM is not installed, unless CI is set: on CI a cluster that does not
start is a failure, not a skip.
"""

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_workflow

REPO = Path(__file__).resolve().parents[1]
CLUSTER_DIR = REPO / "tests" / "cluster"
SLURM_PROFILE_ARGS = ("--profile", "profiles/slurm", "--profile", str(CLUSTER_DIR / "profile"))
TEST_CONFIG = "config/test.yaml"
SUMMARY = Path("results/report/summary.tsv")
SUMMARY_KEY = ("task", "model", "distance_bp", "seed")
ACCURACY_COLUMNS = ("test_accuracy", "test_auroc")
# config/test.yaml runs in under 2 minutes locally; SLURM adds seconds per job.
# Past this, `timeout` ends Snakemake (which can otherwise wait forever on a status
# command that fails), and -k kills it 10 s later if it ignores SIGTERM.
SNAKEMAKE_LIMIT_S = 600
RUN_DIR = Path(os.environ.get("TBIO_SLURM_RUN_DIR", "/tmp/tbio-slurm"))

SUBMITTED = re.compile(r"^Job (\d+) has been submitted with SLURM jobid (\d+)", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    shutil.which("sbatch") is None and not os.environ.get("CI"),
    reason="SLURM is not installed (no sbatch on PATH) and CI is not set; "
    "run `sudo tests/cluster/start_slurm.sh` (or set CI=1, as root) to run it",
)


def _env():
    """This interpreter's bin first (jobs inherit PATH through sbatch --export=ALL)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", ""), "/usr/sbin", "/sbin"])
    return env


def _slurmctld_running():
    pid_file = RUN_DIR / "slurmctld.pid"
    try:
        pid = pid_file.read_text().strip()
        return Path(f"/proc/{pid}/comm").read_text().strip() == "slurmctld"
    except OSError:
        return False


@pytest.fixture(scope="session")
def slurm_cluster():
    """The one-node cluster; stopped at the end unless it was running before."""
    already_running = _slurmctld_running()
    started = subprocess.run(
        ["bash", str(CLUSTER_DIR / "start_slurm.sh")],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,  # includes apt-get install on a fresh machine
    )
    if started.returncode != 0:
        pytest.fail(
            "tests/cluster/start_slurm.sh failed " f"(exit {started.returncode}):\n{started.stdout}\n{started.stderr}"
        )
    yield
    if not already_running:
        subprocess.run(["bash", str(CLUSTER_DIR / "stop_slurm.sh")], env=_env(), check=True)


def _snakemake(workdir, *args):
    """Run Snakemake in workdir under `timeout`; returns (exit status, stdout+stderr)."""
    command = [
        "timeout", "-k", "10", str(SNAKEMAKE_LIMIT_S),
        sys.executable, "-m", "snakemake", *args,
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=workdir,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=SNAKEMAKE_LIMIT_S + 60,
    )
    (workdir / "snakemake.out").write_text(done.stdout)
    return done.returncode, done.stdout


def _node_memory_mb():
    shown = subprocess.run(
        ["scontrol", "show", "node", "--oneliner"], capture_output=True, text=True, check=True
    ).stdout
    return min(int(mb) for mb in re.findall(r"RealMemory=(\d+)", shown))


def _slurm_jobs_of_run(log):
    """SLURM job id -> state of every job that SLURM ran for the Snakemake run of
    this log, asked of slurmctld (it keeps finished jobs for MinJobAge): the plugin
    names each job after the run's id."""
    run_id = re.search(r"^SLURM run ID: (\S+)$", log, re.MULTILINE)
    assert run_id, "no 'SLURM run ID' in the log: did the slurm executor run?"
    shown = subprocess.run(
        ["squeue", "--noheader", "--states=all", "--format=%i %T", "--name", run_id.group(1)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split() for line in shown.splitlines())


def _announced_jobs(log):
    """Snakemake job id -> (rule, ran locally), from the 'rule NAME:' blocks of the log."""
    jobs = {}
    header = None
    for line in log.splitlines():
        if match := re.match(r"^(local)?rule (\w+):$", line):
            header = (match.group(2), match.group(1) == "local")
        elif header and (match := re.match(r"^\s+jobid: (\d+)$", line)):
            jobs[match.group(1)] = header
            header = None
    return jobs


def _accuracies(summary_path):
    """(task, model, distance_bp, seed) -> accuracy columns of summary.tsv, as written.

    pandas writes the shortest text that reads back to the same float64, so equal text
    is equal bits. Timings and peak memory differ between runs and are left out."""
    with open(summary_path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows, f"{summary_path} has no rows"
    missing = set(SUMMARY_KEY + ACCURACY_COLUMNS) - set(rows[0])
    assert not missing, f"{summary_path} lacks columns {sorted(missing)}"
    return {tuple(row[name] for name in SUMMARY_KEY): tuple(row[name] for name in ACCURACY_COLUMNS) for row in rows}


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm_run"))
    # A CI machine may have less memory than profiles/slurm gives a training job:
    # --resources caps each job's mem_mb at the node's, as a smaller site would.
    node_memory = ["--resources", f"mem_mb={_node_memory_mb()}"]
    status, log = _snakemake(workdir, *SLURM_PROFILE_ARGS, "--configfile", TEST_CONFIG, *node_memory)
    return workdir, status, log


@pytest.fixture(scope="module")
def local_run(test_run):
    """The shared `--cores 2` run of config/test.yaml (tests/conftest.py)."""
    return test_run, 0, ""


def test_slurm_run_succeeds(slurm_run):
    workdir, status, log = slurm_run
    assert status == 0, f"snakemake exited {status} (124/137: timed out):\n{log[-6000:]}"
    assert (workdir / SUMMARY).is_file()


def test_every_job_went_through_sbatch_and_completed(slurm_run):
    workdir, status, log = slurm_run
    assert status == 0, f"snakemake exited {status}; see {workdir / 'snakemake.out'}"
    announced = _announced_jobs(log)
    submitted = dict(SUBMITTED.findall(log))  # Snakemake job id -> SLURM job id
    ran_locally = {rule for rule, local in announced.values() if local}
    assert ran_locally <= {"all"}, f"jobs that skipped sbatch: {sorted(ran_locally)}"
    remote = {jobid for jobid, (_, local) in announced.items() if not local}
    assert remote, f"no job was run:\n{log[-3000:]}"
    assert set(submitted) == remote, (
        "jobs without an sbatch submission: " f"{sorted(announced[j][0] for j in remote - set(submitted))}"
    )
    rules = {announced[jobid][0] for jobid in submitted}
    assert {"train_cnn", "train_cnn_dilated", "train_cnn_global", "train_enformer", "train_performer"} <= rules
    slurm_jobs = _slurm_jobs_of_run(log)
    assert set(slurm_jobs) == set(submitted.values()), (slurm_jobs, submitted)
    assert set(slurm_jobs.values()) == {"COMPLETED"}, slurm_jobs


def test_slurm_and_local_runs_report_identical_accuracies(slurm_run, local_run):
    slurm_dir, slurm_status, _ = slurm_run
    local_dir, local_status, local_log = local_run
    assert slurm_status == 0, f"SLURM run failed; see {slurm_dir / 'snakemake.out'}"
    assert local_status == 0, f"local run exited {local_status}:\n{local_log[-6000:]}"
    assert _accuracies(slurm_dir / SUMMARY) == _accuracies(local_dir / SUMMARY)


def test_failing_job_fails_the_slurm_run(slurm_cluster, tmp_path):
    """A job that exits 1 on the node makes Snakemake exit non-zero, not hang."""
    shutil.copytree(REPO / "profiles", tmp_path / "profiles")
    (tmp_path / "Snakefile").write_text(
        "rule fail_on_node:\n"
        '    output: "never.txt"\n'
        "    threads: 1\n"
        "    resources: mem_mb=100, runtime=2\n"
        '    shell: "echo failing on purpose >&2; exit 1"\n'
    )
    # --retries 0: one failing submission proves the point; a retry would double the wait.
    status, log = _snakemake(tmp_path, *SLURM_PROFILE_ARGS, "--retries", "0")
    assert status not in (0, 124, 137), f"snakemake exited {status}:\n{log[-3000:]}"
    submitted = dict(SUBMITTED.findall(log))
    assert len(submitted) == 1, log[-3000:]
    assert list(_slurm_jobs_of_run(log).values()) == ["FAILED"]
    assert not (tmp_path / "never.txt").exists()


def _job_fields(job_id):
    """scontrol's Key=Value fields of one job (kept for MinJobAge after it ends)."""
    shown = subprocess.run(
        ["scontrol", "show", "job", "--oneliner", job_id], capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"(\w+)=(\S*)", shown))


def test_use_gpu_sends_training_to_the_gpu_partition_with_one_gpu(slurm_cluster, tmp_path):
    """use_gpu: true plus the README's SITE line (slurm_partition under the
    training rule in profiles/slurm/config.yaml): the training job is
    submitted to the GPU partition asking for one GPU (sbatch --gpus), the
    data jobs stay in the default partition without one. The test cluster's
    GPUs are counted by SLURM only, so the job trains on the CPU."""
    workdir = copy_workflow(tmp_path / "gpu")
    profile = workdir / "profiles" / "slurm" / "config.yaml"
    text = profile.read_text()
    site_line = '  train_cnn:\n    runtime: "2h"\n'
    assert site_line in text
    profile.write_text(text.replace(site_line, site_line + '    slurm_partition: "gpu"\n'))
    target = "results/models/dna/w10-16/cnn/seed1/metrics.json"  # config/test.yaml's first window
    node_memory = ["--resources", f"mem_mb={_node_memory_mb()}"]
    args = (
        target,
        "--configfile",
        TEST_CONFIG,
        "--config",
        "use_gpu=true",
        *node_memory,
    )  # target first: the options take lists
    status, log = _snakemake(workdir, *SLURM_PROFILE_ARGS, *args)
    assert status == 0, f"snakemake exited {status}:\n{log[-6000:]}"
    submitted = dict(SUBMITTED.findall(log))
    announced = _announced_jobs(log)
    by_rule = {}
    for snakemake_id, slurm_id in submitted.items():
        by_rule.setdefault(announced[snakemake_id][0], []).append(_job_fields(slurm_id))
    assert {"simulate_dna", "encode_onehot", "train_cnn"} <= set(by_rule), sorted(by_rule)
    (training,) = by_rule.pop("train_cnn")
    assert training["Partition"] == "gpu" and training["JobState"] == "COMPLETED"
    assert "gpu:1" in training.get("TresPerJob", ""), training
    default_partition = os.environ.get("TBIO_SLURM_PARTITION", "main")
    for rule, jobs in by_rule.items():
        for job in jobs:
            assert job["Partition"] == default_partition and "gpu" not in job.get("TresPerJob", ""), (rule, job)
    metrics = (workdir / target).read_text()
    assert '"device": "cpu"' in metrics
