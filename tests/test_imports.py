"""tbio.imports: the library files a rule's script runs, which the workflow
lists as the rule's code inputs (an edit to any of them reruns its jobs)."""

from pathlib import Path

import pytest

from conftest import ROOT
from tbio.imports import library_closure

SCRIPTS = ROOT / "workflow/scripts"


def names(files, root):
    return {str(Path(file).relative_to(root)) for file in files}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_absolute_relative_and_from_package_imports_are_followed(tmp_path):
    write(
        tmp_path,
        {
            "tbio/__init__.py": "",
            "tbio/data/__init__.py": "",
            "tbio/data/a.py": "from .b import f\nfrom ..models import c\n",
            "tbio/data/b.py": "import numpy\nfrom . import helpers\n",
            "tbio/data/helpers.py": "",
            "tbio/models/__init__.py": "",
            "tbio/models/c.py": "def g(): import tbio.models.lazy\n",
            "tbio/models/lazy.py": "",
            "tbio/unused.py": "",
            "run.py": "import json\nfrom tbio.data.a import f\n",
        },
    )
    found = names(library_closure(tmp_path, tmp_path / "run.py"), tmp_path)
    assert found == {
        "tbio/__init__.py",
        "tbio/data/__init__.py",
        "tbio/data/a.py",
        "tbio/data/b.py",
        "tbio/data/helpers.py",
        "tbio/models/__init__.py",
        "tbio/models/c.py",
        "tbio/models/lazy.py",  # an import inside a function runs too, when called
    }
    # a module loaded by name at run time is a start of its own
    assert "tbio/unused.py" in names(library_closure(tmp_path, tmp_path / "run.py", "tbio.unused"), tmp_path)


def test_a_start_that_is_no_module_is_named(tmp_path):
    write(tmp_path, {"tbio/__init__.py": ""})
    with pytest.raises(ValueError, match="tbio.missing is no module"):
        library_closure(tmp_path, "tbio.missing")


@pytest.mark.parametrize(
    "script, modules",
    [
        # the modules that hand-kept lists once missed
        ("simulate_protein", {"data/spacing.py", "data/bands.py", "data/simulate.py", "data/fasta.py"}),
        ("train", {"data/layout.py", "train/run.py", "train/draws.py", "models/favor.py"}),
        ("attention_approximation", {"bench/attention.py", "report/analysis.py", "models/__init__.py"}),
        ("contribution_scores", {"motifs/scores.py", "data/motifs.py"}),
    ],
)
def test_the_workflow_scripts_closures_hold_what_they_import(script, modules):
    found = names(library_closure(SCRIPTS, SCRIPTS / f"{script}.py"), SCRIPTS / "tbio")
    assert modules <= found
    assert all((SCRIPTS / "tbio" / name).is_file() for name in found)
