rule report:
    input:
        dna_metrics=dna_model_files(DNA_MODELS, "metrics.json"),
        protein_metrics=protein_models(PROTEIN_MODELS),
        contributions=dna_model_files(DNA_MODELS, "contributions.tsv"),
        attention=dna_model_files(["enformer"], "attention.tsv"),
        approximation="results/report/approximation.tsv",
        scaling="results/report/attention_scaling.tsv",
        rule_benchmarks=rule_benchmarks(),
        config_schema=workflow.source_path("../schemas/config.schema.yaml"),
        code=library_files("report/aggregate", "report/figures", "report/html"),
    output:
        summary=report("results/report/summary.tsv", caption="../report/summary.rst", category="DNA"),
        html="results/report/report.html",
        figures=directory("results/report/figures"),
    log:
        "results/logs/report/report.log",
    benchmark:
        "results/rule_benchmarks/report/report.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/report.py"
