"""A new config.xml for an ACTIVE network (test_qemu_networks.py's Lab:
real bridge, dnsmasq, nftables in a namespace; no guest needed): what
net-update can apply live is applied at once (dnsmasq serves the new DNS
host and has the new DHCP range and host), the rest waits for the next
start, `error` says which parts, live.xml (net-dumpxml) and config.xml
(net-dumpxml --inactive) show each side; and the same through virsh
net-define against hyperfsd."""
import errno
import re

from helpers.tools import assert_error
from .test_qemu_networks import in_ns, lab, nat_xml  # noqa: F401 (the fixture)


def lookup(lab, name):
    r = in_ns(lab.ns, "busybox", "nslookup", name, "192.168.150.1", check=False)
    return r.stdout + r.stderr


def test_config_xml_of_active_network_applies_dhcp_and_dns_live(lab):
    n = lab.define_net(nat_xml(), "lan")
    (n / "state").write_text("start")
    pid = lab.dnsmasqs()[0].split()[0]
    state = lab.root / "run/network-state/lan"
    # new: a DNS host, a DHCP range and host (live), route instead of nat and
    # no STP on the bridge (wait)
    new = (nat_xml(extra="") .replace("<forward mode='nat'/>", "<forward mode='route'/>")
           .replace("<hostname>web</hostname></host>",
                    "<hostname>web</hostname></host><host ip='192.168.150.8'>"
                    "<hostname>db</hostname></host>")
           .replace("</dhcp>", "<range start='192.168.150.60' end='192.168.150.70'/>"
                    "<host mac='52:54:00:0a:10:01' ip='192.168.150.99'/></dhcp>")
           .replace("<domain name='lab'/>", "<domain name='lab'/><bridge name='virbr0' stp='off'/>"))
    (n / "config.xml").write_text(new)
    # applied live: dnsmasq serves db.lab and has the new range and host
    assert "192.168.150.8" in lookup(lab, "db.lab")
    assert "192.168.150.60,192.168.150.70" in (state / "dnsmasq.conf").read_text()
    assert "52:54:00:0a:10:01,192.168.150.99" in (state / "dnsmasq.hostsfile").read_text()
    assert lab.dnsmasqs()[0].split()[0] != pid  # restarted on its new files
    # the rest waits, and error says which parts
    m = assert_error(n, errno.EAGAIN, file="config.xml")
    assert m["msg"].endswith("saved for its next start: <bridge>, <forward>"), m.group(0)
    live, cfg = (n / "live.xml").read_text(), (n / "config.xml").read_text()
    assert "<forward mode='nat'" in live and "192.168.150.8" in live and "stp='off'" not in live
    assert "<forward mode='route'" in cfg and "stp='off'" in cfg
    assert "hyperfs_virbr0" in lab.tables() and (n / "state").read_text() == "active\n"
    # a change of live parts only: nothing waits, error is not written again
    (n / "config.xml").write_text(new.replace("<hostname>db</hostname>",
                                              "<hostname>db2</hostname>"))
    assert "192.168.150.8" in lookup(lab, "db2.lab")
    assert "next start: <bridge>, <forward>" in (n / "error").read_text()
    # the next start takes all of it
    (n / "state").write_text("stop")
    (n / "state").write_text("start")
    assert "<forward mode='route'" in (n / "live.xml").read_text()
    (n / "state").write_text("stop")
    assert lab.dnsmasqs() == [] and "hyperfs_" not in lab.tables()


def test_net_define_of_active_network_through_virsh(lab):
    """virsh net-define against hyperfsd: net-dumpxml shows the running
    definition with the new DNS host, --inactive the new forward mode."""
    from helpers.peers import Hyperfsd, virsh
    n = lab.define_net(nat_xml(), "lan")
    (n / "state").write_text("start")
    lab.stop_mount()
    hfd = Hyperfsd(lab.tmp / "hfd", "unix")
    hfd.cmd = ["nsenter", f"--net=/run/netns/{lab.ns}"] + hfd.cmd
    hfd.start()
    try:
        uri = f"qemu+unix:///system?socket={hfd.sock}&root={lab.root}"
        new = (nat_xml().replace("<forward mode='nat'/>", "<forward mode='route'/>")
               .replace("<hostname>web</hostname>", "<hostname>web</hostname>"
                        "<hostname>www</hostname>"))
        src = lab.tmp / "new.xml"
        src.write_text(new)
        virsh(uri, "net-define", str(src))
        live = virsh(uri, "net-dumpxml", "lan").stdout
        inactive = virsh(uri, "net-dumpxml", "lan", "--inactive").stdout
        assert re.search(r"<forward mode=.nat.", live) and "www" in live, live
        assert re.search(r"<forward mode=.route.", inactive) and "www" in inactive, inactive
        assert "192.168.150.7" in lookup(lab, "www.lab")
        virsh(uri, "net-destroy", "lan")
    finally:
        hfd.stop()
    lab.start_mount()
