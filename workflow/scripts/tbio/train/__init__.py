"""The one training loop shared by every model, its metrics, and interpretation."""

# The controls a DNA training job scores on its test split (tbio.train.controls),
# in reading order: here, without torch, so that the report can read them too.
CONTROLS = ("none", "enhancer_masked", "promoter_masked", "untrained")

# The draw column's value, in a Performer job's draws.tsv, for the projection
# the model ended training with (the others are fresh draws 0, 1, ...).
TRAINED_DRAW = "trained"
