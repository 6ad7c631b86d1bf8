# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: 3-60 s on one thread, so
# 30 min leaves room for larger configs. Torch uses threads.train (default 1) threads,
# carried in the settings, so that results are bit-identical across --cores and
# executors; threads: only tells the scheduler.


rule train_cnn:
    input:
        unpack(dna_arrays),
        code=train_code("cnn"),
    output:
        checkpoint="results/models/dna/{dna_set}/cnn/seed{seed}/checkpoint.pt",
        metrics="results/models/dna/{dna_set}/cnn/seed{seed}/metrics.json",
        contributions="results/models/dna/{dna_set}/cnn/seed{seed}/contributions.tsv",
    log:
        "results/logs/train_cnn/{dna_set}_seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_cnn/{dna_set}_seed{seed}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: config["threads"]["train"]
    resources:
        mem_mb=MEM_MB["train_cnn"],
        runtime=30,
        gpu=training_gpus(),
    params:
        settings=training_settings("cnn", "dna"),
        resume="results/resume/dna/{dna_set}/cnn/seed{seed}.pt",
    script:
        "../scripts/train.py"


rule train_enformer:
    input:
        unpack(dna_arrays),
        code=train_code("enformer"),
    output:
        checkpoint="results/models/dna/{dna_set}/enformer/seed{seed}/checkpoint.pt",
        metrics="results/models/dna/{dna_set}/enformer/seed{seed}/metrics.json",
        contributions="results/models/dna/{dna_set}/enformer/seed{seed}/contributions.tsv",
        attention="results/models/dna/{dna_set}/enformer/seed{seed}/attention.tsv",
    log:
        "results/logs/train_enformer/{dna_set}_seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_enformer/{dna_set}_seed{seed}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: config["threads"]["train"]
    resources:
        mem_mb=MEM_MB["train_enformer"],
        runtime=30,
        gpu=training_gpus(),
    params:
        settings=training_settings("enformer", "dna"),
        resume="results/resume/dna/{dna_set}/enformer/seed{seed}.pt",
    script:
        "../scripts/train.py"


rule train_performer:
    input:
        unpack(protein_arrays),
        code=train_code("performer"),
    output:
        checkpoint="results/models/protein/performer/seed{seed}/checkpoint.pt",
        metrics="results/models/protein/performer/seed{seed}/metrics.json",
    log:
        "results/logs/train_performer/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_performer/seed{seed}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: config["threads"]["train"]
    resources:
        mem_mb=MEM_MB["train_performer"],
        runtime=30,
        gpu=training_gpus(),
    params:
        settings=training_settings("performer", "protein"),
        resume="results/resume/protein/performer/seed{seed}.pt",
    script:
        "../scripts/train.py"


rule train_transformer:
    input:
        unpack(protein_arrays),
        code=train_code("transformer"),
    output:
        checkpoint="results/models/protein/transformer/seed{seed}/checkpoint.pt",
        metrics="results/models/protein/transformer/seed{seed}/metrics.json",
    log:
        "results/logs/train_transformer/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_transformer/seed{seed}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: config["threads"]["train"]
    resources:
        mem_mb=MEM_MB["train_transformer"],
        runtime=30,
        gpu=training_gpus(),
    params:
        settings=training_settings("transformer", "protein"),
        resume="results/resume/protein/transformer/seed{seed}.pt",
    script:
        "../scripts/train.py"
