"""domains/<d>/snapshots/ of the test node as a user sees it (docs/moving-and-
keeping.md): mkdir makes a snapshot, a domainsnapshot document copied in
makes the one it names, each folder shows its state, parent and whether it
is current, `echo revert > state` goes back, rmdir deletes (children move to
the parent). Run locally and, through `make check-transports`, on a remote
node (the remote driver's snapshots: libvirt's virDomainSnapshot* calls
against hyperfsd or libvirtd's test driver)."""
import errno

import pytest

from helpers import transport
from helpers.tools import cat, fails, ls, ok, run, sh, state, write_ok

pytestmark = pytest.mark.skipif(transport.NAME == "libvirt-lib",
                                reason="the libvirt driver has no snapshots yet")


def test_mkdir_copy_revert_and_rmdir(node, tmp_path):
    d = node / "domains/test"
    s = d / "snapshots"
    assert ls(s) == []
    ok(run(["mkdir", s / "s1"]))
    assert ls(s) == ["s1"]
    assert cat(s / "s1/state") == "running\n"
    assert cat(s / "s1/parent") == ""  # a root
    assert cat(s / "s1/current") == "yes\n"
    assert "<name>s1</name>" in cat(s / "s1/config.xml")
    # a document copied in: its name is the folder's; s1 is its parent
    doc = tmp_path / "two.xml"
    doc.write_text("<domainsnapshot><name>s2</name><description>second</description>"
                   "</domainsnapshot>")
    ok(run(["cp", doc, s]))
    assert ls(s) == ["s1", "s2"]
    assert cat(s / "s2/parent") == "s1\n"
    assert cat(s / "s2/current") == "yes\n" and cat(s / "s1/current") == "no\n"
    assert "<description>second</description>" in cat(s / "s2/config.xml")
    # revert to s1 with the domain shut off: it runs again, s1 is current
    write_ok(d / "state", "destroy")
    assert state(d) == "shutoff"
    write_ok(s / "s1/state", "revert")
    assert state(d) == "running"
    assert cat(s / "s1/current") == "yes\n"
    # rmdir of s1: s2 becomes a root
    ok(run(["rmdir", s / "s1"]))
    assert ls(s) == ["s2"]
    assert cat(s / "s2/parent") == ""
    ok(run(["rmdir", s / "s2"]))
    assert ls(s) == []


def test_bad_snapshot_input_changes_nothing(node, tmp_path):
    s = node / "domains/test/snapshots"
    ok(run(["mkdir", s / "keep"]))
    fails(sh('echo sideways > "$1"', str(s / "keep/state")), errno.EINVAL)
    fails(run(["mkdir", s / "keep"]), errno.EEXIST)
    assert ls(s) == ["keep"]
    fails(run(["rmdir", s / "nothere"]), errno.ENOENT)
    assert ls(s) == ["keep"]
    assert cat(s / "keep/current") == "yes\n"
