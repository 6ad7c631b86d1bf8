# Resources, from the default run's benchmark files (results/rule_benchmarks): each
# simulation peaks under 90 MB RSS and takes about 1 s; mem_mb and runtime leave
# ample room for configs ten times larger.


rule simulate_dna:
    input:
        code=library_files("data/simulate", "data/fasta"),
    output:
        fasta=expand("data/dna/d{{distance}}/{split}.fasta", split=SPLITS),
        labels=expand("data/dna/d{{distance}}/{split}.labels.tsv", split=SPLITS),
    log:
        "results/logs/simulate_dna/d{distance}.log",
    benchmark:
        "results/rule_benchmarks/simulate_dna/d{distance}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        seq_len=config["dna"]["seq_len"],
        n_train=config["dna"]["n_train"],
        n_val=config["dna"]["n_val"],
        n_test=config["dna"]["n_test"],
        promoter=config["dna"]["promoter"],
        enhancer=config["dna"]["enhancer"],
        decoy=config["dna"]["decoy"],
        data_seed=config["dna"]["data_seed"],
    script:
        "../scripts/simulate_dna.py"


rule simulate_protein:
    input:
        code=library_files("data/simulate", "data/fasta"),
    output:
        fasta=expand("data/protein/{split}.fasta", split=SPLITS),
        labels=expand("data/protein/{split}.labels.tsv", split=SPLITS),
    log:
        "results/logs/simulate_protein/protein.log",
    benchmark:
        "results/rule_benchmarks/simulate_protein/protein.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        seq_len=config["protein"]["seq_len"],
        n_train=config["protein"]["n_train"],
        n_val=config["protein"]["n_val"],
        n_test=config["protein"]["n_test"],
        motif_a=config["protein"]["motif_a"],
        motif_b=config["protein"]["motif_b"],
        min_separation=config["protein"]["min_separation"],
        data_seed=config["protein"]["data_seed"],
    script:
        "../scripts/simulate_protein.py"
