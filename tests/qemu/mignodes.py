"""mignodes.py: two hyperfsd nodes, each in its own network namespace joined
by a veth pair (10.78.0.1 and 10.78.0.2), each with its own qemu root, for
the migration tests (test_qemu_migrate_virsh.py: virsh migrate between them;
test_qemu_migrate_remote.py: mv between them through hyperfs's remote
driver). Each daemon also listens on a unix socket in the test's folder, so
that a hyperfs outside the namespaces reaches it. web1 (no disk) and web2
(a qcow2 volume of pool `images`) are written as documents; the fixture
defines and starts web1 on a with a counter on its console."""
import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager

import pytest

from helpers.peers import hyperfsd_binary
from helpers.tools import in_own_mounts, wait_for

from .conftest import READY

HERE = os.path.dirname(os.path.abspath(__file__))
ADDR = {"a": "10.78.0.1", "b": "10.78.0.2"}
DISK = ("<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source pool='images' volume='web2.qcow2'/><target dev='vda' bus='virtio'/></disk>")


def run(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {r.stdout}{r.stderr}")
    return r


class Nodes:
    def __init__(self, tmp, ns):
        self.tmp, self.ns = tmp, ns
        self.uri = {n: f"qemu+tcp://{ADDR[n]}/system?root={tmp / ('root-' + n)}" for n in "ab"}
        self.daemon, self.daemons = {}, []

    def start_daemon(self, node):
        """node's hyperfsd (again, after kill_node), in its namespace; its
        PID is the daemon's own (ip netns exec and sh exec it)."""
        log = open(self.tmp / f"hyperfsd-{node}.log", "a")
        self.daemon[node] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns[node]] + in_own_mounts(
                [hyperfsd_binary(), "-f", "--listen", f"tcp:{ADDR[node]}:16509",
                 "--listen", f"unix:{self.tmp / (node + '.sock')}"]),
            stdout=log, stderr=subprocess.STDOUT)
        self.daemons.append(self.daemon[node])

    def wait_daemon(self, node, timeout=20):
        wait_for(lambda: self.virsh(node, "version", check=False).returncode == 0,
                 f"hyperfsd answering on {node}", timeout)

    def kill_node(self, node, qemu=True):
        """The node dies: its hyperfsd and (qemu) every QEMU it ran, SIGKILL."""
        self.daemon[node].kill()
        self.daemon[node].wait(10)
        for pidfile in (self.tmp / f"root-{node}" / "run").glob("*.pid") if qemu else ():
            subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)

    def virsh(self, node, *args, check=True):
        """virsh in namespace a (which reaches both) against node."""
        return run("ip", "netns", "exec", self.ns["a"], "virsh", "-c", self.uri[node], *args,
                   check=check)

    def virsh_bg(self, node, *args):
        return subprocess.Popen(["ip", "netns", "exec", self.ns["a"], "virsh", "-c",
                                 self.uri[node], *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def job_info(self, node, name):
        """virDomainGetJobInfo (163) through libvirt's Python binding, in namespace a."""
        code = ("import libvirt, sys; c = libvirt.open(sys.argv[1]); "
                "print(' '.join(map(str, c.lookupByName(sys.argv[2]).jobInfo())))")
        out = run("ip", "netns", "exec", self.ns["a"], "/usr/bin/python3", "-c", code,
                  self.uri[node], name).stdout
        return [int(x) for x in out.split()]

    def names(self, node):
        return self.virsh(node, "list", "--all", "--name").stdout.split()

    def log(self, node, name="web1"):
        try:
            return (self.tmp / f"root-{node}" / "run" / f"{name}.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, node, pattern, timeout=60, name="web1"):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.log(node, name)):
            assert time.monotonic() < deadline, f"no {pattern!r} from {name} on {node}:\n" + \
                self.log(node, name)[-1500:]
            time.sleep(0.05)

    def web2_with_marker(self, marker):
        """Pool images (a folder) started on both nodes; web2 running on a
        with its disk a new volume of a's pool, marker written on it at
        sector 10 (the copy-storage tests' guest)."""
        for n in "ab":
            self.virsh(n, "pool-define-as", "images", "dir", "--target",
                       str(self.tmp / f"images-{n}"))
            self.virsh(n, "pool-build", "images")
            self.virsh(n, "pool-start", "images")
        self.virsh("a", "vol-create-as", "images", "web2.qcow2", "64M", "--format", "qcow2")
        self.virsh("a", "define", str(self.tmp / "web2.xml"))
        self.virsh("a", "start", "web2")
        self.wait_log("a", READY, name="web2")
        self.say("a", f"printf {marker} | dd of=/dev/vda bs=512 seek=10 conv=fsync,notrunc "
                 "2>/dev/null; echo WROTE-$((1+1))", name="web2")
        self.wait_log("a", "WROTE-2", name="web2")

    def say(self, node, line, name="web1"):
        """Input on the guest's serial: its pty, from the live XML."""
        xml = self.virsh(node, "dumpxml", name).stdout
        tty = re.search(r"<console type='pty' tty='([^']+)'", xml).group(1)
        with open(tty, "w") as w:
            w.write(line + "\n")


def counts(text):
    """The guest's counter lines; the shell's prompt (and its cursor query)
    may share a line with one when a command was typed meanwhile."""
    return [int(x) for x in re.findall(r"CNT (\d+)\r?$", text, re.M)]


@contextmanager
def two_nodes(tmp, guest, prefix):
    for tool in ("ip", "virsh"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (tools/install-deps installs it)")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    ns = {n: f"{prefix}{os.getpid()}{n}" for n in "ab"}
    daemons = []
    try:
        for n in "ab":
            run("ip", "netns", "add", ns[n])
        run("ip", "link", "add", "mva", "netns", ns["a"], "type", "veth", "peer", "name", "mvb",
            "netns", ns["b"])
        for n in "ab":
            run("ip", "-n", ns[n], "addr", "add", ADDR[n] + "/24", "dev", "mv" + n)
            run("ip", "-n", ns[n], "link", "set", "mv" + n, "up")
            run("ip", "-n", ns[n], "link", "set", "lo", "up")
        nd = Nodes(tmp, ns)
        nd.daemons = daemons
        for n in "ab":
            nd.start_daemon(n)
        deadline = time.monotonic() + 20
        while any(nd.virsh(n, "version", check=False).returncode for n in "ab"):
            assert time.monotonic() < deadline, "hyperfsd never answered in its namespace"
            time.sleep(0.1)
        text = open(os.path.join(HERE, "guest.xml.in")).read()
        text = (text.replace("@KERNEL@", str(guest / "vmlinuz"))
                .replace("@INITRD@", str(guest / "initrd.img")))
        (tmp / "web1.xml").write_text(text.replace("@NAME@", "web1"))
        (tmp / "web2.xml").write_text(text.replace("@NAME@", "web2").replace(
            "</devices>", DISK + "</devices>"))
        nd.virsh("a", "define", str(tmp / "web1.xml"))
        nd.virsh("a", "start", "web1")
        nd.wait_log("a", READY)
        nd.say("a", "i=0; while true; do echo CNT $i; i=$((i+1)); sleep 0.1; done &")
        nd.wait_log("a", r"CNT 3\b")
        yield nd
    finally:
        for n in "ab":  # no QEMU outlives the module
            for pidfile in (tmp / f"root-{n}" / "run").glob("*.pid"):
                subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
        for d in daemons:  # by the PIDs started here
            d.terminate()
            d.wait(10)
        for n in "ab":
            subprocess.run(["ip", "netns", "del", ns[n]], capture_output=True)
