"""An emulator in a child process of its own, for tests, demos and benchmarks.

:func:`~airflow_provider_engage.emulator.running_emulator` serves from a thread of the calling
process; :func:`emulator_process` starts ``python -m airflow_provider_engage.emulator`` instead,
so the server shares neither the caller's GIL nor its fate (a benchmark's client, an ``airflow
dags test`` run, a test that forks)::

    with emulator_process(EmulatorConfig(start_time=..., frozen=True)) as url:
        ...  # point an Airflow connection's host at url

The child runs with the caller's interpreter (``sys.executable``) and environment, on a free
loopback port unless the config names one. It is stopped by its pid: SIGTERM (a clean stop that
saves ``--db`` state), then SIGKILL if it has not exited within ``stop_timeout`` seconds. If it
does not come up, :class:`EmulatorStartError` carries what it wrote to stderr. Stdlib only: this
module loads no web framework in the caller.
"""

from __future__ import annotations

import collections
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

from airflow_provider_engage.emulator import EmulatorConfig

__all__ = ["BANNER_PREFIX", "EmulatorProcess", "EmulatorStartError", "emulator_process"]

BANNER_PREFIX = "engage-emulator serving at "
"""The first line the CLI prints; the rest of it is the base URL."""
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_STDERR_LINES_KEPT = 200


class EmulatorStartError(RuntimeError):
    """The child exited or stayed silent instead of serving; ``stderr`` is what it wrote there."""

    def __init__(self, reason: str, stderr: str) -> None:
        detail = f":\n{stderr.rstrip()}" if stderr.strip() else " (it wrote nothing to stderr)"
        super().__init__(f"the emulator did not start: {reason}{detail}")
        self.stderr = stderr


class EmulatorProcess:
    """One ``engage-emulator`` child process; :meth:`start` answers its base URL.

    ``flags`` come after the config's own (:meth:`EmulatorConfig.flags`), so they win. Once the
    child serves, what it writes to stderr (warnings, errors) goes on to this process's stderr;
    before that it is kept for :class:`EmulatorStartError`. Its stdout is read for the banner's
    first line and otherwise dropped.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        flags: Sequence[str] = (),
        log_level: str = "warning",
        env: Mapping[str, str] | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.command = [
            sys.executable,
            "-m",
            "airflow_provider_engage.emulator",
            *self.config.flags(),
            f"--log-level={log_level}",
            *flags,
        ]
        self.env = dict(env) if env is not None else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.url: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES_KEPT)
        self._stderr_lock = threading.Lock()
        self._passing_on = False
        self._pumps: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """None while it runs (or before it started); negative when a signal ended it."""
        return self._process.poll() if self._process is not None else None

    def start(self) -> str:
        """Start the child and wait until it serves; answers its base URL."""
        if self._process is not None:
            raise RuntimeError("this emulator process was already started")
        # The command is this interpreter running this package, with the caller's own flags.
        self._process = process = subprocess.Popen(  # noqa: S603
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=self.env,
        )
        assert process.stdout is not None
        assert process.stderr is not None
        first_line: queue.Queue[str] = queue.Queue(maxsize=1)
        self._pump(process.stdout, lambda line: None, first_line=first_line)
        self._pump(process.stderr, self._on_stderr)
        banner = self._await_banner(first_line)
        if not banner.startswith(BANNER_PREFIX):
            self.stop()
            raise EmulatorStartError(f"its first line was {banner!r}", self.stderr)
        self.url = banner.removeprefix(BANNER_PREFIX).strip()
        with self._stderr_lock:
            _write(sys.stderr, self.stderr)
            self._passing_on = True
        return self.url

    def stop(self) -> int | None:
        """SIGTERM to the child's pid, SIGKILL after ``stop_timeout``; answers its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.stop_timeout)
        for pump in self._pumps:
            pump.join(self.stop_timeout)
        self._pumps.clear()
        return process.returncode

    @property
    def stderr(self) -> str:
        """The last lines the child wrote to stderr."""
        return "".join(self._stderr_tail)

    def _await_banner(self, first_line: queue.Queue[str]) -> str:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        timed_out = True
        while time.monotonic() < deadline:
            try:
                line = first_line.get(timeout=0.05)
            except queue.Empty:
                continue
            if line:
                return line
            timed_out = False  # stdout closed before the banner: the child is exiting
            break
        exited = self.stop()  # also reads what is left of its stderr
        reason = (
            f"nothing served within {self.startup_timeout:g} s"
            if timed_out
            else f"it exited with code {exited}"
        )
        raise EmulatorStartError(reason, self.stderr)

    def _on_stderr(self, line: str) -> None:
        with self._stderr_lock:
            self._stderr_tail.append(line)
            if self._passing_on:
                _write(sys.stderr, line)

    def _pump(
        self, source: IO[str], take: Callable[[str], None], *, first_line: queue.Queue[str] | None = None
    ) -> None:
        """Drain one of the child's pipes in a thread, so a chatty child never blocks on it."""

        def run() -> None:
            with source:
                for number, line in enumerate(source):
                    if number == 0 and first_line is not None:
                        first_line.put(line)
                    else:
                        take(line)
            if first_line is not None and first_line.empty():
                first_line.put("")  # the pipe closed before any line

        pump = threading.Thread(target=run, name="engage-emulator-pipe", daemon=True)
        pump.start()
        self._pumps.append(pump)

    def __enter__(self) -> EmulatorProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _write(stream: IO[str], text: str) -> None:
    if not text:
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # the caller's stream is closed: the child must still be drained
        pass


@contextmanager
def emulator_process(config: EmulatorConfig | None = None, **options: Any) -> Iterator[str]:
    """Serve an emulator from a child process for as long as the block runs; yields its base URL.

    ``config`` is what :func:`running_emulator` takes (a free loopback port unless it names one);
    ``options`` are :class:`EmulatorProcess`'s keywords (``flags``, ``log_level``, ``env``,
    ``startup_timeout``, ``stop_timeout``). Use :class:`EmulatorProcess` for the pid or exit code.
    """
    child = EmulatorProcess(config, **options)
    try:
        yield child.start()
    finally:
        child.stop()
