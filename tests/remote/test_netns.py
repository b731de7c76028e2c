"""test_netns.py: two hyperfsd nodes, each in its own network namespace with its
own address on a veth pair the test creates, mounted together in one hyperfs
over tcp. `ls mnt/*/domains` lists both; kill -9 of one daemon makes its files
fail fast (never hang) while the other keeps working and its node/info says
`connected: no`; restarted, it comes back by itself and the tree is whole.
A cut link (no FIN, no RST: the peer just goes silent) is found by keepalive
within 5 s (docs/remote.md, "Failure and reconnect"), and hyperfs exits at once
after the unmount, even while it is reconnecting to a silent peer.
Namespaces and veths are removed afterwards. Needs root, ip(8) and nsenter(1)."""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .hfd import hyperfsd_binary, virsh
from .test_mount import DEAD_ERRNOS, read, wait_for, write

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nsenter"),
    reason="needs root, ip(8) and nsenter(1) for network namespaces")

PORT = 16509


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


class NsNode:
    """A network namespace hfs<pid><tag> with 10.<net>.<n>.2, reached from the
    root namespace through veth hfh<pid><tag> (10.<net>.<n>.1)."""

    def __init__(self, folder, tag, n):
        self.tag, self.dir = tag, Path(folder) / tag
        self.dir.mkdir()
        self.ns = f"hfs{os.getpid()}{tag}"
        self.host_if, self.ns_if = f"hfh{os.getpid()}{tag}"[:15], f"hfn{os.getpid()}{tag}"[:15]
        net = 200 + os.getpid() % 50
        self.host_ip, self.ip = f"10.{net}.{n}.1", f"10.{net}.{n}.2"
        self.proc = None
        self.pidfile = self.dir / "pid"
        self.log = self.dir / "hyperfsd.log"

    def create(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        sh("ip", "link", "set", self.ns_if, "netns", self.ns)
        sh("ip", "addr", "add", f"{self.host_ip}/24", "dev", self.host_if)
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "addr", "add", f"{self.ip}/24", "dev", self.ns_if)
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up")
        return self

    @property
    def uri(self):
        return f"test+tcp://{self.ip}:{PORT}/default"

    def start(self):
        if self.pidfile.exists():
            self.pidfile.unlink()
        # nsenter --net, not `ip netns exec`: that one also unshares the mount
        # namespace, and a daemon (re)started while hyperfs is mounted would hold
        # a copy of the FUSE mount (every mount here is private), so
        # `fusermount3 -u` would not end the FUSE session and hyperfs would only
        # exit once that daemon did.
        self.proc = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{self.ns}", hyperfsd_binary(), "-f",
             "--listen", f"tcp:{self.ip}:{PORT}", "--pidfile", str(self.pidfile)],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self.pidfile.exists():
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.02)
        return self

    def pid(self):
        return int(self.pidfile.read_text())

    def kill9(self):
        os.kill(self.pid(), signal.SIGKILL)
        self.proc.wait(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.pid(), signal.SIGTERM)
            assert self.proc.wait(10) == 0, self.log.read_text()

    def destroy(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        sh("ip", "link", "del", self.host_if, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


@pytest.fixture
def two_nodes(tmp_path):
    nodes = []
    try:
        for i, tag in enumerate("ab", 1):
            nodes.append(NsNode(tmp_path, tag, i).create())
        for n in nodes:
            n.start()
        yield nodes
        for n in nodes:
            n.stop()
    finally:
        for n in nodes:
            n.destroy()
        left = sh("ip", "netns", "list").stdout
        assert not any(n.ns in left for n in nodes), left


def fails_fast(path, secs=5):
    """cat path fails (never hangs) within secs."""
    def once():
        r = subprocess.run(["cat", str(path)], capture_output=True, timeout=5)
        return r.returncode != 0
    return wait_for(once, secs)


def unmount_promptly(m, secs=3.0):
    """fusermount3 -u, and hyperfs exits 0 within secs (the fixture would wait 15 s)."""
    m.expect_exited = True
    t = time.monotonic()
    r = m.unmount()
    assert r.returncode == 0, r.stderr
    try:
        m.proc.wait(secs)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hyperfs still running {secs} s after the unmount\n{m.describe()}")
    took = time.monotonic() - t
    assert m.proc.returncode == 0, m.describe()
    return took


def test_two_namespaced_nodes_one_killed_and_restarted(two_nodes, mount_factory):
    a, b = two_nodes
    # each daemon is reachable only at its own namespace's address
    assert virsh(a.uri, "domstate", "test").stdout.strip() == "running"
    m = mount_factory(f"a={a.uri}", f"b={b.uri}")
    r = subprocess.run(f"ls {m.path}/*/domains", shell=True, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and r.stdout.splitlines().count("test") == 2, r.stdout
    write(m.path / "a/domains/test/state", "suspend")
    assert virsh(a.uri, "domstate", "test").stdout.strip() == "paused"
    assert virsh(b.uri, "domstate", "test").stdout.strip() == "running"

    a.kill9()
    t0 = time.monotonic()
    assert fails_fast(m.path / "a/domains/test/state")
    assert fails_fast(m.path / "a/domains/test/config.xml")
    with pytest.raises(OSError) as e:
        os.listdir(m.path / "a/domains")
    assert e.value.errno in DEAD_ERRNOS
    assert time.monotonic() - t0 < 8
    info = subprocess.run(["cat", str(m.path / "a/node/info")], capture_output=True, text=True,
                          timeout=5).stdout
    assert "connected: no (" in info, info
    # the other node is untouched
    assert "connected: yes" in read(m.path / "b/node/info")
    write(m.path / "b/domains/test/state", "suspend")
    assert read(m.path / "b/domains/test/state") == "paused"
    assert "test" in os.listdir(m.path / "b/domains")

    a.start()  # a fresh daemon: its test node starts over (running)
    assert wait_for(lambda: read(m.path / "a/domains/test/state") == "running", 10), m.describe()
    assert "connected: yes" in read(m.path / "a/node/info")
    r = subprocess.run(f"ls {m.path}/*/domains {m.path}/*/networks {m.path}/*/pools", shell=True,
                       capture_output=True, text=True, timeout=10)
    names = r.stdout.splitlines()
    assert r.returncode == 0 and names.count("test") == 2 and names.count("default") >= 2, names
    write(m.path / "a/domains/test/state", "suspend")
    assert virsh(a.uri, "domstate", "test").stdout.strip() == "paused"
    # the listing of b, right after a write on it, still has its domain
    assert "test" in os.listdir(m.path / "b/domains")
    took = unmount_promptly(m)
    print(f"kill -9 and restart: hyperfs exited {took:.2f} s after the unmount")


def test_silent_peer_is_found_by_keepalive(two_nodes, mount_factory):
    """The link goes down: no FIN, no RST. The client's keepalive (a ping after
    1 s of silence, then every second; dead after 5 s of silence) declares the
    node dead; reads never hang meanwhile (none takes more than those 5 s), the
    other node works, and when the link comes back the node reconnects by
    itself."""
    a, b = two_nodes
    m = mount_factory(f"a={a.uri}", f"b={b.uri}")
    assert read(m.path / "a/domains/test/state") == "running"
    sh("ip", "link", "set", a.host_if, "down")
    try:
        t0 = time.monotonic()
        slowest = 0.0
        while True:
            t = time.monotonic()
            info = subprocess.run(["cat", str(m.path / "a/node/info")], capture_output=True,
                                  text=True, timeout=30).stdout
            slowest = max(slowest, time.monotonic() - t)
            if "connected: no" in info:
                break
            assert time.monotonic() - t0 < 30, "keepalive did not notice the silent peer"
            assert read(m.path / "b/domains/test/state") == "running"
            time.sleep(0.2)
        found = time.monotonic() - t0
        assert found < 7, found
        assert slowest < 6.5, slowest
        assert "keepalive" in info, info
        assert fails_fast(m.path / "a/domains/test/state", 2)
        print(f"silent peer: declared dead after {found:.1f} s; slowest node/info read "
              f"meanwhile {slowest:.1f} s")
    finally:
        sh("ip", "link", "set", a.host_if, "up")
    assert wait_for(lambda: "connected: yes" in read(m.path / "a/node/info"), 15), m.describe()
    assert read(m.path / "a/domains/test/state") == "running"
    r = subprocess.run(f"ls {m.path}/*/domains", shell=True, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and r.stdout.splitlines().count("test") == 2, r.stdout
    took = unmount_promptly(m)
    print(f"cut and restored link: hyperfs exited {took:.2f} s after the unmount")


def test_unmount_while_reconnecting_to_a_silent_peer(two_nodes, mount_factory):
    """The link stays down, cut on the namespace's side so the host keeps its
    route: once keepalive gave the node up, its supervisor keeps trying to
    connect, each attempt a non-blocking connect whose SYN is never answered
    (5 s deadline). The unmount cancels the attempt (and the backoff sleep
    between attempts): hyperfs exits at once."""
    a, b = two_nodes
    m = mount_factory(f"a={a.uri}", f"b={b.uri}")
    assert read(m.path / "a/domains/test/state") == "running"
    # a permanent neighbour entry: the SYNs go out and vanish (no ARP failure
    # to end the connect with EHOSTUNREACH)
    mac = json.loads(sh("ip", "-j", "-netns", a.ns, "link", "show", a.ns_if).stdout)[0]["address"]
    sh("ip", "neigh", "replace", a.ip, "lladdr", mac, "dev", a.host_if, "nud", "permanent")
    sh("ip", "netns", "exec", a.ns, "ip", "link", "set", a.ns_if, "down")
    try:
        assert wait_for(lambda: "connected: no" in subprocess.run(
            ["cat", str(m.path / "a/node/info")], capture_output=True, text=True,
            timeout=10).stdout, 10), m.describe()
        assert read(m.path / "b/domains/test/state") == "running"
        time.sleep(1)  # past the first backoff step (0.2 s): inside a connect attempt
        took = unmount_promptly(m, 2.0)
        print(f"unmount while reconnecting to a silent peer: exited after {took:.2f} s")
    finally:
        sh("ip", "netns", "exec", a.ns, "ip", "link", "set", a.ns_if, "up")
