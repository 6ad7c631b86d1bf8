# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: about 1 s per split.


rule encode_onehot:
    input:
        unpack(sequences),
        code=script_code("encode_onehot"),
    output:
        x="results/encoded/{dataset}/{split}.x.npy",
        y="results/encoded/{dataset}/{split}.y.npy",
    log:
        "results/logs/encode_onehot/{dataset}/{split}.log",
    benchmark:
        "results/rule_benchmarks/encode_onehot/{dataset}/{split}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=MEM_MB["encode_onehot"],
        runtime=10,
    params:
        alphabet=alphabet_of,
    script:
        "../scripts/encode_onehot.py"
