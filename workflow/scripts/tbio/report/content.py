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
    labels: list[str]  # test labels of each DNA data set: data/dna/<data set>/test.labels.tsv
    approximation: str
    scaling: str
    rule_benchmarks: list[str]
    # simulated DNA only (none for the user's own): each job's controls.tsv and by_distance.tsv
    controls: list[str] = field(default_factory=list)
    by_distance: list[str] = field(default_factory=list)
    # each Performer job's draws.tsv: its test accuracy over fresh random-feature draws
    performer_draws: list[str] = field(default_factory=list)
    # each discover_motifs job's motifs.tsv and patterns.npz
    motifs: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    config_schema: str | None = None
    # the folder of the .rst captions (workflow/report); None: the one beside this library
    captions_dir: str | None = None


@dataclass
class Tables:
    """Everything the report shows, computed once from the inputs."""

    metrics: list[dict]
    summary: pd.DataFrame  # one row per trained model (summary.tsv)
    accuracy: pd.DataFrame  # DNA test accuracy over seeds per (model, training window)
    by_distance: pd.DataFrame  # accuracy on held-out distances per (model, window, seed, distance bin)
    controls: pd.DataFrame  # each control's test accuracy per (model, window, seed) (controls.tsv)
    controls_mean: pd.DataFrame  # the controls, mean over seeds per (model, window)
    reach: pd.DataFrame  # nominal receptive field and used reach per (model, window)
    protein: pd.DataFrame  # protein test accuracy over seeds per model and length
    curves: pd.DataFrame  # validation history per (model, window, seed, epoch)
    profiles: pd.DataFrame  # contribution scores per (window, model, position), mean over seeds
    attention: pd.DataFrame  # centre-bin attention per (window, layer, bin), mean over seeds
    spans: pd.DataFrame  # where the promoter and its enhancer may lie, per window
    cost: pd.DataFrame  # per rule, with a total row
    jobs: pd.DataFrame  # per job
    draws: pd.DataFrame  # the Performer's test accuracy per (seed, nb_features, draw) (performer_draws.tsv)
    draws_summary: pd.DataFrame  # the same over seeds and draws, per length and feature count
    performer_vs_exact: list[dict]  # aggregate.performer_vs_exact_by_length
    approximation: pd.DataFrame  # FAVOR+ and uniform error per (inputs, kind, features), over draws
    approximation_vs_uniform: pd.DataFrame  # per inputs: the fewest features at which FAVOR+ beats uniform
    scaling: pd.DataFrame  # attention_scaling.tsv as measured
    motifs: pd.DataFrame  # every discovered pattern per (model, data set, seed) (motifs.tsv)
    motif_recovery: pd.DataFrame  # per (model, data set, role): seeds whose patterns recovered it
    motif_logos: list  # report.motifs.logo_rows
    scaling_by_length: pd.DataFrame  # both methods side by side per length
    time_fits: dict
    memory_fits: dict
    crossover: int | None
    receptive_field: int | None  # the local CNN's, in bp
    receptive_fields: dict  # every DNA model's nominal receptive field, in bp
    enhancer_len: int | None  # the longest readout enhancer, in bp (None: no positions)
    bin_bp: int  # width of the distance bins of by_distance
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
