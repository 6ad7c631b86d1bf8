# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: the scaling benchmark takes
# about 30 s on 2 threads, the approximation error about 13 s.


rule attention_approximation:
    input:
        code=script_code("attention_approximation", "tbio.models.performer", "tbio.models.transformer"),
        # the first seed's trained models at the longest protein length, whose
        # own q, k and v are inputs too
        performer=protein_models("performer", "checkpoint.pt", [LONGEST_PROTEIN_SET])[0],
        transformer=protein_models("transformer", "checkpoint.pt", [LONGEST_PROTEIN_SET])[0],
        x_test=encoded_arrays(f"protein/{LONGEST_PROTEIN_SET}")["x_test"],
    output:
        report(
            "results/report/approximation.tsv",
            caption="../report/approximation.rst",
            category="Protein",
            subcategory="FAVOR+ approximation",
            labels={"table": "relative error per draw and inputs", "models": "FAVOR+ and uniform vs exact attention"},
        ),
    log:
        "results/logs/attention_approximation/approximation.log",
    benchmark:
        "results/rule_benchmarks/attention_approximation/approximation.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["attention_approximation"],
        runtime=10,
    params:
        settings=canonical(config["approximation"]),
    script:
        "../scripts/attention_approximation.py"


rule attention_scaling:
    input:
        code=script_code("attention_scaling"),
    output:
        report(
            "results/report/attention_scaling.tsv",
            caption="../report/attention_scaling.rst",
            category="Protein",
            subcategory="Scaling",
            labels={"table": "time and memory per sequence length", "models": "FAVOR+ vs exact attention"},
        ),
    log:
        "results/logs/attention_scaling/scaling.log",
    benchmark:
        "results/rule_benchmarks/attention_scaling/scaling.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: config["scaling"]["threads"]
    resources:
        mem_mb=MEM_MB["attention_scaling"],
        runtime=20,
    params:
        settings=canonical(config["scaling"]),
    script:
        "../scripts/attention_scaling.py"
