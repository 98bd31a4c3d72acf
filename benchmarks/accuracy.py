"""Accuracy of finding-level extraction, field by field, on synthetic corpora with ground truth,
and recall / precision of statistic extraction over randomly worded statistics.

    python benchmarks/accuracy.py                   # 10,000 posts, 10,000 sentences
    python benchmarks/accuracy.py --posts 1000 --sentences 2000

Prints one table per run: per-field accuracy (kind, intervention, comparator, exposure, outcome,
timepoint, favours, statistic) with counts, extraction speed (posts/s, pages read from disk and parsed),
and statistic recall and precision. Targets (issue 9): every field >= 0.95, recall >= 0.99,
precision 1.00. The synthetic text is made up by `pprnet-kg synth`; it measures the rules on the
phrasings the generator writes, not on real posts (the golden tests cover the real page).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from pprnet_kg.accuracy import score
from pprnet_kg.extract import load_rules
from pprnet_kg.extract.findings import extract_findings
from pprnet_kg.model import TextLine
from pprnet_kg.pipeline import extract_pages
from pprnet_kg.sources import read_pages
from pprnet_kg.statwords import draw, sentence
from pprnet_kg.synth import generate, write_corpus

TARGET = 0.95


def statistic_recall(n: int, seed: int) -> tuple[float, float, int]:
    """(recall, precision, findings kept) over n sentences, each with one statistic."""
    rng = random.Random(seed)
    right = kept = 0
    for _ in range(n):
        stat = draw(rng)
        findings, _ = extract_findings((TextLine(1, sentence(rng, stat)),), source="bench")
        kept += len(findings)
        right += sum((f.measure, f.value, f.ci_lower, f.ci_upper) == (stat.measure, stat.value, stat.ci_lower,
                                                                         stat.ci_upper) for f in findings)
    return right / n, (right / kept if kept else 1.0), kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rules = load_rules()
    posts = generate(args.posts, rules, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(posts, rules, Path(tmp), seed=args.seed)
        t0 = time.perf_counter()
        extraction = extract_pages(read_pages([tmp]), rules)
        seconds = time.perf_counter() - t0
        jobs = os.cpu_count() or 1  # what `pprnet-kg build` and `extract` use by default
        t0 = time.perf_counter()
        parallel = extract_pages(read_pages([tmp]), rules, jobs=jobs)
        parallel_seconds = time.perf_counter() - t0
        assert parallel == extraction, "extraction in processes must give the same result"
    scores = score(posts, extraction.posts)
    recall, precision, kept = statistic_recall(args.sentences, args.seed)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
          f"synthetic corpus of {args.posts:,} posts (seed {args.seed})")
    print(f"extraction: {len(extraction.posts) / seconds:,.0f} posts/s in one process ({seconds:.1f} s, pages read "
          f"and parsed); {len(parallel.posts) / parallel_seconds:,.0f} posts/s with --jobs {jobs} (all cores, the "
          f"default; {parallel_seconds:.1f} s); target >= 2,000 posts/s")
    print("| field | right | of | accuracy | target |")
    print("|---|---|---|---|---|")
    for s in scores.values():
        mark = "met" if s.accuracy >= TARGET else "NOT met"
        print(f"| {s.name} | {s.right:,} | {s.total:,} | {s.accuracy:.4f} | >= {TARGET} {mark} |")
    print(f"| statistic recall ({args.sentences:,} worded sentences) | | | {recall:.4f} | >= 0.99 "
          f"{'met' if recall >= 0.99 else 'NOT met'} |")
    print(f"| statistic precision ({kept:,} kept) | | | {precision:.4f} | 1.00 "
          f"{'met' if precision == 1.0 else 'NOT met'} |")


if __name__ == "__main__":
    main()
