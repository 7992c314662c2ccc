"""``[core] hostname_callable`` for the deployments: the name each component was started with.

Every component of a deployment runs on this one machine; giving each its own name
(``ENGAGE_E2E_HOSTNAME``, a loopback address such as ``127.0.1.2``) makes the job table and the
task instances tell them apart, as they would on separate machines, and the name still resolves
to a loopback address here.
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ.get("ENGAGE_E2E_HOSTNAME", "127.0.0.1")
