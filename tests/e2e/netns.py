"""What a deployment's network namespace looks like from inside, and from the host's side.

``tests/e2e/run.py`` starts each deployment's pytest session with ``unshare --net`` (loopback
brought up, nothing else) and passes ``ENGAGE_E2E_HOST_NETNS``, the host's namespace as
``/proc/<pid>/ns/net`` of the runner, which stays in it. A probe run there with ``nsenter`` tries
to connect to every port the deployment listens on: from the host, nothing may answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_TCP_LISTEN = "0A"


def interfaces() -> list[str]:
    """The interfaces of this process's network namespace (``/proc/net/dev`` is per namespace)."""
    lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def namespace_id() -> str:
    return os.readlink("/proc/self/ns/net")


def listening() -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket in this namespace, IPv4 and IPv6."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state != _TCP_LISTEN:
                continue
            address_hex, port_hex = local.split(":")
            found.append((_address(address_hex, width), int(port_hex, 16)))
    return sorted(set(found))


def _address(hex_text: str, width: int) -> str:
    raw = bytes.fromhex(hex_text)
    if width == 8:
        return ".".join(str(b) for b in raw[::-1])
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
    import ipaddress

    return str(ipaddress.IPv6Address(b"".join(words)))


PROBE = r"""
import json, socket, subprocess, sys
ports = json.loads(sys.argv[1])
addresses = {"127.0.0.1", "::1"}
try:
    out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts[2] in ("inet", "inet6"):
            address = parts[3].split("/")[0]
            if address.startswith("fe80:"):
                address += "%" + parts[1]  # a link-local address needs its interface
            addresses.add(address)
except Exception:
    pass
own = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                own.add(int(fields[1].split(":")[1], 16))
    except FileNotFoundError:
        pass
results = {}
for port in ports:
    for address in sorted(addresses):
        family, kind, proto, _, sockaddr = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0]
        s = socket.socket(family, kind, proto)
        s.settimeout(1.0)
        try:
            s.connect(sockaddr)
            outcome = "connected"
        except ConnectionRefusedError:
            outcome = "refused"
        except OSError as exc:
            outcome = type(exc).__name__
        finally:
            s.close()
        results[f"{address}:{port}"] = {"outcome": outcome, "host_listener": port in own}
interfaces = sorted(l.split(":", 1)[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:])
print(json.dumps({"results": results, "interfaces": interfaces, "addresses": sorted(addresses)}))
"""


def probe_from_host(ports: list[int]) -> dict[str, object]:
    """Try every port from the host's namespace, on loopback and on each of the host's addresses."""
    host_netns = os.environ["ENGAGE_E2E_HOST_NETNS"]
    done = subprocess.run(
        ["nsenter", f"--net={host_netns}", "--", sys.executable, "-c", PROBE, json.dumps(sorted(set(ports)))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def check_isolation(expected: list[int]) -> dict[str, object]:
    """Assert the deployment is unreachable from the host; answers what was seen, for the record.

    Inside: only ``lo``, and the ``expected`` ports listening. From the host's namespace: no
    listening port of the deployment answers, on loopback or on any of the host's addresses (a
    port the host itself listens on is reported, not judged: that server is the host's own).
    """
    assert interfaces() == ["lo"], interfaces()
    sockets = listening()
    ports = sorted({port for _address, port in sockets})
    missing = [port for port in expected if port not in ports]
    assert not missing, f"not listening inside: {missing} (listening: {sockets})"
    probe = probe_from_host(ports)
    results: dict[str, dict[str, object]] = probe["results"]  # type: ignore[assignment]
    answered = {
        where: r for where, r in results.items() if r["outcome"] == "connected" and not r["host_listener"]
    }
    assert answered == {}, f"reachable from the host: {answered}"
    return {
        "listening": sockets,
        "on_every_interface": sorted({port for address, port in sockets if address in ("0.0.0.0", "::")}),
        "host_probe": probe,
    }
