"""iscsi-direct pools on a qemu node through libiscsi, against a real tgtd
(a userspace iSCSI target) on loopback with two LUNs and a CHAP account (and
a second target without CHAP, whose LUN a domain uses through QEMU's iscsi://):
define, start, refresh, stop, undefine; the LUNs as volumes with their sizes
and the iscsi:// source a domain would use; CHAP from a secret, and a wrong
secret, a missing secret and a portal that is not there each refused with
their errno and reason, the pool left inactive; a TCG guest reading markers
from LUNs behind CHAP (a pool volume and a network disk with its own <auth>),
the password in a QEMU secret object. The tgtd is started once for
the module (tests/helpers/tgt.py) and removed by PID (it ignores SIGTERM:
the target is taken offline and deleted with tgtadm first)."""
import errno
import os
import shutil
import time

import pytest

from helpers.tgt import TgtTarget, free_port
from helpers.tools import cat, fails, ls, ok, run, sh, write_ok

pytestmark = pytest.mark.not_libvirtd("hyperfs's own backend and secrets are what is tested")

IQN = "iqn.2024-01.test.hyperfs:t1"
IQN_OPEN = "iqn.2024-01.test.hyperfs:open"  # a second target, without CHAP
USER, PASSWORD = "hfsuser", "hfs-chap-secret-1"
SECRET_UUID = "c0ffee00-1111-4222-8333-444455556666"
TGT = []  # the target fixture's TgtTarget


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """tgtd with IQN (LUNs of 64 and 32 MiB, CHAP) and IQN_OPEN (16 MiB, no
    CHAP); its port."""
    if not shutil.which("tgtd"):
        pytest.skip("tgtd is not installed (Debian package tgt)")
    t = TgtTarget(tmp_path_factory.mktemp("tgt"),
                  [(IQN, [64, 32], (USER, PASSWORD)), (IQN_OPEN, [16], None)])
    try:
        TGT.append(t.start())
        yield t.port
    finally:
        t.stop()


def pool_xml(port, secret="libvirtiscsi", name="lun-pool", iqn=IQN, kind="iscsi-direct"):
    """iscsi-direct (its <initiator> required), or libvirt's iscsi (a
    <target><path>, the initiator optional: libiscsi's default name)."""
    auth = (f"    <auth type='chap' username='{USER}'>\n      <secret usage='{secret}'/>\n"
            f"    </auth>\n") if secret else ""
    init = ("    <initiator>\n      <iqn name='iqn.2024-01.test.hyperfs:init'/>\n"
            "    </initiator>\n") if kind == "iscsi-direct" else ""
    target = ("  <target>\n    <path>/dev/disk/by-path</path>\n  </target>\n"
              if kind == "iscsi" else "")
    return (f"<pool type='{kind}'>\n  <name>{name}</name>\n  <source>\n"
            f"    <host name='127.0.0.1' port='{port}'/>\n    <device path='{iqn}'/>\n"
            f"{init}{auth}  </source>\n{target}</pool>\n")


def secret(node, tmp_path, value):
    f = tmp_path / "chap.xml"
    f.write_text(f"<secret ephemeral='no' private='yes'>\n  <uuid>{SECRET_UUID}</uuid>\n"
                 f"  <usage type='iscsi'>\n    <target>libvirtiscsi</target>\n  </usage>\n"
                 f"</secret>\n")
    if not (node / "secrets" / SECRET_UUID).exists():
        ok(run(["cp", str(f), str(node / "secrets")]))
    write_ok(node / "secrets" / SECRET_UUID / "value", value)


@pytest.fixture
def qnode(mount_factory, tmp_path):
    return mount_factory(f"qemu:///system?root={tmp_path / 'root'}").node()


def define(node, tmp_path, doc):
    f = tmp_path / "pool.xml"
    f.write_text(doc)
    return run(["cp", str(f), str(node / "pools")])


@pytest.mark.parametrize("kind", ["iscsi-direct", "iscsi"])
def test_luns_are_volumes(qnode, tmp_path, target, kind):
    secret(qnode, tmp_path, PASSWORD)
    ok(define(qnode, tmp_path, pool_xml(target, kind=kind)))
    p = qnode / "pools" / "lun-pool"
    assert cat(p / "state") == "inactive\n"
    write_ok(p / "state", "start")
    assert cat(p / "state") == "active\n"
    assert ls(p / "volumes") == ["unit:0:0:1", "unit:0:0:2"]
    v = p / "volumes" / "unit:0:0:1"
    assert cat(v / "capacity") == f"{64 << 20}\n"
    assert cat(p / "volumes" / "unit:0:0:2" / "capacity") == f"{32 << 20}\n"
    assert cat(v / "path") == f"{IQN}/1\n"
    assert cat(v / "type") == "network\n"
    write_ok(p / "state", "refresh")
    assert ls(p / "volumes") == ["unit:0:0:1", "unit:0:0:2"]
    write_ok(p / "state", "stop")
    fails(run(["ls", str(p / "volumes")]), errno.EBUSY)  # an inactive pool lists none
    ok(run(["rmdir", str(p)]))
    assert "lun-pool" not in ls(qnode / "pools")


@pytest.mark.parametrize("kind", ["iscsi-direct", "iscsi"])
def test_lun_content_with_plain_tools(qnode, tmp_path, target, kind):
    """cp into a LUN's data, cat data, dd at an offset inside a block, byte for
    byte against the target's backing file; past the LUN's end is ENOSPC, and
    volumes cannot be made (iSCSI pools cannot make LUNs, as in libvirt); a
    clone of the LUN into a dir pool, and the LUN wiped with zeroes."""
    secret(qnode, tmp_path, PASSWORD)
    ok(define(qnode, tmp_path, pool_xml(target, kind=kind)))
    p = qnode / "pools" / "lun-pool"
    write_ok(p / "state", "start")
    v = p / "volumes" / "unit:0:0:2"
    back = TGT[-1].lun_file(1, 2)
    img = tmp_path / "in.img"
    img.write_bytes(os.urandom(3 << 20) + b"TAIL")
    ok(run(["cp", str(img), str(v / "data")]))
    assert back.read_bytes()[:len(img.read_bytes())] == img.read_bytes()
    ok(sh('printf PATCHED | dd of="$1" bs=1 seek=1000 conv=notrunc status=none', str(v / "data")))
    want = bytearray(back.read_bytes())
    assert want[1000:1007] == b"PATCHED"
    out = tmp_path / "out.img"
    ok(sh('cat "$1" > "$2"', str(v / "data"), str(out)))
    assert out.read_bytes() == bytes(want) and len(want) == 32 << 20
    r = sh('dd if=/dev/zero of="$1" bs=4096 seek=$(( (32 << 20) / 4096 - 1 )) count=2 '
           'conv=notrunc status=none', str(v / "data"))
    fails(r, errno.ENOSPC)
    vol = tmp_path / "new.xml"
    vol.write_text("<volume><name>unit:0:0:9</name><capacity>1048576</capacity></volume>")
    fails(run(["cp", str(vol), str(p / "volumes")]), errno.EOPNOTSUPP)
    # a clone out of the LUN into a dir pool, then the LUN wiped
    dird = tmp_path / "dirpool"
    dird.mkdir()
    f = tmp_path / "d.xml"
    f.write_text(f"<pool type='dir'><name>d</name><target><path>{dird}</path></target></pool>")
    ok(run(["cp", str(f), str(qnode / "pools")]))
    write_ok(qnode / "pools/d/state", "start")
    write_ok(v / "clone", "d/copy.raw")
    assert (dird / "copy.raw").read_bytes() == bytes(want)
    write_ok(v / "wipe", "zero")
    assert back.read_bytes() == bytes(32 << 20)
    ok(run(["rmdir", str(qnode / "pools/d/volumes/copy.raw")]))
    write_ok(qnode / "pools/d/state", "stop")
    ok(run(["rmdir", str(qnode / "pools/d")]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))


def test_wrong_chap_secret_is_refused(qnode, tmp_path, target):
    secret(qnode, tmp_path, "not-the-password")
    ok(define(qnode, tmp_path, pool_xml(target)))
    p = qnode / "pools" / "lun-pool"
    fails(sh('echo start > "$1"', str(p / "state")), errno.EACCES)
    assert "cannot log in to" in cat(p / "error") and "with CHAP" in cat(p / "error")
    assert cat(p / "state") == "inactive\n"
    # the right value, and it starts
    write_ok(qnode / "secrets" / SECRET_UUID / "value", PASSWORD)
    write_ok(p / "state", "start")
    write_ok(p / "state", "stop")


def test_missing_secret_and_absent_portal(qnode, tmp_path, target):
    ok(define(qnode, tmp_path, pool_xml(target, secret="nobody")))
    p = qnode / "pools" / "lun-pool"
    fails(sh('echo start > "$1"', str(p / "state")), errno.ENOENT)
    assert "no iscsi secret 'nobody'" in cat(p / "error")
    assert cat(p / "state") == "inactive\n"
    ok(define(qnode, tmp_path, pool_xml(free_port(), secret=None, name="away")))
    a = qnode / "pools" / "away"
    fails(sh('echo start > "$1"', str(a / "state")), errno.ECONNREFUSED)
    assert cat(a / "state") == "inactive\n"
    # a document without a target is refused at define, nothing left behind
    fails(define(qnode, tmp_path, "<pool type='iscsi-direct'><name>bad</name>"
                 "<source><host name='127.0.0.1'/></source></pool>"), errno.EINVAL)
    assert "bad" not in ls(qnode / "pools")


def domain_on(node, tmp_path, name, pool, vol):
    doc = (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
           "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
           "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
           f"<source pool='{pool}' volume='{vol}'/><target dev='vda' bus='virtio'/></disk>"
           "</devices></domain>")
    f = tmp_path / f"{name}.xml"
    f.write_text(doc)
    ok(run(["cp", str(f), str(node / "domains")]))
    return node / "domains" / name


def cmdline(tmp_path, name):
    pid = (tmp_path / f"root/run/{name}.pid").read_text().strip()
    return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="no qemu-system-x86_64")
def test_domain_disk_on_a_lun(qnode, tmp_path, target):
    """A <disk type='volume'> on a LUN without CHAP is QEMU's iscsi:// URL;
    QEMU logs in itself (qemu-block-extra)."""
    ok(define(qnode, tmp_path, pool_xml(target, secret=None, name="open", iqn=IQN_OPEN)))
    write_ok(qnode / "pools/open/state", "start")
    assert ls(qnode / "pools/open/volumes") == ["unit:0:0:1"]
    d = domain_on(qnode, tmp_path, "lun-guest", "open", "unit:0:0:1")
    write_ok(d / "state", "start")
    try:
        cmd = cmdline(tmp_path, "lun-guest")
        assert f"file=iscsi://127.0.0.1:{target}/{IQN_OPEN}/1," in cmd, cmd
        assert cat(d / "state") == "running\n"
    finally:
        write_ok(d / "state", "destroy")
    ok(run(["rmdir", str(d)]))


def chap_disk(port, lun, usage="libvirtiscsi"):
    return (f"<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            f"<source protocol='iscsi' name='{IQN}/{lun}'><host name='127.0.0.1' port='{port}'/>"
            f"<auth username='{USER}'><secret type='iscsi' usage='{usage}'/></auth></source>"
            "<target dev='vdb' bus='virtio'/></disk>")


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="no qemu-system-x86_64")
def test_guest_reads_markers_behind_chap(qnode, tmp_path, target):
    """A TCG guest reads a marker from a LUN behind CHAP as a pool volume
    (vda) and from one named by a <disk type='network' protocol='iscsi'>
    with its own <auth> (vdb): QEMU's iscsi driver logs in with the
    password in a secret object (file.password-secret), never on the
    command line, and the secret's file is gone once QEMU runs. A wrong
    password fails the start with QEMU's reason; a secret that is not there
    is ENOENT before QEMU runs."""
    from helpers.guestdisk import guest_reads, guest_xml
    marks = {1: f"LUNMARK-{os.getpid()}-{time.time_ns()}", 2: f"NETMARK-{time.time_ns()}"}
    for lun, m in marks.items():
        with open(TGT[-1].lun_file(1, lun), "r+b") as f:
            f.write(m.encode() + b"\n")
    secret(qnode, tmp_path, PASSWORD)
    ok(define(qnode, tmp_path, pool_xml(target)))
    write_ok(qnode / "pools/lun-pool/state", "start")
    vol = ("<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
           "<source pool='lun-pool' volume='unit:0:0:1'/><target dev='vda' bus='virtio'/></disk>")
    f = tmp_path / "bad.xml"
    f.write_text(guest_xml("chap-bad", vol + chap_disk(target, 2, usage="nobody")))
    ok(run(["cp", str(f), str(qnode / "domains")]))
    bad = qnode / "domains/chap-bad"
    fails(sh('echo start > "$1"', str(bad / "state")), errno.ENOENT)
    assert "disk 'vdb': no iscsi secret 'nobody'" in cat(bad / "error")
    assert cat(bad / "state") == "shutoff\n"
    ok(run(["rmdir", str(bad)]))
    f.write_text(guest_xml("chap-guest", vol + chap_disk(target, 2)))
    ok(run(["cp", str(f), str(qnode / "domains")]))
    d = qnode / "domains/chap-guest"
    write_ok(d / "state", "start")
    try:
        cmd = cmdline(tmp_path, "chap-guest")
        for dev, lun in (("vda", 1), ("vdb", 2)):
            assert (f"file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:{target},"
                    f"file.target={IQN},file.lun={lun},file.user={USER},"
                    f"file.password-secret=drive-{dev}-secret0,") in cmd, cmd
        assert PASSWORD not in cmd
        assert not list((tmp_path / "root/run").glob("chap-guest.secret*"))
        guest_reads(d, tmp_path / "root/run/chap-guest.log", {"vda": marks[1], "vdb": marks[2]})
    finally:
        write_ok(d / "state", "destroy")
    # a wrong password: QEMU cannot log in, the start fails and says why
    write_ok(qnode / "secrets" / SECRET_UUID / "value", "not-the-password")
    fails(sh('echo start > "$1"', str(d / "state")), errno.EIO)
    assert "QEMU exited at start" in cat(d / "error")
    assert "Authentication failure" in cat(d / "error")
    assert cat(d / "state") == "shutoff\n"
    ok(run(["rmdir", str(d)]))


def test_virsh_through_hyperfsd(tmp_path, target):
    """The same backend through hyperfsd with virsh: secret-define and
    secret-set-value (CHAP), pool-create of an iscsi pool, vol-list,
    vol-upload into a LUN and vol-download of it over libvirt's streams,
    byte for byte against tgt's backing file, pool-destroy."""
    import base64
    from remote.hfd import Daemon, virsh
    (tmp_path / "hfd").mkdir()
    d = Daemon(tmp_path / "hfd").start()
    try:
        uri = f"qemu+unix:///system?socket={d.sock}&root={tmp_path / 'root'}"
        sec = tmp_path / "s.xml"
        sec.write_text(f"<secret ephemeral='no' private='yes'><uuid>{SECRET_UUID}</uuid>"
                       "<usage type='iscsi'><target>libvirtiscsi</target></usage></secret>")
        virsh(uri, "secret-define", str(sec))
        virsh(uri, "secret-set-value", SECRET_UUID, "--base64",
              base64.b64encode(PASSWORD.encode()).decode())
        pool = tmp_path / "p.xml"
        pool.write_text(pool_xml(target, name="vp", kind="iscsi"))
        virsh(uri, "pool-create", str(pool))
        assert "unit:0:0:2" in virsh(uri, "vol-list", "vp").stdout
        src = tmp_path / "in.bin"
        src.write_bytes(os.urandom(3 * 262120 + 4321))
        virsh(uri, "vol-upload", "unit:0:0:2", str(src), "--pool", "vp")
        back = TGT[-1].lun_file(1, 2).read_bytes()
        assert back[:src.stat().st_size] == src.read_bytes()
        virsh(uri, "vol-download", "unit:0:0:2", str(tmp_path / "out.bin"), "--pool", "vp")
        assert (tmp_path / "out.bin").read_bytes() == back
        virsh(uri, "pool-destroy", "vp")
    finally:
        alive = d.alive()
        rc = d.stop()
    assert alive and rc == 0, d.describe()
