"""The report library on small synthetic tables: aggregation, the headline's
numbers and sentences, figures, provenance and the HTML page."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tbio.report import aggregate, analysis, figures, findings, html, provenance
from tbio.report.build import FIGURES, ReportInputs, build_report

SEQ_LEN = 512
RECEPTIVE_FIELDS = {"cnn": 75, "cnn_dilated": 523, "cnn_global": SEQ_LEN, "enformer": SEQ_LEN}
RECEPTIVE_FIELD = RECEPTIVE_FIELDS["cnn"]
DNA_MODELS = list(RECEPTIVE_FIELDS)
ENHANCER_LEN = 12
PROMOTER_START = SEQ_LEN // 2 - 6
# half the local CNN's field is 37.5 bp: w8-16 lies wholly inside it (16 + 11 < 37.5),
# w20-30 across its edge, w60-80 and w100-120 wholly beyond it
WINDOWS = ["w8-16", "w20-30", "w60-80", "w100-120"]
BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def window(dna_set: str) -> tuple[int, int] | None:
    if dna_set == "user":
        return None
    low, high = dna_set[1:].split("-")
    return int(low), int(high)


def accuracy_of(model: str, low: int | None, seed: int) -> float:
    """The synthetic run's truth: the local CNN and the dilated CNN fail
    beyond half the local CNN's receptive field, global pooling everywhere."""
    beyond = low is not None and low >= RECEPTIVE_FIELD / 2
    if model == "cnn_global" or (model in ("cnn", "cnn_dilated") and beyond):
        return 0.50 + 0.01 * seed
    # the protein controls: the bag of k-mers solves the task, the local CNN is at chance
    return {"performer": 0.90, "transformer": 0.92, "protein_bag": 0.97, "protein_local": 0.51}.get(model, 0.97) + (
        0.005 * seed
    )


def controls_of(model: str, low: int | None, seed: int) -> dict:
    return {
        "none": accuracy_of(model, low, seed),
        "enhancer_masked": 0.5 + 0.001 * seed,
        "promoter_masked": 0.51,
        "untrained": 0.5,
    }


def metrics_record(task: str, model: str, dna_set: str | None, seed: int) -> dict:
    span = window(dna_set) if dna_set else None
    low = span[0] if span else None
    accuracy = accuracy_of(model, low, seed)
    history = [
        {
            "epoch": e,
            "train_loss": 0.7 / e,
            "val_loss": 0.69 / e,
            "val_accuracy": min(accuracy, 0.5 + 0.2 * e),
            "val_auroc": 0.6,
            "seconds": e,
        }
        for e in (1, 2, 3)
    ]
    return {
        "task": task,
        "model": model,
        "dataset": dna_set,
        "distance_bp": (span[0] + span[1]) // 2 if span else None,
        "distance_min_bp": span[0] if span else None,
        "distance_max_bp": span[1] if span else None,
        "seq_len": SEQ_LEN if task == "dna" else 128,
        "seed": seed,
        "test_accuracy": accuracy,
        "test_auroc": accuracy + 0.01,
        "test_loss": 0.3,
        "controls": controls_of(model, low, seed) if span else None,
        "n_params": 1000,
        "receptive_field_bp": RECEPTIVE_FIELDS.get(model, 128),
        "used_reach_bp": 20 + seed if model == "cnn" else (None if task == "protein" else 100 + seed),
        "best_epoch": 3,
        "epochs_run": 3,
        "history": history,
        "train_seconds": 3.0,
        "device": "cpu",
        "threads": 1,
        "torch": "2.13.0+cpu",
        "python": "3.11.7",
    }


def write_benchmark(path: Path, seconds: float, rss: float, cpu) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BENCHMARK_HEADER + f"{seconds}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")
    return str(path)


def approximation_rows() -> pd.DataFrame:
    """The approximation table as the rule writes it, for two inputs: on the
    synthetic one orthogonal features drop below uniform attention (0.2) from
    64 features, iid ones from 256; on the trained one neither does (0.05)."""
    rows = []
    for inputs, uniform in (("synthetic_std0.35", 0.2), ("trained_performer", 0.05)):
        for d in range(3):
            rows.append((inputs, None, "uniform", d, uniform))
            for m in (16, 64, 256):
                for kind, c in (("orthogonal", 1.2), ("iid", 1.8)):
                    rows.append((inputs, m, kind, d, c * m**-0.5 * (1 + 0.05 * d)))
    return pd.DataFrame(rows, columns=["inputs", "features", "kind", "draw", "rel_error"])


def test_the_fewest_features_at_which_favor_beats_uniform_attention_per_inputs(tmp_path):
    path = tmp_path / "approximation.tsv"
    approximation_rows().to_csv(path, sep="\t", index=False)  # empty features for uniform, as the rule writes
    summary = aggregate.approximation_summary(pd.read_csv(path, sep="\t"))
    assert summary["inputs"].unique().tolist() == ["synthetic_std0.35", "trained_performer"]
    assert summary[summary["kind"] == "uniform"]["draws"].tolist() == [3, 3]
    table = aggregate.approximation_vs_uniform(summary).set_index("inputs")
    # 1.2 / 8 = 0.15 < 0.2 at 64 features; 1.8 / 16 = 0.1125 < 0.2 at 256; never below 0.05
    assert table.loc["synthetic_std0.35", "orthogonal_beats_uniform_from"] == 64
    assert table.loc["synthetic_std0.35", "iid_beats_uniform_from"] == 256
    assert pd.isna(table.loc["trained_performer", "orthogonal_beats_uniform_from"])
    assert table.loc["trained_performer", "uniform_error"] == pytest.approx(0.05)
    assert table.attrs["most_features"] == 256


def scaling_rows(favor_faster_from: int | None = 2048, lengths=(512, 1024, 2048, 4096, 8192, 16384)) -> pd.DataFrame:
    """FAVOR+ linear, exact quadratic, crossing at ``favor_faster_from``."""
    rows = []
    cross = favor_faster_from or 10**9
    for length in lengths:
        exact = 1e-3 * (length / cross) ** 2  # equal to FAVOR+ a little before the crossover
        favor = 1.05e-3 * (length / cross) * 0.9 ** (length >= cross)
        rows += [("exact", length, exact, length**2 / 1e6), ("favor", length, favor, length / 1e3)]
    return pd.DataFrame(rows, columns=["method", "seq_len", "seconds_fwd_bwd", "peak_mb"])


def write_labels(path: Path, dna_set: str) -> str:
    """A test split's labels: with the planted positions when simulated (the
    distance drawn from the window, the side alternating), only (id, label)
    for the user's own DNA."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if dna_set == "user":
        pd.DataFrame({"id": [f"seq{i}" for i in range(20)], "label": [i % 2 for i in range(20)]}).to_csv(
            path, sep="\t", index=False
        )
        return str(path)
    (low, high), centre, rows = window(dna_set), SEQ_LEN // 2, []
    for i in range(20):
        distance = low + i % (high - low + 1)
        side = "upstream" if i % 2 else "downstream"
        start = centre - distance - ENHANCER_LEN + 1 if side == "upstream" else centre + distance
        rows.append(
            (f"{dna_set}_test_{i}", i % 2, distance, "P1", PROMOTER_START, PROMOTER_START + 12, "E1", start,
             start + ENHANCER_LEN, side, "P2", 3, "E2", 40)
        )  # fmt: skip
    columns = ["id", "label", "distance_bp", "promoter", "promoter_start", "promoter_end", "enhancer"]
    columns += ["enhancer_start", "enhancer_end", "side", "other_promoter", "other_promoter_start"]
    columns += ["other_enhancer", "other_enhancer_start"]
    pd.DataFrame(rows, columns=columns).to_csv(path, sep="\t", index=False)
    return str(path)


def write_by_distance(path: Path, model: str, seed: int) -> None:
    """Accuracy at every exact distance of the held-out set: the truth of accuracy_of, by distance."""
    distances = np.arange(4, 131)
    accuracy = [accuracy_of(model, int(d), seed) for d in distances]
    pd.DataFrame({"distance_bp": distances, "n": 1 + distances % 3, "accuracy": accuracy}).to_csv(
        path, sep="\t", index=False
    )


def write_run(root: Path, dna_sets: list[str], seeds=(1, 2, 3), protein_lengths=(128,)) -> ReportInputs:
    """Every file the report rule reads, synthetic, laid out as the pipeline
    does; dna_sets are w<low>-<high> (simulated) or ["user"] (the user's DNA);
    one protein data set per length (l<length>)."""
    dna_metrics, protein_metrics, contributions, attention, labels, benchmarks = [], [], [], [], [], []
    controls, by_distance, performer_draws = [], [], []
    rng = np.random.default_rng(0)
    for dna_set in dna_sets:
        labels.append(write_labels(root / f"data/dna/{dna_set}/test.labels.tsv", dna_set))
        for model in DNA_MODELS:
            for seed in seeds:
                folder = root / f"results/models/dna/{dna_set}/{model}/seed{seed}"
                folder.mkdir(parents=True)
                record = metrics_record("dna", model, dna_set, seed)
                (folder / "metrics.json").write_text(json.dumps(record))
                dna_metrics.append(str(folder / "metrics.json"))
                scores = rng.random(SEQ_LEN)
                pd.DataFrame(
                    {"position": range(SEQ_LEN), "mean_contribution": scores - 0.5, "mean_abs_contribution": scores}
                ).to_csv(folder / "contributions.tsv", sep="\t", index=False)
                contributions.append(str(folder / "contributions.tsv"))
                if dna_set != "user":
                    table = pd.DataFrame(record["controls"].items(), columns=["control", "test_accuracy"])
                    table.to_csv(folder / "controls.tsv", sep="\t", index=False)
                    controls.append(str(folder / "controls.tsv"))
                    write_by_distance(folder / "by_distance.tsv", model, seed)
                    by_distance.append(str(folder / "by_distance.tsv"))
                if model == "enformer":
                    bins = SEQ_LEN // 8
                    pd.DataFrame(
                        [(layer, b, 8 * b, 1 / bins) for layer in (1, 2) for b in range(bins)],
                        columns=["layer", "bin", "start_bp", "attention"],
                    ).to_csv(folder / "attention.tsv", sep="\t", index=False)
                    attention.append(str(folder / "attention.tsv"))
                job = root / f"results/rule_benchmarks/train_{model}/{dna_set}_seed{seed}.tsv"
                benchmarks.append(write_benchmark(job, 10, 400 + seed, 9))
    for length, model, seed in itertools.product(
        protein_lengths, ("performer", "transformer", "protein_bag", "protein_local"), seeds
    ):
        path = root / f"results/models/protein/l{length}/{model}/seed{seed}/metrics.json"
        path.parent.mkdir(parents=True)
        record = {**metrics_record("protein", model, None, seed), "dataset": f"l{length}", "seq_len": length}
        # a longer sequence costs the Performer a point
        record["test_accuracy"] -= 0.01 * (model == "performer") * protein_lengths.index(length)
        path.write_text(json.dumps(record))
        protein_metrics.append(str(path))
        job = root / f"results/rule_benchmarks/train_{model}/l{length}_seed{seed}.tsv"
        benchmarks.append(write_benchmark(job, 20, 500, 18))
        if model == "performer":  # its accuracy over fresh feature draws: 1 point below exact at 64
            exact = accuracy_of("transformer", None, seed)
            rows = [(64, "trained", accuracy_of("performer", None, seed))]
            step = protein_lengths.index(length)  # and 2 points more than the shorter length's
            rows += [
                (m, str(d), exact - 0.01 - 0.02 * step - 0.1 * (m == 16) + 0.002 * (d - 1))
                for m in (16, 64)
                for d in range(3)
            ]
            draws = path.parent / "draws.tsv"
            pd.DataFrame(rows, columns=["nb_features", "draw", "test_accuracy"]).to_csv(draws, sep="\t", index=False)
            performer_draws.append(str(draws))
    job = root / f"results/rule_benchmarks/encode_onehot/dna/{dna_sets[0]}/train.tsv"
    benchmarks.append(write_benchmark(job, 1.5, 80, "-"))
    approximation = root / "results/report/approximation.tsv"
    approximation.parent.mkdir(parents=True)
    approximation_rows().to_csv(approximation, sep="\t", index=False)
    scaling = root / "results/report/attention_scaling.tsv"
    scaling_rows().to_csv(scaling, sep="\t", index=False)
    windows = [list(window(d)) for d in dna_sets if d != "user"]
    config = {
        "seeds": list(seeds),
        "dna": {"seq_len": SEQ_LEN, "windows": windows, "distance_bin_bp": 8},
        "protein": {
            "seq_lens": list(protein_lengths),
            "motif_a": "WHCMKY",
            "repeats": 4,
            "near": [288, 352],
            "far": [436, 500],
        },
        "models": {"protein_local": {"stem_kernel": 7, "kernel_size": 5, "dilations": [1, 2, 4, 6]}},
    }
    schema = root / "schema.yaml"
    schema.write_text(
        yaml.safe_dump(
            {
                "properties": {
                    "seeds": {"description": "Model seeds."},
                    "dna": {"properties": {"seq_len": {"description": "Length in bp."}}},
                }
            }
        )
    )
    return ReportInputs(
        dna_metrics=dna_metrics,
        protein_metrics=protein_metrics,
        contributions=contributions,
        attention=attention,
        labels=labels,
        approximation=str(approximation),
        scaling=str(scaling),
        rule_benchmarks=benchmarks,
        controls=controls,
        by_distance=by_distance,
        performer_draws=performer_draws,
        config=config,
        config_schema=str(schema),
    )


@pytest.fixture
def run(tmp_path) -> ReportInputs:
    return write_run(tmp_path / "run", WINDOWS)


# --- aggregation ------------------------------------------------------------------------


def test_benchmarks_name_rule_and_job_and_read_dashes_as_missing(run):
    table = aggregate.read_benchmarks(run.rule_benchmarks)
    encode = table[table["rule"] == "encode_onehot"].iloc[0]
    assert encode["job"] == "encode_onehot/dna/w8-16/train"
    assert np.isnan(encode["cpu_time"])
    protein = ["performer", "transformer", "protein_bag", "protein_local"]
    assert set(table["rule"]) == {f"train_{m}" for m in DNA_MODELS + protein} | {"encode_onehot"}


def test_summary_has_one_row_per_model_with_its_own_peak_memory(run):
    metrics = aggregate.load_metrics(run.dna_metrics + run.protein_metrics)
    summary = aggregate.summarise(metrics, aggregate.read_benchmarks(run.rule_benchmarks))
    assert list(summary.columns) == aggregate.SUMMARY_COLUMNS
    assert aggregate.SUMMARY_COLUMNS[2:5] == ["distance_bp", "distance_min_bp", "distance_max_bp"]
    assert len(summary) == 4 * 4 * 3 + 4 * 3  # DNA: models x windows x seeds; protein: models x seeds
    cnn = summary[(summary["model"] == "cnn_dilated") & (summary["distance_min_bp"] == 60)].set_index("seed")
    assert cnn.loc[2, "peak_rss_mb"] == 402
    assert (cnn["distance_bp"] == 70).all() and (cnn["distance_max_bp"] == 80).all()
    assert summary.loc[summary["task"] == "protein", "peak_rss_mb"].eq(500).all()
    assert summary.loc[summary["task"] == "protein", "distance_min_bp"].isna().all()


def test_benchmark_job_is_named_by_the_metrics_data_set():
    record = metrics_record("dna", "cnn_global", "w60-80", 2)
    assert aggregate.benchmark_job("cnn_global", aggregate.dataset_of(record), 2) == (
        "train_cnn_global",
        "train_cnn_global/w60-80_seed2",
    )
    # without a dataset field: the window from its ends, or the user's own DNA
    assert aggregate.dataset_of({**record, "dataset": None}) == "w60-80"
    user = {**record, "dataset": None, "distance_min_bp": None, "distance_max_bp": None}
    assert aggregate.dataset_of(user) == "user"
    assert aggregate.dataset_of(metrics_record("protein", "performer", None, 1)) == "l128"  # from its seq_len


def test_accuracy_by_window_spans_the_seeds(run):
    summary = aggregate.summarise(aggregate.load_metrics(run.dna_metrics), pd.DataFrame())
    table = aggregate.by_window(summary).set_index(["model", "distance_min_bp"])
    row = table.loc[("cnn", 100)]
    assert row["mean"] == pytest.approx(0.52) and row["distance_max_bp"] == 120 and row["distance_bp"] == 110
    assert (row["min"], row["max"], row["n_seeds"]) == (pytest.approx(0.51), pytest.approx(0.53), 3)


def test_accuracy_by_distance_bins_are_weighted_by_their_sequences():
    """Bin [8, 15] holds 1 right of 1, 0 of 3 and 2 of 4 sequences: 3 of 8
    (0.375), not the mean of the three accuracies (0.5)."""
    exact = pd.DataFrame(
        {
            "exact_distance_bp": [8, 9, 15, 16, 8],
            "n": [1, 3, 4, 2, 5],
            "accuracy": [1.0, 0.0, 0.5, 1.0, 0.2],
            "model": ["cnn"] * 4 + ["enformer"],
            "seed": 1,
            "distance_min_bp": 60,
            "distance_max_bp": 80,
        }
    )
    binned = aggregate.bin_by_distance(exact, 8)
    assert list(binned.columns) == aggregate.BY_DISTANCE_COLUMNS
    assert list(binned.columns[:5]) == ["model", "seed", "distance_bp", "n", "accuracy"]
    cnn = binned[binned["model"] == "cnn"].set_index("distance_min_bp")
    assert cnn.loc[8, "accuracy"] == pytest.approx(3 / 8) and cnn.loc[8, "n"] == 8
    assert (cnn.loc[8, "distance_max_bp"], cnn.loc[8, "distance_bp"]) == (15, 11.5)
    assert cnn.loc[16, "accuracy"] == 1.0 and cnn.loc[16, "n"] == 2
    assert (cnn["window_min_bp"] == 60).all() and (cnn["window_max_bp"] == 80).all()
    enformer = binned[binned["model"] == "enformer"]
    assert len(enformer) == 1 and enformer.iloc[0]["accuracy"] == pytest.approx(0.2)  # models are not pooled
    one_bp = aggregate.bin_by_distance(exact, 1)
    assert len(one_bp) == 5 and set(one_bp["distance_bp"]) == {8, 9, 15, 16}
    with pytest.raises(ValueError, match="distance_bin_bp"):
        aggregate.bin_by_distance(exact, 0)


def test_cost_by_rule_sums_jobs_and_ends_with_the_total(run):
    cost = aggregate.cost_by_rule(aggregate.read_benchmarks(run.rule_benchmarks))
    assert cost.iloc[-1]["rule"] == "total"
    per_rule = cost.iloc[:-1]
    assert cost.iloc[-1]["wall_seconds"] == pytest.approx(per_rule["wall_seconds"].sum())
    assert cost.iloc[-1]["jobs"] == per_rule["jobs"].sum() == len(run.rule_benchmarks)
    assert cost.iloc[-1]["peak_rss_mb"] == 500
    cnn = per_rule.set_index("rule").loc["train_cnn"]
    assert (cnn["jobs"], cnn["wall_seconds"], cnn["cpu_seconds"], cnn["peak_rss_mb"]) == (12, 120, 108, 403)


def test_element_spans_cover_every_enhancer_of_the_window_on_each_side(run):
    labels = {Path(path).parent.name: pd.read_csv(path, sep="\t") for path in run.labels}
    labels["user"] = pd.DataFrame({"id": ["a"], "label": [1]})  # no positions: adds nothing
    spans = aggregate.element_spans(labels)
    assert set(spans["dataset"]) == set(WINDOWS)
    far = spans[spans["dataset"] == "w100-120"].set_index(["element", "side"])
    assert (far.loc[("promoter", "centre"), "start_bp"], far.loc[("promoter", "centre"), "end_bp"]) == (
        PROMOTER_START,
        PROMOTER_START + 12,
    )
    assert far["distance_min_bp"].eq(100).all() and far["distance_max_bp"].eq(120).all()
    table = labels["w100-120"]
    for side in ("upstream", "downstream"):
        at = table[table["side"] == side]
        band = far.loc[("enhancer", side)]
        assert band["start_bp"] == at["enhancer_start"].min() and band["end_bp"] == at["enhancer_end"].max()
        assert band["n_sequences"] == len(at)
    # the nearest enhancer base lies 100 bp from the centre at least: the bands leave the centre clear
    assert far.loc[("enhancer", "upstream"), "end_bp"] <= SEQ_LEN // 2 - 100 + 1
    assert far.loc[("enhancer", "downstream"), "start_bp"] >= SEQ_LEN // 2 + 100
    assert aggregate.longest_enhancer_bp(labels) == ENHANCER_LEN


def test_per_model_tables_take_window_model_and_seed_from_the_path(run):
    table = aggregate.load_per_model_tables(run.attention[:2])
    assert set(table["model"]) == {"enformer"} and set(table["dataset"]) == {"w8-16"}
    assert set(zip(table["distance_bp"], table["distance_min_bp"], table["distance_max_bp"])) == {(12, 8, 16)}
    assert set(table["seed"]) == {1, 2}
    with pytest.raises(ValueError, match="seed"):
        aggregate.load_per_model_tables([run.approximation])


def test_controls_table_has_the_issue_columns_and_one_row_per_control(run):
    controls = aggregate.controls_table(run.controls)
    assert list(controls.columns) == ["model", "distance_bp", "seed", "control", "test_accuracy"] + [
        "distance_min_bp",
        "distance_max_bp",
    ]
    assert len(controls) == len(WINDOWS) * len(DNA_MODELS) * 3 * 4
    first = controls[(controls["model"] == "enformer") & (controls["distance_min_bp"] == 60) & (controls["seed"] == 2)]
    assert list(first["control"]) == list(aggregate.CONTROLS)
    assert first.set_index("control").loc["enhancer_masked", "test_accuracy"] == pytest.approx(0.502)
    mean = aggregate.controls_by_window(controls).set_index(["model", "distance_min_bp"])
    assert mean.loc[("cnn", 100), "none"] == pytest.approx(0.52) and mean.loc[("cnn", 100), "n_seeds"] == 3
    bad = Path(run.controls[0]).with_name("controls.tsv")
    bad.write_text("control\ttest_accuracy\npromoter_only\t0.5\n")
    with pytest.raises(ValueError, match="promoter_only"):
        aggregate.controls_table([str(bad)])


def test_reach_table_has_nominal_field_and_used_reach_over_seeds(run):
    reach = aggregate.reach_table(aggregate.load_metrics(run.dna_metrics)).set_index(["model", "distance_min_bp"])
    cnn = reach.loc[("cnn", 60)]
    assert (cnn["receptive_field_bp"], cnn["half_field_bp"]) == (75, 37.5)
    assert (cnn["used_reach_mean_bp"], cnn["used_reach_min_bp"], cnn["used_reach_max_bp"]) == (22, 21, 23)


def test_loglog_slope_recovers_a_power_law():
    x = np.array([1024, 2048, 4096, 8192])
    assert analysis.loglog_slope(x, 3 * x**1.5) == pytest.approx(1.5)
    assert np.isnan(analysis.loglog_slope([1024], [1.0]))
    assert analysis.loglog_slope([512, 1024, 2048], [0.0, 2.0, 8.0]) == pytest.approx(2.0)  # 0 is off the log axis


def power_law_table(lengths, slopes: dict, repeats: int = 1) -> pd.DataFrame:
    """A benchmark table with a known slope per method; each point repeated,
    its later rows slower (interference only adds time)."""
    rows = [
        (method, n, 1e-6 * n**slope * (1 + 0.5 * r), n / 1e3)
        for method, slope in slopes.items()
        for n in lengths
        for r in range(repeats)
    ]
    return pd.DataFrame(rows, columns=["method", "seq_len", "seconds_fwd_bwd", "peak_mb"])


def test_fit_takes_the_fastest_of_repeated_points_and_recovers_the_slope():
    table = power_law_table([512, 1024, 2048, 4096], {"favor": 1.0, "exact": 2.0}, repeats=3)
    fits = analysis.fit_scaling(table)
    assert fits["favor"].slope == pytest.approx(1.0) and fits["exact"].slope == pytest.approx(2.0)
    assert (fits["exact"].fit_from_len, fits["exact"].points, fits["exact"].fell_back) == (1024, 3, False)
    assert analysis.per_length(table).loc[1024, "exact"] == pytest.approx(1e-6 * 1024**2)
    assert analysis.fit_scaling(table, value="peak_mb")["exact"].slope == pytest.approx(1.0)
    assert "slope 2.00 over 3 lengths >= 1,024" == fits["exact"].describe()


def test_fit_with_fewer_than_two_lengths_from_the_threshold_uses_every_length_and_says_so():
    toy = analysis.fit_method(power_law_table([256, 512, 1024], {"exact": 2.0}), "exact")
    assert toy.slope == pytest.approx(2.0) and (toy.fit_from_len, toy.points, toy.fell_back) == (256, 3, True)
    assert "fewer than 2 lengths reach 1,024, so every length measured is used" in toy.describe()
    one = analysis.fit_method(power_law_table([256], {"exact": 2.0}), "exact")
    assert np.isnan(one.slope) and one.describe() == "no slope: 1 length(s) measured, a fit needs 2"
    assert analysis.fit_method(power_law_table([256], {"exact": 2.0}), "favor").points == 0


def test_rule_log_and_report_read_the_benchmark_with_the_same_functions():
    """tbio.bench.attention (the rule's log; it imports torch) must not fit on
    its own: its fit_slope and crossover_length come from tbio.report.analysis."""
    source = (Path(analysis.__file__).parents[1] / "bench" / "attention.py").read_text()
    assert "from tbio.report.analysis import" in source and "polyfit" not in source and "pivot" not in source
    assert "crossover_length = analysis.crossover_length" in source
    assert findings.crossover_length is analysis.crossover_length and findings.fit_scaling is analysis.fit_scaling


# --- the headline -------------------------------------------------------------------------


def summary_of(run) -> pd.DataFrame:
    return aggregate.summarise(aggregate.load_metrics(run.dna_metrics + run.protein_metrics), pd.DataFrame())


def finding_of(run, summary=None, controls=None) -> findings.Finding:
    summary = summary_of(run) if summary is None else summary
    controls = aggregate.controls_table(run.controls) if controls is None else controls
    return findings.long_range_finding(summary, controls, ENHANCER_LEN)


def set_accuracy(summary: pd.DataFrame, model: str, value: float, far_only: bool = True) -> pd.DataFrame:
    rows = summary["model"] == model
    if far_only:
        rows &= summary["distance_min_bp"].fillna(0) >= RECEPTIVE_FIELD / 2
    summary.loc[rows, "test_accuracy"] = value
    return summary


def test_long_range_finding_credits_attention_when_every_control_holds(run):
    finding = finding_of(run)
    numbers = {n.key: n for n in finding.numbers}
    # beyond 37.5 bp: w60-80 and w100-120; wholly inside: w8-16 (w20-30 crosses the edge)
    assert numbers["cnn_beyond_accuracy"].value == pytest.approx(0.52)
    assert numbers["enformer_beyond_accuracy"].value == pytest.approx(0.98)
    assert numbers["cnn_dilated_beyond_accuracy"].value == pytest.approx(0.52)
    assert numbers["cnn_global_max_accuracy"].value == pytest.approx(0.52)
    assert numbers["enformer_enhancer_masked_accuracy"].value == pytest.approx(0.502)
    assert numbers["enformer_promoter_masked_accuracy"].value == pytest.approx(0.51)
    assert numbers["cnn_inside_accuracy"].value == pytest.approx(0.98)
    assert numbers["cnn_beyond_accuracy"].text == "52.0%"
    assert numbers["cnn_receptive_field_bp"].value == RECEPTIVE_FIELD
    assert numbers["cnn_dilated_receptive_field_bp"].value == 523
    text = finding.plain()
    assert "60–80 and 100–120 bp" in text and "8–16 bp away" in text and "20–30" not in text
    assert "Attention used the far enhancer" in text
    assert "dilated CNN, whose nominal receptive field covers the enhancer, did not" in text


def test_long_range_finding_shares_the_credit_when_the_dilated_cnn_also_reaches(run):
    summary = set_accuracy(summary_of(run), "cnn_dilated", 0.97)
    text = finding_of(run, summary).plain()
    assert "not by attention alone" in text and "dilated CNN" in text
    assert "Attention used" not in text


def test_long_range_finding_credits_nothing_when_global_pooling_reaches(run):
    summary = set_accuracy(summary_of(run), "cnn_global", 0.8, far_only=False)
    summary.loc[(summary["model"] == "cnn_global") & (summary["distance_min_bp"] != 20), "test_accuracy"] = 0.5
    finding = finding_of(run, summary)
    assert {n.key: n.value for n in finding.numbers}["cnn_global_max_accuracy"] == pytest.approx(0.8)
    text = finding.plain()
    assert "does not credit attention" in text and "global-pooling control scores above 60%" in text
    assert "Attention used" not in text


def test_long_range_finding_credits_nothing_when_a_mask_leaves_the_model_high(run):
    controls = aggregate.controls_table(run.controls)
    controls.loc[(controls["model"] == "enformer") & (controls["control"] == "enhancer_masked"), "test_accuracy"] = 0.9
    text = finding_of(run, controls=controls).plain()
    assert "does not credit attention" in text and "masking its enhancer" in text
    unscored = findings.long_range_finding(summary_of(run), None, ENHANCER_LEN).plain()
    assert "masking controls were not scored" in unscored and "Attention used" not in unscored


def test_long_range_finding_says_so_when_attention_does_not_reach(run):
    summary = set_accuracy(summary_of(run), "enformer", 0.5)
    text = finding_of(run, summary).plain()
    assert "not shown to use the far enhancer" in text and "Attention used" not in text
    runs = int(((summary["model"] == "enformer") & (summary["distance_min_bp"] >= RECEPTIVE_FIELD / 2)).sum())
    assert f"{runs} of its {runs} runs there ended at chance" in text and "plateau_epochs" in text
    # below 90% but learning: no word of a plateau
    learning = finding_of(run, set_accuracy(summary_of(run), "enformer", 0.8)).plain()
    assert "not shown to use the far enhancer" in learning and "plateau" not in learning


def test_long_range_finding_without_windows_beyond_the_field(run):
    summary = summary_of(run)
    summary = summary[summary["distance_min_bp"].isna() | (summary["distance_max_bp"] < 40)]
    finding = finding_of(run, summary)
    assert "cannot test reach" in finding.plain()
    assert "cnn_beyond_accuracy" not in {n.key for n in finding.numbers}


@pytest.mark.parametrize(
    "favor_faster, expected",
    [
        ([False, False, True, True], 512),
        ([True, True, True, True], 128),
        ([False, False, False, False], None),
        ([False, True, True, False], None),  # faster in the middle only: no crossover
        ([True, False, True, True], 512),  # the last run of lengths counts
    ],
)
def test_crossover_is_the_start_of_the_last_run_where_favor_is_faster(favor_faster, expected):
    rows = []
    for length, faster in zip((128, 256, 512, 1024), favor_faster):
        rows += [("exact", length, 1.0, 1.0), ("favor", length, 0.5 if faster else 2.0, 1.0)]
    table = pd.DataFrame(rows, columns=["method", "seq_len", "seconds_fwd_bwd", "peak_mb"])
    assert analysis.crossover_length(table) == expected


def test_crossover_ignores_lengths_exact_attention_skipped():
    table = scaling_rows(favor_faster_from=2048)
    table.loc[(table["method"] == "exact") & (table["seq_len"] == 16384), ["seconds_fwd_bwd", "peak_mb"]] = np.nan
    assert analysis.crossover_length(table) == 2048
    finding = findings.scaling_finding(table)
    assert "not measured at 16,384" in finding.plain()
    assert {n.key: n.value for n in finding.numbers}["longest_common_len"] == 8192


def test_slopes_are_fitted_from_1024_tokens_and_fall_back_to_every_length():
    fits = analysis.fit_scaling(scaling_rows())
    assert fits["exact"].slope == pytest.approx(2.0)
    assert fits["favor"].fit_from_len == 1024 and fits["favor"].points == 5
    toy = analysis.fit_scaling(scaling_rows(lengths=(256, 512, 1024)))
    assert toy["exact"].fit_from_len == 256 and toy["exact"].points == 3


def test_scaling_finding_names_crossover_slopes_and_memory_saving():
    finding = findings.scaling_finding(scaling_rows(favor_faster_from=2048))
    numbers = {n.key: n for n in finding.numbers}
    assert numbers["crossover_len"].text == "2,048"
    assert numbers["exact_time_slope"].value == pytest.approx(2.0)
    assert numbers["favor_memory_saving"].value == pytest.approx(16384**2 / 1e6 / 16.384)
    assert finding.plain().startswith("FAVOR+ is faster than exact attention from 2,048 tokens on")


def test_scaling_finding_and_figure_name_the_device_measured():
    table = scaling_rows().assign(device="NVIDIA H200", exact_kernel="SDPA bf16 (flash)")
    where = "measured on NVIDIA H200; exact attention: SDPA bf16 (flash)"
    assert findings.scaling_finding(table).title.endswith(f"forward + backward, {where})")
    figure = figures.scaling(table, analysis.fit_scaling(table), analysis.fit_scaling(table, value="peak_mb"), 2048)
    assert figure._suptitle.get_text() == where


def test_scaling_finding_without_a_crossover_extrapolates_where_the_fits_meet():
    table = scaling_rows(favor_faster_from=4096, lengths=(256, 512, 1024))
    finding = findings.scaling_finding(table)
    numbers = {n.key: n.value for n in finding.numbers}
    assert "crossover_len" not in numbers
    assert "stays faster" in finding.plain()
    assert 2000 < numbers["extrapolated_crossover_len"] < 8000
    # at 1,024 tokens exact attention peaks at 1.049 MB and FAVOR+ at 1.024 MB
    assert numbers["favor_memory_saving"] == pytest.approx(1.024)
    more = findings.scaling_finding(scaling_rows(favor_faster_from=4096, lengths=(256, 512)))
    assert {n.key: n.value for n in more.numbers}["favor_memory_excess"] == pytest.approx(0.512 / (512**2 / 1e6))
    assert "more memory" in more.plain()


# --- figures, provenance, HTML ---------------------------------------------------------------


def test_save_writes_png_and_svg(tmp_path):
    binned = pd.DataFrame(
        {
            "model": ["cnn", "cnn"],
            "seed": [1, 1],
            "distance_bp": [11.5, 99.5],
            "n": [8, 8],
            "accuracy": [0.9, 0.5],
            "distance_min_bp": [8, 96],
            "distance_max_bp": [15, 103],
            "window_min_bp": [8, 8],
            "window_max_bp": [16, 16],
        }
    )
    png = figures.save(figures.accuracy_vs_distance(binned, pd.DataFrame(), RECEPTIVE_FIELDS), tmp_path, "accuracy")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "accuracy.svg").read_text()


def test_accuracy_figure_has_a_panel_per_window_and_marks_the_local_reach(run):
    summary = summary_of(run)
    exact = aggregate.load_per_model_tables(run.by_distance, rename={"distance_bp": "exact_distance_bp"})
    figure = figures.accuracy_vs_distance(aggregate.bin_by_distance(exact, 8), summary, RECEPTIVE_FIELDS)
    panels = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in panels] == [f"trained on {w[1:].replace('-', '–')} bp" for w in WINDOWS]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "local CNN's reach (½ of 75 bp)" in labels
    assert "dilated CNN's reach (½ of 523 bp): beyond the axis" in labels
    assert "training window" in labels and any(label.startswith("global-pooling CNN") for label in labels)


def test_distances_at_enformer_scale_read_in_kb_with_both_cnn_reaches_marked():
    """Windows of 1-5 kb and 50-60 kb, a local CNN of 1,001 bp and a dilated
    CNN of 40,961 bp: ticks, titles and legend in kb, both reaches on the axis."""
    rows = []
    for low, high in ((1000, 5000), (50000, 60000)):
        for model in ("cnn", "cnn_dilated", "enformer"):
            for centre in range(500, 70000, 5000):
                rows.append((model, 1, centre, 8, 0.5, centre - 500, centre + 499, low, high))
    binned = pd.DataFrame(rows, columns=aggregate.BY_DISTANCE_COLUMNS)
    figure = figures.accuracy_vs_distance(binned, pd.DataFrame(), {"cnn": 1001, "cnn_dilated": 40961})
    panels = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in panels] == ["trained on 1–5 kb", "trained on 50–60 kb"]
    assert panels[0].get_xlabel() == "enhancer distance from the promoter centre (kb)"
    figure.canvas.draw()
    ticks = [tick.get_text() for tick in panels[0].get_xticklabels() if tick.get_text()]
    assert "20" in ticks and "20000" not in ticks
    reaches = [line.get_xdata()[0] for line in panels[0].get_lines() if line.get_linestyle() == "--"]
    assert sorted(reaches) == [500.5, 20480.5]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "local CNN's reach (½ of 1 kb)" in labels and "dilated CNN's reach (½ of 41 kb)" in labels


def test_figures_survive_empty_tables(tmp_path):
    empty = pd.DataFrame()
    no_runs = pd.DataFrame(columns=["model", "distance_min_bp", "test_accuracy"])
    for name, figure in {
        "a": figures.accuracy_vs_distance(pd.DataFrame(), no_runs, {}),
        "b": figures.learning_curves(pd.DataFrame(columns=["model", "dataset", "seed"]), ["performer"]),
        "c": figures.approximation(empty),
        "d": figures.scaling(pd.DataFrame(), {}, {}, None),
        "e": figures.cost(pd.DataFrame(columns=["rule", "jobs", "wall_seconds", "cpu_seconds", "peak_rss_mb"])),
        "f": figures.controls(aggregate.controls_table([])),
    }.items():
        assert figures.save(figure, tmp_path, name).exists()


def test_pick_windows_orders_by_window_and_keeps_nearest_and_farthest():
    table = pd.DataFrame(
        {
            "dataset": ["w100-120", "w8-16", "w20-30", "user"],
            "distance_min_bp": pd.array([100, 8, 20, None], dtype="Int64"),
        }
    )
    assert figures.pick_windows(table) == ["w8-16", "w20-30", "w100-120", None]
    many = pd.DataFrame(
        {"dataset": [f"w{d}-{d + 5}" for d in range(10, 100, 10)], "distance_min_bp": range(10, 100, 10)}
    )
    picked = figures.pick_windows(many, most=4)
    assert picked[0] == "w10-15" and picked[-1] == "w90-95" and len(picked) == 4


def test_annotated_config_loads_back_to_the_config():
    config = {"seeds": [1, 2], "dna": {"seq_len": 512, "windows": [[10, 30], [72, 92]]}, "use_gpu": False}
    schema = {
        "properties": {
            "seeds": {"description": "Model seeds."},
            "dna": {"description": "DNA.", "properties": {"seq_len": {"description": "Length in bp."}}},
        }
    }
    text = provenance.annotated_config(config, schema)
    assert yaml.safe_load(text) == config
    assert "# Model seeds.\nseeds: [1, 2]" in text and "  # Length in bp.\n  seq_len: 512" in text


def test_provenance_outside_a_repository_says_unknown(tmp_path):
    assert provenance.git_commit(str(tmp_path)) == "unknown"
    rows = dict(provenance.provenance([metrics_record("dna", "cnn", "w8-16", 1)], {"seeds": [1]}, str(tmp_path)))
    assert rows["seeds"] == "1" and rows["training device(s)"] == "cpu"
    assert rows["Python"].count(".") == 2 and "numpy" in rows and "biopython" in rows
    assert rows["bit-repeatable training"].startswith("yes")


def test_provenance_names_jobs_that_ran_an_op_without_a_deterministic_kernel(tmp_path):
    gpu_job = {**metrics_record("protein", "transformer", None, 2), "nondeterministic_ops": ["index_add_cuda_"]}
    dna_job = {**metrics_record("dna", "cnn", "w8-16", 1), "nondeterministic_ops": ["scatter_add_cuda_"]}
    rows = dict(provenance.provenance([dna_job, gpu_job], {"seeds": [1, 2]}, str(tmp_path)))
    assert rows["bit-repeatable training"] == (
        "no for 2 job(s) (cnn seed 1 on w8-16, transformer seed 2): "
        "index_add_cuda_, scatter_add_cuda_ ran without a deterministic kernel"
    )


def test_table_html_sorts_numbers_by_value_and_keeps_the_total_last():
    table = pd.DataFrame({"rule": ["b<x>", "a", "total"], "seconds": [1234.5, 2.0, 1236.5]})
    page = html.table_html(table, {"seconds": lambda v: f"{v:,.1f}"}, total_row="total")
    assert '<td class="n" data-sort="1234.5">1,234.5</td>' in page
    assert "b&lt;x&gt;" in page
    assert re.search(r"<tfoot><tr><td[^>]*>total</td>", page)


# --- the whole report on the synthetic run -------------------------------------------------------


def test_build_report_writes_everything_and_the_page_shows_the_summary_numbers(run, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    report = build_report(run, out / "summary.tsv", out / "report.html", out / "figures", workdir=str(tmp_path))
    for name in FIGURES:
        assert (out / "figures" / f"{name}.png").stat().st_size > 5000
        assert (out / "figures" / f"{name}.svg").exists()
    for name in report.files:
        assert (out / "figures" / name).exists()
    assert yaml.safe_load((out / "figures" / "config.yaml").read_text()) == run.config

    page = (out / "report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == len(FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page must not need the network"
    summary = pd.read_csv(out / "summary.tsv", sep="\t")
    beyond = summary[(summary["task"] == "dna") & (summary["distance_min_bp"] >= RECEPTIVE_FIELD / 2)]
    cnn_beyond = beyond.loc[beyond["model"] == "cnn", "test_accuracy"].mean()
    shown = re.search(r'data-key="cnn_beyond_accuracy" data-value="([^"]+)">([^<]+)<', page)
    assert float(shown.group(1)) == pytest.approx(cnn_beyond)
    assert shown.group(2) == f"{100 * cnn_beyond:.1f}%"
    assert 'data-key="crossover_len" data-value="2048' in page
    assert 'id="controls-by-window"' in page and 'id="reach"' in page
    # the Performer over feature draws: every draw in the TSV, the spread and the comparison on the page
    draws = pd.read_csv(out / "performer_draws.tsv", sep="\t", dtype={"draw": str})
    assert list(draws.columns) == ["seq_len", "seed", "nb_features", "draw", "test_accuracy"] and len(draws) == 3 * 7
    assert 'id="performer-draws"' in page
    assert "Performer minus exact attention is -1.0 points, 95% confidence interval -1.0 to -1.0" in page
    assert "matches exact attention within the margin" in page
    numbers = pd.read_csv(out / "figures" / "headline_numbers.tsv", sep="\t").set_index("key")
    assert numbers.loc["performer_accuracy", "value"] == pytest.approx(0.91)
    # the approximation: where FAVOR+ beats uniform attention, per inputs, in the caption and its table
    assert (
        "on synthetic, logit std 0.35 uniform attention is off by 0.2, and orthogonal FAVOR+ beats it from m = 64"
        in page
    )
    assert "on trained Performer&#39;s q, k, v uniform attention is off by 0.05, and orthogonal FAVOR+ does not" in page
    assert 'id="approximation-vs-uniform"' in page
    # the protein controls: one solves the task, so the page says the comparison does not test long range
    assert "local CNN control, whose 59-residue field is shorter than the 264 residues that always lie between" in page
    assert "the bag-of-k-mers control solves the task without relating the two motifs" in page
    assert numbers.loc["protein_local_accuracy", "value"] == pytest.approx(0.51 + 0.005 * 2)
    assert (out / "figures" / "approximation_vs_uniform.tsv").exists()


def test_a_protein_length_sweep_is_reported_per_length(tmp_path):
    """protein.seq_lens [128, 256]: every protein table and sentence per
    length; the key numbers at the longest."""
    inputs = write_run(tmp_path / "run", WINDOWS, protein_lengths=(128, 256))
    out = tmp_path / "report"
    report = build_report(inputs, out / "summary.tsv", out / "report.html", out / "figures")
    protein = report.tables.protein
    assert len(protein) == 4 * 2 and set(protein["seq_len"]) == {128, 256}
    performer = protein[protein["model"] == "performer"].set_index("seq_len")["mean"]
    assert performer[128] - performer[256] == pytest.approx(0.01)
    draws = pd.read_csv(out / "performer_draws.tsv", sep="\t", dtype={"draw": str})
    assert draws.groupby("seq_len").size().to_dict() == {128: 21, 256: 21}
    assert set(report.tables.draws_summary["seq_len"]) == {128, 256}
    compared = {c["seq_len"]: round(c["difference"], 4) for c in report.tables.performer_vs_exact}
    assert compared == {128: -0.01, 256: -0.03}
    page = (out / "report.html").read_text()
    assert "Synthetic proteins of 128 and 256 residues" in page
    assert "At 128 residues the Performer scores" in page and "At 256 residues the Performer scores" in page
    assert "Over random-feature draws, at 256 residues." in page
    numbers = pd.read_csv(out / "figures" / "headline_numbers.tsv", sep="\t").set_index("key")
    assert numbers.loc["performer_accuracy", "value"] == pytest.approx(0.90)  # at 256, a point below 128's
    # the sweep's figure: one line per model through both lengths, the Performer's point lower at 256
    figure = figures.protein_by_length(protein)
    accuracy_axis = figure.axes[0]
    assert [tick.get_text() for tick in accuracy_axis.get_xticklabels()] == ["128", "256"]
    lines = {bars.get_label(): bars.lines[0] for bars in accuracy_axis.containers}  # errorbar: mean line
    performer_line = lines["Performer (FAVOR+)"]
    assert list(performer_line.get_xdata()) == [128, 256]
    assert performer_line.get_ydata()[0] - performer_line.get_ydata()[1] == pytest.approx(0.01)
    assert "bag-of-k-mers control" in lines and "local CNN control" in lines
    # the learning curves tell the lengths apart: a line style and a label each
    curves = figures.learning_curves(report.tables.curves.query("task == 'protein'"), ["performer"])
    labels = [text.get_text() for text in curves.axes[0].get_legend().get_texts()]
    assert "128 residues, seed 1" in labels and "256 residues, seed 3" in labels
    assert {line.get_linestyle() for line in curves.axes[0].get_lines()} == {"-", "--"}


def test_accuracy_by_distance_and_controls_are_written_beside_the_summary(run, tmp_path):
    build_report(run, tmp_path / "summary.tsv", tmp_path / "report.html", tmp_path / "figures")
    binned = pd.read_csv(tmp_path / "accuracy_by_distance.tsv", sep="\t")
    assert list(binned.columns) == aggregate.BY_DISTANCE_COLUMNS
    # every model of every window is scored on every held-out distance (4 to 130 bp: bins 0 to 128)
    assert len(binned) == len(DNA_MODELS) * len(WINDOWS) * 3 * 17
    assert binned.groupby(["model", "window_min_bp", "seed"])["n"].sum().eq((1 + np.arange(4, 131) % 3).sum()).all()
    cnn = binned[(binned["model"] == "cnn") & (binned["window_min_bp"] == 8) & (binned["seed"] == 1)]
    assert cnn.set_index("distance_min_bp").loc[[8, 16, 24], "accuracy"].gt(0.9).all()
    assert cnn.set_index("distance_min_bp").loc[[40, 120], "accuracy"].lt(0.6).all()
    controls = pd.read_csv(tmp_path / "controls.tsv", sep="\t")
    assert list(controls.columns) == aggregate.CONTROLS_COLUMNS
    assert set(controls["control"]) == set(aggregate.CONTROLS)


def test_the_users_own_dna_has_no_distances_but_a_full_report(tmp_path):
    """dna.input: models under results/models/dna/user/, labels with only id
    and label, no window in the metrics, no controls and no held-out set."""
    inputs = write_run(tmp_path / "run", ["user"])
    assert inputs.controls == [] and inputs.by_distance == []
    out = tmp_path / "report"
    report = build_report(inputs, out / "summary.tsv", out / "report.html", out / "figures")
    summary = report.tables.summary
    dna = summary[summary["task"] == "dna"]
    assert dna[["distance_bp", "distance_min_bp", "distance_max_bp"]].isna().all().all() and len(dna) == 12
    assert dna["peak_rss_mb"].notna().all(), "benchmarks of train_*/user_seed<seed> were not matched"
    assert report.tables.spans.empty
    assert set(report.tables.profiles["model"]) == set(DNA_MODELS)
    numbers = {n.key: n.value for n in report.findings["long_range"].numbers}
    assert numbers["cnn_accuracy"] == pytest.approx(0.97 + 0.01)
    assert numbers["cnn_global_accuracy"] == pytest.approx(0.52)
    assert "your own DNA" in report.findings["long_range"].plain()
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(FIGURES)
    assert "Your own DNA" in page and "<b>Controls.</b>" not in page
    for name, columns in (
        ("accuracy_by_distance", aggregate.BY_DISTANCE_COLUMNS),
        ("controls", aggregate.CONTROLS_COLUMNS),
    ):
        table = pd.read_csv(out / f"{name}.tsv", sep="\t")
        assert table.empty and list(table.columns) == columns, f"{name}.tsv: header only"


def test_scaling_finding_without_memory_measurements_still_compares_time():
    table = scaling_rows(favor_faster_from=2048)
    table["peak_mb"] = np.nan  # a torch whose profiler gives no memory events
    finding = findings.scaling_finding(table)
    keys = {n.key for n in finding.numbers}
    assert "crossover_len" in keys and not keys & {"favor_memory_saving", "favor_memory_excess"}
    assert "peak memory could not be compared" in finding.plain()


def test_scaling_finding_names_lengths_where_favor_won_before_losing_again():
    rows = []
    for length, favor in ((512, 2.0), (1024, 0.5), (2048, 2.0)):
        rows += [("exact", length, 1.0, 4.0), ("favor", length, favor, 1.0)]
    table = pd.DataFrame(rows, columns=["method", "seq_len", "seconds_fwd_bwd", "peak_mb"])
    text = findings.scaling_finding(table).plain()
    assert "FAVOR+ was faster only at 1,024" in text and "every length" not in text


def test_captions_come_from_the_rst_files_snakemake_shows(run, tmp_path):
    """workflow/report/<name>.rst is the one source of a figure's caption:
    the page shows its text (RST markup as HTML) and adds this run's facts."""
    from tbio.report.page import CAPTIONS_DIR

    assert (CAPTIONS_DIR / "contributions.rst").exists()
    smk = (CAPTIONS_DIR.parents[1] / "workflow" / "rules" / "report.smk").read_text()
    for stem, (_, _, rst) in FIGURES.items():
        assert f'"../report/{rst}.rst"' in smk, f"Snakemake's report shows another caption for {stem}"
    captions = tmp_path / "captions"
    captions.mkdir()
    for rst in {rst for _, _, rst in FIGURES.values()}:
        (captions / f"{rst}.rst").write_text(f"**Title {rst}.** Text of\n{rst} with ``code``.\n")
    run.captions_dir = str(captions)
    build_report(run, tmp_path / "summary.tsv", tmp_path / "report.html", tmp_path / "figures")
    page = (tmp_path / "report.html").read_text()
    assert "<figcaption><b>Title contributions.</b> Text of contributions with <code>code</code>." in page
    assert re.search(
        r"<b>Title attention_scaling_figure.</b>[^/]*</code>\. <b>This run:</b>[^<]*FAVOR\+ is faster from 2,048", page
    )
    assert page.count("<b>Title learning_curves.</b>") == 2


def test_rst_markup_becomes_html_and_text_is_escaped():
    from tbio.report.page import rst_to_html

    assert (
        rst_to_html("**A.** x < y,\n``z`` and *w*.\n\nNext.")
        == "<b>A.</b> x &lt; y, <code>z</code> and <i>w</i>. Next."
    )


@pytest.mark.parametrize(
    "differences, verdict",
    [
        ([-0.009, -0.010, -0.011], "match"),
        ([-0.005, -0.010, -0.015], "undecided"),
        ([-0.05, -0.06, -0.04], "worse"),
    ],
)
def test_performer_vs_exact_is_a_t_interval_over_seeds_against_the_margin(differences, verdict):
    exact = {1: 0.95, 2: 0.96, 3: 0.94}
    rows = []
    for seed, difference in zip(exact, differences):
        rows.append((seed, 64, "trained", 0.5))  # the trained draw does not enter the comparison
        # three fresh draws whose mean is exact + difference; another feature count does not enter either
        rows += [(seed, 64, str(d), exact[seed] + difference + 0.01 * (d - 1)) for d in range(3)]
        rows.append((seed, 16, "0", 0.5))
    draws = pd.DataFrame(rows, columns=["seed", "nb_features", "draw", "test_accuracy"]).assign(seq_len=1024)
    summary = pd.DataFrame(
        [("protein", "transformer", seed, value) for seed, value in exact.items()],
        columns=["task", "model", "seed", "test_accuracy"],
    ).assign(seq_len=1024)
    result = aggregate.performer_vs_exact(draws, summary)
    mean, sd = np.mean(differences), np.std(differences, ddof=1)
    half = 4.303 * sd / np.sqrt(3)
    assert result["difference"] == pytest.approx(mean)
    assert (result["low"], result["high"]) == pytest.approx((mean - half, mean + half))
    assert (result["verdict"], result["seeds"], result["draws"], result["nb_features"]) == (verdict, 3, 3, 64)
    assert aggregate.performer_vs_exact(draws[draws["seed"] == 1], summary) is None  # one seed: no interval
    summary_table = aggregate.draws_summary(draws)
    fresh64 = summary_table[(summary_table["draws"] == "fresh") & (summary_table["nb_features"] == 64)].iloc[0]
    assert fresh64["runs"] == 9 and fresh64["min"] < fresh64["mean"] < fresh64["max"]
