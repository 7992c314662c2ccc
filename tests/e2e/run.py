"""``make e2e``: each deployment's pytest session in a network namespace of its own, all at once.

    python -m tests.e2e.run [--part one-machine] [--part celery] [--part asset-watcher] [-- pytest options]

For each part this process (which stays in the host's namespace):

1. picks free ports on the host (so a probe from the host cannot hit a server of the host's
   own by chance; every part gets ports of its own) and hands them to the session;
2. starts ``unshare --net`` with loopback brought up and pytest inside, passing its own
   namespace as ``ENGAGE_E2E_HOST_NETNS`` for the tests' probe from the host's side;
3. after the session, finds every process still in that namespace (by the namespace, never by
   name), reports it as a leak and kills it by its pid;
4. prints each part's output (kept in ``e2e-artifacts/<part>.log``), what each took, and exits
   non-zero if any failed or leaked.

The parts run at the same time: most of a deployment's time is spent waiting for pushes to fire
in real time, so together they take little longer than the longest alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "e2e-artifacts"
PARTS = {
    # The browser test uses the one-machine deployment, so it runs in that session.
    "one-machine": ["tests/e2e/test_one_machine.py", "tests/e2e/test_connection_forms.py"],
    "celery": ["tests/e2e/test_celery.py"],
    "asset-watcher": ["tests/e2e/test_asset_watcher.py"],
}
PORTS_PER_PART = 8


def free_ports(count: int) -> list[int]:
    """Ports nothing on the host listens on, on any address, at the time of asking."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("0.0.0.0", 0))  # free on every interface, not only loopback
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


def in_namespace(namespace: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if os.readlink(f"/proc/{process.pid}/ns/net") == namespace:
                found.append(process)
        except (FileNotFoundError, PermissionError, ProcessLookupError, psutil.Error):
            continue
    return found


@dataclass
class Part:
    name: str
    marker: Path
    log: Path
    process: subprocess.Popen[bytes]
    started: float


def start_part(name: str, ports: list[int], pytest_args: list[str]) -> Part:
    marker = Path(tempfile.mkstemp(prefix=f"engage-e2e-{name}-", suffix=".netns")[1])
    env = {
        **os.environ,
        "ENGAGE_E2E": "1",
        "ENGAGE_E2E_PORTS": json.dumps(ports),
        "ENGAGE_E2E_HOST_NETNS": f"/proc/{os.getpid()}/ns/net",
        "ENGAGE_E2E_NETNS_FILE": str(marker),
        "ENGAGE_E2E_ARTIFACTS": str(ARTIFACTS / name),
    }
    inner = 'ip link set lo up && readlink /proc/self/ns/net > "$ENGAGE_E2E_NETNS_FILE" && exec "$0" "$@"'
    command = [
        "unshare",
        "--net",
        "--",
        "/bin/sh",
        "-c",
        inner,
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-o",
        "timeout=1500",
        *PARTS[name],
        *pytest_args,
    ]
    print(f"[e2e] {name}: {' '.join(PARTS[name])} in a network namespace of its own", flush=True)
    shutil.rmtree(ARTIFACTS / name, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Part(name, marker, log, process, time.monotonic())


def finish_part(part: Part) -> tuple[bool, float, list[str]]:
    code = part.process.wait()
    elapsed = time.monotonic() - part.started
    namespace = part.marker.read_text().strip()
    part.marker.unlink(missing_ok=True)
    leaked = []
    if namespace:
        for process in in_namespace(namespace):
            try:
                leaked.append(f"{process.pid} {' '.join(process.cmdline())[:200]}")
                process.kill()  # psutil checks the start time: never a reused pid
            except psutil.NoSuchProcess:
                continue
    print(f"\n[e2e] ===== {part.name} (exit {code}, {elapsed:.0f} s) =====", flush=True)
    sys.stdout.write(part.log.read_text(errors="replace"))
    return code == 0 and not leaked, elapsed, leaked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", action="append", choices=sorted(PARTS), help="run only these parts")
    args, pytest_args = parser.parse_known_args(argv)
    pytest_args = [a for a in pytest_args if a != "--"]
    names = args.part or list(PARTS)
    ports = free_ports(PORTS_PER_PART * len(names))
    started = time.monotonic()
    parts = [
        start_part(name, ports[i * PORTS_PER_PART : (i + 1) * PORTS_PER_PART], pytest_args)
        for i, name in enumerate(names)
    ]
    results = []
    for part in parts:
        ok, elapsed, leaked = finish_part(part)
        for line in leaked:
            print(f"[e2e] {part.name}: LEAKED, killed: {line}", flush=True)
        results.append((part.name, ok, elapsed, leaked))
    print("\n[e2e] part            result   seconds")
    for name, ok, elapsed, leaked in results:
        verdict = "passed" if ok else ("leaked" if leaked else "FAILED")
        print(f"[e2e] {name:<15} {verdict:<8} {elapsed:7.1f}")
    print(f"[e2e] all at once                {time.monotonic() - started:7.1f}", flush=True)
    return 0 if all(r[1] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
