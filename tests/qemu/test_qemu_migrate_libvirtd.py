"""Migration between a hyperfsd node and a stock libvirtd (libvirt 9.0's
qemu driver), both ways (docs/moving-and-keeping.md "With a stock
libvirtd"). Two network namespaces joined by a veth pair: a holds hyperfsd
(10.82.0.1, and a unix socket in the test's folder), b a private libvirtd
(tools/libvirtd-sandbox --netns, 10.82.0.2, a host UUID of its own). The
guest is the tiny TCG test guest with the same XML on both sides; its serial
console goes to a log file on libvirt's side (<log file=>) and to the
driver's log on hyperfs's, and a counter in it prints CNT N every 0.1 s.

- libvirt's own client (virsh migrate --live) from libvirtd to hyperfsd and
  back: the counter goes on where it was each time (QEMU accepted the
  stream: the same machine, the same devices at the same PCI slots), and
  each target keeps the completed job with the figures the source's cookie
  carried (libvirt's <statistics> read by hyperfs, hyperfs's written in
  libvirt's form);
- mv through hyperfs's remote driver (a mount outside the namespaces with
  the hyperfsd node as a and the libvirtd as b): live, both ways, and
  offline (a shut-off domain's definition), both ways;
- copy-storage from libvirtd refused by hyperfsd (virsh and mv), the guest
  left running on libvirtd."""
import os
import re
import shutil
import subprocess
import time

import pytest

from helpers.mount import HyperfsMount
from helpers.peers import SANDBOX, hyperfsd_binary, libvirtd_unavailable
from helpers.tools import in_own_mounts, wait_for

from .conftest import READY
from .mignodes import counts

pytestmark = pytest.mark.local_only("its own hyperfsd and libvirtd in network namespaces")

ADDR = {"a": "10.82.0.1", "b": "10.82.0.2"}
OTHER = {"a": "b", "b": "a"}


def run(*cmd, check=True, timeout=120):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {r.stdout}{r.stderr}")
    return r


class Peers:
    def __init__(self, tmp, ns, lvdir):
        self.tmp, self.ns, self.lvdir = tmp, ns, lvdir
        self.root = tmp / "root-a"
        self.uri = {"a": f"qemu+tcp://{ADDR['a']}/system?root={self.root}",
                    "b": f"qemu+tcp://{ADDR['b']}/system"}
        self.console = {"b": tmp / "console-b.log"}  # libvirt's guest: <log file=>

    def virsh(self, node, *args, check=True):
        """virsh in namespace a (which reaches both) against node."""
        return run("ip", "netns", "exec", self.ns["a"], "virsh", "-c", self.uri[node], *args,
                   check=check)

    def names(self, node):
        return self.virsh(node, "list", "--all", "--name").stdout.split()

    def log(self, node, name="web1"):
        path = self.root / "run" / f"{name}.log" if node == "a" else self.console["b"]
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, node, pattern, timeout=60, after=0):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.log(node)[after:]):
            assert time.monotonic() < deadline, f"no {pattern!r} on {node}:\n" + \
                self.log(node)[-1500:]
            time.sleep(0.05)

    def say(self, node, line, expect, timeout=30):
        """Input on the guest's serial pty (from the live XML), held open until
        the guest has answered expect: QEMU reads a pty only while someone
        has it open (it looks again once a second)."""
        mark = len(self.log(node))
        xml = self.virsh(node, "dumpxml", "web1").stdout
        tty = re.search(r"<console type='pty' tty='([^']+)'", xml).group(1)
        fd = os.open(tty, os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(fd, (line + "\n").encode())
            self.wait_log(node, expect, timeout, after=mark)
        finally:
            os.close(fd)


def guest_xml(guest, log=None):
    text = (os.path.dirname(os.path.abspath(__file__)) + "/guest.xml.in")
    text = open(text).read().replace("@NAME@", "web1").replace(
        "@KERNEL@", str(guest / "vmlinuz")).replace("@INITRD@", str(guest / "initrd.img"))
    if log:
        text = text.replace("<serial type='pty'><target port='0'/></serial>",
                            f"<serial type='pty'><log file='{log}' append='on'/>"
                            "<target port='0'/></serial>")
    return text


@pytest.fixture(scope="module")
def peers(tmp_path_factory, guest):
    why = libvirtd_unavailable()
    if why:
        pytest.skip(why)
    for tool in ("ip", "virsh", "nsenter"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (tools/install-deps installs it)")
    tmp = tmp_path_factory.mktemp("miglv")
    ns = {n: f"hvlv{os.getpid()}{n}" for n in "ab"}
    lvdir = tmp / "libvirtd-b"
    daemon = None
    try:
        for n in "ab":
            run("ip", "netns", "add", ns[n])
        run("ip", "link", "add", "mla", "netns", ns["a"], "type", "veth", "peer", "name", "mlb",
            "netns", ns["b"])
        for n in "ab":
            run("ip", "-n", ns[n], "addr", "add", ADDR[n] + "/24", "dev", "ml" + n)
            run("ip", "-n", ns[n], "link", "set", "ml" + n, "up")
            run("ip", "-n", ns[n], "link", "set", "lo", "up")
        log = open(tmp / "hyperfsd-a.log", "w")
        daemon = subprocess.Popen(
            ["ip", "netns", "exec", ns["a"]] + in_own_mounts(
                [hyperfsd_binary(), "-f", "--listen", f"tcp:{ADDR['a']}:16509",
                 "--listen", f"unix:{tmp / 'a.sock'}"]),
            stdout=log, stderr=subprocess.STDOUT)
        run(str(SANDBOX), "start", str(lvdir), "--netns", ns["b"], "--listen", ADDR["b"],
            timeout=180)
        p = Peers(tmp, ns, lvdir)
        # libvirtd probes QEMU's capabilities first
        wait_for(lambda: not any(p.virsh(n, "version", check=False).returncode for n in "ab"),
                 "hyperfsd and libvirtd answering", timeout=120)
        (tmp / "web1-b.xml").write_text(guest_xml(guest, p.console["b"]))
        p.virsh("b", "define", str(tmp / "web1-b.xml"))
        p.virsh("b", "start", "web1")
        p.wait_log("b", READY, 120)
        p.say("b", "i=0; while true; do echo CNT $i; i=$((i+1)); sleep 0.1; done &",
              r"CNT 3\b")
        yield p
    finally:
        for pidfile in (tmp / "root-a" / "run").glob("*.pid"):  # no QEMU outlives the module
            subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
        subprocess.run([str(SANDBOX), "stop", str(lvdir)], capture_output=True, timeout=60)
        if daemon:
            daemon.terminate()
            daemon.wait(10)
        for n in "ab":
            subprocess.run(["ip", "netns", "del", ns[n]], capture_output=True)


def completed_job(p, node):
    return p.virsh(node, "domjobinfo", "--completed", "web1").stdout


def assert_goes_on(prev, after):
    """The counter on the target carries on from the source's: never
    backwards, never from 0 again, no number skipped or repeated."""
    assert prev and after and after[0] >= prev[-1] > 0, (prev[-3:], after[:3])
    assert after == list(range(after[0], after[0] + len(after))), after


def test_virsh_migrate_libvirtd_to_hyperfsd_and_back(peers):
    p = peers
    before = counts(p.log("b"))
    p.virsh("b", "migrate", "--live", "--persistent", "--undefinesource", "web1", p.uri["a"],
            "--migrateuri", f"tcp://{ADDR['a']}")
    assert p.names("b") == [] and p.names("a") == ["web1"]
    assert p.virsh("a", "domstate", "web1").stdout.strip() == "running"
    p.wait_log("a", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    assert_goes_on(before, counts(p.log("a")))
    # libvirt's <statistics> became hyperfs's completed job
    done = completed_job(p, "a")
    assert re.search(r"Job type:\s+Completed", done), done
    assert re.search(r"Total downtime:\s+\d+\s+ms", done), done
    assert re.search(r"Memory processed:\s+[1-9]", done), done
    p.say("a", "echo PONG-$((40+2))", "PONG-42")

    mark = len(p.log("b"))
    before = counts(p.log("a"))
    p.virsh("a", "migrate", "--live", "--persistent", "--undefinesource", "web1", p.uri["b"],
            "--migrateuri", f"tcp://{ADDR['b']}")
    assert p.names("a") == [] and p.names("b") == ["web1"]
    assert p.virsh("b", "domstate", "web1").stdout.strip() == "running"
    p.wait_log("b", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n", after=mark)
    assert_goes_on(before, counts(p.log("b")[mark:]))
    # hyperfs's cookie, read by libvirtd: its completed job has QEMU's figures
    done = completed_job(p, "b")
    assert re.search(r"Operation:\s+Incoming migration", done), done
    assert re.search(r"Total downtime:\s+\d+\s+ms", done), done
    assert re.search(r"Time elapsed:\s+[1-9]\d*\s+ms", done), done


@pytest.fixture(scope="module")
def mnt(peers):
    p = peers
    conns = [f"a=qemu+unix:///system?socket={p.tmp / 'a.sock'}&root={p.root}",
             f"b=qemu+unix:///system?socket={p.lvdir / 'run' / 'libvirt-sock'}"]
    m = HyperfsMount(p.tmp / "mnt", conns, logdir=p.tmp)
    m.start()
    try:
        yield m
    finally:
        if m.alive():
            m.stop()


def mv(m, src, dst):
    return subprocess.run(["mv", str(m.node(src) / "domains" / "web1"),
                           str(m.node(dst) / "domains") + "/"],
                          capture_output=True, text=True, timeout=120)


def test_mv_live_both_ways(peers, mnt):
    p, m = peers, mnt
    src = "b" if "web1" in p.names("b") else "a"
    for _ in range(2):
        dst = OTHER[src]
        mark = len(p.log(dst)) if dst == "b" else 0
        before = counts(p.log(src))
        with open(m.node(src) / "domains/web1/migrate", "w") as f:
            f.write(f"uri=tcp:{ADDR[dst]}\n")
        r = mv(m, src, dst)
        assert r.returncode == 0, (r.stderr, (m.node(src) / "domains/web1/error").read_text())
        assert os.listdir(m.node(src) / "domains") == []
        assert os.listdir(m.node(dst) / "domains") == ["web1"]
        assert (m.node(dst) / "domains/web1/state").read_text().strip() == "running"
        assert "web1" in p.virsh(dst, "list", "--persistent", "--name").stdout.split()
        p.wait_log(dst, r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n", after=mark)
        assert_goes_on(before, counts(p.log(dst)[mark:]))
        src = dst


def test_mv_offline_both_ways(peers, mnt):
    p, m = peers, mnt
    src = "b" if "web1" in p.names("b") else "a"
    with open(m.node(src) / "domains/web1/state", "w") as f:
        f.write("destroy\n")
    assert (m.node(src) / "domains/web1/state").read_text().strip() == "shutoff"
    uuid = (m.node(src) / "domains/web1/uuid").read_text().strip()
    for _ in range(2):
        dst = OTHER[src]
        r = mv(m, src, dst)
        assert r.returncode == 0, (r.stderr, (m.node(src) / "domains/web1/error").read_text())
        assert os.listdir(m.node(src) / "domains") == []
        assert (m.node(dst) / "domains/web1/state").read_text().strip() == "shutoff"
        assert (m.node(dst) / "domains/web1/uuid").read_text().strip() == uuid
        assert p.names(src) == []
        assert p.virsh(dst, "list", "--inactive", "--persistent", "--name").stdout.split() == \
            ["web1"]
        src = dst
    # the definition that went there and back still starts, on libvirtd or hyperfsd
    mark = len(p.log(src)) if src == "b" else 0
    with open(m.node(src) / "domains/web1/state", "w") as f:
        f.write("start\n")
    assert (m.node(src) / "domains/web1/state").read_text().strip() == "running"
    p.wait_log(src, READY, 120, after=mark)


def test_copy_storage_from_libvirtd_refused(peers, mnt):
    """copy-storage is not done with a libvirtd: hyperfsd's prepare refuses
    it (EPROTO, the reason named) before it starts a QEMU; the guest runs on
    libvirtd as before, and hyperfsd has no trace of it."""
    p, m = peers, mnt
    disk = p.tmp / "web3.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", str(disk), "64M")
    xml = (p.tmp / "web1-b.xml").read_text().replace("<name>web1</name>", "<name>web3</name>")
    xml = xml.replace(str(p.console["b"]), str(p.tmp / "console-web3.log")).replace(
        "</devices>", "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk></devices>")
    (p.tmp / "web3.xml").write_text(xml)
    p.virsh("b", "define", str(p.tmp / "web3.xml"))
    p.virsh("b", "start", "web3")
    try:
        r = p.virsh("b", "migrate", "--live", "--persistent", "--undefinesource",
                    "--copy-storage-all", "web3", p.uri["a"], "--migrateuri",
                    f"tcp://{ADDR['a']}", check=False)
        assert r.returncode != 0 and "copy-storage works between hyperfs nodes only" in \
            r.stderr, r.stderr
        assert p.virsh("b", "domstate", "web3").stdout.strip() == "running"
        assert "web3" not in p.names("a")
        # the same through mv: hyperfsd's EPROTO is libvirt's internal error on the
        # wire, EIO at the remote driver; the reason is in b's error file
        dom = m.node("b") / "domains/web3"
        with open(dom / "migrate", "w") as f:
            f.write(f"uri=tcp:{ADDR['a']} copy-storage=all\n")
        r = subprocess.run(["mv", str(dom), str(m.node("a") / "domains") + "/"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and "Input/output error" in r.stderr, r.stderr
        assert "copy-storage works between hyperfs nodes only" in (dom / "error").read_text()
        assert (dom / "state").read_text().strip() == "running"
        assert "web3" not in os.listdir(m.node("a") / "domains")
    finally:
        p.virsh("b", "destroy", "web3", check=False)
        p.virsh("b", "undefine", "web3", check=False)
