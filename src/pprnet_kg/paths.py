"""Where the project's own files live: ontology/, queries/, data/.

In a checkout (or an editable install) they sit beside pyproject.toml; a regular install
puts copies under <prefix>/share/pprnet-kg (see [tool.setuptools.data-files]).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from .errors import ConfigError


@cache
def project_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "ontology").is_dir():
            return parent
    shared = Path(sys.prefix) / "share" / "pprnet-kg"
    if (shared / "ontology").is_dir():
        return shared
    raise ConfigError("cannot find the project's data files (ontology/, queries/, data/)")


def ontology_file() -> Path:
    return project_root() / "ontology" / "pprnet.ttl"


def shapes_file() -> Path:
    return project_root() / "ontology" / "shapes.ttl"


def queries_dir() -> Path:
    return project_root() / "queries"


def data_file(name: str) -> Path:
    return project_root() / "data" / name


def sample_dir() -> Path:
    return project_root() / "data" / "sample"
