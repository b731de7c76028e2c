"""virsh migrate --p2p between a hyperfsd node and a stock libvirtd (libvirt
9.0), both ways, in the namespaces of test_qemu_migrate_libvirtd.py (its
`peers` fixture: hyperfsd in a, a private libvirtd in b, the counting
guest started on libvirtd): libvirtd's qemu driver drives the migration
to hyperfsd itself (Prepare3Params and Finish3Params on hyperfsd, with
libvirt's cookie), and hyperfsd drives it back (drivers/migrate_p2p.c,
libvirtd's Prepare3Params and Finish3Params). The counter goes on each
time (docs/moving-and-keeping.md "With a stock libvirtd")."""
import re

import pytest

from .mignodes import counts
from .test_qemu_migrate_libvirtd import ADDR, assert_goes_on, completed_job, peers  # noqa: F401

pytestmark = pytest.mark.local_only("its own hyperfsd and libvirtd in network namespaces")


@pytest.mark.parametrize("tunnelled", [False, True], ids=["native", "tunnelled"])
def test_virsh_migrate_p2p_libvirtd_to_hyperfsd_and_back(peers, tunnelled):  # noqa: F811
    p = peers
    how = {n: ["--tunnelled"] if tunnelled else ["--migrateuri", f"tcp://{ADDR[n]}"]
           for n in "ab"}
    before = counts(p.log("b"))
    p.virsh("b", "migrate", "--live", "--p2p", "--persistent", "--undefinesource", "web1",
            p.uri["a"], *how["a"])
    assert p.names("b") == [] and p.names("a") == ["web1"]
    assert p.virsh("a", "domstate", "web1").stdout.strip() == "running"
    p.wait_log("a", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    assert_goes_on(before, counts(p.log("a")))
    assert re.search(r"Job type:\s+Completed", completed_job(p, "a"))
    p.say("a", "echo PONG-$((40+2))", "PONG-42")

    mark = len(p.log("b"))
    before = counts(p.log("a"))
    p.virsh("a", "migrate", "--live", "--p2p", "--persistent", "--undefinesource", "web1",
            p.uri["b"], *how["b"])
    assert p.names("a") == [] and p.names("b") == ["web1"]
    assert p.virsh("b", "domstate", "web1").stdout.strip() == "running"
    p.wait_log("b", r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n", after=mark)
    assert_goes_on(before, counts(p.log("b")[mark:]))
    assert re.search(r"Operation:\s+Incoming migration", completed_job(p, "b"))
