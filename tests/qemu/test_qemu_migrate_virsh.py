"""virsh migrate between two hyperfsd nodes, each in its own network
namespace joined by a veth pair (docs/moving-and-keeping.md "Migration"):
libvirt's own client runs the v3 protocol with parameters (Begin3Params on
the source, Prepare3Params on the target, Perform3Params, Finish3Params,
Confirm3Params); QEMU sends the guest over TCP between the namespaces. A
counter in the guest goes on on the target, and `virsh domjobinfo` and
`domjobabort` reach the migration while it runs (the daemon serves them while
Perform3Params holds: remote/server_async.c)."""
import os
import re
import shutil
import subprocess
import time

import pytest

from helpers.peers import hyperfsd_binary

from .conftest import READY

pytestmark = pytest.mark.local_only("its own hyperfsd peers in network namespaces")

HERE = os.path.dirname(os.path.abspath(__file__))
ADDR = {"a": "10.78.0.1", "b": "10.78.0.2"}


def run(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {r.stdout}{r.stderr}")
    return r


class Nodes:
    def __init__(self, tmp, ns):
        self.tmp, self.ns = tmp, ns
        self.uri = {n: f"qemu+tcp://{ADDR[n]}/system?root={tmp / ('root-' + n)}" for n in "ab"}

    def virsh(self, node, *args, check=True):
        """virsh in namespace a (which reaches both) against node."""
        return run("ip", "netns", "exec", self.ns["a"], "virsh", "-c", self.uri[node], *args,
                   check=check)

    def virsh_bg(self, node, *args):
        return subprocess.Popen(["ip", "netns", "exec", self.ns["a"], "virsh", "-c",
                                 self.uri[node], *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def names(self, node):
        return self.virsh(node, "list", "--all", "--name").stdout.split()

    def log(self, node):
        try:
            return (self.tmp / f"root-{node}" / "run" / "web1.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, node, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.log(node)):
            assert time.monotonic() < deadline, f"no {pattern!r} from web1 on {node}:\n" + \
                self.log(node)[-1500:]
            time.sleep(0.05)

    def say(self, node, line):
        """Input on the guest's serial: its pty, from the live XML."""
        xml = self.virsh(node, "dumpxml", "web1").stdout
        tty = re.search(r"<console type='pty' tty='([^']+)'", xml).group(1)
        with open(tty, "w") as w:
            w.write(line + "\n")


def counts(text):
    """The guest's counter lines; the shell's prompt (and its cursor query)
    may share a line with one when a command was typed meanwhile."""
    return [int(x) for x in re.findall(r"CNT (\d+)\r?$", text, re.M)]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, guest):
    for tool in ("ip", "virsh"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (tools/install-deps installs it)")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    tmp = tmp_path_factory.mktemp("migvirsh")
    ns = {n: f"hvmig{os.getpid()}{n}" for n in "ab"}
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
            log = open(tmp / f"hyperfsd-{n}.log", "w")
            daemons.append(subprocess.Popen(
                ["ip", "netns", "exec", ns[n], str(hyperfsd_binary()), "-f",
                 "--listen", f"tcp:{ADDR[n]}:16509"], stdout=log, stderr=subprocess.STDOUT))
        nd = Nodes(tmp, ns)
        deadline = time.monotonic() + 20
        while any(nd.virsh(n, "version", check=False).returncode for n in "ab"):
            assert time.monotonic() < deadline, "hyperfsd never answered in its namespace"
            time.sleep(0.1)
        text = open(os.path.join(HERE, "guest.xml.in")).read()
        (tmp / "web1.xml").write_text(
            text.replace("@NAME@", "web1").replace("@KERNEL@", str(guest / "vmlinuz"))
            .replace("@INITRD@", str(guest / "initrd.img")))
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


def test_virsh_migrate_live_between_namespaces(nodes):
    before = counts(nodes.log("a"))
    nodes.virsh("a", "migrate", "--live", "--persistent", "--undefinesource", "web1",
                nodes.uri["b"], "--migrateuri", f"tcp://{ADDR['b']}")
    assert nodes.names("a") == []
    assert nodes.names("b") == ["web1"]
    assert nodes.virsh("b", "domstate", "web1").stdout.strip() == "running"
    nodes.say("b", "echo PONG-$((40+2))")
    nodes.wait_log("b", "PONG-42")
    nodes.wait_log("b", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    after = counts(nodes.log("b"))
    assert after[0] > before[-1], (before[-3:], after[:3])
    assert after == list(range(after[0], after[0] + len(after))), after


def test_virsh_domjobinfo_and_domjobabort(nodes):
    src = nodes.names("a") and "a" or "b"
    dst = "b" if src == "a" else "a"
    mig = nodes.virsh_bg(src, "migrate", "--live", "--persistent", "--undefinesource",
                         "--bandwidth", "1", "web1", nodes.uri[dst], "--migrateuri",
                         f"tcp://{ADDR[dst]}")
    deadline = time.monotonic() + 60
    while True:
        info = nodes.virsh(src, "domjobinfo", "web1").stdout
        if "Outgoing migration" in info and re.search(r"Data processed:\s+[1-9]", info):
            break
        assert mig.poll() is None, mig.communicate()
        assert time.monotonic() < deadline, info
        time.sleep(0.1)
    assert "Unbounded" in info and "Data total:" in info, info
    nodes.virsh(src, "domjobabort", "web1")
    _, err = mig.communicate(timeout=60)
    assert mig.returncode != 0 and "migration of domain 'web1' was aborted" in err, err
    assert nodes.names(src) == ["web1"] and nodes.names(dst) == []
    assert nodes.virsh(src, "domstate", "web1").stdout.strip() == "running"
    assert "None" in nodes.virsh(src, "domjobinfo", "web1").stdout
    nodes.say(src, "echo STILL-$((40+2))")
    nodes.wait_log(src, "STILL-42")
