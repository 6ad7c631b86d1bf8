report: "../report/workflow.rst"


rule report:
    input:
        dna_metrics=dna_metrics,
        protein_metrics=protein_metrics,
        contributions=dna_model_files(DNA_MODELS, "contributions.tsv"),
        attention=dna_model_files(["enformer"], "attention.tsv"),
        # simulated DNA only: the user's own DNA has no controls and no held-out distances
        controls=simulated_dna_files("controls.tsv"),
        by_distance=simulated_dna_files("by_distance.tsv"),
        performer_draws=protein_models("performer", "draws.tsv"),
        motifs=motif_files("motifs.tsv"),
        patterns=motif_files("patterns.npz"),
        labels=dna_test_labels(),
        approximation="results/report/approximation.tsv",
        scaling="results/report/attention_scaling.tsv",
        rule_benchmarks=rule_benchmarks(),
        config_schema="workflow/schemas/config.schema.yaml",
        # the page's templates and captions: an edit to one reruns the report
        templates=report_templates(),
        captions=report_captions(),
        code=script_code("report"),
    output:
        summary=report(
            "results/report/summary.tsv",
            caption="../report/summary.rst",
            category="Overview",
            subcategory="Summary",
            labels={"table": "accuracy, AUROC and time per job"},
        ),
        accuracy_by_distance=report(
            "results/report/accuracy_by_distance.tsv",
            caption="../report/by_distance_table.rst",
            category="DNA",
            subcategory="Long range",
            labels={"table": "accuracy on held-out distances, binned, per seed"},
        ),
        controls=report(
            "results/report/controls.tsv",
            caption="../report/controls_table.rst",
            category="DNA",
            subcategory="Controls",
            labels={"table": "test accuracy under each control, per seed"},
        ),
        performer_draws=report(
            "results/report/performer_draws.tsv",
            caption="../report/performer_draws_table.rst",
            category="Protein",
            subcategory="Performer over feature draws",
            labels={"table": "test accuracy per seed, feature count and draw"},
        ),
        motifs=report(
            "results/report/motifs.tsv",
            caption="../report/motifs_table.rst",
            category="DNA",
            subcategory="Motifs",
            labels={"table": "every discovered pattern and its best JASPAR match"},
        ),
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Overview",
            subcategory="Summary",
            labels={"page": "the whole report, self-contained"},
        ),
        # every figure as PNG and SVG and every table as TSV; the PNGs listed
        # below also go into Snakemake's report, each with its caption
        figures=directory("results/report/figures"),
        accuracy=report(
            "results/report/figures/accuracy_vs_distance.png",
            caption="../report/accuracy_vs_distance.rst",
            category="DNA",
            subcategory="Long range",
            labels={"figure": "accuracy vs exact enhancer distance", "models": "four DNA models"},
        ),
        controls_figure=report(
            "results/report/figures/controls.png",
            caption="../report/controls.rst",
            category="DNA",
            subcategory="Controls",
            labels={"figure": "enhancer masked, promoter masked, untrained", "models": "four DNA models"},
        ),
        contributions=report(
            "results/report/figures/contributions.png",
            caption="../report/contributions.rst",
            category="DNA",
            subcategory="Interpretation",
            labels={"figure": "gradient x input along the sequence", "models": "four DNA models"},
        ),
        attention=report(
            "results/report/figures/attention.png",
            caption="../report/attention.rst",
            category="DNA",
            subcategory="Interpretation",
            labels={"figure": "attention from the centre bin", "models": "Enformer-style"},
        ),
        motif_logos=report(
            "results/report/figures/motifs.png",
            caption="../report/motifs.rst",
            category="DNA",
            subcategory="Motifs",
            labels={"figure": "discovered patterns beside their JASPAR match", "models": "motifs.models"},
        ),
        dna_learning_curves=report(
            "results/report/figures/learning_curves_dna.png",
            caption="../report/learning_curves.rst",
            category="DNA",
            subcategory="Training",
            labels={"figure": "validation accuracy per epoch", "models": "four DNA models"},
        ),
        protein_by_length=report(
            "results/report/figures/protein_by_length.png",
            caption="../report/protein_by_length.rst",
            category="Protein",
            subcategory="Length sweep",
            labels={"figure": "accuracy and training time vs length", "models": "protein models and controls"},
        ),
        protein_learning_curves=report(
            "results/report/figures/learning_curves_protein.png",
            caption="../report/learning_curves.rst",
            category="Protein",
            subcategory="Training",
            labels={"figure": "validation accuracy per epoch", "models": "Performer, transformer"},
        ),
        approximation_figure=report(
            "results/report/figures/approximation.png",
            caption="../report/approximation_figure.rst",
            category="Protein",
            subcategory="FAVOR+ approximation",
            labels={"figure": "relative error vs random features", "models": "FAVOR+ vs exact attention"},
        ),
        scaling_figure=report(
            "results/report/figures/attention_scaling.png",
            caption="../report/attention_scaling_figure.rst",
            category="Protein",
            subcategory="Scaling",
            labels={"figure": "time and memory vs sequence length", "models": "FAVOR+ vs exact attention"},
        ),
        cost_figure=report(
            "results/report/figures/cost.png",
            caption="../report/cost.rst",
            category="Cost",
            subcategory="Per rule",
            labels={"figure": "wall and CPU time per rule"},
        ),
        cost_table=report(
            "results/report/figures/cost_by_rule.tsv",
            caption="../report/cost_table.rst",
            category="Cost",
            subcategory="Per rule",
            labels={"table": "wall and CPU time per rule"},
        ),
    log:
        "results/logs/report/report.log",
    benchmark:
        "results/rule_benchmarks/report/report.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["report"],
        runtime=10,
    params:
        # the page prints the whole config, so any change of it reruns the report
        config=canonical(config),
    script:
        "../scripts/report.py"
