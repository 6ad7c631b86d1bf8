"""What a trained DNA model learned, as motifs: contribution scores
(``scores``), patterns discovered from them with TF-MoDISco-lite and matched
to JASPAR with Tomtom (``discovery``, against ``database``), and whether the
planted matrices were recovered (``recovery``)."""
