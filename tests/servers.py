"""Real triple stores for the tests: Oxigraph server and Virtuoso, on free loopback ports.

Each is started in a temporary directory, waited on until it answers a SPARQL ASK, and
stopped by PID. When a server is not installed, the test fails in CI (CI=true, where
.ci/run installs both) and is skipped on a developer machine, with a message saying how
to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    query: str  # SPARQL query endpoint
    store: str  # Graph Store Protocol endpoint
    update: str = ""  # SPARQL Update endpoint
    user: str | None = None
    password: str | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str, how: str):
    from conftest import unavailable  # only here: the benchmarks use these helpers without pytest

    unavailable(f"{what} is not installed ({how})")


def wait_until_ready(server: Server, log: Path, seconds: float = 90) -> Server:
    url = server.query + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {seconds} s: {log.read_text()[-2000:]}")


def start_oxigraph(workdir: Path) -> Server:
    # the `oxigraph` script sits beside this interpreter (a virtual environment need not be on PATH)
    binary = shutil.which("oxigraph", path=os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")]))
    if binary is None:
        missing("the Oxigraph server", "pip install oxigraph")
    port = free_port()
    log = workdir / "oxigraph.log"
    process = subprocess.Popen([binary, "serve", "--location", str(workdir / "data"), "--bind", f"127.0.0.1:{port}"],
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server("oxigraph", process, f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/store",
                    f"http://127.0.0.1:{port}/update")
    return wait_until_ready(server, log)


def start_virtuoso(workdir: Path) -> Server:
    binary = shutil.which("virtuoso-t")
    if binary is None or not VIRTUOSO_INI.is_file():
        missing("Virtuoso", "apt-get install virtuoso-opensource")
    sql_port, http_port = free_port(), free_port()
    ini = VIRTUOSO_INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(workdir))
    ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\b.*$", f"ServerPort = 127.0.0.1:{sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\b.*$", f"ServerPort = 127.0.0.1:{http_port}", ini)
    config = workdir / "virtuoso.ini"
    config.write_text(ini)
    log = workdir / "virtuoso.out"
    process = subprocess.Popen([binary, "+configfile", str(config), "+foreground"], cwd=workdir,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    server = Server("virtuoso", process, f"{base}/sparql", f"{base}/sparql-graph-crud-auth", f"{base}/sparql-auth",
                    "dba", "dba")
    return wait_until_ready(server, log, seconds=120)
