"""Peak memory of every job, estimated from the config before any job runs.

``job_memory_mb`` says, by arithmetic on the (defaults-filled) config alone,
how much resident memory one job of each rule will need at its peak; the
rules take it as ``resources: mem_mb``, and ``check_memory`` refuses a config
whose largest job would not fit the machine, with one sentence naming the
config keys that make it large. Nothing here imports torch or snakemake:
config validation runs at every ``snakemake -n`` and must stay fast.

MB here are 10**6 bytes, as Snakemake's ``mem_mb``.

What each job holds at its peak (bytes; n_s split sizes, L seq_len, C
channels: 4 for DNA, 21 for protein; B batch_size; every term is written out
in the functions below):

* simulate_*: the three splits' records (Python objects, ~L + 0.6 kB each)
  plus, for the split being drawn or written, its background draws and
  letters (2 bytes per base) or the labels table (~1 kB per record).
* encode_onehot: the FASTA (mapped, or decompressed), its translated
  letters and the (n, L) uint8 codes, and per record its id, header and
  labels row; the fallback reader for unusual files also holds every
  sequence as a string and its codes.
* train_*: torch (about 250 MB with numpy and pandas) plus its runtime; the
  three splits' uint8 codes (the largest twice while it is copied from its
  memory map; for DNA the masked test copy, the test positives and their
  float32 contributions as well); the
  parameters seven times (weights, gradients, AdamW's two moments, the best
  state, its next copy, temporaries); and the activations of one batch kept
  for the backward pass, counted tensor by tensor per sample and scaled by
  ``BACKWARD`` for the gradients that live at the same time: for the CNN only
  its receptive-field window (its forward crops the input to it), for the
  Enformer the conv stem and tower at every resolution plus (heads, bins,
  bins) score matrices per layer, for the protein encoders (seq_len + 1)
  tokens per layer plus, for the Performer, FAVOR+'s chunked (B*heads,
  chunk, nb_features) feature blocks. The exact transformer's attention runs
  as torch's flash kernel on the CPU, linear in tokens (a torch that fell back
  to the math kernel would add (heads, T, T) scores). On a GPU (use_gpu) the
  activations leave host memory: the estimate then errs high.
* attention_approximation: one row object per (draw, features, kind) and the
  float64 projections and feature blocks of the largest number of features.
* attention_scaling: q, k, v, their gradients and outputs (heads 4, head_dim
  64, float32) at the two largest lengths (the previous point's tensors are
  still alive when the next are drawn), and malloc's heap slack where the
  tensors are under 32 MB; exact attention runs as torch's flash kernel on
  the CPU, linear in length like FAVOR+, whose (heads, chunk, 256) feature
  blocks come on top.
* report: pandas and matplotlib, the test labels of every distance and the
  approximation table.

In short (bytes; ``BACKWARD`` 1.75, ``DATA_MARGIN`` 1.25; torch jobs start
from TORCH_MB + TORCH_RUNTIME_MB = 710 MB, the others from 150 or 220 MB):

    simulate   sum_s n_s (L + 750) + max_s n_s max(9 L [DNA], 1000)
    encode     max_s n_s (5 L + L/60 + 1170)                    (larger of DNA, protein)
    train      DATA_MARGIN (sum_s n_s L + max(max_s n_s L, 8 n_test L [DNA]))
               + 28 params + 4 BACKWARD B saved_floats + transients, with saved_floats
      cnn        W (channels (1 + 5 len(dilations)) + 12) + 4 L,   W = receptive field
      enformer   8 L + 5.5 w0 L + sum_i (2 w_i + 5.5 w_i+1) L / 2^(i+1)
                 + depth ((12 + 2 ff_mult) dim bins + heads bins^2);
                 transients 3 B heads bins^2 floats + depth bins^2 (8 + 12 heads)
      encoders   21 (2 L + kmer) + (4 + depth (10 + 2 mlp_ratio)) dim T + 4 depth heads T,
                 T = L + 1; performer transients 12 B heads chunk nb_features
    approx.    1000 draws len(features) + 8 KB max(features) + 4 MB
    scaling    1 KB (14 (n_max + n_prev) + 24 n_heap) + FAVOR+ blocks + 100 MB,
               n_heap = the longest length under 32768 tokens
    report     n_test distances 1000 + 400 draws len(features) + 100 L runs

Calibration: peak RSS (VmHWM) of the library calls each job makes, in a
fresh process (tests/benchmarks/bench_memory.py; the rule scripts' own calls, without
Snakemake's preamble, which ``SNAKEMAKE_MB`` adds to every estimate, so the
table compares estimates less it), training with ``epochs: 1`` (later epochs
allocate nothing new), one thread (scaling: 2). From the repository root:

    .venv/bin/python tests/benchmarks/bench_memory.py

took 6 minutes on a 2-core x86-64 machine with torch 2.13.0+cpu and
Python 3.11 (2026-11-27); MB = 10**6 bytes; repeated runs vary by up to 5 %
(training) and 15 % (scaling). The estimates sit 1.4-2.5x above these
measurements because the import constants cover a CUDA build of torch (see
TORCH_MB). The report, measured on the synthetic run of tests/test_report.py
(4 distances, 3 seeds), peaked at 171 MB.

    config           rule                     measured estimate ratio
    toy              simulate_dna                  82     151  1.84
    toy              simulate_protein              81     151  1.85
    toy              encode_onehot                 84     151  1.81
    toy              train_cnn                    391     736  1.88
    toy              train_enformer               419     760  1.81
    toy              train_performer              420     762  1.82
    toy              train_transformer            395     749  1.90
    toy              attention_approximation      289     717  2.48
    toy              attention_scaling            430     870  2.02
    default          simulate_dna                  90     164  1.82
    default          simulate_protein              84     156  1.87
    default          encode_onehot                 94     166  1.76
    default          train_cnn                    407     752  1.85
    default          train_enformer               497     838  1.69
    default          train_performer              478     833  1.74
    default          train_transformer            455     820  1.80
    default          attention_approximation      301     724  2.41
    default          attention_scaling            986    1578  1.60
    dna_n60k         simulate_dna                 361     528  1.46
    dna_n60k         encode_onehot                257     467  1.82
    dna_n60k         train_cnn                    687    1096  1.60
    dna_n120k        train_cnn                    828    1426  1.72
    dna_len4096      train_cnn                    406     755  1.86
    dna_len4096      train_enformer              2041    3157  1.55
    enformer_wide    train_enformer              1708    2457  1.44
    cnn_wide         train_cnn                    771    1184  1.54
    protein_len2048  train_performer              937    1344  1.43
    protein_len2048  train_transformer            851    1322  1.55
    protein_wide     train_performer             1914    3389  1.77
    protein_wide     train_transformer           1644    3120  1.90
    protein_n50k     simulate_protein             125     252  2.02
    protein_n50k     encode_onehot                381     529  1.39
    features4096     attention_approximation      329     747  2.27
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

from .models import DNA_MODELS, PROTEIN_CONTROLS, PROTEIN_MODELS, conv_field

MB = 10**6
FLOAT = 4  # bytes of a float32

# The fixed cost of a process (measured: ru_maxrss right after the imports).
# Imports cost more on other builds than on this project's pinned CPU one: on an H200
# machine (Python 3.12, torch 2.11.0+cu130) the data jobs peaked at 125 MB and
# `import torch` alone took 507 MB. A cluster's torch is usually a CUDA build, so the
# torch base covers that one (tests/benchmarks/bench_memory.py shows the CPU figures).
PYTHON_MB = 150  # python with numpy, pandas and Biopython (simulate, encode): 80 MB here, 125 there
TORCH_MB = 510  # python with torch, numpy and pandas: 263 MB (CPU build), 507 MB (CUDA build)
TORCH_RUNTIME_MB = 200  # torch's kernels, thread pools and allocator caches, once it computes
REPORT_MB = 220  # pandas, matplotlib and the figures of the report: 171 measured
SNAKEMAKE_MB = 30  # the preamble Snakemake puts before each rule's script
# What a cluster allocation holds beside the script: the job's own snakemake
# process (137 MB measured: /usr/bin/time -v snakemake -n on the toy config).
SNAKEMAKE_PROCESS_MB = 150
# A torch job computing on a GPU also holds CUDA's context and kernels in host memory:
# the toy training jobs peaked at 1426-1762 MB on an H200 against 389-417 MB on the CPU.
CUDA_HOST_MB = 1500

BACKWARD = 1.75  # saved activations plus the gradients and allocator slack beside them, as a multiple of them
DATA_MARGIN = 1.25  # for what the count above leaves out (allocator slack, page-cache rounding)
RECORD_BYTES = 700  # one simulated record object with its id and fields, less its sequence
TABLE_ROW_BYTES = 1000  # one record's row while the labels table is built or read
ROW_OBJECT_BYTES = 500  # one row of the approximation table (a dict) and its DataFrame cells: 385 measured

RULES = (
    "simulate_dna",
    "simulate_protein",
    "encode_onehot",
    *(f"train_{model}" for model in DNA_MODELS + PROTEIN_MODELS),
    "contribution_scores",
    "attention_approximation",
    "attention_scaling",
    "discover_motifs",
    "report",
)
TORCH_RULES = RULES[3:-2]  # training, contribution scores and the attention benchmarks
SPLITS = ("train", "val", "test")
CHANNELS = {"dna": 4, "protein": 21}


# --- sizes of the data sets -------------------------------------------------------------------


def _fasta_bytes(path: str) -> int:
    """Size of a FASTA as read: a gzip file's trailer holds its size uncompressed,
    modulo 2**32; from 1 GB compressed, at least 5 x the compressed size."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if handle.read(2) != b"\x1f\x8b":
            return size
        handle.seek(-4, os.SEEK_END)
        stored = int.from_bytes(handle.read(4), "little")
    return max(stored, 5 * size) if size > 2**30 else stored


def seq_len(config: dict, task: str) -> int:
    """The task's sequence length; for the protein sweep its longest, which
    sets the peak of every rule that runs once per length."""
    return config["dna"]["seq_len"] if task == "dna" else max(config["protein"]["seq_lens"])


def split_sizes(config: dict, task: str) -> dict[str, int]:
    """Records per split: n_train, n_val, n_test, or for the user's own DNA
    (dna.input) an upper bound from each FASTA's size (every record holds at
    least seq_len letters, a '>' and a newline)."""
    section = config[task]
    user = section.get("input") if task == "dna" else None
    sizes = {}
    for split in SPLITS:
        try:
            sizes[split] = max(1, _fasta_bytes(user[split]["fasta"]) // (seq_len(config, task) + 2))
        except (TypeError, KeyError, OSError):  # no user input, or a file not there yet
            sizes[split] = int(section[f"n_{split}"])
    return sizes


def _code_bytes(config: dict, task: str) -> dict[str, int]:
    """Each split's stored sequences: one uint8 code a letter (tbio.data.encode)."""
    return {split: n * seq_len(config, task) for split, n in split_sizes(config, task).items()}


# --- data jobs ---------------------------------------------------------------------------------


def simulate_bytes(config: dict, task: str) -> int:
    """Every split's records, plus the split being drawn (uint8 background
    draws and their letters for DNA: tbio.data.simulate.quaternary_draws) or
    written (its labels table). For DNA the
    larger of a window's splits and the held-out-distance set (simulate_dna_probe,
    whose jobs ask for this estimate too)."""
    sizes = {split: int(config[task][f"n_{split}"]) for split in SPLITS}  # simulated: n_* always apply
    if task == "dna" and int(config["dna"]["n_probe"]) > sum(sizes.values()):
        sizes = {"probe": int(config["dna"]["n_probe"])}
    length = seq_len(config, task)
    records = sum(n * (length + 49 + RECORD_BYTES) for n in sizes.values())
    draws = 2 * length if task == "dna" else 0
    largest = max(sizes.values())
    return records + largest * max(draws, TABLE_ROW_BYTES)


def encode_bytes(config: dict, task: str) -> int:
    """The largest split's encoding: its FASTA as read, every sequence as a
    string and as codes (the fallback reader), the translated letters and
    the codes array, ids and labels."""
    length = seq_len(config, task)
    n = max(split_sizes(config, task).values())
    fasta = n * (length + length // 60 + 2 + 120)  # sequence lines and a ~120-letter header
    strings = n * (2 * length + 49)  # the sequences as str, joined, and their codes
    codes = 2 * n * length  # the translated chunks and the array they are copied into
    return fasta + strings + codes + n * TABLE_ROW_BYTES


# --- training jobs ------------------------------------------------------------------------------


def _training_data_bytes(config: dict, task: str) -> int:
    """The uint8 codes of the splits and int64 labels, plus the larger of:
    the split being loaded, held twice while it is copied out of its memory
    map; for DNA, the masked test copy, the test positives and their float32
    contributions (the per-batch list, its concatenation, its absolute
    value: 6 bytes a base of the half that is positive). Times
    ``DATA_MARGIN``."""
    codes = _code_bytes(config, task)
    sizes = split_sizes(config, task)
    extra = max(codes.values())
    total = sum(codes.values()) + 8 * sum(sizes.values())
    if task == "dna":
        extra = max(extra, 8 * codes["test"])
        if not config["dna"].get("input"):  # the held-out-distance set and the labels tables
            probe = config["dna"]["n_probe"]
            total += probe * (config["dna"]["seq_len"] + 8 + TABLE_ROW_BYTES) + sizes["test"] * TABLE_ROW_BYTES
    return int(DATA_MARGIN * (total + extra))


def cnn_parameters(cnn: dict, channels: int = 4) -> int:
    width, kernel, hidden = cnn["channels"], cnn["kernel_size"], cnn["head_hidden"]
    stem = channels * width * cnn["stem_kernel"] + width
    block = width * width * kernel + width * width + 2 * width
    return stem + len(cnn["dilations"]) * block + width * hidden + hidden + hidden + 1


def cnn_activation_floats(config: dict) -> int:
    """Per sequence: the CNN convolves only the receptive-field window around
    the readout (zero-padded where it leaves the sequence), whatever seq_len."""
    cnn = config["models"]["cnn"]
    window, width = conv_field(cnn), cnn["channels"]
    length = config["dna"]["seq_len"]
    inputs = 4 * length + 3 * 4 * window  # the float batch; its padded, cropped, transposed copies
    per_block = 5 * width * window  # GELU, dilated conv, GELU, 1x1 conv, residual sum
    return inputs + width * window + len(cnn["dilations"]) * per_block


def global_cnn_activation_floats(config: dict, name: str = "cnn_global", task: str = "dna") -> int:
    """Per sequence: a global-pooling CNN (cnn_global, protein_bag,
    protein_local) convolves the whole sequence (valid convolutions, so a
    little less than seq_len positions per layer)."""
    cnn = config["models"][name]
    length, width, channels = seq_len(config, task), cnn["channels"], CHANNELS[task]
    return 2 * channels * length + 2 * width * length + len(cnn["dilations"]) * 5 * width * length


def dilated_activation_floats(config: dict) -> int:
    """Per sequence: the Enformer-style stem and tower, then per dilated block
    two BatchNorm-GELU-conv steps and the residual sum over the bins."""
    model = config["models"]["cnn_dilated"]
    length, dim = config["dna"]["seq_len"], model["dim"]
    widths, bins = enformer_widths(model), max(1, length // 2 ** model["n_pool"])
    floats = 2 * 4 * length + 5.5 * widths[0] * length
    for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
        floats += (2 * w_in + 5.5 * w_out) * length / 2 ** (i + 1)
    return int(floats + len(model["dilations"]) * 7 * dim * bins)


def enformer_widths(enformer: dict) -> list[int]:
    half = enformer["dim"] // 2
    pools = enformer["n_pool"]
    widths = [half] + [round(half * 2 ** ((i + 1) / max(1, pools - 1))) for i in range(pools - 1)]
    widths[-1] = enformer["dim"]
    return widths


def enformer_bins(config: dict) -> int:
    return max(1, config["dna"]["seq_len"] // 2 ** config["models"]["enformer"]["n_pool"])


def enformer_parameters(enformer: dict, bins: int, channels: int = 4) -> int:
    dim, half, widths = enformer["dim"], enformer["dim"] // 2, enformer_widths(enformer)
    total = channels * half * enformer["stem_kernel"] + half + 2 * half + half * half + half + half * half
    for w_in, w_out in zip(widths, widths[1:]):
        total += 2 * w_in + w_in * w_out * enformer["tower_kernel"] + w_out + 2 * w_out + w_out * w_out + w_out
        total += w_out * w_out
    ff = enformer["ff_mult"] * dim
    layer = 2 * dim + 3 * dim * dim + dim * dim + dim + 4 * enformer["n_basis"] * enformer["heads"]
    layer += 2 * dim + 2 * dim * ff + ff + dim
    return total + enformer["depth"] * layer + 2 * dim + dim * dim + dim + dim + 1


def enformer_activation_floats(config: dict) -> int:
    """Per sequence, what the forward pass keeps for the backward pass: the
    float batch and its transposed copy; the stem at full length (conv,
    BatchNorm, GELU, residual sum) and its attention pooling (3 half-length
    tensors); each tower stage likewise at its resolution; per transformer
    layer the token tensors (LayerNorms, q/k/v, head-major copies, output,
    feed-forward) and the (heads, bins, bins) softmax."""
    enformer = config["models"]["enformer"]
    length, dim, heads = config["dna"]["seq_len"], enformer["dim"], enformer["heads"]
    widths, bins = enformer_widths(enformer), enformer_bins(config)
    floats = 2 * 4 * length + 5.5 * widths[0] * length
    for stage, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
        floats += (2 * w_in + 5.5 * w_out) * length / 2 ** (stage + 1)
    tokens = (12 + 2 * enformer["ff_mult"]) * dim * bins
    return int(floats + enformer["depth"] * (tokens + heads * bins * bins))


def enformer_transient_floats(config: dict) -> int:
    """Per sequence, the (heads, bins, bins) score tensors that live only while
    one layer computes: about three at a time, forward or backward."""
    enformer = config["models"]["enformer"]
    return 3 * enformer["heads"] * enformer_bins(config) ** 2


def enformer_fixed_bytes(config: dict) -> int:
    """Per layer, batch-independent: the int64 (bins, bins) offsets buffer and
    the (heads, bins, bins) position bias with its gradient and gather."""
    enformer = config["models"]["enformer"]
    bins = enformer_bins(config)
    return enformer["depth"] * bins * bins * (8 + 3 * FLOAT * enformer["heads"])


def encoder_tokens(model: dict, seq_len: int) -> int:
    """Tokens an attention classifier attends over: one per ``pool`` residues, and a [CLS] token."""
    return -(-seq_len // model["pool"]) + (model["readout"] == "cls")


def encoder_parameters(model: dict, seq_len: int, channels: int = 21) -> int:
    dim, ratio = model["dim"], model["mlp_ratio"]
    positions = encoder_tokens(model, seq_len) * dim if model["positions"] == "learned" else 0
    embed = channels * dim * model["kmer"] + dim + dim * (model["readout"] == "cls") + positions
    block = 2 * dim + 3 * dim * dim + 3 * dim + dim * dim + dim + 2 * dim + 2 * ratio * dim * dim + ratio * dim + dim
    return embed + model["depth"] * block + 2 * dim + dim + 1


def favor_chunk(batch_heads: int, features: int, tokens: int) -> int:
    """Rows per chunk, as tbio.models.favor.default_chunk_size and favor_attention."""
    rows = int(min(4096, max(256, (4 * 1024 * 1024 // 4) // max(1, batch_heads * features))))
    return math.ceil(tokens / math.ceil(tokens / rows))


def encoder_activation_floats(config: dict, name: str) -> int:
    """Per sequence, what the forward pass keeps: the float batch, its padded
    copy, the k-mer features at every residue, the pooled tokens with [CLS]
    and positions; per encoder block the token tensors (LayerNorms, q/k/v,
    rotated and head-major copies, attention output and its merged copy,
    residuals, the MLP's hidden pair) and per-head normalisers (softmax's
    log-sum-exp, FAVOR+'s denominators)."""
    model = config["models"][name]
    length, dim, ratio = seq_len(config, "protein"), model["dim"], model["mlp_ratio"]
    tokens = encoder_tokens(model, length)
    floats = 21 * (2 * length + model["kmer"]) + dim * length + 4 * dim * tokens
    per_block = (14 + 2 * ratio) * dim * tokens + 4 * model["heads"] * tokens
    return floats + model["depth"] * per_block


def favor_block_bytes(config: dict, batch: int) -> int:
    """FAVOR+ features of one chunk, three at a time in the backward pass."""
    model = config["models"]["performer"]
    batch_heads = batch * model["heads"]
    rows = favor_chunk(batch_heads, model["nb_features"], encoder_tokens(model, seq_len(config, "protein")))
    return 3 * FLOAT * batch_heads * rows * model["nb_features"]


def training_bytes(config: dict, name: str) -> int:
    """Above the process's fixed cost: data, parameters (x 7) and one batch's
    activations, forward and backward."""
    model = config["models"][name]
    task = "dna" if name in DNA_MODELS else "protein"
    batch = min(model["batch_size"], max(split_sizes(config, task).values()))
    transient = 0.0
    if name == "cnn":
        params, floats = cnn_parameters(model), cnn_activation_floats(config)
    elif name == "cnn_global":
        params, floats = cnn_parameters(model), global_cnn_activation_floats(config)
    elif name in PROTEIN_CONTROLS:
        params = cnn_parameters(model, CHANNELS["protein"])
        floats = global_cnn_activation_floats(config, name, "protein")
    elif name == "cnn_dilated":
        # the tower's parameters (as the enformer's, less its transformer) and the dilated blocks
        params = enformer_parameters({**model, "depth": 0, "ff_mult": 1, "n_basis": 1, "heads": 1}, 1)
        params += len(model["dilations"]) * (model["dim"] ** 2 * (model["kernel_size"] + 1) + 6 * model["dim"])
        floats = dilated_activation_floats(config)
    elif name == "enformer":
        params = enformer_parameters(model, enformer_bins(config))
        floats = enformer_activation_floats(config)
        transient = FLOAT * batch * enformer_transient_floats(config) + enformer_fixed_bytes(config)
    else:
        params = encoder_parameters(model, seq_len(config, "protein"))
        floats = encoder_activation_floats(config, name)
        if name == "performer":
            transient = favor_block_bytes(config, batch)
    activations = BACKWARD * FLOAT * batch * floats + transient
    return int(_training_data_bytes(config, task) + 7 * FLOAT * params + activations)


# --- benchmarks and report ------------------------------------------------------------------------


def approximation_rows(config: dict) -> int:
    """Rows of the approximation table: per inputs (each logit scale, two
    trained models) and draw, one per (features, kind) and one uniform."""
    section = config["approximation"]
    return section["draws"] * (len(section["features"]) * 2 + 1) * (len(section["logit_stds"]) + 2)


def approximation_bytes(config: dict) -> int:
    """A row object per row of the table; per draw the float64 inputs of 256
    tokens; at the most features m the projection (drawn in float32,
    orthogonalised, as float64) and (256, m) float64 feature blocks; the
    trained models' q, k, v (float64, both models' widths) for ``draws``
    protein test sequences and the forward pass that computes them."""
    section = config["approximation"]
    most = max(section["features"])
    length = max(encoder_tokens(config["models"][m], seq_len(config, "protein")) for m in ("performer", "transformer"))
    tokens = min(section["draws"], split_sizes(config, "protein")["test"]) * length
    width = max(config["models"][m]["dim"] * config["models"][m].get("depth", 1) for m in ("performer", "transformer"))
    captured = 2 * 3 * 8 * tokens * width + 12 * FLOAT * tokens * width
    synthetic = most * 64 * (4 * 3 + 8 * 2) + 3 * 8 * 256 * most + 8 * 256 * 256 * 8
    return int(approximation_rows(config) * ROW_OBJECT_BYTES + synthetic + captured)


SCALING_HEADS, SCALING_HEAD_DIM, SCALING_FEATURES = 4, 64, 256  # tbio.bench.attention defaults


def scaling_bytes(config: dict) -> int:
    """Per token of a (heads, head_dim) float32 tensor: q, k, v, the output
    gradient, the output, the q/k/v gradients and FAVOR+'s saved normalisers,
    about 14 such at the largest length, next to the previous length's (alive
    while the next are drawn). Tensors under 32 MB (32768 tokens) come from
    malloc's heap, where what one method frees the other cannot always reuse:
    24 more per token at the longest such length (measured: 37 KB per token
    in all at 16384, 10-13 KB from 32768 on). Plus FAVOR+'s chunk feature
    blocks and the profiler's and flash kernel's buffers."""
    lengths = sorted(config["scaling"]["seq_lens"])
    tensor_per_token = SCALING_HEADS * SCALING_HEAD_DIM * FLOAT
    largest, previous = lengths[-1], lengths[-2] if len(lengths) > 1 else 0
    heap = max((n for n in lengths if n * tensor_per_token < 32 * 2**20), default=0)
    rows = favor_chunk(SCALING_HEADS, SCALING_FEATURES, largest)
    blocks = 3 * FLOAT * SCALING_HEADS * rows * SCALING_FEATURES
    tokens = 14 * (largest + previous) + 24 * heap
    return int(tensor_per_token * tokens + blocks + 100 * MB)


# TF-MoDISco-lite with numba, scikit-learn, igraph and the JASPAR release loaded:
# 460 MB measured at the default (300 sequences of 512 bp, 1,200 seqlets)
MODISCO_MB = 400


def contribution_bytes(config: dict) -> int:
    """A contribution_scores job: a training job of the largest listed model
    holds all its splits and more, so its estimate bounds this one's."""
    models = config["motifs"]["models"] or ["cnn"]
    return max(training_bytes(config, model) for model in models)


def discovery_bytes(config: dict) -> int:
    """The one-hot, hypothetical and actual scores and their copies (float32,
    8 arrays of n_sequences x seq_len x 4) and the seqlets' affinities
    (max_seqlets squared, float64, 4 matrices)."""
    motifs = config["motifs"]
    n = min(motifs["n_sequences"], split_sizes(config, "dna")["test"])
    return 8 * n * config["dna"]["seq_len"] * 4 * FLOAT + 4 * motifs["max_seqlets"] ** 2 * 8


def report_bytes(config: dict) -> int:
    """The test labels of every window and the approximation table, read by pandas."""
    windows = 1 if config["dna"].get("input") else len(config["dna"]["windows"])
    tests = split_sizes(config, "dna")["test"] * windows
    runs = len(config["seeds"]) * 8 * windows
    return tests * TABLE_ROW_BYTES + approximation_rows(config) * 200 + runs * config["dna"]["seq_len"] * 100


# --- the estimate ------------------------------------------------------------------------------------


def _job_bytes(config: dict) -> dict[str, float]:
    torch_base = (TORCH_MB + TORCH_RUNTIME_MB) * MB
    return {
        "simulate_dna": PYTHON_MB * MB + simulate_bytes(config, "dna"),
        "simulate_protein": PYTHON_MB * MB + simulate_bytes(config, "protein"),
        "encode_onehot": PYTHON_MB * MB + max(encode_bytes(config, "dna"), encode_bytes(config, "protein")),
        "train_cnn": torch_base + training_bytes(config, "cnn"),
        "train_cnn_dilated": torch_base + training_bytes(config, "cnn_dilated"),
        "train_cnn_global": torch_base + training_bytes(config, "cnn_global"),
        "train_enformer": torch_base + training_bytes(config, "enformer"),
        "train_performer": torch_base + training_bytes(config, "performer"),
        "train_transformer": torch_base + training_bytes(config, "transformer"),
        "train_protein_bag": torch_base + training_bytes(config, "protein_bag"),
        "train_protein_local": torch_base + training_bytes(config, "protein_local"),
        "contribution_scores": torch_base + contribution_bytes(config),
        "attention_approximation": torch_base + approximation_bytes(config),
        "attention_scaling": torch_base + scaling_bytes(config),
        "discover_motifs": MODISCO_MB * MB + discovery_bytes(config),
        "report": REPORT_MB * MB + report_bytes(config),
    }


def job_memory_mb(config: dict) -> dict[str, int]:
    """Estimated peak resident memory in MB (10**6 bytes) of one job of each
    rule, from the defaults-filled config; Snakemake's preamble included."""
    return {rule: int(math.ceil(size / MB)) + SNAKEMAKE_MB for rule, size in _job_bytes(config).items()}


def requested_mem_mb(config: dict) -> dict[str, int]:
    """What each rule asks the scheduler for (``resources: mem_mb``): the
    job's estimate, its snakemake process on a cluster node and, with
    use_gpu, CUDA's host memory for the torch rules."""
    estimates = job_memory_mb(config)
    cuda = CUDA_HOST_MB if config.get("use_gpu") else 0
    return {rule: mb + SNAKEMAKE_PROCESS_MB + (cuda if rule in TORCH_RULES else 0) for rule, mb in estimates.items()}


def machine_memory_mb() -> int:
    """Physical memory of this machine in MB (10**6 bytes)."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MB)


# --- which keys make a job large ---------------------------------------------------------------

_DATA_KEYS = {
    task: [f"{task}.{key}" for key in ("n_train", "n_val", "n_test", "seq_len" if task == "dna" else "seq_lens")]
    for task in CHANNELS
}
DRIVERS = {
    "simulate_dna": _DATA_KEYS["dna"],
    "simulate_protein": _DATA_KEYS["protein"],
    "encode_onehot": _DATA_KEYS["dna"] + _DATA_KEYS["protein"],
    "train_cnn": _DATA_KEYS["dna"]
    + [
        f"models.cnn.{key}"
        for key in ("batch_size", "channels", "kernel_size", "dilations", "stem_kernel", "head_hidden")
    ],
    "train_cnn_global": _DATA_KEYS["dna"]
    + [f"models.cnn_global.{key}" for key in ("batch_size", "channels", "dilations")],
    "train_cnn_dilated": _DATA_KEYS["dna"]
    + [f"models.cnn_dilated.{key}" for key in ("batch_size", "dim", "stem_kernel", "tower_kernel")],
    "train_enformer": _DATA_KEYS["dna"]
    + [
        f"models.enformer.{key}"
        for key in ("batch_size", "dim", "heads", "depth", "ff_mult", "stem_kernel", "tower_kernel")
    ],
    "train_performer": _DATA_KEYS["protein"]
    + [
        f"models.performer.{key}" for key in ("batch_size", "dim", "depth", "heads", "mlp_ratio", "kmer", "nb_features")
    ],
    "train_transformer": _DATA_KEYS["protein"]
    + [f"models.transformer.{key}" for key in ("batch_size", "dim", "depth", "heads", "mlp_ratio", "kmer")],
    **{
        f"train_{name}": _DATA_KEYS["protein"]
        + [f"models.{name}.{key}" for key in ("batch_size", "channels", "dilations")]
        for name in ("protein_bag", "protein_local")
    },
    "contribution_scores": _DATA_KEYS["dna"],
    "discover_motifs": ["motifs.n_sequences", "motifs.max_seqlets", "dna.seq_len"],
    "attention_approximation": ["approximation.draws", "approximation.features"],
    "attention_scaling": ["scaling.seq_lens"],
    "report": ["dna.n_test", "dna.windows", "dna.n_probe", "approximation.draws", "seeds", "dna.seq_len"],
}


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _halved(config: dict, key: str) -> dict | None:
    """``config`` with the value at ``key`` halved (each item of a list)."""
    *path, last = key.split(".")
    halved = copy.deepcopy(config)
    section = halved
    for part in path:
        section = section[part]
    value = section.get(last)
    if not (_whole(value) or isinstance(value, list) and value and all(_whole(v) for v in value)):
        return None
    if key == "seeds" or key == "dna.windows":  # their number counts, not their values
        section[last] = value[: max(1, len(value) // 2)]
    elif isinstance(value, list):
        section[last] = [max(1, v // 2) for v in value]
    else:
        section[last] = max(1, value // 2)
    return halved


def responsible_keys(config: dict, rule: str, most: int = 4) -> list[str]:
    """The config keys whose halving shrinks ``rule``'s estimate the most:
    the top one and any other that saves at least half as much."""
    total = _job_bytes(config)[rule]
    savings = []
    for key in DRIVERS[rule]:
        halved = _halved(config, key)
        if halved is not None:
            saving = 1 - _job_bytes(halved)[rule] / total
            if saving > 0.02:
                savings.append((saving, key))
    savings.sort(key=lambda pair: -pair[0])
    if not savings:
        return []
    return [key for saving, key in savings[:most] if saving >= savings[0][0] / 2]


def _value(config: dict, key: str) -> str:
    value = config
    for part in key.split("."):
        value = value[part]
    if isinstance(value, list):
        if key in ("seeds", "dna.windows"):
            return f"{len(value)} of them"
        return f"up to {max(value)}" if len(value) > 1 else str(value[0])
    return str(value)


def _size(mb: float) -> str:
    if mb >= 9500:
        return f"{mb / 1000:.0f} GB"
    if mb >= 1000:
        return f"{mb / 1000:.1f} GB"
    return f"{mb:.0f} MB"


def _jobs_that_run(config: dict) -> list[str]:
    user_dna = bool(config.get("dna", {}).get("input"))
    return [rule for rule in RULES if not (user_dna and rule == "simulate_dna")]


def check_memory(config: dict, limit_mb: int) -> None:
    """Raise tbio.config.ConfigError, in one sentence, when one job of some rule
    is estimated to need more than ``limit_mb`` MB: the rule with the largest
    estimate, its estimate, the limit and the keys that drive the estimate."""
    estimates = job_memory_mb(config)
    over = [rule for rule in _jobs_that_run(config) if estimates[rule] > limit_mb]
    if not over:
        return
    from .config import ConfigError  # here, not at the top: tbio.config imports this module

    rule = max(over, key=lambda r: estimates[r])
    keys = responsible_keys(config, rule)
    named = [f"{key} ({_value(config, key)})" for key in keys]
    where = "this machine has" if limit_mb == machine_memory_mb() else "memory_limit_mb allows"
    tail = f"need about {_size(estimates[rule])}, more than the {_size(limit_mb)} {where}"
    if not named and config["dna"].get("input"):
        sizes = sum(
            _fasta_bytes(files["fasta"]) for files in config["dna"]["input"].values() if Path(files["fasta"]).is_file()
        )
        named = [f"dna.input ({_size(sizes / MB)} of FASTA)"]
    if not named:
        raise ConfigError(f"each {rule} job would {tail}; lower the data or model sizes or raise memory_limit_mb.")
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb, pronoun = ("makes", "it") if len(named) == 1 else ("make", "them")
    raise ConfigError(
        f"config key{'s' if len(named) > 1 else ''} {listed} {verb} each {rule} job {tail}; "
        f"lower {pronoun} or raise memory_limit_mb."
    )
