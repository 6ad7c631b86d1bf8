# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files (results/rule_benchmarks): each
# simulation takes about 1 s, so runtime leaves ample room for larger configs.


rule simulate_dna:
    input:
        code=script_code("simulate_dna"),
    output:
        fasta=expand("data/dna/w{{low}}-{{high}}/{split}.fasta", split=SPLITS),
        labels=expand("data/dna/w{{low}}-{{high}}/{split}.labels.tsv", split=SPLITS),
    log:
        "results/logs/simulate_dna/w{low}-{high}.log",
    benchmark:
        "results/rule_benchmarks/simulate_dna/w{low}-{high}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["simulate_dna"],
        runtime=10,
    params:
        settings=dna_simulation_settings(),
    script:
        "../scripts/simulate_dna.py"


# The held-out-distance set: one test split, its distances drawn from every
# distance the layout allows; every DNA model is scored on it.
rule simulate_dna_probe:
    input:
        code=script_code("simulate_dna_probe"),
    output:
        fasta="data/dna/probe/test.fasta",
        labels="data/dna/probe/test.labels.tsv",
    log:
        "results/logs/simulate_dna_probe/probe.log",
    benchmark:
        "results/rule_benchmarks/simulate_dna_probe/probe.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["simulate_dna"],
        runtime=10,
    params:
        settings=probe_simulation_settings(),
    script:
        "../scripts/simulate_dna_probe.py"


rule simulate_protein:
    input:
        code=script_code("simulate_protein"),
    output:
        fasta=expand("data/protein/{{protein_set}}/{split}.fasta", split=SPLITS),
        labels=expand("data/protein/{{protein_set}}/{split}.labels.tsv", split=SPLITS),
    log:
        "results/logs/simulate_protein/{protein_set}.log",
    benchmark:
        "results/rule_benchmarks/simulate_protein/{protein_set}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["simulate_protein"],
        runtime=10,
    params:
        settings=protein_simulation_settings(),
    script:
        "../scripts/simulate_protein.py"


# Your own DNA (dna.input): its files are read whole and checked here, by the
# first job of the run, which every encoding job waits on (see sequences() in
# common.smk), instead of at every `snakemake -n`. A bad file stops the run,
# naming the file and the record or line, before any training starts.
rule check_user_dna:
    input:
        files=user_dna_files(),
        code=script_code("check_user_dna"),
    output:
        "results/user_dna/checked.tsv",
    log:
        "results/logs/check_user_dna/check.log",
    benchmark:
        "results/rule_benchmarks/check_user_dna/check.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        # reads and encodes one split at a time, as encode_onehot does
        mem_mb=MEM_MB["encode_onehot"],
        runtime=10,
    params:
        settings=canonical({"input": USER_DNA, "seq_len": config["dna"]["seq_len"]}),
    script:
        "../scripts/check_user_dna.py"
