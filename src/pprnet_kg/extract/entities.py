"""Disorders, interventions and topics named in a post, by the curated rules in data/.

Hundreds of phrases are tried per post, so a phrase's regex only runs when all of its words
occur among the words of the text (set lookups); the matches are the same as running every
regex.
"""

from __future__ import annotations

from ..model import Match
from .caseless import words
from .rules import Entry, PhraseSet

_WORDS: dict[str, tuple[str, frozenset[str]]] = {}  # text -> (lower case, words): a post's recent texts


def _words(text: str) -> tuple[str, frozenset[str]]:
    """The text in lower case and its set of words (one post's text is looked up in several lexicons)."""
    known = _WORDS.get(text)
    if known is None:
        if len(_WORDS) >= 512:
            _WORDS.clear()
        lowered = text.lower()
        known = _WORDS[text] = (lowered, frozenset(words(lowered)))
    return known


# str.lower() of parts joined by one of these is the parts' lower() joined: a space is neither a
# cased letter nor case-ignorable, so it ends the context that makes a capital sigma final or not
# (the only letter lower() maps by its neighbours)
_JOINS = (" ", ". ")


def note_words(text: str, parts, sep: str | None = None) -> None:
    """Remember the words of `text` as those of its parts: the caller guarantees that every word of
    the text lies inside one part and every part's words are the text's (the parts cover the text,
    cut between words). A post's summary, its sentences and the texts made of it then share one
    tokenising. When the text is the parts joined by `sep`, its lower case is theirs joined."""
    if text not in _WORDS:
        parts = tuple(parts)
        known = [_words(part) for part in parts]
        all_words = frozenset().union(*(k[1] for k in known))
        if sep in _JOINS and text == sep.join(parts):
            lowered = sep.join(k[0] for k in known)
        else:
            lowered = text.lower()
        if len(_WORDS) >= 512:
            _WORDS.clear()
        _WORDS[text] = (lowered, all_words)


def _hits(text: str, entries) -> dict[int, list[str]]:
    """Entry index -> every matched text (lower case), for the entries whose phrases occur."""
    entries = entries if isinstance(entries, PhraseSet) else PhraseSet(entries)
    index = entries.index
    lowered, words = _words(text)
    hits: dict[int, list[str]] = {}
    for word in words & entries.index_words:
        for i, term in index[word]:
            if not term.words <= words:
                continue
            found = term.find_all(text, lowered)
            if found:
                hits.setdefault(i, []).extend(found)
    return hits


def find_entries(text: str, entries: tuple[Entry, ...]) -> tuple[Match, ...]:
    """Every entry with at least one phrase in the text, in lexicon order, with what matched.
    A PhraseSet remembers its recent answers: the finding annotator asks about the same clause
    and sentence several times."""
    cache = entries.recent if isinstance(entries, PhraseSet) else None
    if cache is not None and (known := cache.get(text)) is not None:
        return known
    hits = _hits(text, entries)
    found = tuple(Match(entries[i].key, entries[i].label, tuple(sorted(set(hits[i])))) for i in sorted(hits))
    if cache is not None:
        if len(cache) >= 2048:
            cache.clear()
        cache[text] = found
    return found


def assign_topics(strong_text: str, body_text: str, topics: tuple[Entry, ...], *, min_hits: int) -> tuple[Match, ...]:
    """Topics whose phrases occur in the titles, or at least `min_hits` times in the body."""
    strong, body = _hits(strong_text, topics), _hits(body_text, topics)
    assigned = []
    for i in sorted(set(strong) | set(body)):
        if i in strong or len(body.get(i, [])) >= min_hits:
            terms = set(strong.get(i, [])) | set(body.get(i, []))
            assigned.append(Match(topics[i].key, topics[i].label, tuple(sorted(terms))))
    return tuple(assigned)
