# Resources, from the default run's benchmark files: under 90 MB RSS and 1 s per
# split; mem_mb covers a 100 Mbp FASTA (one uint8 byte per base and channel).


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
