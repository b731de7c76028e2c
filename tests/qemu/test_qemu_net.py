"""Tap interfaces on a real guest. The test makes a network namespace with a
bridge (10.203.0.1/24) and runs hyperfs inside it (nsenter --net: the mount
itself stays in the test's mount namespace). A domain with <interface
type='bridge'> gets a tap on that bridge; the guest configures eth0 with
busybox `ip` and pings the bridge; `stats` shows the tap's counters; the tap
is gone when the domain stops. <interface type='network'> of a network that
does not exist is refused (tests/qemu/test_qemu_networks.py has the networks
themselves), and so is a bridge that does not exist."""
import errno
import os
import re
import subprocess
import uuid

import pytest

from helpers.mount import HyperfsMount, MountError
from .conftest import READY, QemuNode
from .test_qemu_console import read_until

MAC = "52:54:00:0a:cb:01"


def ip(ns, *args, check=True):
    return subprocess.run(["ip", "-n", ns, *args], capture_output=True, text=True, check=check)


@pytest.fixture
def netns():
    if subprocess.run(["ip", "netns", "help"], capture_output=True).returncode not in (0, 255):
        pytest.skip("ip netns is not available")
    ns = f"hvq-{uuid.uuid4().hex[:8]}"
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {r.stderr.strip()}")
    try:
        ip(ns, "link", "set", "lo", "up")
        ip(ns, "link", "add", "br0", "type", "bridge")
        ip(ns, "addr", "add", "10.203.0.1/24", "dev", "br0")
        ip(ns, "link", "set", "br0", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def ns_node(mount_factory, tmp_path, guest, netns):
    """A qemu node whose hyperfs runs in netns."""
    root = tmp_path / "root"
    path = tmp_path / "mnt-ns"
    uri = f"qemu:///system?root={root}"
    m = HyperfsMount(path, [uri], logdir=tmp_path)
    m.cmd = ["nsenter", f"--net=/run/netns/{netns}"] + m.cmd
    mount_factory.mounts.append(m)
    try:
        m.start()
    except MountError as e:
        pytest.fail(str(e), pytrace=False)
    node = QemuNode(m, root, guest)
    node.ns = netns
    yield node
    for pidfile in (root / "run").glob("*.pid"):
        subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)


def stats(d):
    return dict(line.split("=", 1) for line in (d / "stats").read_text().splitlines())


def test_bridge_tap_carries_guest_traffic(ns_node, tmp_path):
    q = ns_node
    nic = (f"<interface type='bridge'><mac address='{MAC}'/><source bridge='br0'/>"
           f"<model type='virtio'/></interface>")
    d = q.define(tmp_path, "n1", extra_devices=nic)
    (d / "state").write_text("start")
    live = (d / "live.xml").read_text()
    tap = re.search(r"<target dev='([^']+)'", live).group(1)
    assert tap.startswith("vnet"), live
    assert "<target dev=" not in (d / "config.xml").read_text()
    # the tap is on the bridge, up, with the guest's MAC under 0xfe
    link = ip(q.ns, "-o", "link", "show", "dev", tap).stdout
    assert "master br0" in link and "UP" in link, link
    assert "fe:54:00:0a:cb:01" in link, link
    fd = os.open(d / "console", os.O_RDONLY)
    try:
        read_until(fd, READY, timeout=60)
        before = stats(d)
        assert before["net.count"] == "1" and before["net.0.name"] == tap, before
        with open(d / "console", "w") as w:
            w.write("ip link set eth0 up && ip addr add 10.203.0.2/24 dev eth0 && "
                    "ping -c 2 -W 5 10.203.0.1 && echo PING-O\"\"K\n")
        out = read_until(fd, "PING-OK", timeout=60)
        assert "2 packets received" in out or "2 received" in out, out
    finally:
        os.close(fd)
    s = stats(d)
    # rx/tx as the guest sees them: it sent the echo requests and got replies
    assert int(s["net.0.tx.pkts"]) >= 2 and int(s["net.0.rx.pkts"]) >= 2, s
    assert int(s["net.0.tx.bytes"]) > int(before["net.0.tx.bytes"]), s
    assert int(s["net.0.rx.bytes"]) >= 2 * 98, s
    (d / "state").write_text("destroy")
    assert ip(q.ns, "link", "show", "dev", tap, check=False).returncode != 0, "tap left behind"
    assert "net.0.name" not in (d / "stats").read_text()


def test_network_and_missing_bridge_are_refused(ns_node, tmp_path):
    q = ns_node
    d = q.define(tmp_path, "n2", extra_devices=(
        "<interface type='network'><source network='default'/></interface>"))
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == errno.ENOENT
    err = (d / "error").read_text()
    assert "network 'default' not found" in err, err
    d = q.define(tmp_path, "n3", extra_devices=(
        "<interface type='bridge'><source bridge='nosuchbr0'/></interface>"))
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == errno.ENOENT
    assert "bridge 'nosuchbr0' does not exist" in (d / "error").read_text()
    assert (d / "state").read_text() == "shutoff\n"
    # no tap was left behind by the failed start
    assert "vnet" not in ip(q.ns, "-o", "link").stdout
