# What each DNA model learned, as motifs: contribution scores of a trained
# model on the test positives (contribution_scores), then patterns found in
# them by TF-MoDISco-lite, each matched to JASPAR by Tomtom (discover_motifs).
# One job each per (data set, model, seed) for the models of motifs.models.
# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: about 2 s and 8-18 s on one
# thread, so 10 and 30 min leave room for larger configs.


rule contribution_scores:
    input:
        checkpoint="results/models/dna/{dna_set}/{model}/seed{seed}/checkpoint.pt",
        x=encoded_arrays("dna/{dna_set}")["x_test"],
        y=encoded_arrays("dna/{dna_set}")["y_test"],
        code=library_files("motifs/run", "motifs/scores", "models/__init__", "train/loop"),
    output:
        "results/motifs/dna/{dna_set}/{model}/seed{seed}/scores.npz",
    log:
        "results/logs/contribution_scores/{dna_set}/{model}/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/contribution_scores/{dna_set}/{model}/seed{seed}.tsv"
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
        scores="results/motifs/dna/{dna_set}/{model}/seed{seed}/scores.npz",
        code=library_files("motifs/run", "motifs/discovery", "motifs/database", "data/motifs", "data/layout"),
    output:
        motifs="results/motifs/dna/{dna_set}/{model}/seed{seed}/motifs.tsv",
        patterns="results/motifs/dna/{dna_set}/{model}/seed{seed}/patterns.npz",
    log:
        "results/logs/discover_motifs/{dna_set}/{model}/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/discover_motifs/{dna_set}/{model}/seed{seed}.tsv"
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
