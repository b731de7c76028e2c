"""conftest.py for tests/libvirt_driver: the libvirt driver (drivers/libvirt/,
docs/drivers.md). Skips the folder when build/hyperfs was built without it
(no libvirt-dev: meson's `libvirt` feature found nothing)."""
import pytest

from helpers import transport
from helpers.peers import PeerUnavailable

try:
    transport.libvirt_lib_check()
except PeerUnavailable as e:
    pytest.skip(str(e), allow_module_level=True)

if transport.active():
    pytest.skip("tests/libvirt_driver names its own URIs: run it without HV_TRANSPORT",
                allow_module_level=True)
