"""The trigger tests share the sensors' emulator, clock and connections."""

from tests.unit.sensors.conftest import (  # noqa: F401 (fixtures)
    emulator,
    emulator_base_url,
    simulated,
)
