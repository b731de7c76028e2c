"""virsh migrate between two hyperfsd nodes, each in its own network
namespace joined by a veth pair (docs/moving-and-keeping.md "Migration"):
libvirt's own client runs the v3 protocol with parameters (Begin3Params on
the source, Prepare3Params on the target, Perform3Params, Finish3Params,
Confirm3Params); QEMU sends the guest over TCP between the namespaces. A
counter in the guest goes on on the target, and `virsh domjobinfo` and
`domjobabort` reach the migration while it runs (the daemon serves them while
Perform3Params holds: remote/server_async.c); `domjobinfo --completed` on the
target shows the migration's figures after it (QEMU's downtime among them)."""
import re
import time

import pytest

from .mignodes import ADDR, counts, two_nodes

pytestmark = pytest.mark.local_only("its own hyperfsd peers in network namespaces")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, guest):
    with two_nodes(tmp_path_factory.mktemp("migvirsh"), guest, "hvmig") as nd:
        yield nd


def test_virsh_migrate_live_between_namespaces(nodes):
    before = counts(nodes.log("a"))
    assert re.search(r"Job type:\s+None", nodes.virsh("a", "domjobinfo", "--completed",
                                                      "web1").stdout)
    nodes.virsh("a", "migrate", "--live", "--persistent", "--undefinesource", "web1",
                nodes.uri["b"], "--migrateuri", f"tcp://{ADDR['b']}")
    assert nodes.names("a") == []
    assert nodes.names("b") == ["web1"]
    assert nodes.virsh("b", "domstate", "web1").stdout.strip() == "running"
    # the target keeps the completed job, with the source QEMU's figures
    done = nodes.virsh("b", "domjobinfo", "--completed", "web1").stdout
    assert re.search(r"Job type:\s+Completed", done), done
    assert re.search(r"Operation:\s+Incoming migration", done), done
    assert re.search(r"Total downtime:\s+\d+\s+ms", done), done
    assert re.search(r"Time elapsed:\s+[1-9]\d*\s+ms", done), done
    assert re.search(r"Memory processed:\s+[1-9]", done), done
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
    # the old call, virDomainGetJobInfo: type, elapsed, remaining, data, memory, file
    ji = nodes.job_info(src, "web1")
    assert ji[0] == 2 and ji[1] > 0, ji  # VIR_DOMAIN_JOB_UNBOUNDED, ms elapsed
    assert ji[3] > 0 and ji[4] > 0 and ji[3] >= ji[5], ji  # QEMU's RAM counters
    assert ji[6:9] == ji[3:6] and ji[9:] == [0, 0, 0], ji  # all memory, no disk
    nodes.virsh(src, "domjobabort", "web1")
    _, err = mig.communicate(timeout=60)
    assert mig.returncode != 0 and "migration of domain 'web1' was aborted" in err, err
    assert nodes.names(src) == ["web1"] and nodes.names(dst) == []
    assert nodes.virsh(src, "domstate", "web1").stdout.strip() == "running"
    assert "None" in nodes.virsh(src, "domjobinfo", "web1").stdout
    nodes.say(src, "echo STILL-$((40+2))")
    nodes.wait_log(src, "STILL-42")


def test_virsh_migrate_copy_storage_all(nodes):
    """--copy-storage-all: b's pool gets the volume, the disk is mirrored to
    b's QEMU over NBD between the namespaces (the NBD port travels in the
    migration cookie), and the guest on b reads from its disk what it wrote
    on a."""
    nodes.web2_with_marker("DISK$((6*7))Y")
    nodes.virsh("a", "migrate", "--live", "--persistent", "--undefinesource",
                "--copy-storage-all", "web2", nodes.uri["b"], "--migrateuri",
                f"tcp://{ADDR['b']}")
    assert "web2" not in nodes.names("a") and "web2" in nodes.names("b")
    assert nodes.virsh("b", "domstate", "web2").stdout.strip() == "running"
    vols = nodes.virsh("b", "vol-list", "images").stdout
    assert "web2.qcow2" in vols and str(nodes.tmp / "images-b") in vols, vols
    nodes.say("b", "echo 3 > /proc/sys/vm/drop_caches; echo READ=$(dd if=/dev/vda bs=512 "
              "skip=10 count=1 2>/dev/null | tr -dc A-Z0-9)", name="web2")
    nodes.wait_log("b", "READ=DISK42Y", name="web2")
    # the source's volume is left as it was (libvirt does not remove it either)
    assert "web2.qcow2" in nodes.virsh("a", "vol-list", "images").stdout


def test_virsh_copy_storage_job_info_and_abort(nodes):
    """Back to a, slowly: GetJobInfo's file counters are the disk's, data is
    memory and disk; domjobabort mid-copy leaves web2 on b and removes the
    volume the migration created on a."""
    nodes.virsh("a", "vol-delete", "web2.qcow2", "--pool", "images")
    mig = nodes.virsh_bg("b", "migrate", "--live", "--persistent", "--undefinesource",
                         "--copy-storage-all", "--bandwidth", "1", "web2", nodes.uri["a"],
                         "--migrateuri", f"tcp://{ADDR['a']}")
    deadline = time.monotonic() + 60
    while True:
        ji = nodes.job_info("b", "web2")
        if ji[0] and ji[10] > 0:
            break
        assert mig.poll() is None, mig.communicate()
        assert time.monotonic() < deadline, ji
        time.sleep(0.1)
    assert ji[9] >= 64 << 20 and ji[9] == ji[10] + ji[11], ji  # the whole disk
    assert ji[3] == ji[6] + ji[9] and ji[4] == ji[7] + ji[10], ji
    assert "web2.qcow2" in nodes.virsh("a", "vol-list", "images").stdout
    nodes.virsh("b", "domjobabort", "web2")
    _, err = mig.communicate(timeout=60)
    assert mig.returncode != 0 and "migration of domain 'web2' was aborted" in err, err
    assert "web2" in nodes.names("b") and "web2" not in nodes.names("a")
    assert nodes.virsh("b", "domstate", "web2").stdout.strip() == "running"
    assert "web2.qcow2" not in nodes.virsh("a", "vol-list", "images").stdout
    assert not (nodes.tmp / "images-a" / "web2.qcow2").exists()
    nodes.virsh("b", "destroy", "web2")
