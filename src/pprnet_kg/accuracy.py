"""How well extraction recovers a synthetic corpus's ground truth, field by field.

Used by the tests and by benchmarks/accuracy.py: findings are matched to their truth by post and
position; each field counts as right when it equals the truth (ids for intervention, comparator
and outcome; the exposure's words; timepoint and its months; for comparisons, which side the
words favour, or none).
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("statistic", "kind", "intervention", "comparator", "exposure", "outcome", "timepoint", "favours")


@dataclass(frozen=True)
class FieldScore:
    name: str
    right: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


def score(truth_posts, extracted_posts) -> dict[str, FieldScore]:
    """Per-field accuracy of extracted findings against the generator's truth."""
    by_id = {p.id: p for p in extracted_posts}
    right = dict.fromkeys(FIELDS, 0)
    total = dict.fromkeys(FIELDS, 0)
    for truth in truth_posts:
        post = by_id.get(truth.id)
        found = list(post.findings) if post else []
        for n, t in enumerate(truth.findings):
            f = found[n] if n < len(found) else None
            checks = {
                "statistic": f is not None and (f.measure, f.value, f.ci_lower, f.ci_upper) == (
                    t.stat.measure, t.stat.value, t.stat.ci_lower, t.stat.ci_upper),
                "kind": f is not None and f.kind == t.kind,
                "outcome": f is not None and f.outcome_id == t.outcome,
                "timepoint": f is not None and (f.timepoint, f.timepoint_months) == (t.timepoint, t.months),
            }
            if t.kind == "comparison":
                checks["intervention"] = f is not None and t.intervention in f.intervention_ids
                checks["comparator"] = f is not None and f.comparator_id == t.comparator
                checks["favours"] = f is not None and f.favours == t.favours
            if t.kind == "association":
                checks["exposure"] = f is not None and (f.exposure or "").lower() == t.exposure.lower()
            for name, ok in checks.items():
                total[name] += 1
                right[name] += bool(ok)
    return {name: FieldScore(name, right[name], total[name]) for name in FIELDS}
