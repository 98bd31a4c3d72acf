"""Disorders, interventions and topics named in a post, by the curated rules in data/."""

from __future__ import annotations

from ..model import Match
from .rules import Entry


def find_entries(text: str, entries: tuple[Entry, ...]) -> tuple[Match, ...]:
    """Every entry with at least one phrase in the text, in lexicon order, with what matched."""
    found = []
    lowered = text.lower()
    for entry in entries:
        terms = sorted({m.group(0).lower() for t in entry.terms for m in t.finditer(text, lowered)})
        if terms:
            found.append(Match(entry.key, entry.label, tuple(terms)))
    return tuple(found)


def assign_topics(strong_text: str, body_text: str, topics: tuple[Entry, ...], *, min_hits: int) -> tuple[Match, ...]:
    """Topics whose phrases occur in the titles, or at least `min_hits` times in the body."""
    assigned = []
    strong_low, body_low = strong_text.lower(), body_text.lower()
    for topic in topics:
        strong = {m.group(0).lower() for t in topic.terms for m in t.finditer(strong_text, strong_low)}
        body_hits = [m.group(0).lower() for t in topic.terms for m in t.finditer(body_text, body_low)]
        if strong or len(body_hits) >= min_hits:
            assigned.append(Match(topic.key, topic.label, tuple(sorted(strong | set(body_hits)))))
    return tuple(assigned)
