"""Server processes of a deployment: each started in a session of its own, stopped by its pid.

A :class:`Service` is one long-running command (PostgreSQL, Redis, an Airflow component, the
emulator). It starts as the leader of a new session, so its own children (a scheduler's
executor, a worker's task processes, an api-server's uvicorn workers) share its process group;
stopping it sends SIGTERM to that group by the leader's pid, waits, then SIGKILLs the group and
every descendant still alive that left it. Nothing is ever looked up or killed by name. Output
goes to ``<logs>/<name>.log``, kept as an artefact of the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

STOP_TIMEOUT = 20.0


class Service:
    """One server command; :meth:`start` it, :meth:`stop` it (also after a failure)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        executable: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.executable = executable
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._descendants: dict[int, psutil.Process] = {}

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was not started"
        return self.process.pid

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                executable=self.executable,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def remember_descendants(self) -> None:
        """Note the children now alive, so a stop finds them even after their parent died."""
        if not self.alive():
            return
        try:
            for child in psutil.Process(self.pid).children(recursive=True):
                self._descendants[child.pid] = child
        except psutil.NoSuchProcess:
            pass

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the leader only (a crash of that one process)."""
        self.remember_descendants()
        os.kill(self.pid, sig)

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group: the machine it stands for goes away at once."""
        self.remember_descendants()
        _signal_group(self.pid, sig)

    def terminate(self) -> None:
        """SIGTERM to the process group (the start of a clean stop)."""
        if self.process is None:
            return
        self.remember_descendants()
        _signal_group(self.pid, signal.SIGTERM)

    def finish(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Wait for a terminated service; SIGKILL its group, then any descendant, after ``timeout``."""
        if self.process is None:
            return None
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout)
        deadline = time.monotonic() + timeout
        for child in self._descendants.values():
            _wait_gone(child, deadline)
        return self.process.returncode

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM to the process group, SIGKILL after ``timeout``; every descendant too."""
        self.terminate()
        return self.finish(timeout)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _wait_gone(child: psutil.Process, deadline: float) -> None:
    """Wait for a descendant (the same pid, the same start time) to end; SIGKILL it at the deadline."""
    try:
        child.wait(max(0.0, deadline - time.monotonic()))
    except psutil.TimeoutExpired:
        try:
            child.kill()  # psutil checks the start time first: never another process reusing the pid
            child.wait(5)
        except psutil.NoSuchProcess:
            pass
    except psutil.NoSuchProcess:
        pass


def stop_all(services: Sequence[Service], timeout: float = STOP_TIMEOUT) -> list[str]:
    """Stop services together (SIGTERM to all, then wait for each, SIGKILL what outlives
    ``timeout``); answers the errors instead of raising on the first."""
    errors = []
    for service in reversed(services):
        try:
            service.terminate()
        except Exception as exc:  # keep stopping the others
            errors.append(f"{service.name}: {exc!r}")
    deadline = time.monotonic() + timeout
    for service in reversed(services):
        try:
            service.finish(max(1.0, deadline - time.monotonic()))
        except Exception as exc:
            errors.append(f"{service.name}: {exc!r}")
    return errors


def wait_until(predicate, timeout: float, *, interval: float = 0.5, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it answers something true; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception as exc:  # a server that is still starting
            last_error = exc
        else:
            if value:
                return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:g} s (last error: {last_error!r})")
