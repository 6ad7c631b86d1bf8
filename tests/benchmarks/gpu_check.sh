#!/usr/bin/env bash
# The GPU checks of the FAVOR+ and Enformer-scale work, in one go on a machine with an
# NVIDIA GPU, each step under its own time limit, everything written to OUT:
#
#   cuda_tests      the tests that run only where CUDA is (CUDA FAVOR+ against the
#                   reference in float64, two CUDA trainings giving the same bits, the
#                   training set moved to the GPU, a shared card's memory cap, the
#                   one-hot made on the GPU);
#   gpu_attention   tests/benchmarks/gpu_attention.py: FAVOR+ fp32, TF32 and bf16
#                   blocks against performer-pytorch and SDPA (needs performer-pytorch);
#   sweep_budget    tests/benchmarks/sweep_budget.py: each DNA model's training rate at
#                   Enformer's scale, alone and 8 side by side on the card, and the
#                   sweep's minutes that follow, before the sweep itself runs;
#   enformer_scale  the DNA experiment at Enformer's scale, timed:
#                   snakemake --cores N --configfile config/enformer_scale.yaml
#
#   bash tests/benchmarks/gpu_check.sh [OUT]                  # all four (~25 min on an H200?)
#   STEPS="cuda_tests gpu_attention" bash tests/benchmarks/gpu_check.sh
#
# Environment: PYTHON (default python3, with CUDA torch and the project's requirements),
# CORES (default: all), STEPS, SCALE_LIMIT_S (default 900: the 15 minutes).
# The exit status is the number of steps that failed.
set -uo pipefail

out=${1:-results/gpu_check}
python=${PYTHON:-python3}
cores=${CORES:-$(nproc)}
steps=${STEPS:-cuda_tests gpu_attention sweep_budget enformer_scale}
mkdir -p "$out"
"$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "gpu_check: torch sees no CUDA GPU")' || exit 1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >"$out/gpu.csv" 2>&1
"$python" -c 'import torch; print(torch.__version__, torch.version.cuda)' >>"$out/gpu.csv"

failed=0
step() { # name, seconds, command...
    local name=$1 limit=$2 started=$SECONDS status
    shift 2
    timeout -k 10 "$limit" "$@" >"$out/$name.log" 2>&1
    status=$?
    echo "$name: exit $status after $((SECONDS - started)) s (limit $limit s)" | tee -a "$out/steps.txt"
    ((status == 0)) || failed=$((failed + 1))
}

for name in $steps; do
    case $name in
    cuda_tests)
        step cuda_tests 300 "$python" -m pytest -q -p no:cacheprovider -k "cuda or gpu or shared_card or compact_encoding" \
            tests/test_favor.py tests/test_training.py tests/test_devices.py tests/test_encode.py
        ;;
    gpu_attention)
        step gpu_attention 420 "$python" tests/benchmarks/gpu_attention.py --out "$out"
        ;;
    sweep_budget)
        step sweep_budget 420 "$python" tests/benchmarks/sweep_budget.py --configfile config/enformer_scale.yaml --out "$out"
        ;;
    enformer_scale)
        step enformer_scale "${SCALE_LIMIT_S:-900}" "$python" -m snakemake --cores "$cores" \
            --configfile config/enformer_scale.yaml
        cp results/report/summary.tsv "$out/enformer_scale_summary.tsv" 2>/dev/null
        ;;
    *)
        echo "gpu_check: unknown step '$name' (cuda_tests, gpu_attention, sweep_budget, enformer_scale)" >&2
        failed=$((failed + 1))
        ;;
    esac
done
exit "$failed"
