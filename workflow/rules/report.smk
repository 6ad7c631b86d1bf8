report: "../report/workflow.rst"


rule report:
    input:
        dna_metrics=dna_metrics,
        protein_metrics=protein_metrics,
        contributions=dna_model_files(DNA_MODELS, "contributions.tsv"),
        attention=dna_model_files(["enformer"], "attention.tsv"),
        labels=dna_test_labels(),
        approximation="results/report/approximation.tsv",
        scaling="results/report/attention_scaling.tsv",
        rule_benchmarks=rule_benchmarks(),
        config_schema="workflow/schemas/config.schema.yaml",
        # the page's templates and captions: an edit to one reruns the report
        templates=report_templates(),
        captions=report_captions(),
        code=library_files(
            "report/aggregate",
            "report/analysis",
            "report/content",
            "report/build",
            "report/figures",
            "report/findings",
            "report/html",
            "report/page",
            "report/provenance",
        ),
    output:
        summary=report(
            "results/report/summary.tsv",
            caption="../report/summary.rst",
            category="Overview",
        ),
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Overview",
        ),
        # every figure as PNG and SVG and every table as TSV; the PNGs listed
        # below also go into Snakemake's report, each with its caption
        figures=directory("results/report/figures"),
        accuracy=report(
            "results/report/figures/accuracy_vs_distance.png",
            caption="../report/accuracy_vs_distance.rst",
            category="DNA",
        ),
        contributions=report(
            "results/report/figures/contributions.png",
            caption="../report/contributions.rst",
            category="DNA",
        ),
        attention=report(
            "results/report/figures/attention.png",
            caption="../report/attention.rst",
            category="DNA",
        ),
        dna_learning_curves=report(
            "results/report/figures/learning_curves_dna.png",
            caption="../report/learning_curves.rst",
            category="DNA",
        ),
        protein_learning_curves=report(
            "results/report/figures/learning_curves_protein.png",
            caption="../report/learning_curves.rst",
            category="Protein",
        ),
        approximation_figure=report(
            "results/report/figures/approximation.png",
            caption="../report/approximation_figure.rst",
            category="Protein",
        ),
        scaling_figure=report(
            "results/report/figures/attention_scaling.png",
            caption="../report/attention_scaling_figure.rst",
            category="Protein",
        ),
        cost_figure=report(
            "results/report/figures/cost.png",
            caption="../report/cost.rst",
            category="Cost",
        ),
        cost_table=report(
            "results/report/figures/cost_by_rule.tsv",
            caption="../report/cost_table.rst",
            category="Cost",
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
