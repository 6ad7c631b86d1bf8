"""tbio: the library behind the "Transformers in Biomedicine" workflow.

Rooms, in the order data flows: ``data`` (simulation, FASTA I/O, one-hot
encoding), ``models`` (one file per model), ``train`` (the one training loop,
metrics, interpretation), ``bench`` (attention approximation and scaling),
``report`` (aggregation, figures, HTML). Nothing here imports snakemake.
"""
