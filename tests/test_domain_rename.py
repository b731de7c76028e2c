"""mv domains/a domains/b within one node renames the domain (libvirt's
virDomainRename, as its test driver does it): only shut off and persistent,
the uuid and settings kept, `undefined renamed` then `defined renamed` in
events; a refused rename says why in the domain's `error` and changes
nothing. (mv between nodes is a migration: tests/qemu/test_qemu_migrate*.py.)"""
import errno
import xml.etree.ElementTree as ET

import pytest

from helpers import transport
from helpers.tools import EventWait, assert_error, cat, fails, ls, ok, run, state, write_ok

pytestmark = pytest.mark.local_only("the remote driver does not rename yet")


def test_mv_renames_a_shut_off_domain(node):
    doms = node / "domains"
    uuid = cat(doms / "test/uuid")
    write_ok(doms / "test/state", "destroy")
    write_ok(doms / "test/memory", "1G")
    with EventWait(node, r" domain (test undefined|t2 defined) renamed$", count=2) as ew:
        ok(run(["mv", doms / "test", doms / "t2"]))
    assert [l.split()[2:4] for l in ew.lines] == [["test", "undefined"], ["t2", "defined"]]
    assert "t2" in ls(doms) and "test" not in ls(doms)
    assert state(doms / "t2") == "shutoff"
    assert cat(doms / "t2/uuid") == uuid
    assert cat(doms / "t2/memory") == "1048576\n"
    assert ET.fromstring(cat(doms / "t2/config.xml")).findtext("name") == "t2"
    write_ok(doms / "t2/state", "start")
    assert state(doms / "t2") == "running"
    assert fails(run(["cat", doms / "test/state"]), errno.ENOENT)


def test_mv_of_a_running_domain_is_refused_and_changes_nothing(node):
    doms = node / "domains"
    fails(run(["mv", doms / "test", doms / "t2"]), errno.EBUSY)
    m = assert_error(doms / "test", errno.EBUSY)
    assert "cannot rename active domain" in m.group(0)
    assert sorted(ls(doms)) == ["test"] and state(doms / "test") == "running"


@pytest.mark.parametrize("bad", ["a\nb", ".hidden", "a\tb"])
def test_mv_to_a_bad_name_is_refused(node, bad):
    """mv words a rename's EINVAL as "a subdirectory of itself"; the domain's
    error says what was wrong."""
    doms = node / "domains"
    write_ok(doms / "test/state", "destroy")
    r = run(["mv", doms / "test", doms / bad])
    assert r.returncode != 0
    m = assert_error(doms / "test", errno.EINVAL)
    assert "cannot be used as a file name" in m.group(0) or "name" in m.group(0)
    assert ls(doms) == ["test"] and state(doms / "test") == "shutoff"


def test_mv_of_a_transient_domain_is_refused(node):
    doms = node / "domains"
    ok(run(["rmdir", doms / "test"]))  # running: it stays, transient
    assert cat(doms / "test/persistent") == "0\n"
    fails(run(["mv", doms / "test", doms / "t2"]), errno.EBUSY)
    assert ls(doms) == ["test"]
