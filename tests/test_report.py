"""The report library on small synthetic tables: aggregation, the headline's
numbers and sentences, figures, provenance and the HTML page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tbio.report import aggregate, analysis, figures, findings, html, provenance
from tbio.report.build import FIGURES, ReportInputs, build_report

RECEPTIVE_FIELD = 75
SEQ_LEN = 256
BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def accuracy_of(model: str, distance: int | None, seed: int) -> float:
    """The synthetic run's truth: the CNN fails beyond half its receptive field."""
    if model == "cnn" and distance is not None and distance >= RECEPTIVE_FIELD / 2:
        return 0.50 + 0.01 * seed
    return {"performer": 0.90, "transformer": 0.92}.get(model, 0.97) + 0.005 * seed


def metrics_record(task: str, model: str, distance: int | None, seed: int) -> dict:
    accuracy = accuracy_of(model, distance, seed)
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
        "distance_bp": distance,
        "seq_len": SEQ_LEN if task == "dna" else 128,
        "seed": seed,
        "test_accuracy": accuracy,
        "test_auroc": accuracy + 0.01,
        "test_loss": 0.3,
        "promoter_only_accuracy": 0.5 + 0.001 * seed if task == "dna" else None,
        "n_params": 1000,
        "receptive_field_bp": RECEPTIVE_FIELD if model == "cnn" else SEQ_LEN,
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
    """A test split's labels: with motif positions when simulated, only
    (id, label) for the user's own DNA."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if dna_set == "user":
        pd.DataFrame({"id": [f"seq{i}" for i in range(20)], "label": [i % 2 for i in range(20)]}).to_csv(
            path, sep="\t", index=False
        )
        return str(path)
    distance, rows = int(dna_set[1:]), []
    for i in range(20):
        side = "upstream" if i % 2 else "downstream"
        start = SEQ_LEN // 2 - distance - 12 if side == "upstream" else SEQ_LEN // 2 + distance
        rows.append((f"{dna_set}_test_{i}", i % 3 != 0, distance, 122, start, side, "enhancer" if i % 3 else "decoy"))
    columns = ["id", "label", "distance_bp", "promoter_start", "element_start", "side", "element"]
    pd.DataFrame(rows, columns=columns).to_csv(path, sep="\t", index=False)
    return str(path)


def write_run(root: Path, dna_sets: list[str], seeds=(1, 2, 3)) -> ReportInputs:
    """Every file the report rule reads, synthetic, laid out as the pipeline
    does; dna_sets are d<distance> (simulated) or ["user"] (the user's DNA)."""
    dna_metrics, protein_metrics, contributions, attention, labels, benchmarks = [], [], [], [], [], []
    rng = np.random.default_rng(0)
    for dna_set in dna_sets:
        distance = None if dna_set == "user" else int(dna_set[1:])
        labels.append(write_labels(root / f"data/dna/{dna_set}/test.labels.tsv", dna_set))
        for model in ("cnn", "enformer"):
            for seed in seeds:
                folder = root / f"results/models/dna/{dna_set}/{model}/seed{seed}"
                folder.mkdir(parents=True)
                (folder / "metrics.json").write_text(json.dumps(metrics_record("dna", model, distance, seed)))
                dna_metrics.append(str(folder / "metrics.json"))
                scores = rng.random(SEQ_LEN)
                pd.DataFrame(
                    {"position": range(SEQ_LEN), "mean_contribution": scores - 0.5, "mean_abs_contribution": scores}
                ).to_csv(folder / "contributions.tsv", sep="\t", index=False)
                contributions.append(str(folder / "contributions.tsv"))
                if model == "enformer":
                    bins = SEQ_LEN // 8
                    pd.DataFrame(
                        [(layer, b, 8 * b, 1 / bins) for layer in (1, 2) for b in range(bins)],
                        columns=["layer", "bin", "start_bp", "attention"],
                    ).to_csv(folder / "attention.tsv", sep="\t", index=False)
                    attention.append(str(folder / "attention.tsv"))
                job = root / f"results/rule_benchmarks/train_{model}/{dna_set}_seed{seed}.tsv"
                benchmarks.append(write_benchmark(job, 10, 400 + seed, 9))
    for model in ("performer", "transformer"):
        for seed in seeds:
            path = root / f"results/models/protein/{model}/seed{seed}/metrics.json"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(metrics_record("protein", model, None, seed)))
            protein_metrics.append(str(path))
            job = root / f"results/rule_benchmarks/train_{model}/seed{seed}.tsv"
            benchmarks.append(write_benchmark(job, 20, 500, 18))
    job = root / f"results/rule_benchmarks/encode_onehot/dna/{dna_sets[0]}/train.tsv"
    benchmarks.append(write_benchmark(job, 1.5, 80, "-"))
    approximation = root / "results/report/approximation.tsv"
    approximation.parent.mkdir(parents=True)
    pd.DataFrame(
        [
            (m, kind, c * m**-0.5 * (1 + 0.05 * d))
            for m in (16, 64, 256)
            for kind, c in (("orthogonal", 0.8), ("iid", 1.0))
            for d in range(3)
        ],
        columns=["features", "kind", "rel_error"],
    ).to_csv(approximation, sep="\t", index=False)
    scaling = root / "results/report/attention_scaling.tsv"
    scaling_rows().to_csv(scaling, sep="\t", index=False)
    distances = [int(d[1:]) for d in dna_sets if d != "user"]
    config = {
        "seeds": list(seeds),
        "dna": {"seq_len": SEQ_LEN, "distances": distances, "promoter": "TATAAAAGGCCT", "enhancer": "CACGTGACTGCA"},
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
        dna_metrics,
        protein_metrics,
        contributions,
        attention,
        labels,
        str(approximation),
        str(scaling),
        benchmarks,
        config,
        str(schema),
    )


@pytest.fixture
def run(tmp_path) -> ReportInputs:
    return write_run(tmp_path / "run", ["d8", "d20", "d120", "d240"])


# --- aggregation ------------------------------------------------------------------------


def test_benchmarks_name_rule_and_job_and_read_dashes_as_missing(run):
    table = aggregate.read_benchmarks(run.rule_benchmarks)
    encode = table[table["rule"] == "encode_onehot"].iloc[0]
    assert encode["job"] == "encode_onehot/dna/d8/train"
    assert np.isnan(encode["cpu_time"])
    assert set(table["rule"]) == {
        "train_cnn",
        "train_enformer",
        "train_performer",
        "train_transformer",
        "encode_onehot",
    }


def test_summary_has_one_row_per_model_with_its_own_peak_memory(run):
    metrics = aggregate.load_metrics(run.dna_metrics + run.protein_metrics)
    summary = aggregate.summarise(metrics, aggregate.read_benchmarks(run.rule_benchmarks))
    assert list(summary.columns) == aggregate.SUMMARY_COLUMNS
    assert len(summary) == 4 * 2 * 3 + 2 * 3
    cnn = summary[(summary["model"] == "cnn") & (summary["distance_bp"] == 120)].set_index("seed")
    assert cnn.loc[2, "peak_rss_mb"] == 402
    assert summary.loc[summary["task"] == "protein", "peak_rss_mb"].eq(500).all()


def test_accuracy_by_distance_spans_the_seeds(run):
    summary = aggregate.summarise(aggregate.load_metrics(run.dna_metrics), pd.DataFrame())
    table = aggregate.by_distance(summary).set_index(["model", "distance_bp"])
    row = table.loc[("cnn", 240)]
    assert row["mean"] == pytest.approx(0.52)
    assert (row["min"], row["max"], row["n_seeds"]) == (pytest.approx(0.51), pytest.approx(0.53), 3)


def test_cost_by_rule_sums_jobs_and_ends_with_the_total(run):
    cost = aggregate.cost_by_rule(aggregate.read_benchmarks(run.rule_benchmarks))
    assert cost.iloc[-1]["rule"] == "total"
    per_rule = cost.iloc[:-1]
    assert cost.iloc[-1]["wall_seconds"] == pytest.approx(per_rule["wall_seconds"].sum())
    assert cost.iloc[-1]["jobs"] == per_rule["jobs"].sum() == len(run.rule_benchmarks)
    assert cost.iloc[-1]["peak_rss_mb"] == 500
    cnn = per_rule.set_index("rule").loc["train_cnn"]
    assert (cnn["jobs"], cnn["wall_seconds"], cnn["cpu_seconds"], cnn["peak_rss_mb"]) == (12, 120, 108, 403)


def test_element_spans_mark_promoter_and_both_enhancer_sides(run):
    labels = [pd.read_csv(path, sep="\t") for path in run.labels]
    spans = aggregate.element_spans(labels, promoter_len=12, enhancer_len=12)
    at_120 = spans[spans["distance_bp"] == 120].set_index(["element", "side"])
    assert (at_120.loc[("promoter", "centre"), "start_bp"], at_120.loc[("promoter", "centre"), "end_bp"]) == (122, 134)
    assert at_120.loc[("enhancer", "upstream"), "end_bp"] == SEQ_LEN // 2 - 120
    assert at_120.loc[("enhancer", "downstream"), "start_bp"] == SEQ_LEN // 2 + 120
    assert "decoy" not in set(spans["element"])


def test_per_model_tables_take_distance_model_and_seed_from_the_path(run):
    table = aggregate.load_per_model_tables(run.attention[:2])
    assert set(table["model"]) == {"enformer"} and set(table["distance_bp"]) == {8}
    with pytest.raises(ValueError, match="seed"):
        aggregate.load_per_model_tables([run.approximation])


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


def test_long_range_finding_averages_the_runs_beyond_half_the_receptive_field(run):
    finding = findings.long_range_finding(summary_of(run))
    numbers = {n.key: n for n in finding.numbers}
    # beyond 37.5 bp: 120 and 240; inside: 8 and 20
    assert numbers["cnn_beyond_accuracy"].value == pytest.approx(0.52)
    assert numbers["enformer_beyond_accuracy"].value == pytest.approx(0.98)
    assert numbers["cnn_inside_accuracy"].value == pytest.approx(0.98)
    assert numbers["cnn_beyond_accuracy"].text == "52.0%"
    assert numbers["cnn_receptive_field_bp"].value == RECEPTIVE_FIELD
    text = finding.plain()
    assert "falls to 52.0%" in text and "keeps 98.0%" in text and "120, 240 bp" in text


def test_long_range_finding_says_so_when_no_gap_shows(run):
    summary = summary_of(run)
    summary.loc[summary["model"] == "enformer", "test_accuracy"] = 0.5
    text = findings.long_range_finding(summary).plain()
    assert "no long-range advantage" in text and "falls to" not in text


def test_long_range_finding_without_distances_beyond_the_field(run):
    summary = summary_of(run)
    summary = summary[summary["distance_bp"].isna() | (summary["distance_bp"] < 30)]
    finding = findings.long_range_finding(summary)
    assert "cannot test the long-range claim" in finding.plain()
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
    table = pd.DataFrame(
        {
            "model": ["cnn", "cnn"],
            "distance_bp": [8, 120],
            "mean": [0.9, 0.5],
            "min": [0.8, 0.5],
            "max": [1, 0.5],
            "n_seeds": [3, 3],
        }
    )
    png = figures.save(figures.accuracy_vs_distance(table, RECEPTIVE_FIELD), tmp_path, "accuracy")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "accuracy.svg").read_text()


def test_figures_survive_empty_tables(tmp_path):
    empty = pd.DataFrame()
    for name, figure in {
        "a": figures.accuracy_vs_distance(pd.DataFrame(), None),
        "b": figures.learning_curves(pd.DataFrame(columns=["model", "distance_bp", "seed"]), ["performer"]),
        "c": figures.approximation(empty),
        "d": figures.scaling(pd.DataFrame(), {}, {}, None),
        "e": figures.cost(pd.DataFrame(columns=["rule", "jobs", "wall_seconds", "cpu_seconds", "peak_rss_mb"])),
    }.items():
        assert figures.save(figure, tmp_path, name).exists()


def test_pick_distances_keeps_nearest_and_farthest():
    assert figures.pick_distances([240, 8, 20]) == [8, 20, 240]
    picked = figures.pick_distances(range(10, 100, 10), most=4)
    assert picked[0] == 10 and picked[-1] == 90 and len(picked) == 4


def test_annotated_config_loads_back_to_the_config():
    config = {"seeds": [1, 2], "dna": {"seq_len": 512, "promoter": "TATA", "distances": [8, 240]}, "use_gpu": False}
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
    rows = dict(provenance.provenance([metrics_record("dna", "cnn", 8, 1)], {"seeds": [1]}, str(tmp_path)))
    assert rows["seeds"] == "1" and rows["training device(s)"] == "cpu"
    assert rows["Python"].count(".") == 2 and "numpy" in rows and "biopython" in rows
    assert rows["bit-repeatable training"].startswith("yes")


def test_provenance_names_jobs_that_ran_an_op_without_a_deterministic_kernel(tmp_path):
    gpu_job = {**metrics_record("protein", "transformer", None, 2), "nondeterministic_ops": ["index_add_cuda_"]}
    rows = dict(provenance.provenance([metrics_record("dna", "cnn", 8, 1), gpu_job], {"seeds": [1, 2]}, str(tmp_path)))
    assert rows["bit-repeatable training"] == (
        "no for 1 job(s) (transformer seed 2): index_add_cuda_ ran without a deterministic kernel"
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
    beyond = summary[(summary["task"] == "dna") & (summary["distance_bp"] >= RECEPTIVE_FIELD / 2)]
    cnn_beyond = beyond.loc[beyond["model"] == "cnn", "test_accuracy"].mean()
    shown = re.search(r'data-key="cnn_beyond_accuracy" data-value="([^"]+)">([^<]+)<', page)
    assert float(shown.group(1)) == pytest.approx(cnn_beyond)
    assert shown.group(2) == f"{100 * cnn_beyond:.1f}%"
    assert 'data-key="crossover_len" data-value="2048' in page
    numbers = pd.read_csv(out / "figures" / "headline_numbers.tsv", sep="\t").set_index("key")
    assert numbers.loc["performer_accuracy", "value"] == pytest.approx(0.91)


def test_promoter_only_control_joins_the_accuracy_table(run, tmp_path):
    report = build_report(run, tmp_path / "summary.tsv", tmp_path / "report.html", tmp_path / "figures")
    accuracy = report.tables.accuracy.set_index(["model", "distance_bp"])
    assert accuracy.loc[("enformer", 240), "promoter_only_mean"] == pytest.approx(0.502)
    assert "<b>Control.</b>" in (tmp_path / "report.html").read_text()


def test_the_users_own_dna_has_no_distances_but_a_full_report(tmp_path):
    """dna.input: models under results/models/dna/user/, labels with only id
    and label, no distance in the metrics."""
    inputs = write_run(tmp_path / "run", ["user"])
    out = tmp_path / "report"
    report = build_report(inputs, out / "summary.tsv", out / "report.html", out / "figures")
    summary = report.tables.summary
    dna = summary[summary["task"] == "dna"]
    assert dna["distance_bp"].isna().all() and len(dna) == 6
    assert dna["peak_rss_mb"].notna().all(), "benchmarks of train_*/user_seed<seed> were not matched"
    assert report.tables.spans.empty
    assert set(report.tables.profiles["model"]) == {"cnn", "enformer"}
    numbers = {n.key: n.value for n in report.findings["long_range"].numbers}
    assert numbers["cnn_accuracy"] == pytest.approx(0.97 + 0.01)
    assert "your own DNA" in report.findings["long_range"].plain()
    assert (out / "report.html").read_text().count("data:image/png;base64,") == len(FIGURES)


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
