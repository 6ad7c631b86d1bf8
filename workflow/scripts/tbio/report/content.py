"""What the report is made of: the paths it reads (ReportInputs), the tables
computed once from them (Tables) and its figures (Figure). Its own module, so
that build.py (which computes them) and page.py (which words them) need not
import each other."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class ReportInputs:
    """Paths the pipeline wrote, and the config the run used."""

    dna_metrics: list[str]
    protein_metrics: list[str]
    contributions: list[str]
    attention: list[str]
    labels: list[str]
    approximation: str
    scaling: str
    rule_benchmarks: list[str]
    config: dict = field(default_factory=dict)
    config_schema: str | None = None
    # the folder of the .rst captions (workflow/report); None: the one beside this library
    captions_dir: str | None = None


@dataclass
class Tables:
    """Everything the report shows, computed once from the inputs."""

    metrics: list[dict]
    summary: pd.DataFrame  # one row per trained model (summary.tsv)
    accuracy: pd.DataFrame  # DNA test accuracy over seeds per (model, distance)
    protein: pd.DataFrame  # protein test accuracy over seeds per model
    curves: pd.DataFrame  # validation history per (model, distance, seed, epoch)
    profiles: pd.DataFrame  # contribution scores per (distance, model, position), mean over seeds
    attention: pd.DataFrame  # centre-bin attention per (distance, layer, bin), mean over seeds
    spans: pd.DataFrame  # promoter and enhancer positions per distance
    cost: pd.DataFrame  # per rule, with a total row
    jobs: pd.DataFrame  # per job
    approximation: pd.DataFrame  # FAVOR+ error per (kind, features), over draws
    scaling: pd.DataFrame  # attention_scaling.tsv as measured
    scaling_by_length: pd.DataFrame  # both methods side by side per length
    time_fits: dict
    memory_fits: dict
    crossover: int | None
    receptive_field: int | None  # the CNN's, in bp
    seq_len: int  # of the DNA sequences
    config: dict

    def fits(self) -> pd.DataFrame:
        rows = [
            {
                "method": f.method,
                "quantity": quantity,
                "slope": f.slope,
                "fit_from_len": f.fit_from_len,
                "points": f.points,
            }
            for quantity, fitted in (("time", self.time_fits), ("memory", self.memory_fits))
            for f in fitted.values()
        ]
        return pd.DataFrame(rows, columns=["method", "quantity", "slope", "fit_from_len", "points"])


@dataclass
class Figure:
    name: str  # file stem in the figures folder
    png: Path
    alt: str
    caption: str  # HTML (markupsafe.Markup: the .rst caption and this run's facts)

    @property
    def data_uri(self) -> str:
        """The PNG, embedded: the page needs no file beside it to show it."""
        return "data:image/png;base64," + base64.b64encode(Path(self.png).read_bytes()).decode()

    @property
    def svg_data_uri(self) -> str:
        """The SVG beside the PNG, embedded too: every link of the page resolves
        wherever the page goes (Snakemake's --report zip keeps only the page)."""
        return "data:image/svg+xml;base64," + base64.b64encode(Path(self.png).with_suffix(".svg").read_bytes()).decode()
