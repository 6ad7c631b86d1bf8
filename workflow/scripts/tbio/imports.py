"""Which library files a script runs: the tbio modules it imports, and theirs,
followed through the source (``ast``), without importing anything.

The workflow lists them as each rule's ``code`` input, so that an edit to any
module a job ran reruns that job; a hand-kept list goes stale the day a module
gains an import. Imports made by name at run time (the model registry) are
not seen here: the rule adds that module's own closure.

Standard library only: Snakemake's main process reads this while planning.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "tbio"


def module_file(root: Path, dotted: str) -> Path | None:
    """The file of module ``dotted`` (``tbio.data.spacing``) under ``root``
    (the folder holding the ``tbio`` package), or None if it is no module."""
    path = root.joinpath(*dotted.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _package_of(root: Path, file: Path) -> str:
    """The dotted package a library file's relative imports start from."""
    parts = file.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1])  # a package's __init__ and a module alike: drop the last part


def _imported(root: Path, file: Path) -> list[str]:
    """Dotted names of the tbio modules ``file`` imports directly, with every
    package on the way (Python runs each package's __init__ first)."""
    tree = ast.parse(file.read_text(), filename=str(file))
    in_library = file.is_relative_to(root / PACKAGE)
    package = _package_of(root, file) if in_library else ""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not in_library:
                    continue
                parts = package.split(".")  # level 1: this package, 2: its parent, ...
                module = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            # `from tbio.data import spacing`: a submodule, when one has that name
            names += [f"{module}.{alias.name}" for alias in node.names]
    found = [prefix for name in names if name.split(".")[0] == PACKAGE for prefix in _prefixes(name)]
    return [name for name in dict.fromkeys(found) if module_file(root, name) is not None]


def library_closure(root: Path | str, *starts: Path | str) -> list[str]:
    """Every library file (as a path under ``root``, the folder holding the
    tbio package) that running ``starts`` imports, directly or not. A start is
    a script's path or a dotted module name (``tbio.models.cnn``)."""
    root = Path(root)
    queue = []
    for start in starts:
        if isinstance(start, str) and start.startswith(f"{PACKAGE}."):
            if module_file(root, start) is None:
                raise ValueError(f"{start} is no module under {root}")
            queue += _prefixes(start)
        else:
            queue.append(Path(start))
    seen: dict[Path, None] = {}
    while queue:
        item = queue.pop()
        file = module_file(root, item) if isinstance(item, str) else item
        if file in seen:
            continue
        seen[file] = None
        queue += _imported(root, file)
    return sorted(str(file) for file in seen if file.is_relative_to(root / PACKAGE))


def _prefixes(dotted: str) -> list[str]:
    """'tbio.data.spacing' -> ['tbio', 'tbio.data', 'tbio.data.spacing']: every package on the way."""
    parts = dotted.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
