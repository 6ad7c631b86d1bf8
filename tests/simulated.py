"""Small simulated DNA for tests that need labelled sequences but not JASPAR:
the compatibility task with consensus motifs (tbio.data.pairs)."""

from tbio.data.motifs import load_motif
from tbio.data.pairs import simulate_pairs

PROMOTERS = ("TATAAAAG", "GGGCGGGG")
ENHANCERS = ("CACGTGAC", "TGACTCAT")


def dna_records(n, seq_len=128, seed=0, window=(5, 12), id_prefix="seq"):
    """``n`` balanced records of ``seq_len`` bp, the readout enhancer ``window`` bp from the promoter centre."""
    promoters = [load_motif(m, "JASPAR2020") for m in PROMOTERS]
    enhancers = [load_motif(m, "JASPAR2020") for m in ENHANCERS]
    return simulate_pairs(n, seq_len, promoters, enhancers, window=window, seed=seed, id_prefix=id_prefix)
