"""The curated rule files in data/ (lexicon, topics, designs, outcomes), loaded and compiled.

Each file is TOML written by hand; this module turns phrases into regular expressions with
one matching rule everywhere: case-insensitive whole words, a space also matches a hyphen,
and all-capital abbreviations (CBT, PTSD) match case-sensitively.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import ConfigError
from ..resources import data_file
from .findings import OutcomeTerm
from .firstchar import compile_guarded


def _phrase_words(phrase: str) -> list[str]:
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", phrase.strip()) if w]
    if not words:
        raise ConfigError(f"empty phrase in rules: {phrase!r}")
    return words


def _case_sensitive(phrase: str, case_sensitive: bool | None) -> bool:
    return phrase.isupper() and len(phrase) <= 8 if case_sensitive is None else case_sensitive


def phrase_pattern(phrase: str, *, case_sensitive: bool | None = None, searched: bool = True) -> re.Pattern:
    """The phrase's regex. One that is only matched where the caller found the phrase's first word
    (`searched` False) is compiled as written: a guard or a literal in front would only add a test
    there (and two more parses of the pattern when the phrase is first met)."""
    body = r"[\s\-\u2010\u2011]+".join(re.escape(w) for w in _phrase_words(phrase))
    pattern, flags = rf"(?<!\w){body}(?!\w)", 0 if _case_sensitive(phrase, case_sensitive) else re.IGNORECASE
    return compile_guarded(pattern, flags) if searched else re.compile(pattern, flags)


@dataclass(frozen=True)
class Term:
    """One phrase of a rule entry. Its regexes are compiled when first used: a text runs a
    phrase's regex only when all the phrase's words occur in it, so most of the ~900 phrases are
    never compiled by a short run (compiling all of them took ~0.2 s of every command's start)."""

    phrase: str
    words: frozenset[str]  # lower-case words every match contains: a cheap test before any regex
    start: str  # the text every match starts with (lower case unless case-sensitive)
    case_sensitive: bool

    @cached_property
    def pattern(self) -> re.Pattern:
        """The phrase on the original text (case rule applied)."""
        return phrase_pattern(self.phrase, case_sensitive=self.case_sensitive)

    @cached_property
    def anchored(self) -> re.Pattern:
        """The same pattern, matched at a position (on lower-cased text when case-insensitive)."""
        return phrase_pattern(self.phrase if self.case_sensitive else self.phrase.lower(), case_sensitive=True,
                              searched=False)

    def spans(self, text: str, lowered: str | None) -> list[tuple[int, int]]:
        """The spans of `self.pattern.finditer(text)`, `lowered` being caseless.lowered(text): the
        anchored pattern is tried only where the first word stands, on the lowered text when the
        phrase is case-insensitive (the same matches when the lowered text stands for the text)."""
        if not (self.case_sensitive or lowered is not None and self.phrase.isascii()):
            return [hit.span() for hit in self.pattern.finditer(text)]
        haystack = text if self.case_sensitive else lowered
        spans, pos = [], haystack.find(self.start)
        anchored = self.anchored
        while pos != -1:
            m = anchored.match(haystack, pos)
            if m:
                spans.append(m.span())
                pos = haystack.find(self.start, m.end())
            else:
                pos = haystack.find(self.start, pos + 1)
        return spans

    def find_all(self, text: str, lowered: str) -> list[str]:
        """Every match (lower case), trying the regex only where the first word occurs."""
        haystack = text if self.case_sensitive else lowered
        found, pos = [], haystack.find(self.start)
        if pos == -1:
            return found
        anchored = self.anchored
        while pos != -1:
            m = anchored.match(haystack, pos)
            if m:
                found.append(m.group(0).lower())
                pos = haystack.find(self.start, m.end())
            else:
                pos = haystack.find(self.start, pos + 1)
        return found


def make_term(phrase: str, *, case_sensitive: bool | None = None) -> Term:
    words = re.findall(r"\w+", phrase.lower())
    if not words:
        raise ConfigError(f"phrase without a word in rules: {phrase!r}")
    first = _phrase_words(phrase)[0]
    sensitive = _case_sensitive(phrase, case_sensitive)
    return Term(phrase, frozenset(words), first if sensitive else first.lower(), sensitive)


class PhraseSet(tuple):
    """A tuple of entries with an index from each word to the phrases that contain it."""

    def __new__(cls, entries=()):
        self = super().__new__(cls, entries)
        self.index = {}
        self.recent = {}  # text -> find_entries' answer (see entities.find_entries)
        self.by_key = {}  # key -> the first entry with that key
        # each phrase is filed under its word that the fewest phrases share (then the longest): a text
        # with 'disorder' then checks the few phrases filed under it, not every '... disorder'
        shared = Counter(w for entry in self for term in entry.terms for w in term.words)
        for i, entry in enumerate(self):
            self.by_key.setdefault(entry.key, entry)
            for term in entry.terms:
                self.index.setdefault(min(term.words, key=lambda w: (shared[w], -len(w), w)), []).append((i, term))
        self.index_words = frozenset(self.index)  # a frozenset intersects a text's words twice as fast as keys()
        return self

    def __add__(self, other):
        return PhraseSet(tuple(self) + tuple(other))


@dataclass(frozen=True)
class Entry:
    """A lexicon or rule entry: key, label, phrases, and external identifiers."""

    key: str
    label: str
    terms: tuple[Term, ...]
    mesh: tuple[str, ...] = ()
    wikidata: tuple[str, ...] = ()
    pref: str = ""  # the concept's label in its scheme, when it differs from `label`
    exact: tuple[str, ...] = ()  # "mesh:D..." / "wd:Q..." for skos:exactMatch (schemes other than the lexicon)
    close: tuple[str, ...] = ()  # the same for skos:closeMatch
    finding_only: bool = False  # matched in a finding's words, never as an article-level link


@dataclass(frozen=True)
class Rules:
    disorders: PhraseSet
    interventions: PhraseSet  # article-level: what a study is about
    designs: PhraseSet
    outcomes: tuple[OutcomeTerm, ...]
    topics: PhraseSet
    topic_min_hits: int
    finding_interventions: PhraseSet = PhraseSet()  # every intervention, finding_only ones too
    outcome_scheme: PhraseSet = PhraseSet()
    comparators: PhraseSet = PhraseSet()


def _load(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: rule file missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _terms(phrases: list[str], abbreviations: list[str] = ()) -> tuple[Term, ...]:
    out = [make_term(p) for p in phrases]
    out += [make_term(a, case_sensitive=True) for a in abbreviations]
    return tuple(out)


def _entries(items: list[dict], path: Path, kind: str) -> PhraseSet:
    entries, keys = [], set()
    for item in items:
        try:
            key, label = item["key"], item["label"]
            phrases = item.get("synonyms", item.get("phrases", []))
        except KeyError as exc:
            raise ConfigError(f"{path}: a [[{kind}]] entry has no {exc.args[0]}") from None
        if key in keys:
            raise ConfigError(f"{path}: duplicate {kind} key {key!r}")
        keys.add(key)
        entries.append(Entry(
            key=key,
            label=label,
            terms=_terms(list(phrases), list(item.get("abbreviations", []))),
            mesh=tuple(item.get("mesh", [])),
            wikidata=tuple(item.get("wikidata", [])),
            pref=item.get("pref", ""),
            exact=tuple(item.get("exact", [])),
            close=tuple(item.get("close", [])),
            finding_only=bool(item.get("finding_only", False)),
        ))
    return PhraseSet(entries)


def load_rules(directory: Path | None = None) -> Rules:
    """Load every rule file from data/ (or another directory with the same files)."""
    def path(name: str) -> Path:
        return (directory / name) if directory else data_file(name)

    lexicon_path = path("lexicon.toml")
    lexicon = _load(lexicon_path)
    designs_path = path("designs.toml")
    designs = _load(designs_path)
    outcomes_path = path("outcomes.toml")
    outcomes = _load(outcomes_path)
    topics_path = path("topic_rules.toml")
    topics = _load(topics_path)
    comparators_path = path("comparators.toml")
    all_interventions = _entries(lexicon.get("intervention", []), lexicon_path, "intervention")
    outcome_scheme = _entries(outcomes.get("outcome", []), outcomes_path, "outcome")
    return Rules(
        disorders=_entries(lexicon.get("disorder", []), lexicon_path, "disorder"),
        interventions=PhraseSet(e for e in all_interventions if not e.finding_only),
        finding_interventions=all_interventions,
        outcome_scheme=outcome_scheme,
        comparators=_entries(_load(comparators_path).get("comparator", []), comparators_path, "comparator"),
        designs=_entries(designs.get("design", []), designs_path, "design"),
        outcomes=tuple(OutcomeTerm(o.key, o.label, t, t.words) for o in outcome_scheme for t in o.terms),
        topics=PhraseSet(
            Entry(key=label, label=label, terms=_terms(list(phrases)))
            for label, phrases in topics.get("topics", {}).items()
        ),
        topic_min_hits=int(topics.get("min_hits", 2)),
    )
