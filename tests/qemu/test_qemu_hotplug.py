"""vCPU hot-plug and unplug on a real guest: `echo 2 > vcpus` with max 2 and
current 1 plugs a CPU through QMP, and the guest (whose init onlines new CPUs)
shows it in /sys/devices/system/cpu/online, asked through the console; `echo 1
> vcpus` device_del's it, the guest lets it go (ACPI eject), QEMU reports
DEVICE_DELETED and the guest shows one CPU again."""
import errno
import os
import subprocess

import pytest

from .conftest import READY, EventWaiter
from .test_qemu_console import read_until


def test_vcpu_hotplug_seen_in_guest(qemu_node, tmp_path):
    q = qemu_node
    src = tmp_path / "h1.xml"
    src.write_text(q.domain_xml("h1").replace("<vcpu>1</vcpu>",
                                              "<vcpu placement='static' current='1'>2</vcpu>"))
    subprocess.run(["cp", str(src), str(q.node / "domains")], check=True)
    d = q.dom("h1")
    assert (d / "vcpus").read_text() == "1\n" and (d / "max-vcpus").read_text() == "2\n"
    (d / "state").write_text("start")
    fd = os.open(d / "console", os.O_RDONLY)
    try:
        read_until(fd, READY, timeout=60)
        (d / "vcpus").write_text("2")
        assert (d / "vcpus").read_text() == "2\n"
        assert "vcpu.current=2" in (d / "stats").read_text()
        cfg = (d / "config.xml").read_text()
        assert ">2</vcpu>" in cfg and "current='1'" not in cfg, cfg
        read_until(fd, "HYPERFS-GUEST-CPU-ONLINE", timeout=30)
        with open(d / "console", "w") as w:
            w.write("echo CPUS-$(cat /sys/devices/system/cpu/online)-E\"\"ND\n")
        assert "CPUS-0-1-END" in read_until(fd, "-END", timeout=30)
        # unplug: back to one vCPU, live and in config.xml
        waiter = EventWaiter(q.node / "events", " h1 vcpus-changed 1", timeout=30)
        (d / "vcpus").write_text("1")
        waiter.wait()
        assert (d / "vcpus").read_text() == "1\n"
        assert "vcpu.current=1" in (d / "stats").read_text()
        assert "current='1'" in (d / "config.xml").read_text()
        with open(d / "console", "w") as w:
            w.write("echo CPUS-$(cat /sys/devices/system/cpu/online)-E\"\"ND\n")
        assert "CPUS-0-END" in read_until(fd, "-END", timeout=30)
    finally:
        os.close(fd)
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("3")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("0")
    assert e.value.errno in (errno.EINVAL, errno.ERANGE)
    # QEMU 7.2's TCG aborts when a vCPU is plugged again after an unplug: refused
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("2")
    assert e.value.errno == errno.EOPNOTSUPP
    assert "TCG" in (d / "error").read_text()
    assert (d / "state").read_text() == "running\n"
    (d / "state").write_text("destroy")
    # vCPUs there at start are not devices: they stay
    (d / "vcpus").write_text("2")
    (d / "state").write_text("start")
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("1")
    assert e.value.errno == errno.EOPNOTSUPP
    assert "only hot-plugged vCPUs" in (d / "error").read_text()
    (d / "state").write_text("destroy")
    (d / "vcpus").write_text("1")
    assert (d / "vcpus").read_text() == "1\n"
