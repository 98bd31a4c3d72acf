"""references.py and `pprnet-kg cite`: BibTeX, RIS, CSL-JSON and APA from the parsed citations."""

from __future__ import annotations

import codecs
import json
import re

import pytest
from click.testing import CliRunner

from pprnet_kg import references as R
from pprnet_kg.cli import cli
from pprnet_kg.errors import QueryError

from conftest import ROOT, kg_of

SAMPLE = str(ROOT / "data" / "sample" / "pprnet-sample.txt")


@pytest.fixture(scope="module")
def sample_kg(sample_build):
    return kg_of(sample_build.graph)


def _plain(tex: str) -> str:
    """LaTeX (as we write it) back to text, by a decoder of the test's own: escaped specials first,
    then case-protecting braces dropped, then latexcodec for the accents."""
    import latexcodec  # noqa: F401

    marks = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\{": "{",
             r"\}": "}", r"\$": "$", r"\&": "&", r"\%": "%", r"\#": "#", r"\_": "_"}
    held = {}
    for i, (tex_form, char) in enumerate(marks.items()):
        held[chr(0xE000 + i)] = char  # private-use placeholders, so latexcodec never sees them
        tex = tex.replace(tex_form, chr(0xE000 + i))
    tex = re.sub(r"\{(\\[^{}]*)\}", lambda m: codecs.decode(m.group(1), "ulatex"), tex)  # {\"u} -> ü
    text = codecs.decode(tex.replace("{", "").replace("}", ""), "ulatex")
    return "".join(held.get(c, c) for c in text)


def test_bibtex_round_trips_through_a_parser(sample_build, sample_kg):
    from pybtex.database import parse_string

    refs = R.select(sample_kg)
    items = {r.key: r.item for r in refs}
    parsed = parse_string(R.render(refs, "bibtex"), "bibtex")
    assert sorted(parsed.entries) == sorted(items) and len(items) == 5
    for key, entry in parsed.entries.items():
        item = items[key]
        assert _plain(entry.fields["title"]) == item["title"].replace("\u2019", "'")
        families = [_plain(" ".join(p.prelast_names + p.last_names)) for p in entry.persons["author"]]
        known = [a["family"] for a in item["author"]]
        assert families[: len(known)] == known
        assert entry.fields["year"] == str(item["issued"]["date-parts"][0][0])
        if "page" in item:
            assert entry.fields["pages"] == item["page"].replace("-", "--")
    fluckiger = parsed.entries["fluckiger2020reciprocal"]
    assert str(fluckiger.persons["author"][0]) == r'Fl{\"u}ckiger, C.'  # non-ASCII as a braced command
    assert str(fluckiger.persons["author"][-1]) == "others"  # the blog's citation cut the list short


HOSTILE = {"type": "article-journal", "title": r"Risk & reward: 50% of {cases} in R_2, $5 #1 ~ ^ a\b — Łódź ADHD",
           "author": [{"family": "Ångström", "given": "É."}, {"family": "Del Re", "given": "A. C."},
                      {"literal": "The PPRNet & Co Group"}],
           "issued": {"date-parts": [[2021]]}, "container-title": "Journal of R&D_100%", "page": "1-9"}


def test_bibtex_escapes_every_latex_special_character_and_non_ascii_name():
    from pybtex.database import parse_string

    ref = R.Reference("https://example.org/a", "angstrom2021risk", {"id": "angstrom2021risk", **HOSTILE}, False)
    text = R.render([ref], "bibtex")
    assert text.isascii()
    entry = parse_string(text, "bibtex").entries["angstrom2021risk"]
    assert _plain(entry.fields["title"]) == HOSTILE["title"]
    assert _plain(entry.fields["journal"]) == HOSTILE["container-title"]
    assert "{ADHD}" in entry.fields["title"]  # kept in capitals by styles that lower-case titles
    people = entry.persons["author"]
    assert [_plain(" ".join(p.prelast_names + p.last_names)) for p in people[:2]] == ["Ångström", "Del Re"]
    assert _plain(str(people[2])) == "The PPRNet & Co Group" and len(people) == 3  # a group is one name


def test_ris_has_the_right_tags(sample_kg):
    import rispy

    text = R.render(R.select(sample_kg, articles=["10.3389/fpsyg.2019.00347", "peluso2018therapist"]), "ris")
    for line in text.splitlines():
        assert line == "" or re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line), line
    blocks = [b for b in text.split("ER  - ") if b.strip()]
    assert len(blocks) == 2 and all(b.strip().startswith("TY  - JOUR") for b in blocks)
    curran, peluso = rispy.loads(text)
    assert curran["authors"][:2] == ["Curran, J.", "Parry, G. D."] and curran["doi"] == "10.3389/fpsyg.2019.00347"
    assert curran["secondary_title"] == "Frontiers in Psychology" and curran["start_page"] == "347"
    assert (peluso["volume"], peluso["number"], peluso["start_page"], peluso["end_page"]) == ("55", "4", "461", "472")
    assert peluso["year"] == "2018" and peluso["id"] == "peluso2018therapist"
    assert re.search(r"^T2  - Psychotherapy$", text, re.M) and re.search(r"^PY  - 2018$", text, re.M)


def test_csl_json_is_the_list_the_citations_came_from(sample_build, sample_kg):
    from citeproc.source.json import CiteProcJSON

    exported = json.loads(R.render(R.select(sample_kg), "csl-json"))
    extracted = [p.citation for p in sample_build.extraction.posts if p.citation]
    assert sorted((json.dumps({k: v for k, v in item.items() if k != "id"}, sort_keys=True) for item in exported)) == \
        sorted(json.dumps(c, sort_keys=True) for c in extracted)
    assert [i["id"] for i in exported] == sorted(i["id"] for i in exported)
    assert len(CiteProcJSON(exported)) == 5  # citeproc-py reads it as CSL-JSON


def test_apa_references_of_the_sample(sample_kg):
    lines = R.render(R.select(sample_kg), "apa").splitlines()
    assert len(lines) == 5
    assert ("Peluso, P. R., & Freund, R. R. (2018). Therapist and client emotional expression and psychotherapy "
            "outcomes: A meta-analysis. Psychotherapy, 55(4), 461–472.") in lines
    assert ("Curran, J., Parry, G. D., Hardy, G. E., Darling, J., Mason, A.-M., & Chambers, E. (2019). How Does therapy "
            "harm? A model of adverse process using task analysis in the meta-synthesis of service users’ experience. "
            "Frontiers in Psychology, 10, Article 347. https://doi.org/10.3389/fpsyg.2019.00347") in lines
    assert [line.split(",")[0] for line in lines] == ["Curran", "Firth", "Flückiger", "Gloster", "Peluso"]
    assert sum(line.endswith("[Author list cut short in the blog's citation.]") for line in lines) == 2


def test_topic_condition_and_unknown_names(sample_kg):
    # two articles under the topic; the July post gives no citation, so there is nothing to cite for it
    alliance = R.select(sample_kg, topic="alliance and therapeutic relationship")
    assert [r.key for r in alliance] == ["fluckiger2020reciprocal"]
    assert [r.key for r in R.select(sample_kg, condition="depression")] == ["gloster2020treating"]
    with pytest.raises(QueryError, match="did you mean 'Depression and mood disorders'"):
        R.select(sample_kg, condition="depresion and mood")
    with pytest.raises(QueryError, match="no cited article 'gloster2021treating'.*did you mean 'gloster2020treating'"):
        R.select(sample_kg, articles=["gloster2021treating"])


def test_cite_command_is_deterministic_and_errors_in_one_line(tmp_path):
    runner = CliRunner()
    outputs = []
    for name in ("a.bib", "b.bib"):
        result = runner.invoke(cli, ["cite", "--source", SAMPLE, "--topic", "Alliance and Therapeutic Relationship",
                                     "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"@article{") == 1
    apa = runner.invoke(cli, ["cite", "--source", SAMPLE, "--article", "gloster2020treating", "-f", "apa"])
    assert apa.exit_code == 0 and apa.stdout.startswith("Gloster, A. T.")
    for args in (["--article", "no-such-article"], ["--topic", "no such topic"], ["--condition", "nothing"]):
        result = runner.invoke(cli, ["cite", "--source", SAMPLE, *args])
        assert result.exit_code == 1 and result.output.count("\n") == 1 and "Traceback" not in result.output, args


def test_site_reference_files_sit_beside_their_pages(sample_kg, tmp_path):
    base = sample_kg.base
    pages = {base + "article/doi/10.1016/j.cpr.2019.101810": "articles/doi-10-1016-j-cpr-2019-101810.html",
             base + "topic/alliance-and-therapeutic-relationship": "topics/alliance-and-therapeutic-relationship.html",
             base + "topic/no-such-topic": "topics/no-such-topic.html"}
    written = R.write_site_references(sample_kg, tmp_path, pages)
    assert len(written) == 12
    assert (tmp_path / "articles/doi-10-1016-j-cpr-2019-101810.bib").read_text().startswith("@article{gloster2020treating,")
    topic = json.loads((tmp_path / "topics/alliance-and-therapeutic-relationship.csl.json").read_text())
    assert [i["id"] for i in topic] == ["fluckiger2020reciprocal"]
    assert (tmp_path / "topics/no-such-topic.ris").read_text() == ""  # a page with no citation: its links still hold
    again = tmp_path / "again"
    R.write_site_references(sample_kg, again, pages)
    assert all((again / rel).read_bytes() == (tmp_path / rel).read_bytes() for rel in written)


def test_the_site_links_the_references_it_writes(sample_kg, tmp_path):
    from pprnet_kg.site import build_site

    build_site(sample_kg, tmp_path / "site")
    site = tmp_path / "site"
    article = (site / "articles" / "doi-10-1016-j-cpr-2019-101810.html").read_text(encoding="utf-8")
    for suffix in (".bib", ".ris", ".csl.json", ".apa.txt"):
        assert f'href="doi-10-1016-j-cpr-2019-101810{suffix}" download' in article
        assert (site / "articles" / f"doi-10-1016-j-cpr-2019-101810{suffix}").is_file()
    topic = (site / "topics" / "alliance-and-therapeutic-relationship.html").read_text(encoding="utf-8")
    assert 'href="alliance-and-therapeutic-relationship.bib" download' in topic
    assert "fluckiger2020reciprocal" in (site / "topics" / "alliance-and-therapeutic-relationship.bib").read_text()
    manifest = (site / ".pprnet-site").read_text().split()
    assert "articles/doi-10-1016-j-cpr-2019-101810.bib" in manifest and "views/evidence.graphml" in manifest
    for html in site.rglob("*.html"):  # every link to a reference file or GraphML leads to a file
        for target in re.findall(r'href="([^"#]+\.(?:bib|ris|csl\.json|apa\.txt|graphml))"', html.read_text(encoding="utf-8")):
            assert (html.parent / target).is_file(), (html, target)


def test_readme_cite_examples_run():
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if line.startswith("pprnet-kg cite ")]
    assert len(lines) >= 4
    runner = CliRunner()
    for line in lines:
        args = shlex.split(line.split(" > ", 1)[0])[1:]
        result = runner.invoke(cli, [*args, "--source", SAMPLE])
        assert result.exit_code == 0, (line, result.output)
