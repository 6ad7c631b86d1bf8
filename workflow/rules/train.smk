# One training rule per model, train_<model>, all made by the loop below (a rule
# defined in a loop takes its name from name:). Profiles and the report's cost
# table use these names. DNA models run one job per (data set, seed) and also
# write the tables below; protein models run one job per (length, seed) and write a
# checkpoint and metrics (the Performer also its accuracy over feature draws).
# Resources: mem_mb is estimated from the config (common.smk, tbio/resources.py);
# runtime from the default run's benchmark files: 3-60 s on one thread, so
# 30 min leaves room for larger configs. Torch uses threads.train (default 1) threads,
# carried in the settings, so that results are bit-identical across --cores and
# executors; threads: only tells the scheduler.

# The task of each model, in the order its rule is defined.
TRAINING_TASKS = dict.fromkeys(DNA_MODELS, "dna") | dict.fromkeys(PROTEIN_MODELS, "protein")
# Tables a model writes next to its checkpoint and metrics: contributions
# (gradient x input) for every DNA model, the enformer's attention; on
# simulated DNA also the controls on its test split and its accuracy at every
# exact distance of the held-out-distance set.
TABLES = dict.fromkeys(DNA_MODELS, ["contributions"]) | {"enformer": ["contributions", "attention"]}
if not USER_DNA:
    TABLES = {model: tables + ["controls", "by_distance"] for model, tables in TABLES.items()}
# the Performer's test accuracy over fresh random-feature draws
TABLES["performer"] = ["draws"]

for model, task in TRAINING_TASKS.items():
    # The model's folder under results/models/ and results/resume/, and a job's
    # name in the rule's logs/ and rule_benchmarks/ folders. In the f-strings,
    # doubled braces leave a wildcard for Snakemake.
    model_dir = f"dna/{{dna_set}}/{model}" if task == "dna" else f"protein/{{protein_set}}/{model}"
    job_name = "{dna_set}_seed{seed}" if task == "dna" else "{protein_set}_seed{seed}"
    seed_dir = f"results/models/{model_dir}/seed{{seed}}"
    model_outputs = {"checkpoint": f"{seed_dir}/checkpoint.pt", "metrics": f"{seed_dir}/metrics.json"}
    for table in TABLES.get(model, []):
        model_outputs[table] = f"{seed_dir}/{table}.tsv"

    rule:
        name:
            f"train_{model}"
        input:
            unpack(dna_training_inputs(model) if task == "dna" else protein_arrays),
            code=train_code(model),
        output:
            **model_outputs,
        log:
            f"results/logs/train_{model}/{job_name}.log",
        benchmark:
            f"results/rule_benchmarks/train_{model}/{job_name}.tsv"
        conda:
            "../../envs/torch.yaml"
        threads: config["threads"]["train"]
        resources:
            mem_mb=MEM_MB[f"train_{model}"],
            runtime=30,
            gpu=training_gpus(),
        params:
            settings=training_settings(model, task),
            resume=f"results/resume/{model_dir}/seed{{seed}}.pt",
        script:
            "../scripts/train.py"
