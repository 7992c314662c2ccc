"""Every Python process of a test run lives this many days away from today (``make unit-shifted``).

Python imports ``sitecustomize`` at start from the path, so with this folder on ``PYTHONPATH``
the test process, its pytest-xdist workers, the emulator and the ``airflow dags test`` runs all
read one clock: today's real instant moved by ``ENGAGE_CLOCK_SHIFT_DAYS`` (may be negative), and
running. A test that passes today and fails here depends on today's date. time-machine moves the
wall clock only; monotonic clocks (sleeps, timeouts) stay real, as they do on a machine whose
date is simply another.
"""

import datetime as _dt
import os as _os

_shift = _os.environ.get("ENGAGE_CLOCK_SHIFT_DAYS")
if _shift:
    import time_machine as _time_machine

    _time_machine.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=float(_shift)), tick=True).start()
