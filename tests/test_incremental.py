"""incremental.py and `build --add`: adding pages to a store gives the graph of a full build."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from pprnet_kg.backends import open_backend
from pprnet_kg.cli import cli
from pprnet_kg.errors import ConfigError, GraphError
from pprnet_kg.extract import load_rules
from pprnet_kg.kg import KG
from pprnet_kg.synth import generate, write_corpus

RULES = load_rules()

POST = """{month}
{title}
{citation}
We pooled 12 studies with 900 clients: psychotherapy reduced depression (g = 0.41, 95% CI [0.20, 0.62]).
Practice Implications
Clinicians can offer it.
"""


def page(path, month, title, authors, doi="10.5555/x.1"):
    citation = f"{authors} (2019). A study of {title.lower()}. Journal of Tests, 3(2), 1-9. https://doi.org/{doi}"
    path.write_text(POST.format(month=month, title=title, citation=citation), encoding="utf-8")
    return path


def dump(store) -> str:
    with KG.open(store=store) as kg:
        return kg.backend.dump()


def full_and_added(tmp_path, first: list, then: list, **options) -> tuple[str, str, object]:
    """(N-Triples of a build of first + then, of a build of first then --add then, the add's result)."""
    full, step = f"oxigraph:{tmp_path / 'full'}", f"oxigraph:{tmp_path / 'step'}"
    KG.build([*first, *then], store=full)[0].close()
    KG.build(first, store=step)[0].close()
    kg, result = KG.add(then, store=step, **options)
    kg.close()
    return dump(full), dump(step), result


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """Two synthetic corpora whose pages have different names: their people overlap."""
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    write_corpus(generate(40, RULES, seed=3), RULES, a, seed=3)
    write_corpus(generate(25, RULES, seed=4), RULES, b, seed=4)
    for f in b.glob("synth-*.txt"):
        f.rename(f.with_name("month-" + f.name))
    return a, b


def test_adding_a_corpus_gives_the_graph_of_a_full_build(tmp_path, corpora):
    a, b = corpora
    full, step, result = full_and_added(tmp_path, [a], [b], jobs=2)
    assert step == full
    assert result.report.posts == 25 and result.added > 0
    with KG.open(store=f"oxigraph:{tmp_path / 'step'}") as kg, KG.open(store=f"oxigraph:{tmp_path / 'full'}") as whole:
        assert kg.count() == full.count("\n") == int(kg.backend.metadata()["triples"])
        assert kg.backend.metadata()["sources"] == whole.backend.metadata()["sources"]
        assert kg.backend.metadata()["source_list"] == whole.backend.metadata()["source_list"]
        assert "month-synth-000003.txt" in kg.origin and "(7 files)" in kg.origin


def test_a_fuller_spelling_replaces_the_stored_name(tmp_path):
    first = page(tmp_path / "a.txt", "March 2020", "Alliance in groups", "Barkham, M., & Lutz, W.")
    then = page(tmp_path / "b.txt", "April 2020", "Feedback at scale", "Barkham, Michael, & Lutz, W.", "10.5555/x.2")
    full, step, result = full_and_added(tmp_path, [first], [then])
    assert step == full and result.renamed == 1
    assert '"Michael"' in step and "\"M. Barkham\"" not in step


def test_a_less_full_or_equal_spelling_leaves_the_stored_name(tmp_path):
    first = page(tmp_path / "a.txt", "March 2020", "Alliance in groups", "Barkham, Michael, & Lutz, W.")
    then = page(tmp_path / "b.txt", "April 2020", "Feedback at scale", "Barkham, M., & Lutz, W.", "10.5555/x.2")
    full, step, result = full_and_added(tmp_path, [first], [then])
    assert step == full and result.renamed == 0


def test_a_post_read_again_is_kept_as_a_repeat_as_a_full_build_keeps_it(tmp_path):
    first = page(tmp_path / "a.txt", "March 2020", "Alliance in groups", "Barkham, M.")
    again = tmp_path / "again.txt"
    shutil.copyfile(first, again)
    full, step, result = full_and_added(tmp_path, [first], [again])
    assert step == full
    assert "2020-03-alliance-in-groups-2" in step
    assert any("was already read from another page" in str(p) for p in result.report.problems)


def test_what_cannot_be_added_rightly_is_refused_before_anything_is_written(tmp_path, corpora):
    a, _ = corpora
    store = f"oxigraph:{tmp_path / 'store'}"
    KG.build([a], store=store)[0].close()
    before = dump(store)
    with pytest.raises(ConfigError, match="already in"):
        KG.add([a / "synth-000002.txt"], store=store)
    with pytest.raises(ConfigError, match="kept on disk"):
        KG.add([a], store="oxigraph")
    with pytest.raises(GraphError, match="build it first"):
        KG.add([a], store=f"oxigraph:{tmp_path / 'empty'}")
    with pytest.raises(ConfigError, match="--base"):
        KG.add([a], store=store, base="https://example.org/other/")
    backend = open_backend(store)
    backend.load_ntriples('<https://w3id.org/pprnet/id/page/x> <https://schema.org/sha256> "00" .\n')
    backend.close()
    with pytest.raises(ConfigError, match="snapshot cache"):
        KG.add([tmp_path / "new.txt"], store=store)
    assert dump(store).replace('<https://w3id.org/pprnet/id/page/x> <https://schema.org/sha256> "00" .\n', "") == before


def test_cli_build_add(tmp_path, corpora):
    a, b = corpora
    runner = CliRunner()
    store = f"oxigraph:{tmp_path / 'store'}"
    assert runner.invoke(cli, ["build", str(a), "--store", store, "--no-html", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["build", "--add", str(b), "--store", store, "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["posts"] == 25 and report["added"] > 0 and report["written"] == [] and report["store"] == store
    text = runner.invoke(cli, ["build", "--add", str(b / "month-synth-000001.txt"), "--store", store, "-q"])
    assert text.exit_code == 1 and text.output.startswith("Error: ") and "already in" in text.output
    assert runner.invoke(cli, ["build", "--add", "--store", store]).exit_code == 2
    shown = runner.invoke(cli, ["stats", "--store", store, "--json"])
    assert json.loads(shown.stdout)["triples"] == report["triples"]


def test_an_add_cut_short_is_seen_and_refused_until_a_rebuild(tmp_path, corpora, monkeypatch):
    from pprnet_kg.backends.oxigraph import OxigraphBackend

    a, b = corpora
    store = f"oxigraph:{tmp_path / 'store'}"
    KG.build([a], store=store)[0].close()

    def full_disk(self, path):
        raise OSError("No space left on device")

    with monkeypatch.context() as m:
        m.setattr(OxigraphBackend, "load_file", full_disk)
        with pytest.raises(GraphError, match="No space left"):
            KG.add([b], store=store)
    with KG.open(store=store) as kg:
        assert "adding month-synth-000001.txt" in kg.origin and "cut short" in kg.origin
    with pytest.raises(GraphError, match="cut short; rebuild"):
        KG.add([b], store=store)
    KG.build([a], store=store)[0].close()
    with KG.open(store=store) as kg:
        assert "cut short" not in kg.origin
    KG.add([b], store=store)[0].close()
