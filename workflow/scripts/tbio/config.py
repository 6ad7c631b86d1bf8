"""Config validation: the schema fills defaults and checks types and ranges,
then checks that need several keys at once (motif fits the sequence, distance
keeps the enhancer on the sequence). Every error is one sentence naming the
key, the value given and what is allowed, raised before any job runs."""

from __future__ import annotations

import copy
import functools
import math
import os
from typing import Callable

import jsonschema
import yaml

from pathlib import Path

from .data.design import AMINO_ACIDS
from .data.layout import (
    MATRIX_ID,
    cluster_length,
    is_consensus,
    jaspar_releases,
    matrix_length,
    motif_length,
    pair_distance_bounds,
)
from .data.bands import check_bands, check_motifs, min_gap
from .data.design import SimulationError
from .models import conv_field


class ConfigError(ValueError):
    """A config value the workflow cannot run with."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


_ALLOWED = {
    "type": lambda s: f"a value of type {s['type']}",
    "minimum": lambda s: f"a number >= {s['minimum']}",
    "exclusiveMinimum": lambda s: f"a number > {s['exclusiveMinimum']}",
    "maximum": lambda s: f"a number <= {s['maximum']}",
    "enum": lambda s: "one of " + ", ".join(repr(v) for v in s["enum"]),
    "minItems": lambda s: f"a list of at least {s['minItems']} item(s)",
    "maxItems": lambda s: f"a list of at most {s['maxItems']} item(s)",
    "uniqueItems": lambda s: "a list without repeated values",
    "minLength": lambda s: f"a string of at least {s['minLength']} letters",
}


def _sentence(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = _key(error.absolute_path)
        return (
            f"config key {where + '.' if error.absolute_path else ''}{unknown[0]} is not a known key "
            f"(a typo?); the keys allowed {'under ' + where if error.absolute_path else 'at the top level'} are: "
            + ", ".join(allowed)
        )
    if error.validator == "required":
        return f"config key {_key(error.absolute_path)}: {error.message}"
    allowed = _ALLOWED.get(error.validator, lambda s: f"a value satisfying {error.validator}")(error.schema)
    if error.validator == "type" and error.schema["type"] == "integer":
        allowed = "a whole number"
    description = error.schema.get("description", "")
    hint = f" ({' '.join(description.split()).rstrip('.')})" if description else ""
    return f"config key {_key(error.absolute_path)} is {error.instance!r}; expected {allowed}{hint}."


def _types(schema: dict) -> set[str]:
    kinds = schema.get("type", [])
    return {kinds} if isinstance(kinds, str) else set(kinds)


def _as_typed(value, schema: dict):
    """``value`` as the schema types it, where it arrived in another form that
    means the same: Snakemake's ``--config`` hands nested and list values over
    as YAML strings of strings (``seeds=[1,2]`` gives ['1', '2'],
    ``use_gpu=true`` gives 'true'), and YAML reads ``256.0`` as a float. Strings
    are read as YAML where the key takes no string; a whole float becomes an int
    where the key takes an integer. Anything else is left for the schema to name."""
    kinds = _types(schema)
    if isinstance(value, str) and kinds and "string" not in kinds:
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    if isinstance(value, float) and "integer" in kinds and "number" not in kinds and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: _as_typed(item, properties[key]) if key in properties else item for key, item in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_as_typed(item, schema["items"]) for item in value]
    return value


def _non_finite(value, path=()):
    """The path and value of the first NaN or infinity in ``value`` (YAML's
    .nan and .inf pass every minimum and maximum of the schema)."""
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, (*path, key))
        if found:
            return found
    return None


def _validation_error(error: BaseException | None) -> jsonschema.ValidationError | None:
    """The schema violation behind ``error``: the error itself, or the one it
    was raised from (snakemake.utils.validate raises a WorkflowError while
    handling it)."""
    while error is not None and not isinstance(error, jsonschema.ValidationError):
        error = error.__cause__ or error.__context__
    return error


@functools.lru_cache(maxsize=4)
def _load_schema(schema_path: str, modified_ns: int) -> dict:
    """The schema, parsed once per process and version of the file (with
    libyaml where PyYAML has it); callers only read it."""
    with open(schema_path) as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def validate_config(config: dict, schema_path: str, validate: Callable[[dict, str], object]) -> dict:
    """The config with defaults filled in; raises ConfigError with one sentence.

    ``validate(config, schema_path)`` checks the schema's types and ranges and
    fills its defaults in place: ``snakemake.utils.validate`` (passed in by
    the workflow and the tests, so that this library does not import
    Snakemake). What stays here is what the schema cannot say: values that
    arrived as strings (``--config``), NaN and infinity, one sentence per
    error, and the checks across keys."""
    filled = _as_typed(copy.deepcopy(dict(config)), _load_schema(str(schema_path), os.stat(schema_path).st_mtime_ns))
    found = _non_finite(filled)
    if found:
        path, value = found
        raise ConfigError(f"config key {_key(path)} is {value}; expected a finite number.")
    try:
        validate(filled, schema_path)
    except Exception as error:
        violation = _validation_error(error)
        if violation is None:
            raise
        raise ConfigError(_sentence(violation)) from None
    check_consistency(filled)
    return filled


def _check_letters(key: str, motif: str, alphabet: str, name: str) -> None:
    bad = sorted(set(motif.upper()) - set(alphabet))
    if bad:
        raise ConfigError(
            f"config key {key} is {motif!r}, which has letter(s) {', '.join(bad)}; expected only {name} letters {alphabet}."
        )


def check_consistency(config: dict) -> None:
    """Checks across keys, after the schema has passed."""
    dna, protein, models = config["dna"], config["protein"], config["models"]
    if dna["input"]:
        check_user_files_exist(dna["input"])
    else:
        check_dna_task(dna)
    for key in ("motif_a", "motif_b"):
        _check_letters(f"protein.{key}", protein[key], AMINO_ACIDS, "amino-acid")
        protein[key] = protein[key].upper()
    check_protein_task(protein)
    for task, section in (("dna", dna), ("protein", protein)):
        for split in ("n_train", "n_val", "n_test"):
            if section[split] < 2:  # the schema has this too; kept for configs built in code
                raise ConfigError(
                    f"config key {task}.{split} is {section[split]}; expected at least 2 (one per class)."
                )
    for name in ("enformer", "cnn_dilated"):
        bin_bp = 2 ** models[name]["n_pool"]
        if dna["seq_len"] % bin_bp:
            raise ConfigError(
                f"config key dna.seq_len is {dna['seq_len']}; models.{name} pools to bins of "
                f"2 ** models.{name}.n_pool = {bin_bp} bp, so expected a multiple of {bin_bp}."
            )
        if models[name]["track_weight"] and dna["input"]:
            raise ConfigError(
                f"config key models.{name}.track_weight is {models[name]['track_weight']}; element tracks are read "
                "from where the simulation planted each element, which your own DNA (dna.input) does not say: "
                "expected 0."
            )
    if models["enformer"]["track_keys"] and not models["enformer"]["track_weight"]:
        raise ConfigError(
            "config key models.enformer.track_keys is true; its keys read the element tracks' logits, which the "
            "model has only when it learns them: expected models.enformer.track_weight above 0."
        )
    for name in ("enformer", "performer", "transformer"):
        model = models[name]
        if model["dim"] % model["heads"]:
            raise ConfigError(
                f"config key models.{name}.heads is {model['heads']}; expected a divisor of models.{name}.dim ({model['dim']})."
            )
    for name in ("cnn", "cnn_global", "protein_bag", "protein_local"):
        for key in ("stem_kernel", "kernel_size"):
            if models[name][key] % 2 == 0:
                raise ConfigError(
                    f"config key models.{name}.{key} is {models[name][key]}; expected an odd number so the receptive field is centred on its position."
                )
    check_known_motifs(config["motifs"]["known"], dna["jaspar_release"])
    local = models["protein_local"]
    field, gap = conv_field(local), min_gap(
        len(protein["motif_a"]) * protein["repeats"], protein["near"], protein["far"]
    )
    if field >= gap:
        raise ConfigError(
            f"config key models.protein_local.dilations is {local['dilations']}; its receptive field (stem_kernel + "
            f"sum((kernel_size - 1) * dilation) = {field} residues) must be shorter than the {gap} residues that "
            "always lie between the protein task's motif arrays (the lower of protein.near[0] and protein.far[0], "
            "less one array), so that no view holds both motifs: lower the dilations or raise protein.near."
        )


def check_protein_task(protein: dict) -> None:
    """Motifs of one length, neither in the other's array, and bands that fit
    the ring of every length and keep their spacings apart (the checks
    tbio.data.spacing makes, here before any job, naming the keys)."""
    try:
        check_motifs(protein["motif_a"], protein["motif_b"], protein["repeats"])
    except SimulationError as error:
        raise ConfigError(f"config keys protein.motif_a, protein.motif_b and protein.repeats: {error}.") from None
    for key in ("near", "far"):
        low, high = protein[key]
        if low > high:
            raise ConfigError(f"config key protein.{key} is {protein[key]}; expected [low, high] with low <= high.")
    for seq_len in protein["seq_lens"]:
        try:
            check_bands(seq_len, len(protein["motif_a"]) * protein["repeats"], protein["near"], protein["far"])
        except SimulationError as error:
            raise ConfigError(
                f"config keys protein.near {protein['near']} and protein.far {protein['far']} (protein.seq_lens "
                f"entry {seq_len}, protein.repeats {protein['repeats']}): {error}."
            ) from None


def check_known_motifs(known: list[str], release: str) -> None:
    """motifs.known: JASPAR matrix IDs, with their versions, in the release."""
    for i, spec in enumerate(known):
        if not MATRIX_ID.fullmatch(spec) or release not in jaspar_releases() or matrix_length(spec, release) is None:
            raise ConfigError(
                f"config key motifs.known[{i}] is {spec!r}; expected a JASPAR matrix ID with its version that "
                f"dna.jaspar_release ({release}) holds, e.g. MA0105.4."
            )


def check_dna_task(dna: dict) -> None:
    """The motifs exist (consensus letters, or a matrix ID in the JASPAR
    release) and every window fits the layout with their lengths."""
    releases = jaspar_releases()
    release = dna["jaspar_release"]
    lengths = {}
    for kind in ("promoters", "enhancers"):
        specs = dna[kind]
        for i, spec in enumerate(specs):
            if not is_consensus(spec) and not MATRIX_ID.fullmatch(spec):
                raise ConfigError(
                    f"config key dna.{kind}[{i}] is {spec!r}; expected a JASPAR matrix ID with its version "
                    "(e.g. MA0105.4) or a consensus of the letters ACGT."
                )
            if not is_consensus(spec) and release not in releases:
                raise ConfigError(
                    f"config key dna.jaspar_release is {release!r}; expected one of the releases pyjaspar ships: "
                    f"{', '.join(releases) or 'none (is pyjaspar installed?)'}."
                )
            length = motif_length(spec, release)
            if length is None:
                raise ConfigError(
                    f"config key dna.{kind}[{i}] is {spec!r}, which {release} does not have; expected a matrix ID "
                    f"with its version that the release holds (the POL core-promoter matrices are in JASPAR2020 and earlier)."
                )
            lengths.setdefault(kind, []).append(length)
        if specs[0].upper() == specs[1].upper():
            raise ConfigError(f"config key dna.{kind} names {specs[0]!r} twice; expected two different classes.")
    if set(s.upper() for s in dna["promoters"]) & set(s.upper() for s in dna["enhancers"]):
        raise ConfigError("config keys dna.promoters and dna.enhancers share a motif; expected four different motifs.")
    enhancer_lengths = [cluster_length(n, dna["enhancer_copies"], dna["enhancer_spacer"]) for n in lengths["enhancers"]]
    lowest, highest = pair_distance_bounds(dna["seq_len"], lengths["promoters"], enhancer_lengths)
    where = (
        f"with dna.seq_len {dna['seq_len']}, promoters of {' and '.join(map(str, lengths['promoters']))} bp and "
        f"enhancers of {' and '.join(map(str, enhancer_lengths))} bp"
    )
    if lowest > highest:
        raise ConfigError(
            f"config key dna.seq_len is {dna['seq_len']}; {where} no distance fits both pairs on the sequence: "
            "expected a longer sequence or shorter elements."
        )
    for window in dna["windows"]:
        low, high = window
        if low > high:
            raise ConfigError(f"config key dna.windows has {window}; expected [low, high] with low <= high.")
        if not lowest <= low <= high <= highest:
            raise ConfigError(
                f"config key dna.windows has {window}, which does not fit: {where}, distances must lie in "
                f"[{lowest}, {highest}] bp (both pairs on the sequence, each enhancer off its promoter)."
            )


def check_user_files_exist(splits: dict) -> None:
    """Each file of the user's own DNA is there: checked while planning, which
    must stay cheap; their contents are checked by the rule check_user_dna."""
    for split, files in splits.items():
        for kind in ("fasta", "labels"):
            if not Path(files[kind]).is_file():
                raise ConfigError(
                    f"config key dna.input.{split}.{kind}: no file {files[kind]!r}; expected a readable file."
                )


def check_user_dna(splits: dict, seq_len: int) -> list[dict]:
    """The user's own FASTA + labels, read whole: every error names the config
    key, the file, and the record or line. One row per split (records,
    positives) when all is well. The first job of a run on the user's data,
    which every encoding job waits on, so a bad file stops the run before any
    training starts."""
    from .data.encode import EncodingError, encode  # numpy, pandas and Biopython: not at planning
    from .data.fasta import InputDataError, read_labelled_fasta

    check_user_files_exist(splits)
    rows = []
    for split, files in splits.items():
        try:
            ids, seqs, labels = read_labelled_fasta(files["fasta"], files["labels"], seq_len=seq_len)
            encode(ids, seqs, "dna")
        except EncodingError as error:
            raise ConfigError(f"config key dna.input.{split}: {files['fasta']}: {error}.") from None
        except InputDataError as error:
            raise ConfigError(f"config key dna.input.{split}: {error}.") from None
        if len(set(labels)) < 2:
            raise ConfigError(
                f"config key dna.input.{split}: {files['labels']} has only label {labels[0]}; expected both 0 and 1."
            )
        rows.append({"split": split, "fasta": files["fasta"], "records": len(ids), "positives": sum(labels)})
    return rows
