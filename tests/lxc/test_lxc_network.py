"""A container on a virtual network of the LXC node (drivers/network's
network table, as the qemu driver has it): `<interface type='network'>` is a
veth on the network's bridge, moved into the container; the container's
udhcpc gets a lease from the network's own dnsmasq, and the tree shows it in
the network's `leases` and `ports` and the container's `addresses`. The
network is isolated (no <forward>: no nftables, nothing routed), on a bridge
of its own in the host's namespace, and stopped at the end: no bridge or
dnsmasq is left."""
import errno
import re
import subprocess

import pytest

from helpers.procnode import write
from helpers.vnet import HostNet, links, udhcpc

if subprocess.run(["sh", "-c", "command -v dnsmasq"], capture_output=True).returncode:
    pytest.skip("dnsmasq is not installed (tools/install-deps installs it)",
                allow_module_level=True)


@pytest.fixture
def ctnet(lxc_node, tmp_path):
    net = HostNet(lxc_node.node, lxc_node.state, tmp_path, "ctnet", "10.218.0", "hvlxn")
    yield net
    net.cleanup()


def test_container_on_a_network_gets_a_lease(lxc_node, ctnet, tmp_path):
    n = lxc_node
    assert write(ctnet.dir / "state", "start\n") == 0
    assert (ctnet.dir / "state").read_text() == "active\n"
    assert ctnet.br in links() and ctnet.dnsmasq_pid()
    iface = ("\n    <interface type='network'><source network='ctnet'/>"
             "<mac address='52:54:00:aa:cc:01'/></interface>")
    d = n.define(tmp_path, "ctn", extra_devices=iface)
    n.start("ctn")
    out = n.sh("ctn", udhcpc("eth0"), timeout=60)
    ips = [l.split()[1] for l in out if l.startswith("LEASE ")]
    assert ips and ips[0].startswith("10.218.0."), out
    ip = ips[0]
    lease = (ctnet.dir / "leases").read_text().split()
    assert lease[:2] == ["52:54:00:aa:cc:01", ip + "/24"], lease
    assert (ctnet.dir / "ports").read_text().startswith("ctn 52:54:00:aa:cc:01 ")
    assert re.fullmatch(rf"\S+ 52:54:00:aa:cc:01 ipv4 {re.escape(ip)}/24 lease\n",
                        (d / "addresses").read_text())
    # the container reaches the network's own address over it
    assert n.sh("ctn", "ping -c 1 -w 10 10.218.0.1 >/dev/null && echo PING-OK") == ["PING-OK"]
    assert write(d / "state", "destroy\n") == 0
    assert (ctnet.dir / "ports").read_text() == ""
    assert write(ctnet.dir / "state", "stop\n") == 0
    assert ctnet.br not in links() and ctnet.dnsmasq_pid() is None


def test_container_on_an_inactive_network_is_refused(lxc_node, ctnet, tmp_path):
    n = lxc_node
    iface = "\n    <interface type='network'><source network='ctnet'/></interface>"
    d = n.define(tmp_path, "ctm", extra_devices=iface)
    assert write(d / "state", "start\n") == errno.EBUSY
    assert "network 'ctnet' is not active" in (d / "error").read_text()
    assert (d / "state").read_text().strip() == "shutoff"
    assert not n.cgroup("ctm").exists()
    iface = "\n    <interface type='network'><source network='nosuch'/></interface>"
    d = n.define(tmp_path, "ctk", extra_devices=iface)
    assert write(d / "state", "start\n") == errno.ENOENT
    assert "nosuch" in (d / "error").read_text()
    assert not [l for l in links().splitlines() if re.search(r": vl\d+\.", l)]


@pytest.fixture
def parent_link():
    """A veth pair: one end in the host's namespace (the direct interface's
    parent), the other in a namespace of its own with 10.219.0.1."""
    import os
    tag = os.getpid() % 100000
    host, peer, ns = f"hvmvA{tag}", f"hvmvB{tag}", f"hvmvns{tag}"
    for cmd in (["ip", "netns", "add", ns],
                ["ip", "link", "add", host, "type", "veth", "peer", "name", peer],
                ["ip", "link", "set", peer, "netns", ns],
                ["ip", "-n", ns, "addr", "add", "10.219.0.1/24", "dev", peer],
                ["ip", "-n", ns, "link", "set", peer, "up"],
                ["ip", "-n", ns, "link", "set", "lo", "up"],
                ["ip", "link", "set", host, "up"]):
        subprocess.run(cmd, check=True)
    yield host
    subprocess.run(["ip", "link", "del", host], capture_output=True)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_direct_interface_reaches_a_peer_on_the_parent_link(lxc_node, parent_link, tmp_path):
    """<interface type='direct'>: a macvlan on the host interface (vepa, the
    default mode), moved into the container as eth0 with the XML's MAC; it
    reaches a peer on the parent's link and goes with the container."""
    n = lxc_node
    iface = (f"\n    <interface type='direct'><source dev='{parent_link}'/>"
             "<mac address='52:54:00:aa:dd:01'/></interface>")
    d = n.define(tmp_path, "ctd", extra_devices=iface)
    n.start("ctd")
    assert n.sh("ctd", "cat /sys/class/net/eth0/address") == ["52:54:00:aa:dd:01"]
    assert n.sh("ctd", "cat /sys/class/net/eth0/type") == ["1"]  # ethernet, not a tap
    out = n.sh("ctd", "ip link set lo up; ip link set eth0 up; "
                      "ip addr add 10.219.0.2/24 dev eth0; "
                      "ping -c 1 -w 20 10.219.0.1 >/dev/null && echo PING-OK")
    assert out == ["PING-OK"]
    # the host's namespace holds no macvlan of it: it went into the container
    assert not [l for l in links().splitlines() if re.search(r": vm\d+\.", l)]
    assert write(d / "state", "destroy\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"


def test_direct_interface_on_a_missing_device_is_refused(lxc_node, tmp_path):
    n = lxc_node
    iface = "\n    <interface type='direct'><source dev='hvnosuchdev0'/></interface>"
    d = n.define(tmp_path, "cte", extra_devices=iface)
    assert write(d / "state", "start\n") == errno.ENOENT
    assert "host interface 'hvnosuchdev0' does not exist" in (d / "error").read_text()
    assert (d / "state").read_text().strip() == "shutoff"
    assert not n.cgroup("cte").exists()
    assert not [l for l in links().splitlines() if re.search(r": vm\d+\.", l)]
