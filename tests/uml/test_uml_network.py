"""A UML guest on a virtual network of the UML node (drivers/network's
network table): `<interface type='network'>` is a tap on the network's
bridge (the guest's vec0); the guest's udhcpc gets a lease from the
network's dnsmasq, which the network's `leases` and the guest's `addresses`
show. One guest boot; the network (isolated, helpers/vnet.py) is stopped at
the end and leaves no bridge or dnsmasq."""
import errno
import re
import subprocess

import pytest

from helpers.procnode import write
from helpers.vnet import HostNet, links, udhcpc

if subprocess.run(["sh", "-c", "command -v dnsmasq"], capture_output=True).returncode:
    pytest.skip("dnsmasq is not installed (tools/install-deps installs it)",
                allow_module_level=True)


def test_guest_on_a_network_gets_a_lease(uml_node, tmp_path):
    n = uml_node
    net = HostNet(n.node, n.state, tmp_path, "umnet", "10.219.0", "hvumn")
    try:
        assert write(net.dir / "state", "start\n") == 0
        iface = ("<interface type='network'><source network='umnet'/>"
                 "<mac address='52:54:00:aa:cc:02'/></interface>")
        d = n.define(tmp_path, "un1", extra_devices=iface)
        n.start("un1")
        out = n.sh("un1", udhcpc("vec0"), timeout=60)
        m = re.search(r"^LEASE (10\.219\.0\.\d+)", out, re.M)
        assert m, out
        ip = m.group(1)
        lease = (net.dir / "leases").read_text().split()
        assert lease[:2] == ["52:54:00:aa:cc:02", ip + "/24"], lease
        assert re.fullmatch(rf"\S+ 52:54:00:aa:cc:02 ipv4 {re.escape(ip)}/24 lease\n",
                            (d / "addresses").read_text())
        assert write(d / "state", "destroy\n") == 0
        assert write(net.dir / "state", "stop\n") == 0
        assert net.br not in links() and net.dnsmasq_pid() is None
    finally:
        net.cleanup()


def test_guest_on_an_inactive_network_is_refused(uml_node, tmp_path):
    n = uml_node
    net = HostNet(n.node, n.state, tmp_path, "umoff", "10.219.1", "hvumo")
    try:
        iface = "<interface type='network'><source network='umoff'/></interface>"
        d = n.define(tmp_path, "un2", extra_devices=iface)
        assert write(d / "state", "start\n") == errno.EBUSY
        assert "network 'umoff' is not active" in (d / "error").read_text()
        assert (d / "state").read_text().strip() == "shutoff"
        assert not [l for l in links().splitlines() if re.search(r": vu[0-9a-f]{8}\.", l)]
    finally:
        net.cleanup()
