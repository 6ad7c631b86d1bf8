rule encode_onehot:
    input:
        unpack(sequences),
        code=library_files("data/encode", "data/fasta"),
    output:
        x="results/encoded/{dataset}/{split}.x.npy",
        y="results/encoded/{dataset}/{split}.y.npy",
    log:
        "results/logs/encode_onehot/{dataset}/{split}.log",
    benchmark:
        "results/rule_benchmarks/encode_onehot/{dataset}/{split}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        alphabet=alphabet_of,
    script:
        "../scripts/encode_onehot.py"
