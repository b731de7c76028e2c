"""Secrets in the tree (secrets/<uuid>/): a <secret> document copied into
secrets/ defines one, config.xml shows it as libvirt formats it, `value` is
write-only (mode 0200, EACCES on every read, even for root; EROFS on a
read-only mount), rmdir undefines; libvirt's rules refuse a second secret for
one usage and a private secret made public. On a qemu node the secrets live
at rest under ROOT/lib/secrets as UUID.xml and UUID.base64, both 0600."""
import base64
import errno
import os
import stat

import pytest

from helpers.tools import cat, fails, ls, ok, run, sh, write_ok

pytestmark = pytest.mark.not_libvirtd("libvirt's test driver has no secret driver")

UUID = "5f0b8b3e-6ad2-4bd0-9a4e-2b9f0f9a1c11"


def secret_xml(usage="iscsi", uid="libvirtiscsi", uuid=UUID, private="yes", extra=""):
    elem = {"iscsi": "target", "ceph": "name", "volume": "volume"}[usage]
    u = f"  <uuid>{uuid}</uuid>\n" if uuid else ""
    return (f"<secret ephemeral='no' private='{private}'>\n{u}{extra}"
            f"  <usage type='{usage}'>\n    <{elem}>{uid}</{elem}>\n  </usage>\n</secret>\n")


def define(node, tmp_path, doc, name="s.xml"):
    f = tmp_path / name
    f.write_text(doc)
    return run(["cp", str(f), str(node / "secrets")])


def test_define_show_and_undefine(node, tmp_path):
    assert ls(node / "secrets") == []
    ok(define(node, tmp_path, secret_xml(extra="  <description>chap for lun1</description>\n")))
    assert ls(node / "secrets") == [UUID]
    s = node / "secrets" / UUID
    assert cat(s / "config.xml") == (
        f"<secret ephemeral='no' private='yes'>\n  <uuid>{UUID}</uuid>\n"
        "  <description>chap for lun1</description>\n"
        "  <usage type='iscsi'>\n    <target>libvirtiscsi</target>\n  </usage>\n</secret>\n")
    assert cat(s / "usage") == "iscsi libvirtiscsi\n"
    assert cat(s / "private") == "yes\n"
    assert cat(s / "ephemeral") == "no\n"
    ok(run(["rmdir", str(s)]))
    assert ls(node / "secrets") == []


def test_a_document_without_uuid_gets_one(node, tmp_path):
    ok(define(node, tmp_path, secret_xml(usage="ceph", uid="client.admin secret", uuid=None)))
    (uuid,) = ls(node / "secrets")
    assert f"<uuid>{uuid}</uuid>" in cat(node / "secrets" / uuid / "config.xml")
    assert cat(node / "secrets" / uuid / "usage") == "ceph client.admin secret\n"


def test_value_is_write_only(node, tmp_path):
    ok(define(node, tmp_path, secret_xml()))
    v = node / "secrets" / UUID / "value"
    assert stat.S_IMODE(os.stat(v).st_mode) == 0o200
    write_ok(v, "hunter2")
    fails(run(["cat", str(v)]), errno.EACCES)
    # a value with bytes a line cannot hold goes in as base64
    write_ok(v, "base64:" + base64.b64encode(b"\x00\x01\n\xff").decode())
    fails(run(["cat", str(v)]), errno.EACCES)
    fails(sh('echo "base64:***" > "$1"', str(v)), errno.EINVAL)
    assert "not base64" in cat(node / "secrets" / UUID / "error")


def test_libvirt_rules_refuse_and_change_nothing(node, tmp_path):
    ok(define(node, tmp_path, secret_xml()))
    before = cat(node / "secrets" / UUID / "config.xml")
    # a second secret for the same usage
    other = "0a7a4c1e-1111-4222-8333-944455556666"
    fails(define(node, tmp_path, secret_xml(uuid=other), "t.xml"), errno.EEXIST)
    assert f"a secret with UUID {UUID} already defined for use with libvirtiscsi" in \
        cat(node / "node" / "error")
    # a private secret cannot be made public
    (tmp_path / "public.xml").write_text(secret_xml(private="no"))
    fails(sh('cat "$1" > "$2"', str(tmp_path / "public.xml"),
             str(node / "secrets" / UUID / "config.xml")), errno.EINVAL)
    assert "cannot change private flag" in cat(node / "secrets" / UUID / "error")
    # a bad document
    fails(define(node, tmp_path, "<secret><usage type='iscsi'/></secret>", "bad.xml"),
          errno.EINVAL)
    assert ls(node / "secrets") == [UUID]
    assert cat(node / "secrets" / UUID / "config.xml") == before


def test_read_only_mount_refuses_value(mount_factory, tmp_path):
    m = mount_factory()
    node = m.node()
    ok(define(node, tmp_path, secret_xml()))
    ro = mount_factory(options=["ro"])
    # each mount has its own test node: define there too is refused
    fails(define(ro.node(), tmp_path, secret_xml()), errno.EROFS)


@pytest.mark.local_only("reads the files the local qemu driver keeps")
def test_qemu_node_keeps_secrets_at_rest_0600(mount_factory, tmp_path):
    root = tmp_path / "root"
    m = mount_factory(f"qemu:///system?root={root}")
    node = m.node()
    ok(define(node, tmp_path, secret_xml()))
    write_ok(node / "secrets" / UUID / "value", "hunter2")
    folder = root / "lib" / "secrets"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    for f in (f"{UUID}.xml", f"{UUID}.base64"):
        assert stat.S_IMODE(os.stat(folder / f).st_mode) == 0o600, f
    assert base64.b64decode((folder / f"{UUID}.base64").read_text()) == b"hunter2"
    m.stop()
    # back after a restart, value and all
    m2 = mount_factory(f"qemu:///system?root={root}")
    assert ls(m2.node() / "secrets") == [UUID]
    ok(run(["rmdir", str(m2.node() / "secrets" / UUID)]))
    assert sorted(os.listdir(folder)) == []
