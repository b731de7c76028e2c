"""test_libvirt_driver_qemu.py: the sandbox's qemu:///system through our
libvirt driver (drivers/libvirt/, libvirt's own client library in-process)
instead of our remote driver: the tiny guest of tests/guest under TCG,
defined by cp, started, its ready line on the console file, its statistics
(libvirt's qemu driver has cpu, balloon, vcpu groups), suspended, resumed,
destroyed and undefined through the tree, each change agreed by virsh; and a
second guest with a pty console, read and typed into through the `console`
file (libvirt's console stream).

libvirt's client reaches qemu:///system through the daemon's unix socket
(libvirt's qemu driver always runs in a daemon); the sandbox's socket is not
at /run/libvirt, so the URI names it: libvirt:qemu+unix:///system?socket=...
That is the URI libvirt's own qemu:///system resolves to, with the socket moved."""
from pathlib import Path

import pytest

from helpers import transport
from helpers.peers import PeerUnavailable
from helpers.tools import EventWait, cat, ls, ok, run, state, write_ok

from .conftest import virsh
from .test_libvirtd_qemu import READY, guest, guest_xml, wait_file  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]

try:
    transport.libvirt_lib_check()
except PeerUnavailable as e:
    pytest.skip(str(e), allow_module_level=True)


def test_qemu_guest_through_the_libvirt_driver(lv_mount, libvirtd, guest, tmp_path):  # noqa: F811
    vuri = f"qemu+unix:///system?socket={libvirtd.sock}"
    name = f"hvlib-{tmp_path.name[-12:].strip('_') or 'guest'}"
    log = tmp_path / "console.log"
    m = lv_mount(f"q=libvirt:{vuri}")
    n = m.node("q")
    assert "driver: libvirt" in cat(n / "node/info")
    src = tmp_path / f"{name}.xml"
    src.write_text(guest_xml(name, guest, log))
    ok(run(["cp", src, n / "domains/"]))
    d = n / "domains" / name
    try:
        assert name in ls(n / "domains")
        assert state(d) == "shutoff"
        with EventWait(n, rf" domain {name} started booted$", timeout=120):
            write_ok(d / "state", "start")
        assert state(d) == "running"
        assert virsh(vuri, "domstate", name).stdout.strip() == "running"
        assert wait_file(log, READY, 120), f"no {READY} on the console:\n" + \
            (log.read_text(errors="replace")[-2000:] if log.exists() else "(no console file)")
        stats = cat(d / "stats")
        assert "state.state=1" in stats and "cpu.time=" in stats and "vcpu.current=" in stats
        with EventWait(n, rf" domain {name} suspended paused$", timeout=60):
            write_ok(d / "state", "suspend")
        assert state(d) == "paused"
        assert virsh(vuri, "domstate", name).stdout.strip() == "paused"
        with EventWait(n, rf" domain {name} resumed unpaused$", timeout=60):
            write_ok(d / "state", "resume")
        assert state(d) == "running"
        # a change made with virsh reaches the tree through libvirt's events
        with EventWait(n, rf" domain {name} stopped destroyed$", timeout=60):
            virsh(vuri, "destroy", name)
        assert state(d) == "shutoff"
        ok(run(["rmdir", d]))
        assert name not in ls(n / "domains")
        assert name not in virsh(vuri, "list", "--all", "--name").stdout.split()
    finally:
        virsh(vuri, "destroy", name, check=False)
        virsh(vuri, "undefine", name, check=False)


def test_console_through_the_libvirt_driver(lv_mount, libvirtd, guest, tmp_path):  # noqa: F811
    """The guest's shell answers a command typed into `console`: what is typed
    waits in the guest's tty until its shell reads it, so no boot timing matters."""
    vuri = f"qemu+unix:///system?socket={libvirtd.sock}"
    name = f"hvcon-{tmp_path.name[-12:].strip('_') or 'guest'}"
    text = (REPO / "tests/qemu/guest.xml.in").read_text()
    text = (text.replace("@NAME@", name).replace("@KERNEL@", str(guest / "vmlinuz"))
            .replace("@INITRD@", str(guest / "initrd.img")))
    m = lv_mount(f"q=libvirt:{vuri}")
    n = m.node("q")
    src = tmp_path / f"{name}.xml"
    src.write_text(text)
    ok(run(["cp", src, n / "domains/"]))
    d = n / "domains" / name
    try:
        with EventWait(n, rf" domain {name} started booted$", timeout=120):
            write_ok(d / "state", "start")
        r = run(["timeout", "120", "grep", "-m1", READY, d / "console"], timeout=130)
        assert r.returncode == 0, r
        write_ok(d / "console", "echo HV-MARK-$((6*7))\n")
        r = run(["timeout", "60", "grep", "-m1", "HV-MARK-42", d / "console"], timeout=70)
        assert r.returncode == 0, r
        with EventWait(n, rf" domain {name} stopped destroyed$", timeout=60):
            write_ok(d / "state", "destroy")
        ok(run(["rmdir", d]))
    finally:
        virsh(vuri, "destroy", name, check=False)
        virsh(vuri, "undefine", name, check=False)
