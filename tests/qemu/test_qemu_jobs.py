"""Per-object jobs on a real guest (drivers/job.h, docs/qemu-driver.md "Jobs"):
a destroy gets through a change that waits for the guest (an unplug the
paused guest can never finish), and two vCPU writers at once never leave the
`vcpus` file, config.xml and the guest disagreeing. While a change holds the
domain, `stats` answers EBUSY naming the job instead of waiting for it."""
import errno
import os
import re
import subprocess
import threading
import time

import pytest

from .conftest import READY, EventWaiter
from .test_qemu_console import read_until


def define_vcpus(q, tmp_path, name, current, maximum):
    src = tmp_path / f"{name}.xml"
    src.write_text(q.domain_xml(name).replace(
        "<vcpu>1</vcpu>", f"<vcpu placement='static' current='{current}'>{maximum}</vcpu>"))
    subprocess.run(["cp", str(src), str(q.node / "domains")], check=True)
    return q.dom(name)


def write_in_thread(path, text):
    """Writes text to path in a thread; .result is None or the errno."""
    box = {"done": threading.Event(), "errno": None}

    def run():
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, text.encode())  # one write(2): echo's, not a retried flush
        except OSError as e:
            box["errno"] = e.errno
        finally:
            os.close(fd)
        box["done"].set()
    threading.Thread(target=run, daemon=True).start()
    return box


def wait_busy(d, job, timeout=60):
    """Until `stats` is refused because job holds the domain."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            (d / "stats").read_text()
        except OSError as e:
            assert e.errno == errno.EBUSY, e
            assert f"job '{job}'" in (d / "error").read_text()
            return
        assert time.monotonic() < deadline, f"job '{job}' never held the domain"
        time.sleep(0.05)


ASKS = iter(range(1, 1 << 30))


def cpu_count(online):
    """How many CPUs a /sys/devices/system/cpu/online list names ("0-2", "0,2")."""
    n = 0
    for part in online.split(","):
        lo, _, hi = part.partition("-")
        n += int(hi) - int(lo) + 1 if hi else 1
    return n


def guest_cpus(fd, con):
    """The guest's online CPUs ("0-2", "0,2"), or None when a kernel line cut
    into the answer (the caller asks again). Each question has its own tag, so
    an older answer still in the console never counts."""
    tag = next(ASKS)
    with open(con, "w") as w:
        w.write(f"echo CPUS-$(cat /sys/devices/system/cpu/online)-Q{tag}-E\"\"ND\n")
    got = re.findall(rf"CPUS-([0-9,-]+)-Q{tag}-END", read_until(fd, f"-Q{tag}-END", timeout=30))
    return got[-1] if got else None


def test_destroy_gets_through_a_waiting_unplug(qemu_node, tmp_path):
    q = qemu_node
    d = define_vcpus(q, tmp_path, "j1", 1, 2)
    (d / "state").write_text("start")
    fd = os.open(d / "console", os.O_RDONLY)
    try:
        read_until(fd, READY, timeout=60)
        (d / "vcpus").write_text("2")
        read_until(fd, "HYPERFS-GUEST-CPU-ONLINE", timeout=30)
    finally:
        os.close(fd)
    # a paused guest cannot let a vCPU go: the unplug job waits (15 s bound)
    (d / "state").write_text("suspend")
    writer = write_in_thread(d / "vcpus", "1")
    wait_busy(d, "set-vcpus")
    waiter = EventWaiter(q.node / "events", " j1 stopped", timeout=30)
    (d / "state").write_text("destroy")
    assert waiter.wait().split()[-1] == "destroyed"
    assert writer["done"].wait(30)
    # the writer was told of the destroy, not timed out after the bound
    assert writer["errno"] == errno.ECANCELED, writer
    assert (d / "state").read_text() == "shutoff\n"
    # config.xml kept what was asked of it before: nothing half-done
    assert "current='1'" not in (d / "config.xml").read_text()


def test_two_vcpu_writers_agree(qemu_node, tmp_path):
    q = qemu_node
    d = define_vcpus(q, tmp_path, "j2", 1, 3)
    (d / "state").write_text("start")
    fd = os.open(d / "console", os.O_RDONLY)
    try:
        read_until(fd, READY, timeout=60)
        a = write_in_thread(d / "vcpus", "2")
        b = write_in_thread(d / "vcpus", "3")
        assert a["done"].wait(60) and b["done"].wait(60)
        ok = [w for w in (a, b) if w["errno"] is None]
        assert ok, (a, b)  # whichever came second may be refused, never torn:
        for w in (a, b):   # TCG's plug after unplug, or an unplug the guest is slow to do
            assert w["errno"] in (None, errno.EOPNOTSUPP, errno.ETIMEDOUT), w
        slow = errno.ETIMEDOUT in (a["errno"], b["errno"])
        deadline = time.monotonic() + 60
        while True:  # a late DEVICE_DELETED still lowers `vcpus` (docs/qemu-driver.md)
            n = int((d / "vcpus").read_text())
            got = guest_cpus(fd, d / "console")
            if got is not None and cpu_count(got) == n:  # "0-1" or "0,2": which ones is QEMU's
                break
            assert time.monotonic() < deadline, f"guest shows {got}, vcpus says {n}"
            time.sleep(0.5)
        assert n in (2, 3)
        assert f"vcpu.current={n}" in (d / "stats").read_text()
        if not slow:  # config.xml follows a change that finished
            vcpu = re.search(r"<vcpu[^>]*>3</vcpu>", (d / "config.xml").read_text()).group(0)
            assert ("current=" not in vcpu) if n == 3 else (f"current='{n}'" in vcpu), vcpu
    finally:
        os.close(fd)
    (d / "state").write_text("destroy")
