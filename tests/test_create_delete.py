"""Creating objects by copying XML into domains/, networks/, pools/ and
pools/<p>/volumes/, and deleting them with rmdir (docs/tree.md, Creating and
deleting)."""
import errno
import time

import pytest

from helpers import docs
from helpers.tools import (assert_error, cat, fails, ls, ok, read_token, run, snapshot_node,
                           state, uuid_ok, wait_state, write_ok)


# ---------------------------------------------------------------- domains
def test_cp_defines_a_domain(node, data):
    ok(run(["cp", data / "domain-vm1.xml", node / "domains/"]))
    assert ls(node / "domains") == ["test", "vm1"], "the copied file must not remain"
    d = node / "domains/vm1"
    assert state(d) == "shutoff"
    assert read_token(d / "persistent") == "1"
    assert read_token(d / "id") == "-1"
    assert read_token(d / "memory") == "262144"
    assert read_token(d / "max-memory") == "524288"
    assert read_token(d / "vcpus") == "1"
    assert read_token(d / "max-vcpus") == "2"
    assert uuid_ok(cat(d / "uuid")), "a uuid is generated when the document has none"
    assert cat(node / "node/error") == ""
    write_ok(d / "state", "start")
    assert state(d) == "running"


def test_cp_with_another_file_name_defines_by_the_name_inside(node, data):
    ok(run(["cp", data / "domain-vm1.xml", node / "domains/whatever.xml"]))
    assert ls(node / "domains") == ["test", "vm1"]


def test_cat_into_a_new_file_defines_too(node, data):
    ok(run(["sh", "-c", 'cat "$1" > "$2"', "sh", data / "domain-vm1.xml", node / "domains/new.xml"]))
    assert ls(node / "domains") == ["test", "vm1"]


def test_rmdir_undefines_a_shut_off_domain(node, data):
    ok(run(["cp", data / "domain-vm1.xml", node / "domains/"]))
    ok(run(["rmdir", node / "domains/vm1"]))
    assert ls(node / "domains") == ["test"]
    fails(run(["cat", node / "domains/vm1/state"]), errno.ENOENT)


def test_rmdir_of_a_running_domain_leaves_it_transient_until_it_stops(node):
    d = node / "domains/test"
    ok(run(["rmdir", d]))
    assert ls(node / "domains") == ["test"]
    assert state(d) == "running"
    assert read_token(d / "persistent") == "0"
    assert "persistent: no\n" in cat(d / "info")
    write_ok(d / "state", "destroy")
    assert ls(node / "domains") == []


def test_transient_domain_vanishes_after_a_shutdown(mount_factory):
    m = mount_factory("test:///default?clock=fixed&shutdown-delay=300&extras=all")
    n = m.node()
    ok(run(["rmdir", n / "domains/test"]))
    write_ok(n / "domains/test/state", "shutdown")
    deadline = time.monotonic() + 10
    while "test" in ls(n / "domains"):
        assert time.monotonic() < deadline, "transient domain did not vanish after shutdown"
        time.sleep(0.05)


@pytest.mark.not_libvirtd("libvirt's test driver accepts undefining a transient domain (virsh undefine twice works)")
def test_rmdir_twice_on_a_transient_domain(node):
    d = node / "domains/test"
    ok(run(["rmdir", d]))
    r = run(["rmdir", d])
    assert r.returncode != 0, "undefining a transient domain again must fail"
    assert state(d) == "running"


DOMAIN_BAD = {
    "slash": ("a/b", errno.EINVAL),
    "dotdot": ("..", errno.EINVAL),
    "dot": (".", errno.EINVAL),
    "leading-dot": (".hidden", errno.EINVAL),
    "empty": ("", errno.EINVAL),
    "control-char": ("a\tb", errno.EINVAL),
    "too-long": ("x" * 256, errno.EINVAL),
    "taken": ("test", errno.EEXIST),
}


@pytest.mark.parametrize("case", list(DOMAIN_BAD))
def test_cp_bad_domain_name_refused(node, tmp_path, case):
    name, err = DOMAIN_BAD[case]
    src = docs.write(tmp_path, "dom.xml", docs.domain_xml(name))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "domains/"]), err)
    assert snapshot_node(node) == before, "a refused document left something behind"
    assert_error(node / "node", err)


@pytest.mark.parametrize("name", ["my vm", "vm-ü", "a:b", "x" * 255, "a.b", "-dash", "UPPER"])
def test_unusual_but_valid_names_work_with_tools(node, tmp_path, name):
    src = docs.write(tmp_path, "dom.xml", docs.domain_xml(name))
    ok(run(["cp", src, node / "domains/"]))
    assert sorted(ls(node / "domains")) == sorted(["test", name])
    assert cat(node / "domains" / name / "state") == "shutoff\n"
    write_ok(node / "domains" / name / "state", "start")
    r = ok(run(["grep", "-l", "running", *[node / "domains" / n / "state" for n in ("test", name)]]))
    assert len(r.stdout.splitlines()) == 2
    write_ok(node / "domains" / name / "state", "destroy")
    ok(run(["rmdir", node / "domains" / name]))
    assert ls(node / "domains") == ["test"]


def test_cp_domain_with_a_taken_uuid_refused(node, tmp_path):
    uuid = read_token(node / "domains/test/uuid")
    src = docs.write(tmp_path, "dom.xml", docs.domain_xml("other", uuid=uuid))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "domains/"]), errno.EEXIST)
    assert snapshot_node(node) == before
    assert_error(node / "node", errno.EEXIST)


@pytest.mark.parametrize("doc", ["bad-malformed.xml", "bad-not-a-domain.xml",
                                 "bad-entity-bomb.xml", "bad-external-entity.xml"])
def test_cp_bad_domain_document_refused(node, data, doc):
    before = snapshot_node(node)
    fails(run(["cp", data / doc, node / "domains/"]), errno.EINVAL)
    assert snapshot_node(node) == before
    assert_error(node / "node", errno.EINVAL)
    assert "root:" not in cat(node / "node/error")


def test_cp_oversize_domain_document_refused(node, tmp_path):
    src = docs.write(tmp_path, "big.xml", docs.domain_xml(
        "big", extra=f"  <description>{'z' * (5 << 20)}</description>\n"))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "domains/"]), errno.EFBIG)
    assert snapshot_node(node) == before
    assert_error(node / "node", errno.EFBIG)


def test_mkdir_is_refused(node):
    fails(run(["mkdir", node / "domains/newvm"]), errno.EPERM)
    assert ls(node / "domains") == ["test"]


def test_unlink_mv_chmod_of_objects_refused(node):
    d = node / "domains/test"
    fails(run(["rm", "-f", d / "state"]), errno.EPERM)
    fails(run(["mv", node / "networks/default", node / "networks/renamed"]), errno.EPERM)
    fails(run(["chmod", "0600", d / "state"]), errno.EPERM)
    assert ls(node / "domains") == ["test"]
    assert "state" in ls(d)
    assert state(d) == "running"


# ---------------------------------------------------------------- networks
def test_cp_defines_a_network_inactive(node, data):
    ok(run(["cp", data / "network-net1.xml", node / "networks/"]))
    assert ls(node / "networks") == ["default", "net1"]
    n = node / "networks/net1"
    assert state(n) == "inactive"
    assert read_token(n / "persistent") == "1"
    assert read_token(n / "bridge") == "virbr11"
    write_ok(n / "state", "start")
    assert state(n) == "active"


def test_rmdir_of_an_active_network_is_busy(node):
    n = node / "networks/default"
    fails(run(["rmdir", n]), errno.EBUSY)
    assert ls(node / "networks") == ["default"]
    assert state(n) == "active"
    assert_error(n, errno.EBUSY)


def test_rmdir_of_an_inactive_network_undefines(node):
    write_ok(node / "networks/default/state", "stop")
    ok(run(["rmdir", node / "networks/default"]))
    assert ls(node / "networks") == []


@pytest.mark.parametrize("name,err", [("default", errno.EEXIST), ("x/y", errno.EINVAL),
                                      ("..", errno.EINVAL), (".net", errno.EINVAL)])
def test_cp_bad_network_refused(node, tmp_path, name, err):
    src = docs.write(tmp_path, "net.xml", docs.network_xml(name))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "networks/"]), err)
    assert snapshot_node(node) == before
    assert_error(node / "node", err)


def test_cp_malformed_network_refused(node, data):
    before = snapshot_node(node)
    fails(run(["cp", data / "bad-malformed.xml", node / "networks/"]), errno.EINVAL)
    assert snapshot_node(node) == before


# ---------------------------------------------------------------- pools
def test_cp_defines_a_pool_inactive(node, data):
    ok(run(["cp", data / "pool-pool1.xml", node / "pools/"]))
    assert ls(node / "pools") == ["default-pool", "pool1"]
    p = node / "pools/pool1"
    assert state(p) == "inactive"
    assert read_token(p / "persistent") == "1"
    write_ok(p / "state", "start")
    assert state(p) == "active"


def test_rmdir_of_an_active_pool_is_busy(node):
    p = node / "pools/default-pool"
    vols = ls(p / "volumes")
    fails(run(["rmdir", p]), errno.EBUSY)
    assert ls(node / "pools") == ["default-pool"]
    assert state(p) == "active"
    assert ls(p / "volumes") == vols
    assert_error(p, errno.EBUSY)


def test_rmdir_of_an_inactive_pool_undefines(node):
    write_ok(node / "pools/default-pool/state", "stop")
    ok(run(["rmdir", node / "pools/default-pool"]))
    assert ls(node / "pools") == []


@pytest.mark.parametrize("name,err", [("default-pool", errno.EEXIST), ("p/q", errno.EINVAL),
                                      ("..", errno.EINVAL), (".p", errno.EINVAL)])
def test_cp_bad_pool_refused(node, tmp_path, name, err):
    src = docs.write(tmp_path, "pool.xml", docs.pool_xml(name))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "pools/"]), err)
    assert snapshot_node(node) == before
    assert_error(node / "node", err)


# ---------------------------------------------------------------- volumes
def test_cp_creates_a_volume(node, data):
    vols = node / "pools/default-pool/volumes"
    before = ls(vols)
    ok(run(["cp", data / "volume-vol1.xml", vols]))
    assert sorted(ls(vols)) == sorted(before + ["vol1.qcow2"])
    v = vols / "vol1.qcow2"
    assert read_token(v / "capacity") == str(2 << 30)
    assert read_token(v / "format") == "qcow2"
    assert read_token(v / "path").endswith("/vol1.qcow2")


def test_rmdir_deletes_a_volume(node, data):
    vols = node / "pools/default-pool/volumes"
    ok(run(["cp", data / "volume-vol1.xml", vols]))
    before = ls(vols)
    ok(run(["rmdir", vols / "vol1.qcow2"]))
    assert ls(vols) == [v for v in before if v != "vol1.qcow2"]


@pytest.mark.parametrize("name,err", [("a/b", errno.EINVAL), ("..", errno.EINVAL),
                                      (".v", errno.EINVAL)])
def test_cp_bad_volume_name_refused(node, tmp_path, name, err):
    src = docs.write(tmp_path, "vol.xml", docs.volume_xml(name))
    before = snapshot_node(node)
    fails(run(["cp", src, node / "pools/default-pool/volumes/"]), err)
    assert snapshot_node(node) == before
    assert_error(node / "node", err)


def test_cp_volume_with_a_taken_name_refused(node, tmp_path):
    vols = node / "pools/default-pool/volumes"
    taken = ls(vols)[0]
    src = docs.write(tmp_path, "vol.xml", docs.volume_xml(taken))
    before = snapshot_node(node)
    fails(run(["cp", src, vols]), errno.EEXIST)
    assert snapshot_node(node) == before
    assert_error(node / "node", errno.EEXIST)


def test_every_kind_round_trip_leaves_the_node_as_it_began(node, data):
    """define, start, stop, undefine each kind in turn; the node ends as it began."""
    before = snapshot_node(node)
    ok(run(["cp", data / "domain-vm1.xml", node / "domains/"]))
    ok(run(["cp", data / "network-net1.xml", node / "networks/"]))
    ok(run(["cp", data / "pool-pool1.xml", node / "pools/"]))
    write_ok(node / "pools/pool1/state", "start")
    ok(run(["cp", data / "volume-vol1.xml", node / "pools/pool1/volumes/"]))
    write_ok(node / "domains/vm1/state", "start")
    write_ok(node / "domains/vm1/state", "shutdown")
    wait_state(node / "domains/vm1", "shutoff")
    ok(run(["rmdir", node / "pools/pool1/volumes/vol1.qcow2"]))
    write_ok(node / "pools/pool1/state", "stop")
    for p in ["domains/vm1", "networks/net1", "pools/pool1"]:
        ok(run(["rmdir", node / p]))
    assert snapshot_node(node) == before
