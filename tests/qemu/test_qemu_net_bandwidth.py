"""<bandwidth> on a domain's interface, measured with timed transfers
between a TCG guest on a NAT network and a server in the "upstream"
namespace (test_qemu_networks.py's Lab). Inbound (to the guest) is shaped
with htb on the tap's transmit side; outbound (from the guest) is policed on
the tap's receive side by an nftables netdev table (this kernel has no
act_police). The server times each transfer itself, from its first byte to
its last, so the guest's TCG clock plays no part."""
import errno
import re
import subprocess

import pytest

from helpers.tools import assert_error
from .test_qemu_networks import Guest, define_fails, in_ns, lab, nat_xml, run  # noqa: F401

IN, OUT = 384, 192  # libvirt's kilobytes/s (tc's kbps: 1000 bytes), different so that
                    # swapped directions show
SIZE = 2048 * 1024  # bytes: 5.5 s in, 11 s out; shorter ones show the start's jitter

SERVER = f"""
import socket, sys, time
def serve(port, send):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('10.98.0.1', port)); s.listen(1)
    return s
down, up = serve(7778, True), serve(7779, False)
print('ready', flush=True)
c, _ = down.accept()                  # to the guest: inbound
c.recv(1)                             # the guest says go
t0 = time.monotonic(); c.sendall(b'x' * {SIZE}); c.shutdown(socket.SHUT_WR)
while c.recv(65536): pass             # the guest closes when it has it all
print('in %.3f' % (time.monotonic() - t0), flush=True); c.close()
c, _ = up.accept()                    # from the guest: outbound
got = len(c.recv(65536)); t0 = time.monotonic()
while got < {SIZE}:
    b = c.recv(65536)
    if not b: break
    got += len(b)
print('out %.3f %d' % (time.monotonic() - t0, got), flush=True); c.close()
"""


def carrier(g):
    out, rc = g.sh("cat /sys/class/net/eth0/carrier")
    return re.findall(r"^([01])\r?$", out, re.M)[-1]


def test_bandwidth_inbound_shaped_outbound_policed_and_live_link_state(lab):
    """On one TCG guest: the two rates; then <link state> changed in
    config.xml while it runs (QMP set_link): the guest's carrier goes and
    comes back, and live.xml says so."""
    n = lab.define_net(nat_xml(), "lan")
    (n / "state").write_text("start")
    bw = (f"<bandwidth><inbound average='{IN}'/>"
          f"<outbound average='{OUT}' burst='32'/></bandwidth>")
    g = Guest(lab, "bw", "<interface type='network'><mac address='52:54:00:0a:0e:01'/>"
              f"<source network='lan'/><model type='virtio'/>{bw}</interface>")
    srv = subprocess.Popen(["nsenter", f"--net=/run/netns/{lab.up}", "python3", "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready"
        g.start()
        tap = re.search(r"<target dev='([^']+)'", (g.dir / "live.xml").read_text()).group(1)
        assert f"rate {IN * 8}Kbit" in in_ns(lab.ns, "tc", "class", "show", "dev", tap).stdout
        assert f"hyperfs_bw_{tap}" in lab.tables()
        # the definition keeps it as written
        assert f"<inbound average='{IN}'/>" in (g.dir / "config.xml").read_text()
        g.dhcp()
        out, rc = g.sh("echo | nc 10.98.0.1 7778 >/dev/null", timeout=120)
        line = srv.stdout.readline().split()
        assert line[0] == "in", line
        inbound = SIZE / 1000 / float(line[1])
        out, rc = g.sh(f"dd if=/dev/zero bs=1024 count={SIZE // 1024} 2>/dev/null | "
                       "nc 10.98.0.1 7779", timeout=120)
        line = srv.stdout.readline().split()
        assert line[0] == "out" and int(line[2]) == SIZE, (line, out)
        outbound = SIZE / 1000 / float(line[1])
        print(f"inbound {inbound:.0f} kB/s (limit {IN}), outbound {outbound:.0f} kB/s "
              f"(limit {OUT})")
        assert abs(inbound - IN) <= 0.2 * IN, inbound
        assert abs(outbound - OUT) <= 0.2 * OUT, outbound
        # <link state> live, through config.xml
        assert carrier(g) == "1"
        cfg = (g.dir / "config.xml").read_text()
        (g.dir / "config.xml").write_text(cfg.replace("</interface>",
                                                      "<link state='down'/></interface>"))
        assert carrier(g) == "0"
        assert "<link state='down'/>" in (g.dir / "live.xml").read_text()
        (g.dir / "config.xml").write_text(cfg)
        assert carrier(g) == "1"
        assert "<link state='down'/>" not in (g.dir / "live.xml").read_text()
    finally:
        srv.kill()
        g.close()
    (g.dir / "state").write_text("destroy")
    # the policer's table goes with the domain (nftables would keep it)
    assert "hyperfs_bw_" not in lab.tables()
    (n / "state").write_text("stop")


def test_network_bandwidth_on_its_bridge_and_bad_values(lab):
    """A network's <bandwidth> goes on its bridge (libvirt's class 1:1 for
    the whole rate over the default 1:2), and stop removes the policer too;
    bad values are refused at define and change nothing."""
    bw = "<bandwidth><inbound average='1000' peak='2000'/><outbound average='500'/></bandwidth>"
    n = lab.define_net(nat_xml(extra=bw), "lan")
    (n / "state").write_text("start")
    classes = in_ns(lab.ns, "tc", "class", "show", "dev", "virbr0").stdout
    assert "htb 1:1 root" in classes and "rate 8Mbit ceil 16Mbit" in classes, classes
    assert "htb 1:2 parent 1:1" in classes, classes
    assert "hyperfs_bw_virbr0" in lab.tables()
    (n / "state").write_text("stop")
    assert "hyperfs_" not in lab.tables()
    for name, inner, err, reason in [
        ("nb1", "<inbound peak='10'/>", errno.EINVAL, "missing mandatory average"),
        ("nb2", "<inbound average='fast'/>", errno.EINVAL, "<inbound average='fast'>"),
        ("nb3", "<outbound average='-1'/>", errno.EINVAL, "expected a number from 0"),
        ("nb4", "<inbound average='1'/><inbound average='2'/>", errno.EINVAL,
         "only one <inbound>"),
        ("nb5", "<inbound average='10' floor='5'/>", errno.EINVAL,
         "floor attribute isn't supported for network's bandwidth yet"),
    ]:
        define_fails(lab, f"<network><name>{name}</name><bandwidth>{inner}</bandwidth></network>",
                     name, err, reason)
    # and on a domain's interface, the same checks
    src = lab.tmp / "badbw.xml"
    src.write_text(lab.node.domain_xml("badbw", extra_devices=(
        "<interface type='network'><source network='lan'/>"
        "<bandwidth><outbound burst='10'/></bandwidth></interface>")))
    r = run("cp", str(src), str(lab.node.node / "domains"), check=False)
    assert r.returncode != 0
    m = assert_error(lab.node.node / "node", errno.EINVAL)
    assert "missing mandatory average" in m.group(0), m.group(0)
    assert not (lab.node.node / "domains/badbw").exists()
