"""One file per model; each has a config dataclass filled from the workflow's
``models.<name>`` section and an ``nn.Module`` taking one-hot input
``(batch, seq_len, channels)`` and returning one logit per sequence. The
one-hot is made per batch from stored codes (``inputs.model_input``, with the
model's ``in_channels``).

Every model also answers ``receptive_field_bp()``: how many input positions
can reach its readout.
"""

from __future__ import annotations

import dataclasses
import importlib

# name -> (module, config class, model class)
REGISTRY = {
    "cnn": ("tbio.models.cnn", "CNNConfig", "CNN"),
    # a Basenji-style CNN whose nominal reach covers the sequence
    "cnn_dilated": ("tbio.models.basenji", "BasenjiConfig", "BasenjiCNN"),
    # the control with a global readout: sees everything, but not where
    "cnn_global": ("tbio.models.cnn", "CNNConfig", "GlobalPoolCNN"),
    "enformer": ("tbio.models.enformer", "EnformerConfig", "Enformer"),
    "transformer": ("tbio.models.transformer", "TransformerConfig", "TransformerClassifier"),
    "performer": ("tbio.models.performer", "PerformerConfig", "PerformerClassifier"),
    # the protein task's controls, both bags of local features (GlobalPoolCNN):
    # which k-mers occur in the sequence, and a CNN whose field is shorter than
    # the motifs' separation; neither can relate two motifs far apart
    "protein_bag": ("tbio.models.cnn", "CNNConfig", "GlobalPoolCNN"),
    "protein_local": ("tbio.models.cnn", "CNNConfig", "GlobalPoolCNN"),
}
# The models of each task, in the order the workflow defines their rules and
# the report lists them; every one has a train_<name> rule.
DNA_MODELS = ["cnn", "cnn_dilated", "cnn_global", "enformer"]
PROTEIN_MODELS = ["performer", "transformer", "protein_bag", "protein_local"]
PROTEIN_CONTROLS = ["protein_bag", "protein_local"]


def conv_field(settings: dict) -> int:
    """Positions that reach one output of the CNN stem and tower of
    ``settings`` (a models.cnn-style section or CNNConfig fields): each
    stride-1 conv of kernel k and dilation d widens the field by (k - 1) * d.
    Here, without torch, for the config check and the report too."""
    return settings["stem_kernel"] + sum((settings["kernel_size"] - 1) * d for d in settings["dilations"])


def model_classes(name: str):
    module_name, config_name, model_name = REGISTRY[name]
    module = importlib.import_module(module_name)
    return getattr(module, config_name), getattr(module, model_name)


def build_model(name: str, settings: dict, seq_len: int, in_channels: int):
    """The model ``name`` with its dataclass filled from ``settings``; keys
    that are not fields of the dataclass (training keys) are ignored here."""
    config_class, model_class = model_classes(name)
    names = {f.name for f in dataclasses.fields(config_class)}
    config = config_class(**{k: v for k, v in settings.items() if k in names})
    return model_class(config, seq_len=seq_len, in_channels=in_channels), config
