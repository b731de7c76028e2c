"""<on_poweroff>, <on_reboot> and <on_crash> on a real guest, driven from its
console: `reboot -f` with on_reboot=destroy ends as shutoff; `poweroff -f`
with on_poweroff=restart boots again; a kernel panic (`echo c >
/proc/sysrq-trigger`, reported through the pvpanic device) with on_crash
destroy, restart and preserve; values the driver cannot honour are named."""
import errno
import os
import subprocess
import time

import pytest

from .conftest import READY, EventWaiter
from .test_qemu_console import read_until

PANIC = "<panic model='isa'/>"


def define(q, tmp_path, name, devices="", **actions):
    xml = q.domain_xml(name, extra_devices=devices)
    for elem, value in actions.items():
        xml = xml.replace(f"<{elem}>destroy</{elem}>", f"<{elem}>{value}</{elem}>")
        xml = xml.replace(f"<{elem}>restart</{elem}>", f"<{elem}>{value}</{elem}>")
    src = tmp_path / f"{name}.xml"
    src.write_text(xml)
    subprocess.run(["cp", str(src), str(q.node / "domains")], check=True)
    return q.dom(name)


def boot(d):
    """Starts d and returns a console fd read up to the ready line."""
    T0[0] = time.monotonic()
    (d / "state").write_text("start")
    mark("started")
    fd = os.open(d / "console", os.O_RDONLY)
    read_until(fd, READY, timeout=60)
    mark("ready")
    return fd


T0 = [0.0]


def mark(what):
    print(f"{time.monotonic() - T0[0]:6.2f}s {what}")


def type_in(d, line):
    with open(d / "console", "w") as w:
        w.write(line + "\n")


def test_reboot_with_on_reboot_destroy_ends_shutoff(qemu_node, tmp_path):
    q = qemu_node
    d = define(q, tmp_path, "a1", on_reboot="destroy")
    fd = boot(d)
    os.close(fd)
    waiter = EventWaiter(q.node / "events", " a1 stopped", timeout=30)
    type_in(d, "reboot -f")
    assert waiter.wait().split()[-1] == "shutdown"
    assert (d / "state").read_text() == "shutoff\n"
    assert not (q.root / "run" / "a1.pid").exists()


def test_poweroff_with_on_poweroff_restart_boots_again(qemu_node, tmp_path):
    """QEMU pauses at the poweroff and the driver restarts the guest; with
    on_reboot=destroy too, the restart is not taken for a reboot, and a later
    `reboot -f` ends the domain."""
    q = qemu_node
    d = define(q, tmp_path, "a2", on_poweroff="restart", on_reboot="destroy")
    fd = boot(d)
    try:
        pid = q.pid("a2")
        waiter = EventWaiter(q.node / "events", " a2 rebooted", timeout=30)
        type_in(d, "poweroff -f")
        waiter.wait()
        mark("rebooted")
        read_until(fd, READY, timeout=60)  # the second boot
        mark("ready again")
        assert (d / "state").read_text() == "running\n"
        assert q.pid("a2") == pid, "restart is in the same QEMU"
        waiter = EventWaiter(q.node / "events", " a2 stopped", timeout=30)
        type_in(d, "reboot -f")
        assert waiter.wait().split()[-1] == "shutdown"
        assert (d / "state").read_text() == "shutoff\n"
    finally:
        os.close(fd)


def test_poweroff_with_on_poweroff_preserve_keeps_qemu(qemu_node, tmp_path):
    q = qemu_node
    d = define(q, tmp_path, "a3", on_poweroff="preserve")
    fd = boot(d)
    os.close(fd)
    waiter = EventWaiter(q.node / "events", " a3 shutdown finished", timeout=30)
    type_in(d, "poweroff -f")
    waiter.wait()
    assert (d / "state").read_text() == "paused\n"
    assert "state.reason=7" in (d / "stats").read_text()  # paused: shutting down
    assert os.path.exists(f"/proc/{q.pid('a3')}"), "QEMU is kept"
    with pytest.raises(OSError):
        (d / "state").write_text("resume")  # QEMU wants a reset first
    (d / "state").write_text("destroy")
    assert (d / "state").read_text() == "shutoff\n"


@pytest.mark.parametrize("on_crash,on_reboot", [("destroy", "restart"), ("destroy", "preserve"),
                                               ("restart", "restart"),
                                               ("preserve", "restart")])
def test_panic_honours_on_crash(qemu_node, tmp_path, on_crash, on_reboot):
    """on_reboot=preserve makes QEMU pause at every shutdown: on_crash=destroy
    is then done by the driver rather than by QEMU itself."""
    q = qemu_node
    name = f"p-{on_crash}-{on_reboot}"
    d = define(q, tmp_path, name, devices=PANIC, on_crash=on_crash, on_reboot=on_reboot)
    fd = boot(d)
    try:
        crashed = EventWaiter(q.node / "events", f" {name} crashed panicked", timeout=30)
        after = {"destroy": f" {name} stopped", "restart": f" {name} rebooted",
                 "preserve": None}[on_crash]
        waiter = EventWaiter(q.node / "events", after, timeout=30) if after else None
        type_in(d, "echo c > /proc/sysrq-trigger")
        crashed.wait()
        mark("crashed")
        err = (d / "error").read_text()  # a crash is a failure nobody wrote
        assert f"domain '{name}' crashed (panicked)" in err and " state EIO: " in err, err
        if on_crash == "destroy":
            assert waiter.wait().split()[-1] == "crashed"
            assert (d / "state").read_text() == "shutoff\n"
            assert "state.reason=3" in (d / "stats").read_text()  # shutoff crashed
            return
        if on_crash == "restart":
            waiter.wait()
            read_until(fd, READY, timeout=60)
            assert (d / "state").read_text() == "running\n"
        else:
            assert (d / "state").read_text() == "crashed\n"
            assert os.path.exists(f"/proc/{q.pid(name)}"), "QEMU is kept for inspection"
    finally:
        os.close(fd)
    (d / "state").write_text("destroy")
    mark("destroyed")
    assert (d / "state").read_text() == "shutoff\n"


@pytest.mark.parametrize("elem,value", [("on_crash", "coredump-destroy"),
                                        ("on_reboot", "rename-restart")])
def test_unhonoured_actions_are_named(qemu_node, tmp_path, elem, value):
    q = qemu_node
    d = define(q, tmp_path, "r1", **{elem: value})
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == errno.EOPNOTSUPP
    err = (d / "error").read_text()
    assert f"<{elem}>{value}</{elem}>" in err, err
    assert (d / "state").read_text() == "shutoff\n"
