"""The packaged ontology, queries and data, read with importlib.resources.

They live at the top of the repository (ontology/, queries/, data/) and ship inside the
package (src/pprnet_kg/{ontology,queries,data} are links to them that the wheel copies), so a
regular, `--user` or editable install reads them from wherever the package is: nothing here
looks outside the package.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from .errors import ConfigError


@cache
def package_dir() -> Path:
    root = files("pprnet_kg")
    path = Path(str(root))
    if not (path / "ontology").is_dir():
        raise ConfigError(f"{path}: the installed package has no ontology/ (a broken install? reinstall pprnet-kg)")
    return path


def ontology_file() -> Path:
    return package_dir() / "ontology" / "pprnet.ttl"


def shapes_file() -> Path:
    return package_dir() / "ontology" / "shapes.ttl"


def queries_dir() -> Path:
    return package_dir() / "queries"


def data_file(name: str) -> Path:
    return package_dir() / "data" / name


def sample_dir() -> Path:
    return package_dir() / "data" / "sample"
