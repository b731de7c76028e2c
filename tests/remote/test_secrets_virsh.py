"""virsh secret-* against hyperfsd (test:///default?extras=secrets: libvirt's
test driver has no secrets, so hyperfs's test node keeps them only when
asked; the plain node answers "not supported" as libvirt's): define, list, dumpxml,
set-value and get-value, undefine; GetValue is refused for a private secret
(VIR_ERR_INVALID_SECRET, "secret is private") and on the read-only socket,
as libvirt refuses them; and a hyperfs mount of the daemon sees the same
secrets, its `value` write-only."""
import errno
import os
import stat

from helpers.tools import cat, fails, ls, ok, run, write_ok

from .hfd import virsh

UUID = "8d5f7ab1-3c2e-4f5a-9b6c-1d2e3f405162"
EX = "extras=secrets"


def doc(tmp_path, private, uuid=UUID, usage="ceph", name="client.admin secret"):
    f = tmp_path / f"secret-{private}-{usage}.xml"
    el = "target" if usage == "iscsi" else "name"
    f.write_text(f"<secret ephemeral='no' private='{private}'>\n  <uuid>{uuid}</uuid>\n"
                 f"  <usage type='{usage}'>\n    <{el}>{name}</{el}>\n  </usage>\n</secret>\n")
    return str(f)


def test_secret_commands(daemon, tmp_path):
    u = daemon.uri_with(EX)
    virsh(u, "secret-define", doc(tmp_path, "no"))
    listing = virsh(u, "secret-list").stdout
    assert UUID in listing and "ceph client.admin secret" in listing
    xml = virsh(u, "secret-dumpxml", UUID).stdout
    assert "<usage type='ceph'>" in xml and "private='no'" in xml
    value = tmp_path / "value"
    value.write_text("AQBkey==")
    virsh(u, "secret-set-value", UUID, "--file", str(value), "--plain")
    assert virsh(u, "secret-get-value", UUID, "--plain").stdout == "AQBkey=="
    r = virsh(daemon.uri_with(EX, ro=True), "secret-get-value", UUID, check=False)
    assert r.returncode != 0
    assert "read only access prevents virSecretGetValue" in r.stderr
    # the read-only socket still lists and shows
    assert UUID in virsh(daemon.uri_with(EX, ro=True), "secret-list").stdout
    r = virsh(daemon.uri_with(EX, ro=True), "secret-undefine", UUID, check=False)
    assert r.returncode != 0 and "read only access prevents virSecretUndefine" in r.stderr
    virsh(u, "secret-undefine", UUID)
    assert UUID not in virsh(u, "secret-list").stdout
    r = virsh(u, "secret-dumpxml", UUID, check=False)
    assert r.returncode != 0 and "Secret not found" in r.stderr


def test_private_value_never_leaves(daemon, tmp_path):
    u = daemon.uri_with(EX)
    virsh(u, "secret-define", doc(tmp_path, "yes"))
    value = tmp_path / "value"
    value.write_text("chap-password")
    virsh(u, "secret-set-value", UUID, "--file", str(value), "--plain")
    r = virsh(u, "secret-get-value", UUID, check=False)
    assert r.returncode != 0
    assert "Invalid secret: secret is private" in r.stderr
    assert UUID in virsh(u, "secret-list", "--private").stdout
    assert UUID not in virsh(u, "secret-list", "--no-private").stdout


def test_one_secret_per_usage(daemon, tmp_path):
    u = daemon.uri_with(EX)
    virsh(u, "secret-define", doc(tmp_path, "no"))
    other = "00112233-4455-4677-8899-aabbccddeeff"
    r = virsh(u, "secret-define", doc(tmp_path, "no", uuid=other), check=False)
    assert r.returncode != 0
    assert f"a secret with UUID {UUID} already defined for use with client.admin secret" \
        in r.stderr
    assert other not in virsh(u, "secret-list").stdout


def test_mount_of_the_daemon(daemon, tmp_path, mount_factory):
    virsh(daemon.uri_with(EX), "secret-define", doc(tmp_path, "yes", usage="iscsi", name="x"))
    node = mount_factory(f"lab={daemon.uri_with(EX)}").node("lab")
    assert ls(node / "secrets") == [UUID]
    v = node / "secrets" / UUID / "value"
    assert stat.S_IMODE(os.stat(v).st_mode) == 0o200
    write_ok(v, "s3cret")
    fails(run(["cat", str(v)]), errno.EACCES)
    r = virsh(daemon.uri_with(EX), "secret-get-value", UUID, check=False)
    assert "secret is private" in r.stderr
    assert cat(node / "secrets" / UUID / "usage") == "iscsi x\n"
    ok(run(["rmdir", str(node / "secrets" / UUID)]))
    assert UUID not in virsh(daemon.uri_with(EX), "secret-list").stdout
