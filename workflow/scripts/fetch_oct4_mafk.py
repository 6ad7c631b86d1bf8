"""Real labelled DNA for the DNA side, fetched offline from PyPI: human
ChIP-seq peaks of Oct4 (POU5F1, label 1) and MafK (label 0), 200 bp each,
as the janggu package ships them (janggu/resources/sample.fa and
sample2.fa, about 3,900 of each; its examples classify "Oct4 vs MafK").
janggu is GPL-3.0; the sequences are fetched by this script, never
committed.

    .venv/bin/python workflow/scripts/fetch_oct4_mafk.py data/oct4_mafk
    .venv/bin/snakemake --cores 2 --configfile config/oct4_mafk.yaml

writes <folder>/{train,val,test}.fa and .labels.tsv, the files that
config/oct4_mafk.yaml's dna.input names: every tenth record of each class
(by its order in the file) goes to test, the next of every ten to
validation, the rest to training. Sequences are upper-cased (the files are
soft-masked) and named <class>_<chrom:start-end>.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "janggu-0.10.2-py2.py3-none-any.whl"
WHEEL_SHA256 = "3825abe65578509232fcaa1e56f9eb5d71de105d70c9bcc9551357adc7d2fc47"
CLASSES = {"oct4": ("janggu/resources/sample.fa", 1), "mafk": ("janggu/resources/sample2.fa", 0)}
SPLITS = ("train", "val", "test")


def download_wheel(folder: Path) -> Path:
    """janggu's wheel from PyPI (pip download: no install, no dependencies),
    checked against the digest this recipe was written with."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "janggu==0.10.2", "-d", str(folder)],
        check=True,
    )
    wheel = folder / WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}; expected {WHEEL_SHA256} (the wheel this recipe was written for)")
    return wheel


def read_fasta(text: str) -> list[tuple[str, str]]:
    records, name, parts = [], None, []
    for line in text.splitlines():
        if line.startswith(">"):
            if name is not None:
                records.append((name, "".join(parts)))
            name, parts = line[1:].split()[0], []
        elif line.strip():
            parts.append(line.strip())
    if name is not None:
        records.append((name, "".join(parts)))
    return records


def split_of(index: int) -> str:
    return {0: "test", 1: "val"}.get(index % 10, "train")


def write_splits(wheel: Path, out: Path) -> dict[str, int]:
    """The two classes of ``wheel`` as FASTA + labels per split in ``out``;
    returns the number of records per split."""
    out.mkdir(parents=True, exist_ok=True)
    rows = {split: [] for split in SPLITS}
    with zipfile.ZipFile(wheel) as archive:
        for name, (member, label) in CLASSES.items():
            for index, (region, sequence) in enumerate(read_fasta(archive.read(member).decode("ascii"))):
                rows[split_of(index)].append((f"{name}_{region}", sequence.upper(), label))
    for split, records in rows.items():
        (out / f"{split}.fa").write_text("".join(f">{rid}\n{seq}\n" for rid, seq, _ in records))
        (out / f"{split}.labels.tsv").write_text("id\tlabel\n" + "".join(f"{rid}\t{lab}\n" for rid, _, lab in records))
    return {split: len(records) for split, records in rows.items()}


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counts = write_splits(download_wheel(Path(tmp)), Path(out))
    print(", ".join(f"{split}: {n} sequences" for split, n in counts.items()) + f" in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} OUTPUT_FOLDER")
    main(sys.argv[1])
