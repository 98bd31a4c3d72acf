"""Turtle and TriG from canonical N-Triples, with pyoxigraph alone.

export.write_graph_file calls `write_turtle_or_trig` in its own process; the build runs this
module as a child process that reads the N-Triples on its stdin while the merge goes on
(export._serializing_sink). It imports no rdflib, so the child starts in a few tens of ms.
"""

from __future__ import annotations

import json
import sys

import pyoxigraph as ox


def write_turtle_or_trig(source: dict, path: str, fmt: str, prefixes: dict[str, str], graph: str) -> None:
    """The N-Triples of `source` (pyoxigraph.parse's `path=` or `input=`) written to `path` as
    Turtle ("ttl") or TriG ("trig", every triple in the named graph `graph`), with `prefixes`."""
    triples = ox.parse(**source, format=ox.RdfFormat.N_TRIPLES)
    if fmt == "ttl":
        ox.serialize(triples, path, ox.RdfFormat.TURTLE, prefixes=prefixes)
    else:
        name = ox.NamedNode(graph)
        ox.serialize((ox.Quad(t.subject, t.predicate, t.object, name) for t in triples), path, ox.RdfFormat.TRIG,
                     prefixes=prefixes)


def main(argv: list[str]) -> int:
    """The child's entry: FMT PATH PREFIXES-JSON GRAPH, N-Triples on stdin; a failure is one line on
    stderr and exit status 1."""
    fmt, path, prefixes, graph = argv[0], argv[1], json.loads(argv[2]), argv[3]
    try:
        source = {"path": "/dev/stdin"} if sys.platform != "win32" else {"input": sys.stdin.buffer}
        write_turtle_or_trig(source, path, fmt, prefixes, graph)
    except BaseException as exc:
        sys.stderr.write(" ".join(str(exc).split())[:300] or type(exc).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
