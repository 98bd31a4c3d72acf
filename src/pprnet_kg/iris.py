"""Deterministic, readable IRIs minted from record keys under a configurable base.

Articles with a DOI get `article/doi/<doi, lower case>`; everything else is a slug of its
natural key, so the same input always gives the same IRI and the same author, journal or
topic in two posts is one node.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import URIRef

from .errors import ConfigError
from .textnorm import ascii_fold, slugify


def post_id(month: str | None, title: str) -> str:
    """The id of a post: its month and a slug of its title ('2020-12-how-does-therapy-harm')."""
    return f"{month or 'undated'}-{slugify(title, 70)}"


def repeated_post_id(post_id: str, n: int) -> str:
    """The id of the n-th copy (n >= 2) of a post read again from another page."""
    return f"{post_id}-{n}"


def person_key(name: dict[str, str]) -> str:
    """'Barkham, M.' and 'Barkham, Michael' -> 'barkham-m'; 'Mason, A-M.' -> 'mason-am'."""
    if "literal" in name:
        return slugify(name["literal"])
    initials = "".join(w[0] for w in re.split(r"[\s.\-]+", ascii_fold(name.get("given", ""))) if w)
    return slugify(name["family"]) + (f"-{initials.lower()}" if initials else "")


class Minter:
    """Mints every IRI of the graph from one base."""

    def __init__(self, base: str) -> None:
        if not re.match(r"^[a-z][a-z0-9+.-]*:\S*[/#:]$", base):
            raise ConfigError(f"base IRI must be absolute and end with '/', '#' or ':': {base!r}")
        self.base = base
        # IRIs of what many posts name, kept by their key: see `person`
        self._people: dict[tuple, URIRef] = {}
        self._topics: dict[str, URIRef] = {}
        self._journals: dict[str, URIRef] = {}

    def _iri(self, *parts: str) -> URIRef:
        # made as the str it is, without URIRef's check of each IRI: minted parts are slugs and
        # quoted DOIs, and the builder mints millions of them (the check was a tenth of its time)
        return str.__new__(URIRef, self.base + "/".join(parts))

    def article(self, citation: dict | None, post_id: str) -> URIRef:
        if citation and citation.get("DOI"):
            return self._iri("article", "doi", quote(citation["DOI"].lower(), safe="/.-_;:()"))
        if citation:
            first = citation["author"][0]
            who = slugify(first.get("family") or first.get("literal", "anon"), 30)
            year = str(citation.get("issued", {}).get("date-parts", [["nd"]])[0][0])
            return self._iri("article", f"{who}-{year}-{slugify(citation.get('title', ''), 50)}")
        return self._iri("article", "uncited", post_id)

    def author_list(self, article: URIRef) -> URIRef:
        return str.__new__(URIRef, f"{article}/authors")

    def editor_list(self, article: URIRef) -> URIRef:
        return str.__new__(URIRef, f"{article}/editors")

    def person(self, name: dict[str, str]) -> URIRef:
        """A person, kept by what person_key reads: a person is minted again for each post that
        names them (twice), and the key's split and slug cost more than a look-up. The same object
        back also lets sets and dicts of IRIs match it by identity, without rdflib's __eq__ (Python)."""
        key = (name["literal"],) if "literal" in name else (name.get("family"), name.get("given", ""))
        iri = self._people.get(key)
        if iri is None:
            iri = self._people[key] = self._iri("person", person_key(name))
        return iri

    def journal(self, title: str) -> URIRef:
        """A journal, kept by its title (see `person`)."""
        iri = self._journals.get(title)
        if iri is None:
            iri = self._journals[title] = self._iri("journal", slugify(title))
        return iri

    def book(self, title: str) -> URIRef:
        return self._iri("book", slugify(title))

    def publisher(self, name: str) -> URIRef:
        return self._iri("publisher", slugify(name))

    def post(self, post_id: str) -> URIRef:
        return self._iri("post", post_id)

    def finding(self, post_id: str, index: int) -> URIRef:
        return self._iri("finding", post_id, str(index))

    def topic_assignment(self, post_id: str, label: str) -> URIRef:
        return self._iri("post", post_id, "topic", slugify(label))

    def topic(self, label: str) -> URIRef:
        """A topic, kept by its label (see `person`)."""
        iri = self._topics.get(label)
        if iri is None:
            iri = self._topics[label] = self._iri("topic", slugify(label))
        return iri

    def scheme(self, name: str) -> URIRef:
        return self._iri("scheme", name)

    def design(self, label: str) -> URIRef:
        return self._iri("design", slugify(label))

    def disorder(self, key: str) -> URIRef:
        return self._iri("disorder", key)

    def intervention(self, key: str) -> URIRef:
        return self._iri("intervention", key)

    def comparator(self, key: str) -> URIRef:
        return self._iri("comparator", key)

    def outcome(self, key: str) -> URIRef:
        return self._iri("outcome", key)

    def smd_equivalent(self, finding: URIRef) -> URIRef:
        return str.__new__(URIRef, f"{finding}/smd")

    def blog(self) -> URIRef:
        """The blog itself, as the agent of its own filing (topic and type-of-research filters)."""
        return self._iri("agent", "pprnet-blog")

    def research_type(self, label: str) -> URIRef:
        return self._iri("research-type", slugify(label))

    def blog_topic_assignment(self, post_id: str, label: str) -> URIRef:
        return self._iri("post", post_id, "blog-topic", slugify(label))

    def page(self, source: str) -> URIRef:
        return self._iri("page", slugify(source))

    def post_of(self, iri: str) -> str | None:
        """The id of the post an IRI was minted from — the post, its topic assignments, its findings
        and their SMD equivalents, the article of a post that cites none — or None."""
        if not iri.startswith(self.base):
            return None
        kind, _, rest = iri[len(self.base):].partition("/")
        if kind in {"post", "finding"}:
            return rest.split("/", 1)[0] or None
        if kind == "article" and rest.startswith("uncited/"):
            return rest[len("uncited/"):] or None
        return None
