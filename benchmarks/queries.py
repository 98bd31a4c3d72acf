"""Library queries at scale: ours beside pyoxigraph doing the same work, on the same store.

    python benchmarks/queries.py [--sizes 10000 100000] [--repeat 5] [--budget 20] [--out benchmarks/RESULTS.md]

For each size, the synthetic corpus of benchmarks/run.py is built once into an on-disk Oxigraph
store with `pprnet-kg build` (as the README says to). Then every library query, with parameters
drawn from that store so that it returns rows, is timed two ways:

- in one process, on that one store, alternating run by run: ours, `KG.query(q, params,
  limit=1000)` as the CLI asks it (one page, rows as Python terms); and pyoxigraph running the
  very text our `prepare` made (page clause included) with every term of every row read;
- as a user runs it: `pprnet-kg query NAME --store oxigraph:DIR` in a new process, beside a new
  Python process that opens the store read-only with pyoxigraph, runs the same text and prints
  the rows as TSV (process start and imports included on both sides).

Rows are printed beside every time; a query that returns no row is marked as not a valid timing.
A query's runs stop once they have taken --budget seconds (at least one run each side). Numbers,
not assertions: nothing here fails on speed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as scale  # noqa: E402  (the corpus and the parameter draw of the scale benchmark)

SECTION = "### Library queries, ours beside pyoxigraph on the same store (`python benchmarks/queries.py`, issue 13)"
PAGE = 1000  # the CLI's default page

DIRECT = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
result = store.query(sys.stdin.read())
out = sys.stdout
if isinstance(result, ox.QueryBoolean):
    out.write(f"{bool(result)}\\n")
elif isinstance(result, ox.QueryTriples):
    for t in result:
        out.write(f"{t.subject}\\t{t.predicate}\\t{t.object}\\n")
else:
    for row in result:
        out.write("\\t".join("" if v is None else str(v) for v in row) + "\\n")
"""


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("pprnet-kg")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pprnet_kg.cli"]


def _code_stamp() -> str:
    """What the store was built by: a digest of the package's code and curated data."""
    import hashlib

    import pprnet_kg

    root = Path(pprnet_kg.__file__).resolve().parent
    digest = hashlib.sha256()
    files = [Path(d) / f for d, _, names in os.walk(root, followlinks=True) for f in names]  # data/ is a link
    for path in sorted(p for p in files if p.suffix in {".py", ".toml", ".ttl"}):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def store_for(posts: int) -> Path:
    """The corpus's store on disk, built anew when the code or data that build it have changed."""
    directory = scale.CACHE / f"store-{posts}"
    done = directory / ".complete"
    stamp = _code_stamp()
    if not done.exists() or done.read_text() != stamp:
        corpus = scale.corpus(posts)
        subprocess.run([*_cli(), "build", str(corpus), "--store", f"oxigraph:{directory}", "--no-html", "-q"],
                       check=True, capture_output=True, cwd=tempfile.mkdtemp(prefix="pprnet-bench-"))
        done.write_text(stamp)
    return directory


def measure(posts: int, repeat: int, budget: float) -> dict:
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library, prepare
    from pprnet_kg.sparql.bindings import inline_bindings

    directory = store_for(posts)
    out: dict = {"posts": posts, "queries": {}}
    with KG.open(store=f"oxigraph:{directory}") as kg:
        params = scale.params_from(kg)
        store = kg.backend._store  # the very store ours reads: no second copy, no second process
        for q in library():
            given = {p.name: params[p.name] for p in q.params if not p.optional}
            labelled = kg._labels(q, dict(given))
            text, bindings, _ = prepare(q, labelled, base=kg.base, limit=PAGE + 1)
            direct_text = inline_bindings(text, bindings) if bindings else text
            ours_t, direct_t, rows, direct_rows = [], [], 0, 0
            while (len(ours_t) < repeat and sum(ours_t) + sum(direct_t) < budget) or not ours_t:
                t = time.perf_counter()
                rows = scale.rows_of(kg.query(q, given, limit=PAGE))
                ours_t.append(time.perf_counter() - t)
                t = time.perf_counter()
                direct_rows = scale.read_rows(store.query(direct_text))
                direct_t.append(time.perf_counter() - t)
            cli_t, cli_direct_t = _cli_times(q.name, given, directory, direct_text, warm_up=not out["queries"])
            out["queries"][q.name] = {
                "rows": rows, "direct_rows": min(direct_rows, PAGE), "runs": len(ours_t),
                "ours_ms": 1000 * statistics.median(ours_t), "direct_ms": 1000 * statistics.median(direct_t),
                "cli_ms": 1000 * cli_t, "cli_direct_ms": 1000 * cli_direct_t,
            }
            print(f"{posts} {q.name}: {out['queries'][q.name]}", file=sys.stderr, flush=True)
    return out


# as a user's shell starts them: with compiled modules cached (a first, untimed run writes them)
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cli_times(name: str, given: dict, directory: Path, text: str, *, warm_up: bool = False) -> tuple[float, float]:
    """One run each, as a user starts them: our CLI, and a Python process with pyoxigraph alone."""
    args = [*_cli(), "query", name, "--store", f"oxigraph:{directory}", "--format", "tsv"]
    for key, value in given.items():
        args += ["-p", f"{key}={value}"]
    direct_args = [sys.executable, "-c", DIRECT, str(directory)]
    for _ in range(2 if warm_up else 1):
        t = time.perf_counter()
        ours = subprocess.run(args, capture_output=True, text=True, env=USER_ENV)
        ours_s = time.perf_counter() - t
        if ours.returncode != 0:
            raise SystemExit(f"{name}: {ours.stderr.strip()}")
        t = time.perf_counter()
        direct = subprocess.run(direct_args, input=text, capture_output=True, text=True, env=USER_ENV)
        direct_s = time.perf_counter() - t
    if direct.returncode != 0:
        raise SystemExit(f"{name} (pyoxigraph): {direct.stderr.strip()}")
    return ours_s, direct_s


def table(runs: list[dict], command: str) -> str:
    lines = [SECTION, "", f"Made by `{command}` on {scale.machine()}.", "",
             "Medians; ours = `KG.query(..., limit=1000)` (one CLI page, rows as Python terms), pyoxigraph = the same "
             "text on the same store object in the same process, every term read, alternating run by run; CLI = "
             "`pprnet-kg query NAME --store oxigraph:DIR --format tsv` in a new process beside a new Python process "
             "running the same text with pyoxigraph alone (process start included, one run each, compiled modules "
             "cached). rows = what ours returned (a page holds at most 1,000).",
             ""]
    for r in runs:
        lines += [f"**{r['posts']:,} posts**", "",
                  "| query | rows | ours ms | pyoxigraph ms | ratio | CLI ms | pyoxigraph process ms | ratio |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, m in sorted(r["queries"].items()):
            rows = f"{m['rows']:,}" if m["rows"] else "0 rows: not a valid timing"
            lines.append(f"| {name} | {rows} | {m['ours_ms']:.1f} | {m['direct_ms']:.1f} | "
                         f"{m['ours_ms'] / m['direct_ms']:.2f}× | {m['cli_ms']:.0f} | {m['cli_direct_ms']:.0f} | "
                         f"{m['cli_ms'] / m['cli_direct_ms']:.2f}× |")
        lines.append("")
    return "\n".join(lines)


BLOCK = re.compile(r"^\*\*([\d,]+) posts\*\*$", re.M)
KEPT = "The blocks of sizes not measured by that run were kept from an earlier one."


def _blocks(section: str) -> tuple[str, dict[int, str]]:
    """A section's text before its first size block, and each size's block (heading and table)."""
    marks = list(BLOCK.finditer(section))
    head = section[: marks[0].start()] if marks else section
    blocks = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(section)
        blocks[int(m.group(1).replace(",", ""))] = section[m.start():end].rstrip("\n") + "\n"
    return head, blocks


def merge(before: str, section: str) -> str:
    """RESULTS.md with this benchmark's section holding the new run's sizes and the blocks of the
    other sizes it had (added at the end when it is new)."""
    start = before.find(SECTION)
    if start < 0:
        return before.rstrip("\n") + "\n\n" + section + "\n"
    end = before.find("\n### ", start + len(SECTION))
    end = before.find("\n## ", start + len(SECTION)) if end < 0 else end
    old = before[start:end] if end >= 0 else before[start:]
    head, blocks = _blocks(section)
    kept = {size: block for size, block in _blocks(old)[1].items() if size not in blocks}
    if kept:
        head = head.rstrip("\n").removesuffix(" " + KEPT) + " " + KEPT + "\n\n"
    body = head + "\n".join(block for _, block in sorted({**kept, **blocks}.items()))
    return before[:start] + body + ("\n" + before[end:].lstrip("\n") if end >= 0 else "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of runs per query and size (at least one)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    scale.CACHE.mkdir(parents=True, exist_ok=True)
    runs = [measure(posts, args.repeat, args.budget) for posts in args.sizes]
    command = f"python benchmarks/queries.py --sizes {' '.join(map(str, args.sizes))}"
    text = table(runs, command)
    print(text)
    before = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    args.out.write_text(merge(before, text), encoding="utf-8")


if __name__ == "__main__":
    main()
