"""Exceptions raised by the library; the CLI turns them into one-line messages."""


class PprnetError(Exception):
    """Base class: every error the library raises on purpose."""


class SourceError(PprnetError):
    """An input page cannot be read (missing, unreadable, not text)."""


class CitationError(PprnetError):
    """A citation line cannot be parsed into CSL-JSON."""


class GraphError(PprnetError):
    """A graph file cannot be loaded or serialised."""


class QueryError(PprnetError):
    """A named query is unknown, a query does not parse, or a binding is malformed."""


class QueryRefused(QueryError):
    """A query that parses but is not allowed: SPARQL Update, SERVICE, FROM / FROM NAMED."""


class ValidationError(PprnetError):
    """The SHACL shapes or the graph to validate cannot be loaded."""


class ConfigError(PprnetError):
    """A data file of the project (lexicon, rules) is missing or malformed."""


class RemoteError(PprnetError):
    """A remote SPARQL endpoint or Graph Store refused a request or could not be reached."""
