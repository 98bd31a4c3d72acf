"""The build's targets (issue 13), each beside pyoxigraph doing the same work, in paired runs.

    python benchmarks/build.py [--sizes 10000 100000] [--pairs 2] [--month 700] [--whole-only]

For each size (a synthetic corpus from `pprnet-kg synth`, seed 7, cached as run.py caches them):

- **build + Turtle, extraction excluded** (target <= 1.2x): the posts are extracted once; then,
  in this process, alternately, ours as `build -o kg.ttl` makes it (records -> sorted runs in the
  CLI's default number of processes -> merged straight into pyoxigraph's Turtle writer,
  stream.posts_to_graph_file), ours in one process (a row of its own, no target), and pyoxigraph
  (the canonical N-Triples file, made before the timing, loaded into an in-memory store and
  dumped as Turtle to a file, in one thread as pyoxigraph does it).
- **whole build** (targets <= 1.5x in time and in peak memory): `pprnet-kg build CORPUS --store
  oxigraph:DIR -o kg.nt --no-html -q` as a process, alternately with a process in which pyoxigraph
  bulk-loads the same N-Triples file into a fresh store on disk. Wall time, and the peak memory of
  the whole process tree: PSS (pages that forked processes share counted once), summed over the
  process and its children, sampled every 0.1 s.
- **adding a month** (target < 5 s): `pprnet-kg build --add MONTH --store oxigraph:COPY` on a
  fresh copy of the store just built (MONTH: a separate synthetic corpus of --month posts, seed
  11, its files renamed so that they do not clash with the corpus's), alternately with a process in
  which pyoxigraph bulk-loads the month's N-Triples (what --add added) into another fresh copy.

Every figure is a median of the runs shown beside it; ratios are ours / pyoxigraph's. Numbers,
not assertions. The machine may be shared: say so when quoting them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"build + Turtle": 1.2, "whole build": 1.5, "peak memory": 1.5}
ADD_TARGET_S = 5.0
MONTH = 700  # posts in a month at 100,000 posts: the corpus spans 144 months


def tree_pss_kb(pid: int) -> int:
    """PSS of a process and all its descendants, in KB (0 for a process that is gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return total


def measured(cmd: list[str], **kwargs) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree) of a command run to its end."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, **kwargs)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kb(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, peak / 1024


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pprnet_kg.cli", *args]


def pyoxigraph_loads(nt: Path, store: Path, *, bulk: bool) -> list[str]:
    """A process in which pyoxigraph loads `nt` into the store on disk at `store`."""
    method = "bulk_load" if bulk else "load"
    code = ("import sys, pyoxigraph as ox; s = ox.Store(sys.argv[2]); "
            f"s.{method}(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES); s.flush()")
    return [sys.executable, "-c", code, str(nt), str(store)]


def build_and_turtle(posts: int, pairs: int, work: Path) -> dict:
    """Build + Turtle (extraction excluded) beside pyoxigraph load + Turtle dump, alternately: ours
    as `build -o kg.ttl` makes it (runs in the CLI's default processes, merged straight into
    pyoxigraph's Turtle writer), and the same in one process."""
    import pyoxigraph as ox

    from pprnet_kg.extract import load_rules
    from pprnet_kg.namespaces import DEFAULT_BASE
    from pprnet_kg.pipeline import extract_sources
    from pprnet_kg.stream import posts_to_file, posts_to_graph_file

    sys.path.insert(0, str(HERE))
    from run import corpus

    rules = load_rules()
    jobs = os.cpu_count() or 1
    pages, extraction = extract_sources([corpus(posts)], rules, jobs=jobs)
    snapshots = {p.source: p for p in pages if p.sha256}
    del pages
    args = (list(extraction.posts), list(extraction.topics), list(extraction.sources), rules)
    file = posts_to_file(*args, base=DEFAULT_BASE, snapshots=snapshots)  # what pyoxigraph loads (not timed)
    ours, one, theirs = [], [], []
    for _ in range(pairs):
        for runs, processes in ((ours, jobs), (one, 1)):
            start = time.perf_counter()
            triples = posts_to_graph_file(*args, work / "ours.ttl", "ttl", base=DEFAULT_BASE, snapshots=snapshots,
                                          jobs=processes)
            runs.append(time.perf_counter() - start)
            written = sum(1 for _ in ox.parse(path=str(work / "ours.ttl"), format=ox.RdfFormat.TURTLE))  # not timed
            if triples != file.triples or written != file.triples:
                raise RuntimeError(f"ours wrote {written} triples ({triples} merged); the canonical file has {file.triples}")
        start = time.perf_counter()
        store = ox.Store()
        store.load(path=str(file.path), format=ox.RdfFormat.N_TRIPLES)
        store.dump(output=str(work / "theirs.ttl"), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
        theirs.append(time.perf_counter() - start)
        del store
    return {"triples": file.triples, "ours": ours, "one": one, "theirs": theirs, "jobs": jobs}


def whole_build(posts: int, pairs: int, work: Path, month: int) -> dict:
    """The whole CLI build into oxigraph:DIR beside pyoxigraph bulk-loading its N-Triples; then
    --add of a month beside pyoxigraph loading the month's N-Triples, alternately."""
    sys.path.insert(0, str(HERE))
    from run import corpus

    source = corpus(posts)
    store, nt = work / "store", work / "kg.nt"
    ours, theirs = [], []
    for _ in range(pairs):
        shutil.rmtree(store, ignore_errors=True)
        ours.append(measured(cli("build", str(source), "--store", f"oxigraph:{store}", "-o", str(nt), "--no-html", "-q")))
        shutil.rmtree(work / "ref", ignore_errors=True)
        theirs.append(measured(pyoxigraph_loads(nt, work / "ref", bulk=True)))
    shutil.rmtree(work / "ref", ignore_errors=True)
    out = {"triples": sum(1 for _ in open(nt, "rb")), "ours": ours, "theirs": theirs}
    if month:
        out["add"] = add_month(store, work, month, pairs)
    nt.unlink()
    shutil.rmtree(store, ignore_errors=True)
    return out


def add_month(store: Path, work: Path, posts: int, pairs: int) -> dict:
    from pprnet_kg.extract import load_rules
    from pprnet_kg.pipeline import build
    from pprnet_kg.synth import generate, write_corpus

    rules = load_rules()
    month = work / "month"
    shutil.rmtree(month, ignore_errors=True)
    write_corpus(generate(posts, rules, seed=11), rules, month, seed=11)
    for page in month.glob("synth-*.txt"):
        page.rename(page.with_name("month-" + page.name[len("synth-"):]))
    added = build([month], keep_posts=False)  # the month's own triples, for pyoxigraph to load
    copy = work / "copy"
    ours, theirs = [], []
    for _ in range(pairs):
        for runs, cmd in ((ours, cli("build", "--add", str(month), "--store", f"oxigraph:{copy}", "-q")),
                          (theirs, pyoxigraph_loads(added.file.path, copy, bulk=True))):
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(store, copy)
            subprocess.run(["sync"], check=False)
            runs.append(measured(cmd))
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(month, ignore_errors=True)
    return {"posts": posts, "triples": added.file.triples, "ours": ours, "theirs": theirs}


def _median(values: list) -> float:
    return statistics.median(values)


def rows(posts: int, turtle: dict | None, whole: dict | None) -> list[str]:
    """Markdown rows: target, ours, pyoxigraph, ratio, target, met."""
    out = []

    def row(what: str, ours: list[float], theirs: list[float], unit: str, target: float | None, work: str):
        a, b = _median(ours), _median(theirs)
        ratio = a / b if b else float("inf")
        fmt = "{:,.0f}" if unit == "MB" else "{:,.1f}"
        met = "" if target is None else ("met" if ratio <= target else "not met")
        runs = f"median of {len(ours)}" if len(ours) > 1 else "1 run"
        out.append(f"| {posts:,} | {what} | {fmt.format(a)} {unit} | {fmt.format(b)} {unit} | {ratio:.2f}× | "
                   f"{'≤ ' + format(target, '.1f') + '×' if target else ''} | {met} | {work}; {runs} |")

    if turtle:
        work = f"{turtle['triples']:,} triples; pyoxigraph: load + Turtle dump (one thread)"
        row(f"build + Turtle (extraction excluded; {turtle['jobs']} processes, as the build)", turtle["ours"],
            turtle["theirs"], "s", TARGETS["build + Turtle"], work)
        row("build + Turtle (extraction excluded; one process)", turtle["one"], turtle["theirs"], "s", None, work)
    if whole:
        row("whole build into oxigraph:DIR", [w for w, _ in whole["ours"]], [w for w, _ in whole["theirs"]], "s",
            TARGETS["whole build"], f"{whole['triples']:,} triples, -o kg.nt; pyoxigraph: bulk_load of that file")
        row("peak memory of that build", [m for _, m in whole["ours"]], [m for _, m in whole["theirs"]], "MB",
            TARGETS["peak memory"], "PSS of the process tree")
        add = whole.get("add")
        if add:
            a = _median([w for w, _ in add["ours"]])
            row(f"--add {add['posts']:,} posts (one month) to that store", [w for w, _ in add["ours"]],
                [w for w, _ in add["theirs"]], "s", None,
                f"{add['triples']:,} triples; pyoxigraph: bulk_load of those triples; target < {ADD_TARGET_S:.0f} s: "
                f"{'met' if a < ADD_TARGET_S else 'not met'}")
    return out


HEADER = ["| posts | target | pprnet-kg | pyoxigraph | ratio | target | | how |", "|---|---|---|---|---|---|---|---|"]
SECTION = "## Build targets (issue 13)"
SECTION_TEXT = """Each target beside pyoxigraph doing the same work, measured by `benchmarks/build.py` (which
`benchmarks/run.py` runs for its sizes): the two sides alternate (ours, pyoxigraph, ours,
pyoxigraph...), every figure is a median of the runs it says, and the ratio is ours / pyoxigraph's.
Build + Turtle excludes extraction and runs in this process, which forks as the build does (a
one-process row is beside it); the whole build and `--add` are CLI
processes, timed end to end (process start included), with the peak memory of the whole process
tree (PSS summed over it, sampled every 0.1 s). See the script's docstring for what each side does."""


def targets(sizes: list[int], pairs: int, month: int, *, whole_only: bool = False) -> str:
    """The Markdown table of the build targets at each size."""
    lines = list(HEADER)
    with tempfile.TemporaryDirectory(prefix="pprnet-build-bench-") as tmp:
        work = Path(tmp)
        for posts in sizes:
            turtle = None if whole_only else build_and_turtle(posts, pairs, work)
            whole = whole_build(posts, pairs, work, month)
            lines += rows(posts, turtle, whole)
            print(f"{posts} build targets: done", file=sys.stderr)
    return "\n".join(lines) + "\n"


def merge_section(results: str, table: str, sizes: list[int], made_by: str) -> str:
    """RESULTS.md with its build-targets section holding `table`'s rows for `sizes` and the rows of
    other sizes it had; the section goes before `## Other benchmarks` when it is new."""
    new_rows = [line for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()]
    old_rows: list[str] = []
    before, found, after = results.partition(SECTION + "\n")
    if found:
        body, sep, rest = after.partition("\n## ")
        old_rows = [line for line in body.splitlines() if line.startswith("| ") and line[2].isdigit()]
        after = sep.lstrip("\n") + rest if sep else ""
    else:
        before, sep, rest = results.partition("## Other benchmarks")
        after = sep + rest
    kept = [line for line in old_rows if int(line[2:].split(" |", 1)[0].replace(",", "")) not in sizes]
    rows = sorted(kept + new_rows, key=lambda line: int(line[2:].split(" |", 1)[0].replace(",", "")))
    body = "\n".join([SECTION, "", SECTION_TEXT, "", made_by, "", *HEADER, *rows]) + "\n"
    # two blank lines before the section, as run.py's merge_results leaves them: the file stays as
    # it is when run.py merges its own section again
    return before.rstrip("\n") + "\n\n\n" + body + ("\n" + after if after else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--pairs", type=int, default=2, help="runs of each side, alternating")
    parser.add_argument("--month", type=int, default=MONTH, help="posts added by --add (0: skip)")
    parser.add_argument("--out", type=Path, help="merge the table into this RESULTS.md")
    parser.add_argument("--whole-only", action="store_true", help="only the whole build (and --add)")
    args = parser.parse_args()
    table = targets(args.sizes, args.pairs, args.month, whole_only=args.whole_only)
    print(table)
    if args.out:
        sys.path.insert(0, str(HERE))
        from run import machine

        command = (f"python benchmarks/build.py --sizes {' '.join(map(str, args.sizes))} --pairs {args.pairs}"
                   + (f" --month {args.month}" if args.month != MONTH else "") + (" --whole-only" if args.whole_only else ""))
        made_by = f"Made by `{command}` on {machine()}; {args.pairs} runs of each side."
        before = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.write_text(merge_section(before, table, args.sizes, made_by), encoding="utf-8")


if __name__ == "__main__":
    main()
