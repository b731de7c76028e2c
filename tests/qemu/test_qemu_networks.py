"""Virtual networks of the qemu driver on real components: bridges, dnsmasq,
nftables and TCG guests. Each test makes its own network namespaces: LAB,
where hyperfs runs (nsenter --net: the mount stays in the test's mount
namespace) and the networks' bridges, dnsmasq and nftables tables live, and
UP, an "upstream" reached over a veth pair (LAB wan0 10.98.0.2 <-> UP up0
10.98.0.1). Deleting the namespaces at the end removes whatever a failed test
left; the tests themselves check that `stop` leaves nothing.

The tiny guest gets its address with busybox udhcpc from the console."""
import errno
import os
import re
import subprocess
import time
import uuid

import pytest

from helpers.mount import HyperfsMount, MountError
from helpers.tools import assert_error
from .conftest import READY, QemuNode
from .test_qemu_console import read_until

UDHCPC = ("printf '#!/bin/sh\\ncase $1 in bound) ip addr add $ip/$mask dev $interface; "
          "ip route add default via $router; echo nameserver $dns > /etc/resolv.conf; "
          "echo GUEST-I\"\"P $ip;; esac\\n' > /tmp/u.sh; chmod +x /tmp/u.sh; "
          "ip link set eth0 up; udhcpc -i eth0 -n -q -t 30 -T 1 -s /tmp/u.sh")

for tool in ("ip", "nft", "dnsmasq", "nsenter"):
    if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
        pytest.skip(f"{tool} is not installed (tools/install-deps installs it)",
                    allow_module_level=True)


def run(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check)


def in_ns(ns, *argv, check=True, **kw):
    """argv in network namespace ns. nsenter --net, not `ip netns exec`: that
    one also makes a mount namespace, whose copy of the hyperfs mount would
    keep it alive after its unmount."""
    return subprocess.run(["nsenter", f"--net=/run/netns/{ns}", *argv], capture_output=True,
                          text=True, check=check, **kw)


class Lab:
    def __init__(self, tmp_path, mount_factory, guest):
        self.tmp, self.factory, self.guest_dir = tmp_path, mount_factory, guest
        tag = uuid.uuid4().hex[:6]
        self.ns, self.up = f"hvn-{tag}", f"hvu-{tag}"
        self.root = tmp_path / "root"
        self.mount = None

    def setup(self):
        for ns in (self.ns, self.up):
            r = run("ip", "netns", "add", ns, check=False)
            if r.returncode:
                pytest.skip(f"cannot create a network namespace: {r.stderr.strip()}")
            run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", self.ns, "link", "add", "wan0", "type", "veth", "peer", "name", "up0",
            "netns", self.up)
        run("ip", "-n", self.ns, "addr", "add", "10.98.0.2/24", "dev", "wan0")
        run("ip", "-n", self.up, "addr", "add", "10.98.0.1/24", "dev", "up0")
        run("ip", "-n", self.ns, "link", "set", "wan0", "up")
        run("ip", "-n", self.up, "link", "set", "up0", "up")
        self.start_mount()

    def start_mount(self):
        path = self.tmp / "mnt"
        m = HyperfsMount(path, [f"qemu:///system?root={self.root}"], logdir=self.tmp)
        m.cmd = ["nsenter", f"--net=/run/netns/{self.ns}"] + m.cmd
        self.factory.mounts.append(m)
        try:
            m.start()
        except MountError as e:
            pytest.fail(str(e), pytrace=False)
        self.mount = m
        self.node = QemuNode(m, self.root, self.guest_dir)

    def stop_mount(self):
        self.mount.stop()
        self.factory.mounts.remove(self.mount)

    def teardown(self):
        for pidfile in list((self.root / "run").glob("*.pid")) + \
                list((self.root / "run/network-state").glob("*/dnsmasq.pid")):
            try:
                pid = pidfile.read_text().strip()
                cmd = open(f"/proc/{pid}/cmdline").read()
            except OSError:
                continue
            if str(self.root) in cmd:  # ours: qemu and dnsmasq name files under root
                run("kill", "-9", pid, check=False)
        for ns in (self.ns, self.up):
            run("ip", "netns", "del", ns, check=False)

    # ---- networks
    def net(self, name):
        return self.node.node / "networks" / name

    def define_net(self, xml, name):
        src = self.tmp / f"net-{name}.xml"
        src.write_text(xml)
        run("cp", str(src), str(self.node.node / "networks"))
        return self.net(name)

    def links(self):
        return in_ns(self.ns, "ip", "-o", "link").stdout

    def tables(self):
        return in_ns(self.ns, "nft", "list", "tables").stdout

    def dnsmasqs(self):
        return [p for p in run("pgrep", "-a", "dnsmasq", check=False).stdout.splitlines()
                if str(self.root) in p]


class Guest:
    def __init__(self, lab, name, nic):
        self.lab, self.name = lab, name
        self.dir = lab.node.define(lab.tmp, name, extra_devices=nic)
        self.n = 0
        self.fd = None

    def start(self):
        (self.dir / "state").write_text("start")
        self.fd = os.open(self.dir / "console", os.O_RDONLY)
        read_until(self.fd, READY, timeout=120)

    def sh(self, cmd, timeout=90):
        """Runs cmd in the guest's shell: its output, and its exit status."""
        self.n += 1
        mark = f"DONE{self.n}-"
        with open(self.dir / "console", "w") as w:
            w.write(f"{cmd}; echo DON\"\"E{self.n}-$?-\n")
        out = read_until(self.fd, mark, timeout=timeout)
        while not re.search(re.escape(mark) + r"\d+-", out):
            out += read_until(self.fd, "-", timeout=timeout)
        rc = int(re.search(re.escape(mark) + r"(\d+)-", out).group(1))
        return out, rc

    def dhcp(self):
        out, rc = self.sh(UDHCPC, timeout=120)
        assert rc == 0, out
        return re.search(r"GUEST-IP (\S+)", out).group(1)

    def reopen(self):
        self.fd = os.open(self.dir / "console", os.O_RDONLY | os.O_NONBLOCK)
        try:
            while os.read(self.fd, 65536):  # what it printed before
                pass
        except BlockingIOError:
            pass
        os.set_blocking(self.fd, True)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@pytest.fixture
def lab(tmp_path, mount_factory, guest):
    lab = Lab(tmp_path, mount_factory, guest)
    try:
        lab.setup()
        yield lab
    finally:
        lab.teardown()


def nat_xml(name="lan", subnet="192.168.150", extra=""):
    return (f"<network><name>{name}</name><forward mode='nat'/><domain name='lab'/>"
            f"<dns><host ip='{subnet}.7'><hostname>web</hostname></host></dns>{extra}"
            f"<ip address='{subnet}.1' netmask='255.255.255.0'><dhcp>"
            f"<range start='{subnet}.10' end='{subnet}.50'/></dhcp></ip></network>")


def upstream_server(lab):
    """A TCP server in UP that answers each connection with the peer's address."""
    code = ("import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind(('10.98.0.1', 7777)); s.listen(8); print('ready', flush=True)\n"
            "while True:\n c, a = s.accept(); c.sendall(('peer=%s\\n' % a[0]).encode()); c.close()\n")
    p = subprocess.Popen(["nsenter", f"--net=/run/netns/{lab.up}", "python3", "-c", code],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def nic(network, mac):
    return (f"<interface type='network'><mac address='{mac}'/><source network='{network}'/>"
            f"<model type='virtio'/></interface>")


def test_nat_network_lease_masquerade_dns_and_stop(lab):
    n = lab.define_net(nat_xml(), "lan")
    assert (n / "bridge").read_text() == "virbr0\n"
    (n / "state").write_text("start")
    assert (n / "state").read_text() == "active\n"
    assert "virbr0" in lab.links() and "hyperfs_virbr0" in lab.tables()
    assert len(lab.dnsmasqs()) == 1
    # dnsmasq blocks no signal (FUSE's threads block them all, and a mask
    # survives exec): stop's SIGTERM reaches it
    pid = lab.dnsmasqs()[0].split()[0]
    blk = re.search(r"SigBlk:\s*(\w+)", open(f"/proc/{pid}/status").read()).group(1)
    assert int(blk, 16) == 0, blk
    g = Guest(lab, "g1", nic("lan", "52:54:00:0a:0b:01"))
    srv = upstream_server(lab)
    try:
        g.start()
        ip = g.dhcp()
        assert ip.startswith("192.168.150."), ip
        # leases and addresses show it; ports shows the tap
        lease = (n / "leases").read_text().split()
        assert lease[0] == "52:54:00:0a:0b:01" and lease[1] == ip + "/24", lease
        assert int(lease[3]) > time.time()
        tap = re.search(r"<target dev='([^']+)'", (g.dir / "live.xml").read_text()).group(1)
        assert (n / "ports").read_text() == f"g1 52:54:00:0a:0b:01 {tap}\n"
        assert (g.dir / "addresses").read_text() == \
            f"{tap} 52:54:00:0a:0b:01 ipv4 {ip}/24 lease\n"
        # upstream sees the masqueraded source (LAB's wan0), not the guest
        out, rc = g.sh("nc -w 5 10.98.0.1 7777 </dev/null")
        assert rc == 0 and "peer=10.98.0.2" in out, out
        # the network's DNS serves its <dns><host>
        out, rc = g.sh("nslookup web.lab 192.168.150.1")
        assert rc == 0 and "192.168.150.7" in out, out
    finally:
        srv.kill()
        g.close()
    (g.dir / "state").write_text("destroy")
    assert (n / "ports").read_text() == ""
    (n / "state").write_text("stop")
    assert (n / "state").read_text() == "inactive\n"
    # nothing is left: no bridge, table, dnsmasq or state folder
    assert "virbr0" not in lab.links()
    assert "hyperfs_" not in lab.tables()
    assert lab.dnsmasqs() == []
    assert not (lab.root / "run/network-state/lan").exists()


def test_restart_of_hyperfs_keeps_network_and_lease(lab):
    n = lab.define_net(nat_xml(), "lan")
    (n / "autostart").write_text("1")
    (n / "state").write_text("start")
    g = Guest(lab, "g2", nic("lan", "52:54:00:0a:0b:02"))
    srv = upstream_server(lab)
    try:
        g.start()
        ip = g.dhcp()
        dns_before = lab.dnsmasqs()
        g.close()
        lab.stop_mount()
        # hyperfs is gone: the network still carries the guest's traffic
        r = in_ns(lab.ns, "busybox", "ping", "-c", "2", "-W", "5", ip, check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        lab.start_mount()
        g.reopen()
        n = lab.net("lan")
        assert (n / "state").read_text() == "active\n"
        assert lab.dnsmasqs() == dns_before  # the same dnsmasq, adopted
        assert (n / "leases").read_text().split()[1] == ip + "/24"
        out, rc = g.sh("nc -w 5 10.98.0.1 7777 </dev/null")
        assert rc == 0 and "peer=10.98.0.2" in out, out
    finally:
        srv.kill()
        g.close()
    (lab.node.dom("g2") / "state").write_text("destroy")
    # stopped while hyperfs is away: the next start brings it back (autostart)
    (n / "state").write_text("stop")
    lab.stop_mount()
    lab.start_mount()
    assert (lab.net("lan") / "state").read_text() == "active\n"
    assert "hyperfs_virbr0" in lab.tables() and len(lab.dnsmasqs()) == 1
    (lab.net("lan") / "state").write_text("stop")
    assert lab.dnsmasqs() == [] and "virbr0" not in lab.links()


def test_isolated_network_two_guests(lab):
    xml = ("<network><name>iso</name><bridge name='hvbr-iso'/>"
           "<ip address='192.168.160.1' prefix='24'><dhcp>"
           "<range start='192.168.160.10' end='192.168.160.20'/>"
           "<host mac='52:54:00:0a:0c:01' ip='192.168.160.11'/>"
           "<host mac='52:54:00:0a:0c:02' ip='192.168.160.12'/></dhcp></ip></network>")
    n = lab.define_net(xml, "iso")
    (n / "state").write_text("start")
    a = Guest(lab, "a", nic("iso", "52:54:00:0a:0c:01"))
    b = Guest(lab, "b", nic("iso", "52:54:00:0a:0c:02"))
    srv = upstream_server(lab)
    try:
        a.start()
        b.start()
        assert a.dhcp() == "192.168.160.11"
        assert b.dhcp() == "192.168.160.12"
        out, rc = a.sh("ping -c 2 -W 5 192.168.160.12")
        assert rc == 0, out
        # nothing outside: not upstream
        out, rc = a.sh("nc -w 3 10.98.0.1 7777 </dev/null")
        assert "peer=" not in out and rc != 0, out
        assert len((n / "ports").read_text().splitlines()) == 2
    finally:
        srv.kill()
        a.close()
        b.close()
    for d in ("a", "b"):
        (lab.node.dom(d) / "state").write_text("destroy")
    (n / "state").write_text("stop")
    assert "hvbr-iso" not in lab.links() and "hyperfs_" not in lab.tables()


def test_routed_network_reaches_upstream_without_nat(lab):
    xml = ("<network><name>rt</name><forward mode='route' dev='wan0'/>"
           "<ip address='192.168.170.1' netmask='255.255.255.0'><dhcp>"
           "<range start='192.168.170.10' end='192.168.170.20'/></dhcp></ip></network>")
    n = lab.define_net(xml, "rt")
    (n / "state").write_text("start")
    run("ip", "-n", lab.up, "route", "add", "192.168.170.0/24", "via", "10.98.0.2")
    g = Guest(lab, "r1", nic("rt", "52:54:00:0a:0d:01"))
    srv = upstream_server(lab)
    try:
        g.start()
        ip = g.dhcp()
        out, rc = g.sh("nc -w 5 10.98.0.1 7777 </dev/null")
        assert rc == 0 and f"peer={ip}" in out, out  # the guest's own address
    finally:
        srv.kill()
        g.close()
    (lab.node.dom("r1") / "state").write_text("destroy")
    (n / "state").write_text("stop")
    assert "hyperfs_" not in lab.tables()


def test_bridge_mode_network_onto_an_existing_bridge(lab):
    run("ip", "-n", lab.ns, "link", "add", "br9", "type", "bridge")
    run("ip", "-n", lab.ns, "addr", "add", "10.97.0.1/24", "dev", "br9")
    run("ip", "-n", lab.ns, "link", "set", "br9", "up")
    n = lab.define_net("<network><name>host</name><forward mode='bridge'/>"
                       "<bridge name='br9'/></network>", "host")
    (n / "state").write_text("start")
    g = Guest(lab, "h1", nic("host", "52:54:00:0a:0e:01"))
    try:
        g.start()
        out, rc = g.sh("ip link set eth0 up && ip addr add 10.97.0.5/24 dev eth0 && "
                       "ping -c 2 -W 5 10.97.0.1")
        assert rc == 0, out
        tap = re.search(r"<target dev='([^']+)'", (g.dir / "live.xml").read_text()).group(1)
        assert "master br9" in in_ns(lab.ns, "ip", "-o", "link", "show", tap).stdout
    finally:
        g.close()
    (lab.node.dom("h1") / "state").write_text("destroy")
    (n / "state").write_text("stop")
    # the host's bridge is not ours: it stays
    assert "br9" in lab.links()


def define_fails(lab, xml, name, err, reason):
    """cp of a bad network document into networks/: refused with err, reason
    in node/error, and no such network."""
    src = lab.tmp / f"bad-{name}.xml"
    src.write_text(xml)
    r = run("cp", str(src), str(lab.node.node / "networks"), check=False)
    assert r.returncode != 0, f"cp of {name} was accepted"
    m = assert_error(lab.node.node / "node", err)
    assert reason in m.group(0), m.group(0)
    assert not lab.net(name).exists()


BAD_DEFINES = [
    # overlapping subnets (192.168.150.0/24 is "lan"'s)
    ("ovl", "<network><name>ovl</name><forward mode='nat'/>"
            "<ip address='192.168.0.1' prefix='16'/></network>",
     errno.EEXIST, "overlaps 192.168.150.0/24 of network 'lan'"),
    # a bridge another network has
    ("samebr", "<network><name>samebr</name><bridge name='virbr0'/>"
               "<ip address='10.61.0.1' prefix='24'/></network>",
     errno.EEXIST, "bridge 'virbr0' is already used by network 'lan'"),
    # a range outside its subnet
    ("range", "<network><name>range</name><ip address='10.62.0.1' prefix='24'><dhcp>"
              "<range start='10.62.0.10' end='10.63.0.20'/></dhcp></ip></network>",
     errno.EINVAL, "outside the subnet 10.62.0.0/24"),
    # a newline in a DNS name: a new dnsmasq line
    ("nl", "<network><name>nl</name><dns><host ip='10.64.0.9'><hostname>a&#10;dhcp-script=/bin/sh"
           "</hostname></host></dns><ip address='10.64.0.1' prefix='24'/></network>",
     errno.EINVAL, "is not allowed"),
    # dnsmasq option injection through a DHCP host name (a comma adds fields)
    ("inj", "<network><name>inj</name><ip address='10.65.0.1' prefix='24'><dhcp>"
            "<host mac='52:54:00:00:00:01' name='x,set:evil' ip='10.65.0.5'/></dhcp></ip></network>",
     errno.EINVAL, "'x,set:evil' is not allowed"),
    # a quote in a TXT record
    ("txt", "<network><name>txt</name><dns><txt name='t' value='a\"&#10;server=6.6.6.6'/></dns>"
            "<ip address='10.66.0.1' prefix='24'/></network>",
     errno.EINVAL, "<dns><txt value=>"),
    ("hostdev", "<network><name>hostdev</name><forward mode='hostdev'>"
                "<pf dev='eth0'/></forward></network>",
     errno.EOPNOTSUPP, "SR-IOV"),
]


def test_bad_networks_are_refused_and_leave_nothing(lab):
    n = lab.define_net(nat_xml(), "lan")
    (n / "state").write_text("start")
    links, tables, dns = lab.links(), lab.tables(), lab.dnsmasqs()
    for name, xml, err, reason in BAD_DEFINES:
        define_fails(lab, xml, name, err, reason)
    # refused at start, against the host: a bridge name a device has, and a
    # forward device that does not exist
    run("ip", "-n", lab.ns, "link", "add", "taken0", "type", "veth", "peer", "name", "taken1")
    links = lab.links()
    for name, xml, err, reason in [
        ("taken", "<network><name>taken</name><bridge name='taken0'/>"
                  "<ip address='10.67.0.1' prefix='24'/></network>",
         errno.EEXIST, "a device named 'taken0' already exists"),
        ("nodev", "<network><name>nodev</name><forward mode='nat' dev='nosuch0'/>"
                  "<ip address='10.68.0.1' prefix='24'><dhcp>"
                  "<range start='10.68.0.10' end='10.68.0.20'/></dhcp></ip></network>",
         errno.ENOENT, "forward device 'nosuch0' does not exist"),
    ]:
        d = lab.define_net(xml, name)
        with pytest.raises(OSError) as e:
            (d / "state").write_text("start")
        assert e.value.errno == err
        m = assert_error(d, err, file="state")
        assert reason in m.group(0), m.group(0)
        assert (d / "state").read_text() == "inactive\n"
    # nothing was built for any of them
    assert lab.links() == links
    assert lab.tables() == tables and lab.dnsmasqs() == dns
    assert sorted(os.listdir(lab.root / "run/network-state")) == ["lan"]
    (n / "state").write_text("stop")


def test_a_failing_step_undoes_the_others(lab):
    """A step after the bridge fails (the kernel refuses a multicast MAC for
    it): the start fails and the bridge made before is gone again."""
    xml = ("<network><name>mc</name><forward mode='nat'/><bridge name='hvbr-mc'/>"
           "<mac address='01:00:5e:00:00:01'/><ip address='10.69.0.1' prefix='24'/></network>")
    d = lab.define_net(xml, "mc")
    links, tables = lab.links(), lab.tables()
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == errno.EIO
    err = (d / "error").read_text()
    assert "cannot start network 'mc'" in err and "MAC" in err, err
    assert lab.links() == links and lab.tables() == tables
    assert not (lab.root / "run/network-state/mc").exists()


def test_virsh_against_hyperfsd(lab):
    """net-list, net-dhcp-leases, domifaddr and net-update through a real
    virsh and hyperfsd (run in LAB, on the same root as the mount, which is
    stopped first: one driver per root)."""
    from helpers.peers import Hyperfsd, virsh
    n = lab.define_net(nat_xml(), "lan")
    (n / "state").write_text("start")
    g = Guest(lab, "v1", nic("lan", "52:54:00:0a:0f:01"))
    g.start()
    ip = g.dhcp()
    g.close()
    lab.stop_mount()
    hfd = Hyperfsd(lab.tmp / "hfd", "unix")
    hfd.cmd = ["nsenter", f"--net=/run/netns/{lab.ns}"] + hfd.cmd
    hfd.start()
    try:
        uri = f"qemu+unix:///system?socket={hfd.sock}&root={lab.root}"
        out = virsh(uri, "net-list", "--all").stdout
        assert re.search(r"lan\s+active", out), out
        out = virsh(uri, "net-dhcp-leases", "lan").stdout
        assert "52:54:00:0a:0f:01" in out and f"{ip}/24" in out, out
        out = virsh(uri, "domifaddr", "v1").stdout
        assert re.search(rf"vnet\d+\s+52:54:00:0a:0f:01\s+ipv4\s+{re.escape(ip)}/24", out), out
        out = virsh(uri, "domifaddr", "v1", "--source", "arp", check=False)
        assert out.returncode == 0, out.stderr
        # a hyperfs mounting hyperfsd shows the same lease and address: the
        # remote driver calls virNetworkGetDHCPLeases (341) and
        # virDomainInterfaceAddresses (353)
        rm = HyperfsMount(lab.tmp / "rmnt", [f"far={uri}"], logdir=lab.tmp)
        lab.factory.mounts.append(rm)
        rm.start()
        far = lab.tmp / "rmnt/far"
        lease = (far / "networks/lan/leases").read_text().split()
        assert lease[:2] == ["52:54:00:0a:0f:01", ip + "/24"], lease
        assert re.fullmatch(rf"vnet\d+ 52:54:00:0a:0f:01 ipv4 {re.escape(ip)}/24 lease\n",
                            (far / "domains/v1/addresses").read_text())
        # and `ports`, from virNetworkListAllPorts (404) and each port's
        # document (409); virsh's net-port-list and net-port-dumpxml see them
        assert re.fullmatch(r"v1 52:54:00:0a:0f:01 vnet\d+\n",
                            (far / "networks/lan/ports").read_text())
        out = virsh(uri, "net-port-list", "lan").stdout
        port = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", out)
        assert port, out
        out = virsh(uri, "net-port-dumpxml", "lan", port.group(0)).stdout
        assert "<name>v1</name>" in out and "52:54:00:0a:0f:01" in out, out
        assert "bridge='virbr0'" in out, out
        rm.stop()
        lab.factory.mounts.remove(rm)
        # a DNS host added live is served at once, and kept in the config
        virsh(uri, "net-update", "lan", "add", "dns-host",
              "<host ip='192.168.150.9'><hostname>db</hostname></host>", "--live", "--config")
        assert "192.168.150.9 db" in \
            (lab.root / "run/network-state/lan/dnsmasq.addnhosts").read_text()
        r = in_ns(lab.ns, "busybox", "nslookup", "db.lab", "192.168.150.1", check=False)
        assert "192.168.150.9" in r.stdout, r.stdout + r.stderr
        assert "192.168.150.9" in virsh(uri, "net-dumpxml", "lan", "--inactive").stdout
        # hostile values are refused over the wire too, and change nothing
        r = virsh(uri, "net-update", "lan", "add", "dns-host",
                  "<host ip='192.168.150.10'><hostname>x&#10;server=6.6.6.6</hostname></host>",
                  "--live", check=False)
        assert r.returncode != 0 and "is not allowed" in r.stderr, r.stderr
        assert "6.6.6.6" not in \
            (lab.root / "run/network-state/lan/dnsmasq.addnhosts").read_text()
        virsh(uri, "destroy", "v1")
        virsh(uri, "net-destroy", "lan")
    finally:
        hfd.stop()
    assert lab.dnsmasqs() == [] and "hyperfs_" not in lab.tables()
    lab.start_mount()  # the fixture's teardown expects one


def test_macvtap_network_and_direct_interface(lab):
    """A vepa network over a pool of one host link, and <interface
    type='direct'> in bridge mode on the same link: each guest interface is
    a macvtap with the guest's MAC, and the guest reaches a peer on the far
    end of the link (UP) through both; a third interface with <link
    state='down'/> has no carrier in the guest. Destroy removes the macvtaps; a
    missing host interface is refused and leaves none."""
    run("ip", "-n", lab.ns, "link", "add", "lan0", "type", "veth", "peer", "name", "peer0",
        "netns", lab.up)
    run("ip", "-n", lab.ns, "link", "set", "lan0", "up")
    for a in ("10.97.5.1/24", "10.97.6.1/24"):
        run("ip", "-n", lab.up, "addr", "add", a, "dev", "peer0")
    run("ip", "-n", lab.up, "link", "set", "peer0", "up")
    n = lab.define_net("<network><name>mv</name><forward mode='vepa'>"
                       "<interface dev='lan0'/></forward></network>", "mv")
    (n / "state").write_text("start")
    assert (n / "state").read_text() == "active\n"
    nics = (nic("mv", "52:54:00:0a:1a:01") +
            "<interface type='direct'><mac address='52:54:00:0a:1a:02'/>"
            "<source dev='lan0' mode='bridge'/><model type='virtio'/></interface>"
            # a third with <link state='down'/>: the guest sees no carrier
            "<interface type='direct'><mac address='52:54:00:0a:1a:03'/>"
            "<source dev='lan0' mode='bridge'/><model type='virtio'/><link state='down'/>"
            "</interface>")
    g = Guest(lab, "m1", nics)
    try:
        g.start()
        live = (g.dir / "live.xml").read_text()
        devs = re.findall(r"<target dev='(macvtap\d+)'", live)
        assert len(devs) == 3, live
        for dev, mode, mac in zip(devs, ("vepa", "bridge"), ("01", "02")):
            out = in_ns(lab.ns, "ip", "-d", "-o", "link", "show", dev).stdout
            assert f"macvtap mode {mode}" in out and "@lan0" in out, out
            assert f"52:54:00:0a:1a:{mac}" in out, out
        assert (n / "ports").read_text() == f"m1 52:54:00:0a:1a:01 {devs[0]}\n"
        out, rc = g.sh("ip link set eth0 up && ip addr add 10.97.5.5/24 dev eth0 && "
                       "ip link set eth1 up && ip addr add 10.97.6.5/24 dev eth1 && "
                       "ping -c 2 -W 5 10.97.5.1 && ping -c 2 -W 5 10.97.6.1")
        assert rc == 0, out
        out, rc = g.sh("ip link set eth2 up; cat /sys/class/net/eth0/carrier "
                       "/sys/class/net/eth2/carrier")
        assert rc == 0 and re.search(r"^1\s+^0\s", out, re.M), out
        # the peer saw the guests' own MACs on the link
        neigh = in_ns(lab.up, "ip", "neigh", "show", "dev", "peer0").stdout
        assert "52:54:00:0a:1a:01" in neigh and "52:54:00:0a:1a:02" in neigh, neigh
    finally:
        g.close()
    (g.dir / "state").write_text("destroy")
    assert "macvtap" not in lab.links()
    # a host interface that is not there: refused at start, nothing left
    bad = Guest(lab, "m2", "<interface type='direct'><source dev='nosuch0' mode='vepa'/>"
                           "</interface>")
    with pytest.raises(OSError) as e:
        (bad.dir / "state").write_text("start")
    assert e.value.errno == errno.ENOENT
    m = assert_error(bad.dir, errno.ENOENT, file="state")
    assert "host interface 'nosuch0' does not exist" in m.group(0), m.group(0)
    assert "macvtap" not in lab.links()
    (n / "state").write_text("stop")
    # a macvtap network needs its interfaces at start
    d = lab.define_net("<network><name>mv2</name><forward mode='private'>"
                       "<interface dev='gone0'/></forward></network>", "mv2")
    with pytest.raises(OSError) as e:
        (d / "state").write_text("start")
    assert e.value.errno == errno.ENOENT
    assert "forward device 'gone0' does not exist" in (d / "error").read_text()
