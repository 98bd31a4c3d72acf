"""The triples of a finding: its statistic, CI and tests, what it is evidence of (extract/pico.py:
intervention, comparator, condition, outcome, timepoint) and its SMD equivalent. A part of
GraphBuilder (graph.py), kept apart to keep each module short."""

from __future__ import annotations

from rdflib import RDF, URIRef
from rdflib.namespace import PROV

from . import measures
from .effectsize import METHODS, smd_equivalent
from .model import Finding, Post
from .namespaces import OBO, PPR, cached
from .ntriples import dec, en, lit

RDF, PROV, OBO, PPR = map(cached, (RDF, PROV, OBO, PPR))

# a finding's optional decimals and their properties (made once: building the pairs for each
# finding cost as much as writing its triples)
_DECIMALS = (("ci_lower", PPR.ciLower), ("ci_upper", PPR.ciUpper), ("ci_level", PPR.ciLevel),
             ("p_value", PPR.pValue), ("se", PPR.standardError), ("i2", PPR.iSquared), ("tau2", PPR.tauSquared))


class FindingTriples:
    """GraphBuilder's finding triples (it provides add, add_text, iri, _concept and the lexicons)."""

    def _finding(self, article: URIRef, post: Post, index: int, f: Finding) -> None:
        node = self.iri.finding(post.id, index)
        self.add(article, PPR.reportsFinding, node)
        self.add(node, RDF.type, PPR.Finding)
        measure = measures.measure(f.measure)
        self.add_text(node, PPR.measureCode, f.measure)
        if measure.stato:
            self.add(node, PPR.measure, OBO[measure.stato])
        if f.label:
            self.add_text(node, PPR.measureLabel, f.label)
        self.add(node, PPR.value, dec(f.value))
        for attr, prop in _DECIMALS:
            value = getattr(f, attr)
            if value is not None:
                self.add(node, prop, dec(value))
        if f.p_comparator:
            self.add_text(node, PPR.pComparator, f.p_comparator)
        if f.k is not None:
            self.add(node, PPR.numberOfStudies, lit(f.k))
        if f.n is not None:
            self.add(node, PPR.sampleSize, lit(f.n))
        if f.outcome:
            self.add_text(node, PPR.outcome, f.outcome)
        if f.caveat:
            self.add_text(node, PPR.caveat, f.caveat)
        if measure.null is not None:
            self.add(node, PPR.nullValue, dec(measure.null))
        excl = measures.excludes_null(f.measure, f.ci_lower, f.ci_upper)
        if excl is not None:
            self.add(node, PPR.excludesNull, lit(excl))
        self.add(node, PPR.evidenceText, en(f.sentence))
        self.add(node, PPR.sourceLine, lit(f.line))
        self.add(node, PROV.wasDerivedFrom, self.iri.post(post.id))
        self._pico(node, f)

    def _pico(self, node: URIRef, f: Finding) -> None:
        """What the finding is evidence of (extract/pico.py), and its SMD equivalent."""
        kind = {"comparison": PPR.ComparativeFinding, "association": PPR.AssociationFinding,
                "within-group": PPR.WithinGroupFinding}.get(f.kind or "")
        if kind is not None:
            self.add(node, RDF.type, kind)
        if f.intervention:
            self.add_text(node, PPR.interventionText, f.intervention)
        for key in f.intervention_ids:
            iri = self.iri.intervention(key)
            self.add(node, PPR.intervention, iri)
            self._concept(iri, PPR.Intervention, self.lexicon[key], "interventions")
        if f.comparator:
            self.add_text(node, PPR.comparatorText, f.comparator)
        if f.comparator_id:
            iri = self.iri.comparator(f.comparator_id)
            self.add(node, PPR.comparator, iri)
            self._concept(iri, PPR.Comparator, self.comparators[f.comparator_id], "comparators")
        if f.exposure:
            self.add_text(node, PPR.exposure, f.exposure)
        if f.population:
            self.add_text(node, PPR.population, f.population)
        for key in f.conditions:
            iri = self.iri.disorder(key)
            self.add(node, PPR.condition, iri)
            self._concept(iri, PPR.Disorder, self.lexicon[key], "disorders")
        if f.outcome_id:
            iri = self.iri.outcome(f.outcome_id)
            self.add(node, PPR.outcomeConcept, iri)
            self._concept(iri, PPR.OutcomeConcept, self.outcomes[f.outcome_id], "outcomes")
        if f.timepoint:
            self.add_text(node, PPR.timepoint, f.timepoint)
        if f.timepoint_months is not None:
            self.add(node, PPR.followUpMonths, dec(f.timepoint_months))
        for what in f.adjusted:
            self.add_text(node, PPR.adjustedFor, what)
        if f.favours:
            self.add_text(node, PPR.favours, f.favours)
        for name, words in f.matched:
            self.add_text(node, PPR.matchedTerm, f"{name}: {words}")
        eq = smd_equivalent(f)
        if eq is not None:
            derived = self.iri.smd_equivalent(node)
            self.add(node, PPR.hasSmdEquivalent, derived)
            self.add(derived, RDF.type, PPR.SmdEquivalent)
            self.add(derived, PPR.smdEquivalent, dec(eq.value))
            if eq.lower is not None:
                self.add(derived, PPR.smdEquivalentCiLower, dec(eq.lower))
                self.add(derived, PPR.smdEquivalentCiUpper, dec(eq.upper))
            self.add_text(derived, PPR.conversionMethod, METHODS[eq.method])
            self.add(derived, PROV.wasDerivedFrom, node)
