"""vCPU hot-plug on a real guest: `echo 2 > vcpus` with max 2 and current 1
plugs a CPU through QMP, and the guest (whose init onlines new CPUs) shows it
in /sys/devices/system/cpu/online, asked through the console."""
import errno
import os
import subprocess

import pytest

from .conftest import READY
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
    finally:
        os.close(fd)
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("3")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError) as e:
        (d / "vcpus").write_text("1")
    assert e.value.errno == errno.EOPNOTSUPP
    assert "not supported yet" in (d / "error").read_text()
    (d / "state").write_text("destroy")
    (d / "vcpus").write_text("1")
    assert (d / "vcpus").read_text() == "1\n"
