"""virsh migrate --p2p and --p2p --tunnelled between two hyperfsd nodes,
each in its own network namespace (tests/qemu/mignodes.py; docs/
moving-and-keeping.md "Peer-to-peer and tunnelled"). virsh calls only
Perform3Params on the source, whose hyperfsd opens the target itself and
runs the phases (drivers/migrate_p2p.c); tunnelled, the guest goes through
PrepareTunnel3Params' RPC stream between the daemons instead of a TCP
connection between the QEMUs. The guest's counter goes on on the target; an
abort, and the target killed mid-way, leave it running on the source with an
error."""
import re
import subprocess
import time

import pytest

from .mignodes import ADDR, counts, two_nodes

pytestmark = pytest.mark.local_only("its own hyperfsd peers in network namespaces")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, guest):
    with two_nodes(tmp_path_factory.mktemp("migp2p"), guest, "hvp2p") as nd:
        yield nd


def where(nodes):
    """(the node web1 is on, the other one)"""
    return ("a", "b") if "web1" in nodes.names("a") else ("b", "a")


def moved(nodes, src, dst, before):
    """web1 runs on dst only, answers there, and its counter went on."""
    assert "web1" not in nodes.names(src)
    assert nodes.names(dst) == ["web1"]
    assert nodes.virsh(dst, "domstate", "web1").stdout.strip() == "running"
    word = f"PONG{src}{dst}-$((40+2))"
    nodes.say(dst, f"echo {word}")
    nodes.wait_log(dst, f"PONG{src}{dst}-42")
    nodes.wait_log(dst, rf"PONG{src}{dst}-42(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    after = counts(nodes.log(dst))
    assert after[0] > before[-1], (before[-3:], after[:3])
    assert after == list(range(after[0], after[0] + len(after))), after


def stayed(nodes, src, dst, word):
    """web1 still runs on src, alone, and answers there."""
    assert nodes.names(src) == ["web1"] and nodes.names(dst) == []
    assert nodes.virsh(src, "domstate", "web1").stdout.strip() == "running"
    nodes.say(src, f"echo {word}-$((40+2))")
    nodes.wait_log(src, f"{word}-42")


@pytest.mark.parametrize("tunnelled", [False, True], ids=["native", "tunnelled"])
def test_virsh_migrate_p2p(nodes, tunnelled):
    """virsh checks VIR_DRV_FEATURE_MIGRATION_P2P (4) on the source first
    ("this function is not supported" without it), then sends Perform3Params
    with the target's URI."""
    src, dst = where(nodes)
    before = counts(nodes.log(src))
    extra = ["--tunnelled"] if tunnelled else []
    nodes.virsh(src, "migrate", "--live", "--p2p", *extra, "--persistent", "--undefinesource",
                "web1", nodes.uri[dst])
    moved(nodes, src, dst, before)
    done = nodes.virsh(dst, "domjobinfo", "--completed", "web1").stdout
    assert re.search(r"Job type:\s+Completed", done), done
    assert re.search(r"Memory processed:\s+[1-9]", done), done
    # the source's daemon logged the peer-to-peer call; the target's log has
    # the stream of PrepareTunnel3Params (304) only when tunnelled
    log = (nodes.tmp / f"hyperfsd-{dst}.log").read_text(errors="replace")
    assert ("virDomainMigratePrepareTunnel3Params" in log) == tunnelled, log[-2000:]


def test_virsh_migrate_p2p_offline(nodes):
    """A shut-off domain's definition, peer-to-peer: no perform, no QEMU."""
    (nodes.tmp / "web3.xml").write_text((nodes.tmp / "web1.xml").read_text().replace(
        "<name>web1</name>", "<name>web3</name>"))
    nodes.virsh("a", "define", str(nodes.tmp / "web3.xml"))
    nodes.virsh("a", "migrate", "--offline", "--p2p", "--persistent", "--undefinesource",
                "web3", nodes.uri["b"])
    assert "web3" not in nodes.names("a") and "web3" in nodes.names("b")
    assert nodes.virsh("b", "domstate", "web3").stdout.strip() == "shut off"
    r = nodes.virsh("b", "migrate", "--offline", "--p2p", "--tunnelled", "--persistent",
                    "web3", nodes.uri["a"], check=False)
    assert r.returncode != 0 and "an offline migration is not supported by tunnelled " \
        "migration" in r.stderr, r.stderr
    nodes.virsh("b", "undefine", "web3")


def test_virsh_migrate_p2p_copy_storage_all(nodes):
    """Peer-to-peer takes the client-driven migration's options: with
    --copy-storage-all b's pool gets the volume, mirrored over NBD (the port
    in the cookie the source's daemon carries now), and the guest on b reads
    what it wrote on a."""
    nodes.web2_with_marker("DISK$((6*7))P")
    nodes.virsh("a", "migrate", "--live", "--p2p", "--persistent", "--undefinesource",
                "--copy-storage-all", "web2", nodes.uri["b"])
    assert "web2" not in nodes.names("a") and "web2" in nodes.names("b")
    assert "web2.qcow2" in nodes.virsh("b", "vol-list", "images").stdout
    nodes.say("b", "echo 3 > /proc/sys/vm/drop_caches; echo READ=$(dd if=/dev/vda bs=512 "
              "skip=10 count=1 2>/dev/null | tr -dc A-Z0-9)", name="web2")
    nodes.wait_log("b", "READ=DISK42P", name="web2")
    nodes.virsh("b", "destroy", "web2")
    nodes.virsh("b", "undefine", "web2")


@pytest.mark.parametrize("args, why", [
    (["--tunnelled", "--migrateuri", f"tcp://{ADDR['b']}"],
     "a migration URI is not supported by tunnelled migration"),
    (["--tunnelled", "--listen-address", "0.0.0.0"],
     "a listen address is not supported by tunnelled migration"),
    (["--tunnelled", "--copy-storage-all"],
     "copy-storage (non-shared disks) is not supported by tunnelled migration"),
    (["--tunnelled", "--postcopy"], "post-copy is not supported by tunnelled migration"),
], ids=["migrateuri", "listen", "copy-storage", "postcopy"])
def test_tunnelled_refusals(nodes, args, why):
    src, dst = where(nodes)
    r = nodes.virsh(src, "migrate", "--live", "--p2p", *args, "web1", nodes.uri[dst],
                    check=False)
    assert r.returncode != 0 and f"Operation not supported: cannot migrate domain 'web1': {why}" \
        in r.stderr, r.stderr
    stayed(nodes, src, dst, "REFUSED" + args[1].strip("-").replace("-", ""))


def test_p2p_unreachable_destination(nodes):
    src, dst = where(nodes)
    r = nodes.virsh(src, "migrate", "--live", "--p2p", "web1", "qemu+tcp://10.78.0.9/system",
                    check=False)
    assert r.returncode != 0, r.stdout
    assert "cannot connect to the destination 'qemu+tcp://10.78.0.9/system'" in r.stderr, \
        r.stderr
    stayed(nodes, src, dst, "UNREACHED")


def wait_outgoing(nodes, src, mig):
    deadline = time.monotonic() + 60
    while True:
        info = nodes.virsh(src, "domjobinfo", "web1").stdout
        if "Outgoing migration" in info and re.search(r"Data processed:\s+[1-9]", info):
            return info
        assert mig.poll() is None, mig.communicate()
        assert time.monotonic() < deadline, info
        time.sleep(0.1)


@pytest.mark.parametrize("tunnelled", [False, True], ids=["native", "tunnelled"])
def test_p2p_domjobabort(nodes, tunnelled):
    src, dst = where(nodes)
    extra = ["--tunnelled"] if tunnelled else []
    mig = nodes.virsh_bg(src, "migrate", "--live", "--p2p", *extra, "--persistent",
                         "--undefinesource", "--bandwidth", "1", "web1", nodes.uri[dst])
    wait_outgoing(nodes, src, mig)
    nodes.virsh(src, "domjobabort", "web1")
    _, err = mig.communicate(timeout=60)
    assert mig.returncode != 0 and "migration of domain 'web1' was aborted" in err, err
    assert "None" in nodes.virsh(src, "domjobinfo", "web1").stdout
    stayed(nodes, src, dst, "ABORTED" + ("T" if tunnelled else "N"))
    # the target's QEMU went with the cancelled prepare
    assert not list((nodes.tmp / f"root-{dst}" / "run").glob("web1.pid"))


@pytest.mark.parametrize("tunnelled, what", [(False, "node"), (True, "node"), (False, "daemon"),
                                             (True, "qemu")],
                         ids=["native", "tunnelled", "daemon-only", "tunnelled-qemu-only"])
def test_p2p_target_killed(nodes, tunnelled, what):
    """The target node dies mid-way (its hyperfsd and QEMU), or only its
    hyperfsd: then its QEMU would take the guest in the end, but the
    source's daemon sees the connection it migrates over go and aborts, as
    libvirt's ("Lost connection to destination host"); or, tunnelled, only
    the target's QEMU: its daemon cannot feed it, the stream fails, and so
    does the source's pump."""
    src, dst = where(nodes)
    extra = ["--tunnelled"] if tunnelled else []
    mig = nodes.virsh_bg(src, "migrate", "--live", "--p2p", *extra, "--persistent",
                         "--undefinesource", "--bandwidth", "1", "web1", nodes.uri[dst])
    wait_outgoing(nodes, src, mig)
    if what == "qemu":
        pidfile = nodes.tmp / f"root-{dst}" / "run" / "web1.pid"
        subprocess.run(["kill", "-9", pidfile.read_text().strip()], check=True)
    else:
        nodes.kill_node(dst, qemu=what == "node")
    _, err = mig.communicate(timeout=60)
    assert mig.returncode != 0 and "migration of domain 'web1' failed" in err, err
    if what == "daemon":
        assert f"the connection to the destination '{nodes.uri[dst]}' was lost" in err, err
        nodes.kill_node(dst, qemu=True)  # its orphaned incoming QEMU
    if what == "qemu":
        assert "the tunnel to the destination stopped" in err, err
        assert nodes.names(dst) == []  # the target's daemon let the dead QEMU's domain go
    else:
        nodes.start_daemon(dst)
        nodes.wait_daemon(dst)
    stayed(nodes, src, dst, "SURVIVED" + what + ("T" if tunnelled else "N"))
