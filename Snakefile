# Transformers in Biomedicine: receptive fields, long-range attention and
# FAVOR+ on synthetic DNA and proteins. See README.md and config/README.md.
from snakemake.utils import min_version

min_version("9.20")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/encode.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/motifs.smk"
include: "workflow/rules/attention.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        report_inputs(),
