"""Real QEMU guests under the tree: start to the console's ready line, suspend
and resume, memory through the balloon, shutdown by the guest itself, destroy,
kill -9 of QEMU, a restart of hyperfs with a running guest, refusals."""
import os
import signal
import subprocess
import time

import pytest

from .conftest import READY, EventWaiter, wait_event


def start(q, name):
    d = q.dom(name)
    t0 = time.monotonic()
    (d / "state").write_text("start\n")
    assert (d / "state").read_text() == "running\n"
    t1 = q.wait_log(name, READY)
    return t1 - t0


def test_boot_suspend_resume_shutdown(qemu_node, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "g1")
    assert (d / "state").read_text() == "shutoff\n"
    assert (q.root / "lib" / "g1.xml").exists()
    with open(q.node / "events") as ev:
        boot = start(q, "g1")
        print(f"boot to ready line: {boot:.2f}s")
        assert "started booted" in ev.readline()
    (d / "state").write_text("suspend")
    assert (d / "state").read_text() == "paused\n"
    (d / "state").write_text("resume")
    assert (d / "state").read_text() == "running\n"
    (d / "memory").write_text("200M")
    assert (d / "memory").read_text() == "204800\n"
    # stats show the balloon as the guest has inflated it so far
    deadline = time.monotonic() + 60
    while "balloon.current=204800" not in (d / "stats").read_text():
        assert time.monotonic() < deadline, (d / "stats").read_text()
        time.sleep(0.5)
    assert "<currentMemory unit='KiB'>204800" in (d / "config.xml").read_text()
    t0 = time.monotonic()
    waiter = EventWaiter(q.node / "events", " g1 stopped", timeout=60)
    (d / "state").write_text("shutdown")
    line = waiter.wait()
    print(f"shutdown to shutoff: {time.monotonic() - t0:.2f}s")
    assert line.split()[-1] == "shutdown"
    assert (d / "state").read_text() == "shutoff\n"
    # nothing of g1 is left but its logs (run/storage and run/network hold
    # active pools and networks)
    assert sorted(p.name for p in (q.root / "run").iterdir()
                  if p.name not in ("storage", "network")) == ["g1.log", "g1.qemu.log"]


def test_destroy_and_kill9(qemu_node, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "g2")
    start(q, "g2")
    (d / "state").write_text("destroy")
    assert (d / "state").read_text() == "shutoff\n"
    with pytest.raises(OSError) as e:
        (d / "state").write_text("destroy")
    assert e.value.errno == 16  # EBUSY: not running
    start(q, "g2")
    pid = q.pid("g2")
    waiter = EventWaiter(q.node / "events", " g2 stopped", timeout=30)
    os.kill(pid, signal.SIGKILL)
    line = waiter.wait()
    assert line.split()[-1] == "failed"
    assert (d / "state").read_text() == "shutoff\n"
    assert not (q.root / "run" / "g2.pid").exists()
    assert not (q.root / "run" / "g2.qmp").exists()


def test_restart_reattaches(qemu_node, mount_factory, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "g3")
    start(q, "g3")
    pid = q.pid("g3")
    q.mount.stop()
    assert os.path.exists(f"/proc/{pid}"), "QEMU must outlive hyperfs"
    m2 = mount_factory(f"qemu:///system?root={q.root}", mnt=q.mount.path)
    d = m2.node() / "domains" / "g3"
    assert (d / "state").read_text() == "running\n"
    (d / "state").write_text("suspend")
    assert (d / "state").read_text() == "paused\n"
    (d / "state").write_text("destroy")
    assert (d / "state").read_text() == "shutoff\n"


def test_refusals(qemu_node, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "g4", extra_devices="<graphics type='spice'/>")
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == 95  # EOPNOTSUPP
    assert "<graphics type='spice'>" in (d / "error").read_text()
    assert (d / "state").read_text() == "shutoff\n"
    for verb, errno in (("suspend", 16), ("fly", 22)):
        with pytest.raises(OSError) as e:
            (d / "state").write_text(verb)
        assert e.value.errno == errno
