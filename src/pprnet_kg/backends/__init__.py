"""Stores behind one small interface (base.Backend), opened by name.

    memory                      rdflib's in-memory graph
    oxigraph                    Oxigraph in memory
    oxigraph:DIR                Oxigraph on disk, kept between commands
    sparql+http(s)://HOST/PATH  a remote SPARQL 1.1 query endpoint (read only; `push` loads it)

A new store is one module with an `open(argument, *, named_graph, read_only)` function that
returns a Backend, plus one line in REGISTRY. Nothing outside this package asks which store
it has.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigError
from .base import Backend

__all__ = ["Backend", "REGISTRY", "open_backend", "split_spec"]

# spec prefix -> module of this package
REGISTRY = {
    "memory": "memory",
    "oxigraph": "oxigraph",
    "sparql+http": "remote",
    "sparql+https": "remote",
}

SPEC_HELP = "memory, oxigraph, oxigraph:DIR or sparql+http(s)://HOST/PATH"


def split_spec(spec: str) -> tuple[str, str | None]:
    """'oxigraph:DIR' -> ('oxigraph', 'DIR'); 'sparql+https://h/q' -> ('sparql+https', 'https://h/q')."""
    spec = spec.strip()
    kind, sep, arg = spec.partition(":")
    if kind.startswith("sparql+"):
        return kind, spec[len("sparql+"):]
    if kind not in REGISTRY:
        raise ConfigError(f"unknown store {spec!r}: use {SPEC_HELP}")
    if sep and not arg:
        raise ConfigError(f"--store {kind}:PATH needs a directory after the colon")
    return kind, arg or None


def open_backend(spec: str, *, named_graph: str | None = None, read_only: bool = False) -> Backend:
    kind, arg = split_spec(spec)
    if kind not in REGISTRY:
        raise ConfigError(f"unknown store {spec!r}: use {SPEC_HELP}")
    module = import_module(f".{REGISTRY[kind]}", __name__)
    return module.open(arg, named_graph=named_graph, read_only=read_only)
