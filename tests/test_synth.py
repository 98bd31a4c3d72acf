"""synth.py: the synthetic corpus is deterministic, and extraction recovers its ground truth exactly."""

from __future__ import annotations

import pytest

from pprnet_kg.extract import load_rules
from pprnet_kg.pipeline import build
from pprnet_kg.synth import generate, write_corpus

RULES = load_rules()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    posts = generate(120, RULES, seed=11)
    directory = tmp_path_factory.mktemp("synth")
    write_corpus(posts, RULES, directory, seed=11)
    return posts, build([directory])


def test_same_seed_same_pages(tmp_path):
    for name in ("a", "b"):
        write_corpus(generate(25, RULES, seed=3), RULES, tmp_path / name, seed=3)
    assert [p.read_bytes() for p in sorted((tmp_path / "a").iterdir())] == \
        [p.read_bytes() for p in sorted((tmp_path / "b").iterdir())]
    write_corpus(generate(25, RULES, seed=4), RULES, tmp_path / "c", seed=4)
    assert (tmp_path / "a" / "synth-000001.txt").read_bytes() != (tmp_path / "c" / "synth-000001.txt").read_bytes()


def test_counts_balance(corpus):
    posts, result = corpus
    report = result.report
    assert (report.pages, report.posts, report.articles, report.problems) == (12, 120, 120, ())
    assert report.findings == sum(len(p.stats) for p in posts)


def test_extraction_recovers_the_ground_truth(corpus):
    posts, result = corpus
    extracted = {p.id: p for p in result.extraction.posts}
    for truth in posts:
        post = extracted[truth.id]
        c = post.citation
        assert [(a["family"], a["given"]) for a in c["author"]] == truth.authors, truth.id
        assert c["issued"] == {"date-parts": [[truth.year]]}
        assert (c["title"], c["container-title"]) == (truth.article_title, truth.journal)
        assert (c["volume"], c["issue"], c["page"], c.get("DOI")) == (str(truth.volume), str(truth.issue), truth.pages,
                                                                     truth.doi)
        assert post.study.design == truth.design
        assert (post.study.k_studies, post.study.n_participants) == (truth.k, truth.n)
        assert truth.condition in {m.key for m in post.conditions}
        assert truth.intervention in {m.key for m in post.interventions}
        got = [(f.measure, f.value, f.ci_lower, f.ci_upper) for f in post.findings]
        want = [(s.measure, s.value, s.ci_lower, s.ci_upper) for s in truth.stats]
        assert got == want, truth.id


def test_co_authorship_comes_from_research_groups(corpus):
    posts, result = corpus
    report = result.report
    assert report.authors < sum(len(p.authors) for p in posts) / 2  # people publish more than once


def test_every_finding_field_is_recovered_at_95_percent_or_better(corpus):
    from pprnet_kg.accuracy import score

    posts, result = corpus
    scores = score(posts, result.extraction.posts)
    low = {name: round(s.accuracy, 3) for name, s in scores.items() if s.accuracy < 0.95}
    assert not low, low
    assert all(s.total > 0 for s in scores.values())


def test_the_generator_exercises_every_topic_comparator_and_outcome():
    posts = generate(400, RULES, seed=3)
    assert {p.topic for p in posts} == {t.label for t in RULES.topics}  # all 36
    findings = [f for p in posts for f in p.findings]
    assert {f.comparator for f in findings if f.comparator} == {c.key for c in RULES.comparators}
    assert {f.outcome for f in findings} == {o.key for o in RULES.outcome_scheme}
    assert {f.kind for f in findings} == {"comparison", "association", "within-group"}
    assert 0.05 < sum(p.doi is None for p in posts) / len(posts) < 0.3  # realistic DOI gaps


def test_topics_with_phrases_are_found(corpus):
    posts, result = corpus
    extracted = {p.id: p for p in result.extraction.posts}
    with_phrases = {t.label for t in RULES.topics if t.terms}
    for truth in posts:
        if truth.topic in with_phrases:
            assert truth.topic in {m.label for m in extracted[truth.id].topics}, truth.id


def test_ground_truth_is_written_beside_the_pages(tmp_path):
    import json

    write_corpus(generate(12, RULES, seed=2), RULES, tmp_path, seed=2)
    lines = (tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12 and {"kind", "comparator", "exposure", "outcome"} <= set(json.loads(lines[0])["findings"][0])
    assert not build([tmp_path]).report.problems  # truth.jsonl is not read as a page


@pytest.mark.slow
def test_parallel_extraction_gives_the_same_bytes(tmp_path):
    from pprnet_kg.pipeline import extract_pages
    from pprnet_kg.sources import read_pages

    write_corpus(generate(300, RULES, seed=5), RULES, tmp_path, seed=5)
    pages = read_pages([tmp_path])
    one = extract_pages(pages, RULES, jobs=1).to_json()
    two = extract_pages(pages, RULES, jobs=2).to_json()
    assert one == two and len(one["posts"]) == 300
    assert build([tmp_path], jobs=2).ntriples == build([tmp_path], jobs=1).ntriples
