"""IPv6 on a NAT network (test_qemu_networks.py's Lab; no guest: a client
veth on the network's bridge in LAB stands in for one). The bridge gets the
address; dnsmasq sends router advertisements (the client's kernel learns
the on-link prefix from them), answers a DHCPv6 Solicit with an address of
the range (a minimal DHCPv6 client below: nothing on this machine has one)
and answers DNS on the IPv6 address; the nftables table forwards the IPv6
subnet. Stop removes it all."""
import socket

from helpers.tools import wait_for
from .test_qemu_networks import in_ns, lab, nat_xml, run  # noqa: F401 (the fixture)

V6 = ("<ip family='ipv6' address='fd00:150::1' prefix='64'><dhcp>"
      "<range start='fd00:150::100' end='fd00:150::1ff'/></dhcp></ip>")

# DHCPv6 Solicit (RFC 8415) from the client port to All_DHCP_Relay_Agents_and_Servers,
# with a client id (DUID-LL of the MAC) and an IA_NA; prints the address of the
# Advertise's IA_NA/IAADDR.
SOLICIT = r"""
import os, socket, struct, sys
dev, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
duid = struct.pack('!HH', 3, 1) + mac
opt = lambda c, d: struct.pack('!HH', c, len(d)) + d
msg = (b'\x01' + os.urandom(3) + opt(1, duid) + opt(3, struct.pack('!III', 1, 0, 0))
       + opt(8, b'\0\0'))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('::', 546)); s.settimeout(2)
idx = socket.if_nametoindex(dev)
for _ in range(5):
    s.sendto(msg, ('ff02::1:2', 547, 0, idx))
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    if data[0] != 2 or data[1:4] != msg[1:4]:
        continue
    i = 4
    while i + 4 <= len(data):
        code, ln = struct.unpack('!HH', data[i:i + 4]); body = data[i + 4:i + 4 + ln]
        if code == 3:  # IA_NA: IAID T1 T2, then options
            j = 12
            while j + 4 <= len(body):
                c2, l2 = struct.unpack('!HH', body[j:j + 4])
                if c2 == 5:
                    print(socket.inet_ntop(socket.AF_INET6, body[j + 4:j + 20])); sys.exit(0)
                j += 4 + l2
        i += 4 + ln
sys.exit('no advertise')
"""


def test_ipv6_on_nat_network_address_ra_dhcpv6_dns_and_stop(lab):
    n = lab.define_net(nat_xml(extra="").replace("</network>", V6 + "</network>"), "lan")
    (n / "state").write_text("start")
    addrs = in_ns(lab.ns, "ip", "-6", "addr", "show", "dev", "virbr0").stdout
    assert "inet6 fd00:150::1/64" in addrs, addrs
    ruleset = in_ns(lab.ns, "nft", "list", "table", "inet", "hyperfs_virbr0").stdout
    assert "ip6 saddr fd00:150::/64" in ruleset, ruleset
    # a client on the bridge
    run("ip", "-n", lab.ns, "link", "add", "v6br", "type", "veth", "peer", "name", "v6cl")
    for conf in ("accept_dad=0", "accept_ra=2"):
        in_ns(lab.ns, "sysctl", "-q", f"net.ipv6.conf.v6cl.{conf}")
    run("ip", "-n", lab.ns, "link", "set", "v6br", "master", "virbr0", "up")
    run("ip", "-n", lab.ns, "link", "set", "v6cl", "up")
    mac = in_ns(lab.ns, "ip", "-o", "link", "show", "v6cl").stdout.split("link/ether ")[1].split()[0]
    # router advertisements from dnsmasq: the client's kernel takes the
    # bridge as its router and the prefix as on-link (with an expiry: from RA)
    def routes():
        return in_ns(lab.ns, "ip", "-6", "route", "show", "dev", "v6cl").stdout
    wait_for(lambda: "proto ra" in routes() and "fd00:150::/64 proto kernel metric 256 expires"
             in routes(), "routes from dnsmasq's router advertisement on the client", timeout=30)
    assert "default via fe80::" in routes(), routes()
    # DHCPv6: an address of the range
    r = in_ns(lab.ns, "python3", "-c", SOLICIT, "v6cl", mac, check=False, timeout=30)
    assert r.returncode == 0, r.stderr
    got = socket.inet_pton(socket.AF_INET6, r.stdout.strip())
    lo, hi = (socket.inet_pton(socket.AF_INET6, a) for a in ("fd00:150::100", "fd00:150::1ff"))
    assert lo <= got <= hi, r.stdout
    # DNS on the IPv6 address
    out = in_ns(lab.ns, "busybox", "nslookup", "web.lab", "fd00:150::1", check=False)
    assert "192.168.150.7" in out.stdout, out.stdout + out.stderr
    (n / "state").write_text("stop")
    assert "virbr0" not in lab.links() and "hyperfs_" not in lab.tables()
    assert lab.dnsmasqs() == []
