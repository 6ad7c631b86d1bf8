rule train_cnn:
    input:
        unpack(dna_arrays),
        code=train_code("cnn"),
    output:
        checkpoint="results/models/dna/d{distance}/cnn/seed{seed}/checkpoint.pt",
        metrics="results/models/dna/d{distance}/cnn/seed{seed}/metrics.json",
        contributions="results/models/dna/d{distance}/cnn/seed{seed}/contributions.tsv",
    params:
        model="cnn",
        task="dna",
        resume="results/resume/dna/d{distance}/cnn/seed{seed}.pt",
        **model_params("cnn"),
    log:
        "results/logs/train_cnn/d{distance}_seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_cnn/d{distance}_seed{seed}.tsv"
    threads: config["threads"]["train"]
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=training_gpus(),
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/train.py"


rule train_enformer:
    input:
        unpack(dna_arrays),
        code=train_code("enformer"),
    output:
        checkpoint="results/models/dna/d{distance}/enformer/seed{seed}/checkpoint.pt",
        metrics="results/models/dna/d{distance}/enformer/seed{seed}/metrics.json",
        contributions="results/models/dna/d{distance}/enformer/seed{seed}/contributions.tsv",
        attention="results/models/dna/d{distance}/enformer/seed{seed}/attention.tsv",
    params:
        model="enformer",
        task="dna",
        resume="results/resume/dna/d{distance}/enformer/seed{seed}.pt",
        **model_params("enformer"),
    log:
        "results/logs/train_enformer/d{distance}_seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_enformer/d{distance}_seed{seed}.tsv"
    threads: config["threads"]["train"]
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=training_gpus(),
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/train.py"


rule train_performer:
    input:
        unpack(protein_arrays),
        code=train_code("performer"),
    output:
        checkpoint="results/models/protein/performer/seed{seed}/checkpoint.pt",
        metrics="results/models/protein/performer/seed{seed}/metrics.json",
    params:
        model="performer",
        task="protein",
        resume="results/resume/protein/performer/seed{seed}.pt",
        **model_params("performer"),
    log:
        "results/logs/train_performer/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_performer/seed{seed}.tsv"
    threads: config["threads"]["train"]
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=training_gpus(),
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/train.py"


rule train_transformer:
    input:
        unpack(protein_arrays),
        code=train_code("transformer"),
    output:
        checkpoint="results/models/protein/transformer/seed{seed}/checkpoint.pt",
        metrics="results/models/protein/transformer/seed{seed}/metrics.json",
    params:
        model="transformer",
        task="protein",
        resume="results/resume/protein/transformer/seed{seed}.pt",
        **model_params("transformer"),
    log:
        "results/logs/train_transformer/seed{seed}.log",
    benchmark:
        "results/rule_benchmarks/train_transformer/seed{seed}.tsv"
    threads: config["threads"]["train"]
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=training_gpus(),
    conda:
        "../../envs/workflow.yaml"
    script:
        "../scripts/train.py"
