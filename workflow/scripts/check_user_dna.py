"""Snakemake adapter: read and check the user's own DNA (dna.input) whole,
before anything is encoded; a table of what was found when all is well."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

import pandas as pd

from tbio.config import ConfigError, check_user_dna

settings = json.loads(snakemake.params.settings)
try:
    rows = check_user_dna(settings["input"], settings["seq_len"])
except ConfigError as error:  # one sentence naming the file and the record or line, no traceback
    print(f"Invalid input data: {error}", file=sys.stderr)
    sys.exit(1)
pd.DataFrame(rows).to_csv(snakemake.output[0], sep="\t", index=False)
print(f"checked {sum(row['records'] for row in rows)} records in {len(rows)} splits", file=sys.stderr)
