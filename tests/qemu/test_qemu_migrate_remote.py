"""mv between two hyperfsd nodes that hyperfs reaches through its remote
driver (docs/moving-and-keeping.md "Through the remote driver"): each
hyperfsd runs in its own network namespace (mignodes.py), hyperfs outside
them reaches each over its unix socket, and `mv mnt/a/domains/web1
mnt/b/domains/` runs the v3-with-params procedures on both peers (Begin3Params
on a, Prepare3Params on b, Perform3Params on a, Finish3Params on b,
Confirm3Params on a). QEMU sends the guest over the veth between the
namespaces (`uri=tcp:10.78.0.2` in the migrate file: the nodes' URIs name no
host). A counter in the guest goes on on b; with copy-storage=all the disk
(a volume of each node's pool `images`) is mirrored to b over NBD, and an
abort mid-copy through the `job` file leaves the guest on a and no volume on
b. A third node, c, is the mount's own qemu node (reached from b over a
veth into this namespace): mv from b to c and back."""
import os
import re
import subprocess
import time

import pytest

from helpers.mount import HyperfsMount

from .conftest import READY
from .mignodes import ADDR, counts, two_nodes

pytestmark = pytest.mark.local_only("its own hyperfsd peers in network namespaces")

POOL = "<pool type='dir'><name>images</name><target><path>{}</path></target></pool>"


def read(p):
    return open(p).read().strip()


def write(p, text):
    with open(p, "w") as f:
        f.write(text + "\n")


# a veth between this namespace and b's, for the local node c
HOST_NET = f"10.233.{os.getpid() % 250}"
HOST_IF = f"hvrt{os.getpid() % 100000}"


@pytest.fixture(scope="module")
def env(tmp_path_factory, guest):
    tmp = tmp_path_factory.mktemp("migremote")
    with two_nodes(tmp, guest, "hvmr") as nd:
        conns = [f"{n}=qemu+unix:///system?socket={tmp / (n + '.sock')}&root={tmp / ('root-' + n)}"
                 for n in "ab"] + [f"c=qemu:///system?root={tmp / 'root-c'}"]
        m = HyperfsMount(tmp / "mnt", conns, logdir=tmp)
        try:
            subprocess.run(["ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", "hvrb",
                            "netns", nd.ns["b"]], check=True)
            subprocess.run(["ip", "addr", "add", f"{HOST_NET}.1/24", "dev", HOST_IF], check=True)
            subprocess.run(["ip", "link", "set", HOST_IF, "up"], check=True)
            subprocess.run(["ip", "-n", nd.ns["b"], "addr", "add", f"{HOST_NET}.2/24", "dev",
                            "hvrb"], check=True)
            subprocess.run(["ip", "-n", nd.ns["b"], "link", "set", "hvrb", "up"], check=True)
            m.start()
            yield nd, m
        finally:
            for pidfile in (tmp / "root-c" / "run").glob("*.pid"):  # c's QEMUs
                subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
            if m.alive():
                m.stop()
            subprocess.run(["ip", "link", "del", HOST_IF], capture_output=True)


def dom(m, node, name):
    return m.node(node) / "domains" / name


def mv(m, src, dst, name):
    return subprocess.run(["mv", str(dom(m, src, name)), str(m.node(dst) / "domains") + "/"],
                          capture_output=True, text=True, timeout=120)


def test_mv_live_between_remote_nodes(env):
    nd, m = env
    before = counts(nd.log("a"))
    write(dom(m, "a", "web1") / "migrate", f"uri=tcp:{ADDR['b']}")
    r = mv(m, "a", "b", "web1")
    assert r.returncode == 0, r.stderr
    assert "web1" not in os.listdir(m.node("a") / "domains")
    assert read(dom(m, "b", "web1") / "state") == "running"
    assert read(dom(m, "b", "web1") / "persistent") == "1"
    assert nd.names("a") == [] and nd.names("b") == ["web1"]  # as the peers see it
    # b's completed job through GetJobStats(COMPLETED): the job file's section
    job = read(dom(m, "b", "web1") / "job").splitlines()
    assert job[0] == "type: none" and "completed: migration-in" in job, job
    assert any(re.match(r"completed-data-processed: [1-9]", x) for x in job), job
    nd.say("b", "echo PONG-$((40+2))")
    nd.wait_log("b", "PONG-42")
    nd.wait_log("b", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    after = counts(nd.log("b"))
    assert after[0] > before[-1], (before[-3:], after[:3])
    assert after == list(range(after[0], after[0] + len(after))), after


def test_mv_between_a_remote_node_and_a_local_one(env):
    """b (hyperfsd, in its namespace) to c (the mount's own qemu node) and
    back: the phases are the same whichever driver each end is."""
    nd, m = env
    write(dom(m, "b", "web1") / "migrate", f"uri=tcp:{HOST_NET}.1")
    r = mv(m, "b", "c", "web1")
    assert r.returncode == 0, r.stderr
    assert nd.names("b") == [] and read(dom(m, "c", "web1") / "state") == "running"
    c_log = nd.tmp / "root-c" / "run" / "web1.log"
    with open(dom(m, "c", "web1") / "console", "w") as w:
        w.write("echo ON-C-$((40+2))\n")
    deadline = time.monotonic() + 60
    while "ON-C-42" not in (c_log.read_text(errors="replace") if c_log.exists() else ""):
        assert time.monotonic() < deadline, "the guest never answered on c"
        time.sleep(0.05)
    write(dom(m, "c", "web1") / "migrate", f"uri=tcp:{HOST_NET}.2")
    r = mv(m, "c", "b", "web1")
    assert r.returncode == 0, r.stderr
    assert "web1" not in os.listdir(m.node("c") / "domains")
    assert nd.names("b") == ["web1"]
    nd.say("b", "echo BACK-$((40+2))")
    nd.wait_log("b", "BACK-42")


def test_mv_offline_between_remote_nodes(env):
    nd, m = env
    write(dom(m, "b", "web1") / "state", "destroy")
    r = mv(m, "b", "a", "web1")
    assert r.returncode == 0, r.stderr
    assert nd.names("a") == ["web1"] and nd.names("b") == []
    assert read(dom(m, "a", "web1") / "state") == "shutoff"
    os.rmdir(dom(m, "a", "web1"))


@pytest.fixture(scope="module")
def web2(env):
    """web2 running on a, its disk a volume of a's pool with 24 MiB of data, a marker on it."""
    nd, m = env
    for n in "ab":
        (nd.tmp / f"images-{n}").mkdir()
        (nd.tmp / f"pool-{n}.xml").write_text(POOL.format(nd.tmp / f"images-{n}"))
        subprocess.run(["cp", str(nd.tmp / f"pool-{n}.xml"), str(m.node(n) / "pools")],
                       check=True)
        write(m.node(n) / "pools" / "images" / "state", "start")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2",
                    str(nd.tmp / "images-a" / "web2.qcow2"), "64M"], check=True)
    # 24 MiB of data: 24 s at 1 MiB/s, the abort test's window on a busy machine
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x33 1M 24M",
                    str(nd.tmp / "images-a" / "web2.qcow2")], check=True, capture_output=True)
    write(m.node("a") / "pools" / "images" / "state", "refresh")
    subprocess.run(["cp", str(nd.tmp / "web2.xml"), str(m.node("a") / "domains")], check=True)
    write(dom(m, "a", "web2") / "state", "start")
    nd.wait_log("a", READY, name="web2")
    nd.say("a", "printf REM$((6*7))Z | dd of=/dev/vda bs=512 seek=10 conv=fsync,notrunc "
           "2>/dev/null; echo WROTE-$((1+1))", name="web2")
    nd.wait_log("a", "WROTE-2", name="web2")
    return nd, m


def volumes(m, n):
    return sorted(os.listdir(m.node(n) / "pools" / "images" / "volumes"))


def test_abort_mid_copy_between_remote_nodes(web2):
    nd, m = web2
    d = dom(m, "a", "web2")
    write(d / "migrate", f"uri=tcp:{ADDR['b']} copy-storage=all bandwidth=1")
    p = subprocess.Popen(["mv", str(d), str(m.node("b") / "domains") + "/"],
                         stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # the job file of a remote domain: GetJobStats on a
            job = dict(l.split(": ", 1) for l in read(d / "job").splitlines())
            if int(job.get("disk-processed", 0)) > 0:
                break
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["type"] == "migration-out" and int(job["disk-total"]) >= 64 << 20, job
    finally:
        write(d / "job", "abort")
    _, err = p.communicate(timeout=60)
    assert p.returncode != 0 and "Operation canceled" in err, err
    assert "migration of domain 'web2' was aborted" in read(d / "error"), read(d / "error")
    assert read(d / "state") == "running"
    assert "web2" not in os.listdir(m.node("b") / "domains")
    assert volumes(m, "b") == []


def test_mv_copy_storage_between_remote_nodes(web2):
    nd, m = web2
    d = dom(m, "a", "web2")
    write(d / "migrate", f"uri=tcp:{ADDR['b']} copy-storage=all bandwidth=0")
    r = mv(m, "a", "b", "web2")
    assert r.returncode == 0, r.stderr
    assert read(dom(m, "b", "web2") / "state") == "running"
    assert volumes(m, "b") == ["web2.qcow2"]
    nd.say("b", "echo 3 > /proc/sys/vm/drop_caches; echo READ=$(dd if=/dev/vda bs=512 "
           "skip=10 count=1 2>/dev/null | tr -dc A-Z0-9)", name="web2")
    nd.wait_log("b", "READ=REM42Z", name="web2")
    write(dom(m, "b", "web2") / "state", "destroy")

