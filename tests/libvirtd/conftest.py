"""conftest.py for tests/libvirtd: one sandboxed real libvirtd per session.

- `libvirtd`: the session's helpers.peers.Libvirtd (shared with HV_TRANSPORT=
  libvirtd-* runs; stopped at the end of the session by tests/conftest.py);
- `lv_mount(*nodes, tcp=False)`: a hyperfs mount of NAME=URI nodes of that
  libvirtd; with tcp=True hyperfs runs in the sandbox's network namespace;
- `lvvirsh(uri, *args)`: a real virsh against it.
"""
import pytest

from helpers import peers, transport
from helpers.mount import HyperfsMount, MountError
from helpers.peers import PeerUnavailable, libvirtd_unavailable

_why = libvirtd_unavailable()
if _why:
    pytest.skip(_why, allow_module_level=True)


@pytest.fixture(scope="session")
def libvirtd():
    try:
        return transport.SESSION.get_libvirtd()
    except PeerUnavailable as e:
        pytest.skip(str(e))


def virsh(uri, *args, check=True, timeout=60):
    """helpers.peers.virsh with a longer default: libvirtd's qemu driver is slow to answer."""
    return peers.virsh(uri, *args, check=check, timeout=timeout)


@pytest.fixture
def lv_mount(mount_factory, libvirtd):
    """lv_mount(NAME=URI..., tcp=False): a mount of these libvirtd nodes, stopped
    (and checked) with the test's other mounts; tcp=True runs hyperfs inside the
    sandbox's network namespace, where its TCP listener is."""
    def start(*conns, tcp=False, options=()):
        mount_factory.n += 1
        m = HyperfsMount(mount_factory.tmp / f"mnt{mount_factory.n}", conns, options=options,
                         logdir=mount_factory.tmp)
        if tcp:
            m.cmd = libvirtd.netns_prefix() + m.cmd
        mount_factory.mounts.append(m)
        try:
            m.start()
        except MountError as e:
            pytest.fail(str(e), pytrace=False)
        return m
    return start
