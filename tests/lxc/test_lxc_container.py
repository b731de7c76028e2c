"""Real containers through lxc:///system: what the container sees from
inside (hostname, PID 1, its own processes only, its memory limit in its own
cgroup), shutdown and destroy that stop every process of the cgroup, suspend
and resume through the freezer, live memory, statistics, refused documents,
and a container that survives a restart of hyperfs and is re-attached."""
import errno
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from helpers.procnode import write
from .conftest import container_xml, make_busybox_root


def test_inside_the_container(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct1")
    n.start("ct1")
    assert (d / "state").read_text().strip() == "running"
    assert n.sh("ct1", "hostname") == ["ct1"]
    assert n.sh("ct1", "cat /proc/1/cmdline | tr '\\0' ' '; echo") == ["/bin/sh /init.sh"]
    # its memory limit, seen in its own cgroup (the cgroup namespace root)
    v1 = n.sh("ct1", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                     "/sys/fs/cgroup/memory.max 2>/dev/null")
    assert v1 == [str(64 << 20)]
    assert n.sh("ct1", "grep -c :/$ /proc/self/cgroup")[0] != "0"
    # only its own processes: init, the console shell and what runs the command
    pids = n.sh("ct1", "ls /proc | grep '^[0-9]'")
    assert "1" in pids and len(pids) < 8, pids
    assert str(n.mount.pid) not in pids
    assert n.sh("ct1", "df -k /scratch | tail -1 | awk '{print $2}'") == ["8192"]
    # the host sees init as the domain id, in the cgroup
    init = int((d / "id").read_text())
    assert init in n.procs("ct1")
    assert (d / "info").read_text().count("state: running") == 1


def test_shutdown_stops_every_process_of_the_cgroup(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct2")
    n.start("ct2")
    n.sh("ct2", "sleep 1000 >/dev/null 2>&1 & sleep 1001 >/dev/null 2>&1 & echo started")
    procs = n.procs("ct2")
    assert len(procs) >= 4, procs
    assert write(d / "state", "shutdown\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"
    for p in procs:
        assert not os.path.exists(f"/proc/{p}") or \
            open(f"/proc/{p}/stat").read().split(") ")[1][0] == "Z", f"pid {p} survived"
    assert not n.cgroup("ct2").exists()
    # init had its SIGTERM: the console kept what it said last
    fd = os.open(d / "console", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert b"CT-STOPPING" in os.read(fd, 1 << 20)
    finally:
        os.close(fd)
    assert write(d / "state", "shutdown\n") == errno.EBUSY
    assert "domain is not running" in (d / "error").read_text()


def test_destroy_kills_the_whole_cgroup(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct3")
    n.start("ct3")
    n.sh("ct3", "trap '' TERM; sleep 1000 >/dev/null 2>&1 & echo ok")
    procs = n.procs("ct3")
    assert write(d / "state", "destroy\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"
    assert not n.cgroup("ct3").exists()
    for p in procs:
        assert not os.path.exists(f"/proc/{p}/cmdline") or \
            open(f"/proc/{p}/stat").read().split(") ")[1][0] == "Z"


def test_suspend_resume_and_live_memory(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct4")
    n.start("ct4")
    assert write(d / "state", "suspend\n") == 0
    assert (d / "state").read_text().strip() == "paused"
    if (n.cgroup("ct4", "freezer") / "freezer.state").exists():
        assert (n.cgroup("ct4", "freezer") / "freezer.state").read_text().strip() == "FROZEN"
    assert write(d / "state", "suspend\n") == errno.EBUSY
    assert write(d / "state", "resume\n") == 0
    assert (d / "state").read_text().strip() == "running"
    assert n.sh("ct4", "echo alive") == ["alive"]
    assert write(d / "memory", "32M\n") == 0
    assert (d / "memory").read_text().strip() == str(32 << 10)
    assert n.sh("ct4", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                       "/sys/fs/cgroup/memory.max 2>/dev/null") == [str(32 << 20)]
    # refused: more than the maximum, and 0; nothing changes
    assert write(d / "memory", "1G\n") == errno.EINVAL
    assert "more than its maximum" in (d / "error").read_text()
    assert write(d / "memory", "0\n") == errno.EINVAL
    assert (d / "memory").read_text().strip() == str(32 << 10)
    stats = dict(l.split("=", 1) for l in (d / "stats").read_text().split())
    assert int(stats["cpu.time"]) > 0
    assert int(stats["balloon.rss"]) > 0
    assert stats["balloon.current"] == str(32 << 10)


@pytest.mark.parametrize("doc,why", [
    (lambda r: container_xml("bad1", r).replace("type='lxc'", "type='qemu'"),
     "runs <domain type='lxc'>"),
    (lambda r: container_xml("bad2", r).replace("<type>exe</type>", "<type>hvm</type>"),
     "needs <os><type>exe</type>"),
    (lambda r: container_xml("bad3", r).replace("<target dir='/'/>", "<target dir='/x'/>"),
     "with <target dir='/'/>"),
    (lambda r: container_xml("bad4", r).replace("<init>/init.sh</init>", "<init>init.sh</init>"),
     "absolute path"),
    (lambda r: container_xml("bad5", r, extra="<idmap><uid start='0' target='1000' "
                                              "count='10'/></idmap>"),
     "both <uid> and <gid>"),
])
def test_refused_documents(lxc_node, tmp_path, doc, why):
    n = lxc_node
    src = tmp_path / "bad.xml"
    src.write_text(doc(n.root))
    r = subprocess.run(["cp", str(src), str(n.node / "domains")], capture_output=True, text=True)
    assert r.returncode != 0
    assert "Invalid argument" in r.stderr
    assert why in (n.node / "node/error").read_text()
    assert os.listdir(n.node / "domains") == []


def test_container_survives_a_restart(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct5")
    n.start("ct5")
    init = int((d / "id").read_text())
    n.remount()
    d = n.dom("ct5")
    os.kill(init, 0)  # it ran on while hyperfs was away
    assert (d / "state").read_text().strip() == "running"
    assert int((d / "id").read_text()) == init
    assert n.sh("ct5", "echo back on $(hostname)") == ["back on ct5"]
    assert write(d / "state", "shutdown\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"
    assert not n.cgroup("ct5").exists()


def test_a_container_that_exits_is_reported(lxc_node, tmp_path):
    n = lxc_node
    d = n.define(tmp_path, "ct6")
    n.start("ct6")
    # the events file's cursor starts at its open: open it before the stop
    fd = os.open(n.node / "events", os.O_RDONLY)
    try:
        with open(d / "console", "w") as w:
            w.write("kill -TERM 1\n")
        out, deadline = b"", time.monotonic() + 30
        while b"ct6 stopped" not in out and time.monotonic() < deadline:
            if select.select([fd], [], [], 1)[0]:
                out += os.read(fd, 4096)
    finally:
        os.close(fd)
    assert b"ct6 stopped shutdown" in out, out
    assert (d / "state").read_text().strip() == "shutoff"


@pytest.fixture
def open_root():
    """A root whose path the container's unprivileged root can walk (pytest's
    own tmp folders are 0700)."""
    top = Path(tempfile.mkdtemp(prefix="hv-lxc-", dir="/tmp"))
    top.chmod(0o755)
    yield make_busybox_root(top / "root")
    shutil.rmtree(top)


def test_user_namespace_from_idmap(lxc_node, tmp_path, open_root):
    n = lxc_node
    idmap = ("<idmap><uid start='0' target='200000' count='65536'/>"
             "<gid start='0' target='200000' count='65536'/></idmap>")
    d = n.define(tmp_path, "ct7", root=open_root, extra=idmap)
    n.start("ct7")
    assert n.sh("ct7", "cat /proc/self/uid_map | tr -s ' '") == ["0 200000 65536"]
    assert n.sh("ct7", "id -u") == ["0"]
    init = int((d / "id").read_text())
    uid = [l for l in open(f"/proc/{init}/status") if l.startswith("Uid:")][0].split()[1]
    assert uid == "200000"  # root inside is nobody special outside


def test_veth_on_a_bridge(lxc_node, tmp_path):
    n = lxc_node
    br = f"hvlxbr{os.getpid() % 100000}"
    subprocess.run(["ip", "link", "add", br, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "10.217.0.1/24", "dev", br], check=True)
        subprocess.run(["ip", "link", "set", br, "up"], check=True)
        iface = (f"\n    <interface type='bridge'><source bridge='{br}'/>"
                 "<mac address='52:54:00:aa:bb:01'/></interface>")
        d = n.define(tmp_path, "ct8", extra_devices=iface)
        n.start("ct8")
        assert n.sh("ct8", "cat /sys/class/net/eth0/address") == ["52:54:00:aa:bb:01"]
        out = n.sh("ct8", "ip link set lo up; ip link set eth0 up; "
                          "ip addr add 10.217.0.2/24 dev eth0; "
                          "ping -c 1 -w 20 10.217.0.1 >/dev/null && echo PING-OK")
        assert out == ["PING-OK"]
        stats = dict(l.split("=", 1) for l in (d / "stats").read_text().split())
        assert stats["net.count"] == "1"
        assert int(stats["net.0.rx.bytes"]) > 0 and int(stats["net.0.tx.bytes"]) > 0
        host_end = stats["net.0.name"]
        assert os.path.exists(f"/sys/class/net/{host_end}")
        assert write(d / "state", "destroy\n") == 0
        assert not os.path.exists(f"/sys/class/net/{host_end}")
    finally:
        subprocess.run(["ip", "link", "del", br], capture_output=True)


def test_interface_on_a_missing_bridge_is_refused(lxc_node, tmp_path):
    n = lxc_node
    iface = "\n    <interface type='bridge'><source bridge='hvnosuchbr0'/></interface>"
    d = n.define(tmp_path, "ct9", extra_devices=iface)
    assert write(d / "state", "start\n") == errno.ENODEV
    assert "bridge 'hvnosuchbr0' does not exist" in (d / "error").read_text()
    assert (d / "state").read_text().strip() == "shutoff"
    assert not n.cgroup("ct9").exists()
