# What each DNA model learned, as motifs: contribution scores of a trained
# model on the test positives (contribution_scores), then patterns found in
# them by TF-MoDISco-lite, each matched to JASPAR by Tomtom (discover_motifs).
# One job each per (data set, model of motifs.models), over every seed: a
# job's fixed cost (torch, or numba, scikit-learn and the JASPAR release,
# about 2-4 s) is paid once, not once per seed, which keeps the default run
# within ten minutes on two cores; every seed keeps its own files.
# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: about 4 s and 30-45 s on
# one thread, so 10 and 30 min leave room for larger configs.


rule contribution_scores:
    input:
        checkpoints=seed_files("results/models/dna/{dna_set}/{model}", "checkpoint.pt"),
        x=encoded_arrays("dna/{dna_set}")["x_test"],
        y=encoded_arrays("dna/{dna_set}")["y_test"],
        code=lambda wildcards: script_code("contribution_scores", model_module(wildcards.model)),
    output:
        seed_files("results/motifs/dna/{dna_set}/{model}", "scores.npz"),
    log:
        "results/logs/contribution_scores/{dna_set}/{model}.log",
    benchmark:
        "results/rule_benchmarks/contribution_scores/{dna_set}/{model}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: config["threads"]["train"]
    resources:
        mem_mb=MEM_MB["contribution_scores"],
        runtime=10,
    params:
        settings=contribution_settings(),
    script:
        "../scripts/contribution_scores.py"


rule discover_motifs:
    input:
        scores=seed_files("results/motifs/dna/{dna_set}/{model}", "scores.npz"),
        code=script_code("discover_motifs"),
    output:
        motifs=seed_files("results/motifs/dna/{dna_set}/{model}", "motifs.tsv"),
        patterns=seed_files("results/motifs/dna/{dna_set}/{model}", "patterns.npz"),
    log:
        "results/logs/discover_motifs/{dna_set}/{model}.log",
    benchmark:
        "results/rule_benchmarks/discover_motifs/{dna_set}/{model}.tsv"
    conda:
        "../../envs/motifs.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["discover_motifs"],
        runtime=30,
    params:
        settings=discovery_settings(),
    script:
        "../scripts/discover_motifs.py"
