"""rbd pools against a real one-node Ceph 16.2 (a monitor, a manager, one
bluestore OSD on a file) in a network namespace of the module's own
(tests/helpers/ceph.py), with hyperfs running in that namespace (nsenter
--net: its mount is the host's). cephx from a ceph secret written as
`base64:KEY`; pool define, start, sizes from the cluster, refresh, stop,
undefine by cp and echo; volumes (RBD images) by cp of a document and of
content, cat data (dd at offsets), resize (shrink only when asked), clone
(a protected snapshot and a child image, the snapshot used again while the
image has not changed), wipe, rmdir (refused while clones exist), each
checked with `rbd ls` / `rbd info` from the cluster's side; a wrong key, a
missing secret, a monitor that is not there (bounded: ETIMEDOUT within
seconds), a Ceph pool that is not there, bad documents and names, each
refused with its errno and reason, nothing left behind; and a TCG guest
reading a marker through QEMU's rbd driver with its key in a secret object,
from an image, from its clone and from a <disk type='network'> with its own
<auth>.
One cluster and one hyperfs for the module; both are ended, and the
namespace removed, at the end."""
import errno
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers import ceph as cephh
from helpers.guestdisk import guest_reads, guest_xml
from helpers.tools import cat, clear_qemu_mount, fails, ls, ok, run, sh, write_ok

pytestmark = pytest.mark.local_only("hyperfs runs in the cluster's network namespace; a "
                                    "transport's peer would not")
SECRET_UUID = "6b1a3c52-7d0e-4f8a-b1c9-2e4d5f6a7b80"
WRONG_UUID = "6b1a3c52-7d0e-4f8a-b1c9-2e4d5f6a7b81"

if cephh.missing():
    pytest.skip(f"{', '.join(cephh.missing())} not installed (tools/install-deps installs "
                "ceph-mon ceph-osd ceph-mgr ceph-common)", allow_module_level=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from helpers.mount import HyperfsMount
    tmp = tmp_path_factory.mktemp("rbd")
    cl = cephh.CephCluster(tmp / "ceph")
    m = HyperfsMount(tmp / "mnt", [f"qemu:///system?root={tmp / 'root'}"], logdir=tmp)
    m.cmd = cl.prefix() + m.cmd  # librados reaches the monitor in the cluster's namespace
    try:
        t0 = time.monotonic()
        cl.start()
        print(f"ceph one-node cluster ready in {time.monotonic() - t0:.1f} s")
        m.start()
        node = m.node()
        probe = cp_in(node, tmp, "pools", "probe.xml", pool_doc("probe"))
        if probe.returncode != 0 and "built without it" in cat(node / "node/error"):
            pytest.skip("this hyperfs was built without librbd (librbd-dev, librados-dev)")
        ok(probe)
        ok(run(["rmdir", str(node / "pools/probe")]))
        secret(node, tmp, SECRET_UUID, "client.admin secret", "base64:" + cl.key)
        yield node, cl, tmp
    finally:
        clear_qemu_mount(m, tmp / "root" / "run")
        cl.stop()


def secret(node, tmp, uuid, usage, value):
    f = tmp / f"{uuid}.xml"
    f.write_text(f"<secret ephemeral='no' private='yes'>\n  <uuid>{uuid}</uuid>\n"
                 f"  <usage type='ceph'>\n    <name>{usage}</name>\n  </usage>\n</secret>\n")
    ok(run(["cp", str(f), str(node / "secrets")]))
    write_ok(node / "secrets" / uuid / "value", value)


def pool_doc(name, ceph_pool="rbd", host=cephh.CephCluster.MON, port=cephh.CephCluster.PORT,
             usage="client.admin secret", user="admin"):
    h = f"<host name='{host}' port='{port}'/>" if host else ""
    auth = (f"<auth type='ceph' username='{user}'><secret usage='{usage}'/></auth>"
            if usage else "")
    n = f"<name>{ceph_pool}</name>" if ceph_pool else ""
    return f"<pool type='rbd'>\n  <name>{name}</name>\n  <source>{n}{h}{auth}</source>\n</pool>\n"


def cp_in(node, tmp, where, name, text):
    f = tmp / name
    f.write_text(text)
    return run(["cp", str(f), str(node / where)])


def vol_doc(name, size, fmt="raw"):
    return (f"<volume><name>{name}</name><capacity unit='bytes'>{size}</capacity>"
            f"<target><format type='{fmt}'/></target></volume>")


def started(node, tmp, name, **kw):
    ok(cp_in(node, tmp, "pools", f"{name}.xml", pool_doc(name, **kw)))
    write_ok(node / "pools" / name / "state", "start")
    return node / "pools" / name


def test_pool_and_volumes(world):
    node, cl, tmp = world
    cl.rbd("create", "--size", "16M", "rbd/there")  # made on the cluster's side
    p = started(node, tmp, "ceph1")
    assert cat(p / "state") == "active\n"
    df = json.loads(cl.ceph("df", "--format", "json").stdout)["stats"]
    assert int(cat(p / "capacity")) == df["total_bytes"]
    assert 0 < int(cat(p / "available")) <= int(cat(p / "capacity"))
    assert ls(p / "volumes") == ["there"]
    v = p / "volumes/there"
    assert cat(v / "path") == "rbd/there\n" and cat(v / "key") == "rbd/there\n"
    assert cat(v / "type") == "network\n" and cat(v / "format") == "raw\n"
    assert cat(v / "capacity") == f"{16 << 20}\n"

    # a volume from a document is an image of that size
    ok(cp_in(node, tmp, "pools/ceph1/volumes", "v.xml", vol_doc("v1", 64 << 20)))
    assert cl.info("v1")["size"] == 64 << 20
    assert "<path>rbd/v1</path>" in cat(p / "volumes/v1/config.xml")

    # content: cp makes an image that grows as it comes; cat data reads it back
    blob = tmp / "blob.raw"
    blob.write_bytes(os.urandom(3 << 20) + b"END")
    ok(run(["cp", str(blob), str(p / "volumes")]))
    assert cl.info("blob.raw")["size"] == blob.stat().st_size
    assert cat(p / "volumes/blob.raw/capacity") == f"{blob.stat().st_size}\n"
    assert run(["cmp", str(blob), str(p / "volumes/blob.raw/data")]).returncode == 0
    out = subprocess.run(["dd", f"if={p / 'volumes/blob.raw/data'}", "bs=4096", "skip=700",
                          "count=3", "status=none"], capture_output=True).stdout
    assert out == blob.read_bytes()[700 * 4096:703 * 4096]  # a read that seeks
    # a download reads 4 MiB chunks ahead: reads across them, backwards, past the end
    big = tmp / "big.raw"
    big.write_bytes(os.urandom(9 << 20) + b"TAIL")
    ok(run(["cp", str(big), str(p / "volumes")]))
    assert run(["cmp", str(big), str(p / "volumes/big.raw/data")]).returncode == 0
    data = big.read_bytes()
    for bs, skip, count in ((1 << 20, 3, 2), (100000, 80, 3), (4096, 10, 2), (1 << 20, 8, 4),
                            (3 << 20, 1, 1), (4096, 2304, 1)):
        out = subprocess.run(["dd", f"if={p / 'volumes/big.raw/data'}", f"bs={bs}",
                              f"skip={skip}", f"count={count}", "status=none"],
                             capture_output=True).stdout
        assert out == data[bs * skip:bs * (skip + count)], (bs, skip, count)
    # one reader that jumps back and forth (no tool does that on one descriptor)
    fd = os.open(p / "volumes/big.raw/data", os.O_RDONLY)
    try:
        for off, n in ((5 << 20, 65536), (1 << 20, 4096), ((4 << 20) - 100, 200),
                       (9 << 20, 100), (0, 131072), ((8 << 20) + 7, 1 << 20)):
            assert os.pread(fd, n, off) == data[off:off + n], (off, n)
    finally:
        os.close(fd)
    ok(run(["rmdir", str(p / "volumes/big.raw")]))
    # into an existing image at an offset (dd seek=), read back from the cluster
    ok(sh('printf MARK-IN-V1 | dd of="$1" bs=1 seek=1048576 conv=notrunc status=none',
          str(p / "volumes/v1/data")))
    got = cl.run("rbd", "-c", cl.conf, "export", "rbd/v1", "-").stdout
    assert got[1048576:1048586] == "MARK-IN-V1"
    assert int(cat(p / "volumes/v1/allocation")) > 0  # the object map saw the write

    # resize: grow; shrink only when asked, and never below the allocation
    write_ok(p / "volumes/v1/capacity", "128M")
    assert cl.info("v1")["size"] == 128 << 20
    fails(sh('echo 32M > "$1"', str(p / "volumes/v1/capacity")), errno.EINVAL)
    write_ok(p / "volumes/v1/capacity", "shrink 96M")
    assert cl.info("v1")["size"] == 96 << 20

    # clone within the pool: a protected snapshot and a child image
    write_ok(p / "volumes/v1/clone", "c1")
    info = cl.info("c1")
    snap = info["parent"]["snapshot"]
    assert info["parent"]["pool"] == "rbd" and info["parent"]["image"] == "v1"
    assert snap.startswith("libvirt-") and info["size"] == 96 << 20
    assert [s["name"] for s in cl.snaps("v1")] == [snap]
    assert cl.snaps("v1")[0]["protected"] == "true"
    got = subprocess.run(["dd", f"if={p / 'volumes/c1/data'}", "bs=1", "skip=1048576",
                          "count=10", "status=none"], capture_output=True).stdout
    assert got == b"MARK-IN-V1"
    write_ok(p / "volumes/v1/clone", "c2")  # nothing changed: the same snapshot
    assert cl.info("c2")["parent"]["snapshot"] == snap and len(cl.snaps("v1")) == 1
    fails(run(["rmdir", str(p / "volumes/v1")]), errno.EBUSY)
    assert f"its snapshot '{snap}' has 2 clones; delete them first" in \
        cat(p / "volumes/v1/error")
    assert "v1" in cl.images()

    # wipe: zeroes over a clone's capacity (written by the cluster: no bytes
    # cross the wire), and trim (a discard: the objects go, zeroes are read)
    write_ok(p / "volumes/c2/wipe", "zero")
    assert run(["cmp", "-n", str(96 << 20), "/dev/zero",
                str(p / "volumes/c2/data")]).returncode == 0
    write_ok(p / "volumes/c1/wipe", "trim")
    assert run(["cmp", "-n", str(96 << 20), "/dev/zero",
                str(p / "volumes/c1/data")]).returncode == 0
    fails(sh('echo random > "$1"', str(p / "volumes/c1/wipe")), errno.EOPNOTSUPP)
    assert "RBD images are wiped with zero or trim" in cat(p / "volumes/c1/error")

    # delete: the clones, then the source with its snapshot
    for name in ("c1", "c2", "v1"):
        ok(run(["rmdir", str(p / "volumes" / name)]))
    assert cl.images() == ["blob.raw", "there"]

    # refresh sees the cluster's changes; stop, start, undefine
    cl.rbd("create", "--size", "4M", "rbd/later")
    write_ok(p / "state", "refresh")
    assert ls(p / "volumes") == ["blob.raw", "later", "there"]
    write_ok(p / "state", "stop")
    assert cat(p / "state") == "inactive\n"
    fails(run(["ls", str(p / "volumes")]), errno.EBUSY)
    write_ok(p / "state", "start")
    assert ls(p / "volumes") == ["blob.raw", "later", "there"]
    for name in ("blob.raw", "later", "there"):
        ok(run(["rmdir", str(p / "volumes" / name)]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))
    assert cl.images() == []


def start_fails(node, tmp, name, err, words, within, **kw):
    ok(cp_in(node, tmp, "pools", f"{name}.xml", pool_doc(name, **kw)))
    p = node / "pools" / name
    t0 = time.monotonic()
    fails(sh('echo start > "$1"/state', str(p)), err)
    took = time.monotonic() - t0
    assert took < within, took
    assert words in cat(p / "error"), cat(p / "error")
    assert cat(p / "state") == "inactive\n"
    ok(run(["rmdir", str(p)]))
    return took


def test_connection_errors(world):
    node, cl, tmp = world
    secret(node, tmp, WRONG_UUID, "wrong", "base64:AQCuPxFrWa2YIhAAjKcfZqclYsGIw3erNjf3aa==")
    start_fails(node, tmp, "wrongkey", errno.EACCES, "the monitor refused the cephx key", 5,
                usage="wrong")
    start_fails(node, tmp, "nosecret", errno.ENOENT, "no ceph secret 'nobody'", 2,
                usage="nobody")
    start_fails(node, tmp, "nouser", errno.EACCES, "as nobody", 5, user="nobody")
    # a monitor that is not there: librados gives up after 5 s (client_mount_timeout)
    took = start_fails(node, tmp, "nomon", errno.ETIMEDOUT, "no monitor answered", 12,
                       port=3999)
    assert took >= 4
    start_fails(node, tmp, "nopool", errno.ENOENT, "cannot open Ceph pool 'nothere': the "
                "cluster has no such pool", 5, ceph_pool="nothere")
    ok(run(["rmdir", str(node / "secrets" / WRONG_UUID)]))
    # documents refused at define, nothing left behind
    for name, kw in (("nohost", {"host": None}), ("noname", {"ceph_pool": None}),
                     ("badname", {"ceph_pool": "a/b"})):
        fails(cp_in(node, tmp, "pools", f"{name}.xml", pool_doc(name, **kw)), errno.EINVAL)
        assert name not in ls(node / "pools")
    fails(cp_in(node, tmp, "pools", "chap.xml", pool_doc("chap").replace("'ceph'", "'chap'")),
          errno.EINVAL)
    assert cl.images() == []


def test_bad_volumes(world):
    node, cl, tmp = world
    p = started(node, tmp, "ceph2")
    for name in ("a@b", "a:b", "a b"):
        fails(cp_in(node, tmp, "pools/ceph2/volumes", "n.xml", vol_doc(name, 4096)),
              errno.EINVAL)
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "s.xml", vol_doc("a/b", 4096)), errno.EINVAL)
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "q.xml", vol_doc("q", 4096, "qcow2")),
          errno.EOPNOTSUPP)
    assert "RBD images are raw" in cat(node / "node/error")
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "e.xml", vol_doc("e", 4096).replace(
        "</target>", "<encryption format='luks'><secret type='passphrase' "
        f"uuid='{SECRET_UUID}'/></encryption></target>")), errno.EOPNOTSUPP)
    assert "do not support encrypted volumes" in cat(node / "node/error")
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "b.xml", vol_doc("b", 4096).replace(
        "</volume>", "<backingStore><path>rbd/t</path></backingStore></volume>")),
          errno.EOPNOTSUPP)
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "o.xml", vol_doc("o", 1 << 64)), errno.EINVAL)
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "z.xml", vol_doc("z", 0)), errno.EINVAL)
    ok(cp_in(node, tmp, "pools/ceph2/volumes", "t.xml", vol_doc("t", 4096)))
    fails(cp_in(node, tmp, "pools/ceph2/volumes", "t.xml", vol_doc("t", 4096)), errno.EEXIST)
    # a qcow2 image copied in: RBD volumes are raw, nothing stays
    img = tmp / "up.qcow2"
    ok(run(["qemu-img", "create", "-q", "-f", "qcow2", str(img), "8M"]))
    fails(run(["cp", str(img), str(p / "volumes")]), errno.EOPNOTSUPP)
    assert ls(p / "volumes") == ["t"] and cl.images() == ["t"]
    ok(run(["rmdir", str(p / "volumes/t")]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))
    assert cl.images() == []


def test_clone_across_pools(world):
    """A clone from a dir pool into the rbd pool (the shared copy into a new
    image) and back out of it into the dir pool, checked with `rbd export`
    and in the folder."""
    node, cl, tmp = world
    p = started(node, tmp, "ceph3")
    d = tmp / "dirpool"
    d.mkdir()
    ok(cp_in(node, tmp, "pools", "dp.xml",
             f"<pool type='dir'><name>dp</name><target><path>{d}</path></target></pool>"))
    write_ok(node / "pools/dp/state", "start")
    body = b"CROSS-POOL-" * 100000 + b"END"
    (tmp / "m.raw").write_bytes(body)
    ok(run(["cp", str(tmp / "m.raw"), str(node / "pools/dp/volumes")]))
    write_ok(node / "pools/dp/volumes/m.raw/clone", "ceph3/copy")
    assert cl.images() == ["copy"]
    got = cl.rbd("export", "rbd/copy", "-").stdout.encode()
    assert got[:len(body)] == body and len(got) == int(cat(p / "volumes/copy/capacity"))
    write_ok(p / "volumes/copy/clone", "dp/back.raw")
    assert (d / "back.raw").read_bytes()[:len(body)] == body
    for v in ("dp/volumes/back.raw", "dp/volumes/m.raw", "ceph3/volumes/copy"):
        ok(run(["rmdir", str(node / "pools" / v)]))
    write_ok(node / "pools/dp/state", "stop")
    ok(run(["rmdir", str(node / "pools/dp")]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))
    assert cl.images() == []


def test_active_pool_is_back_after_a_restart(world, tmp_path):
    """Nothing of a connection is kept on disk: a pool that was active when
    hyperfs stopped connects again at the next start (its secret is on
    disk, 0600), with its volumes."""
    from helpers.mount import HyperfsMount
    _, cl, _ = world
    uri = f"qemu:///system?root={tmp_path / 'root'}"
    for k in range(2):
        m = HyperfsMount(tmp_path / "mnt", [uri], logdir=tmp_path)
        m.cmd = cl.prefix() + m.cmd
        m.start()
        try:
            node = m.node()
            p = node / "pools/back"
            if k == 0:
                secret(node, tmp_path, SECRET_UUID, "client.admin secret", "base64:" + cl.key)
                p = started(node, tmp_path, "back")
                ok(cp_in(node, tmp_path, "pools/back/volumes", "bv.xml", vol_doc("bv", 65536)))
            else:
                assert cat(p / "state") == "active\n"
                assert ls(p / "volumes") == ["bv"]
                ok(run(["rmdir", str(p / "volumes/bv")]))
                write_ok(p / "state", "stop")
                ok(run(["rmdir", str(p)]))
        finally:
            m.stop()
    assert "bv" not in cl.images()


def test_virsh_through_hyperfsd(world, tmp_path):
    """The same backend through hyperfsd (in the cluster's namespace) with
    virsh: secret-define and secret-set-value, pool-create-as with cephx,
    vol-create-as, vol-path, vol-upload and vol-download over libvirt's
    streams, vol-clone (StorageVolCreateXMLFrom: an RBD clone), vol-delete,
    pool-destroy."""
    from remote.hfd import Daemon, virsh
    _, cl, _ = world
    (tmp_path / "hfd").mkdir()
    d = Daemon(tmp_path / "hfd", prefix=cl.prefix()).start()
    try:
        uri = f"qemu+unix:///system?socket={d.sock}&root={tmp_path / 'root'}"
        sx = tmp_path / "s.xml"
        sx.write_text("<secret ephemeral='no' private='yes'><uuid>" + WRONG_UUID + "</uuid>"
                      "<usage type='ceph'><name>virsh ceph</name></usage></secret>")
        virsh(uri, "secret-define", str(sx))
        virsh(uri, "secret-set-value", WRONG_UUID, cl.key)
        virsh(uri, "pool-create-as", "vr", "rbd", "--source-host", f"{cl.MON}:{cl.PORT}",
              "--source-name", "rbd", "--auth-type", "ceph", "--auth-username",
              "admin", "--secret-usage", "virsh ceph")
        virsh(uri, "vol-create-as", "vr", "vv", "8M")
        assert virsh(uri, "vol-path", "vv", "--pool", "vr").stdout.strip() == "rbd/vv"
        assert cl.info("vv")["size"] == 8 << 20
        src = tmp_path / "in.bin"
        src.write_bytes(os.urandom(3 * 262120 + 4321))
        virsh(uri, "vol-upload", "vv", str(src), "--pool", "vr")
        virsh(uri, "vol-download", "vv", str(tmp_path / "out.bin"), "--pool", "vr")
        out = (tmp_path / "out.bin").read_bytes()
        assert len(out) == 8 << 20 and out[:src.stat().st_size] == src.read_bytes()
        virsh(uri, "vol-clone", "vv", "vc", "--pool", "vr")
        assert cl.info("vc")["parent"]["image"] == "vv"
        virsh(uri, "vol-delete", "vc", "--pool", "vr")
        virsh(uri, "vol-delete", "vv", "--pool", "vr")
        assert "vv" not in cl.images() and "vc" not in cl.images()
        virsh(uri, "pool-destroy", "vr")
    finally:
        alive = d.alive()
        rc = d.stop()
    assert alive and rc == 0, d.describe()


def net_disk(dev, image, auth):
    """A <disk type='network'> on rbd/IMAGE at the cluster's monitor, with
    `auth` (XML text) inside its <source>."""
    return (f"<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            f"<source protocol='rbd' name='rbd/{image}'><host name='{cephh.CephCluster.MON}' "
            f"port='{cephh.CephCluster.PORT}'/>{auth}</source><target dev='{dev}' bus='virtio'/>"
            "</disk>")


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                    reason="qemu-system-x86_64 is not installed")
def test_guest_reads_marker_over_rbd(world):
    """From an image and its clone (<disk type='volume'>), and from an image
    named by a <disk type='network' protocol='rbd'> with its own <auth>
    (the secret by uuid): each key in a secret object, never on the command
    line. A network disk naming a secret that is not there is refused first."""
    node, cl, tmp = world
    p = started(node, tmp, "grbd")
    mark = f"RBDMARK-{os.getpid()}-{time.time_ns()}"
    netmark = f"RBDNET-{os.getpid()}-{time.time_ns()}"
    m = tmp / "marker.raw"
    m.write_bytes(mark.encode() + b"\n" + bytes(1 << 20))
    ok(run(["cp", str(m), str(p / "volumes")]))
    n = tmp / "net.raw"
    n.write_bytes(netmark.encode() + b"\n" + bytes(1 << 20))
    ok(run(["cp", str(n), str(p / "volumes")]))
    assert "watcher=" not in cl.rbd("status", "rbd/marker.raw").stdout  # the copy let go
    write_ok(p / "volumes/marker.raw/clone", "mclone")  # a child image: reads reach the parent
    # a network disk whose secret is not there: ENOENT, nothing started
    bad = net_disk("vda", "net.raw", "<auth username='admin'><secret type='ceph' "
                   "usage='no such secret'/></auth>")
    ok(cp_in(node, tmp, "domains", "grbd-bad.xml", guest_xml("grbd-bad", bad)))
    fails(sh('echo start > "$1"', str(node / "domains/grbd-bad/state")), errno.ENOENT)
    assert "disk 'vda': no ceph secret 'no such secret'" in cat(node / "domains/grbd-bad/error")
    assert cat(node / "domains/grbd-bad/state") == "shutoff\n"
    assert not list((tmp / "root/run").glob("grbd-bad.*"))
    ok(run(["rmdir", str(node / "domains/grbd-bad")]))
    disk = ("<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
            "<source pool='grbd' volume='marker.raw'/><target dev='vda' bus='virtio'/></disk>"
            "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
            "<source pool='grbd' volume='mclone'/><target dev='vdb' bus='virtio'/></disk>" +
            net_disk("vdc", "net.raw", f"<auth username='admin'><secret type='ceph' "
                     f"uuid='{SECRET_UUID}'/></auth>"))
    ok(cp_in(node, tmp, "domains", "grbd-dom.xml", guest_xml("grbd", disk)))
    d = node / "domains/grbd"
    write_ok(d / "state", "start")
    pid = (tmp / "root/run/grbd.pid").read_text().strip()
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    for dev, image in (("vda", "marker.raw"), ("vdc", "net.raw")):
        want = (f"file=rbd:rbd/{image}:id=admin:auth_supported=cephx\\;none:"
                f"mon_host={cl.MON}\\:{cl.PORT},file.password-secret=drive-{dev}-secret0,")
        assert any(a.startswith(want.encode()) for a in args), args
    assert cl.key.encode() not in b" ".join(args)  # the key is never on the command line
    assert not list((tmp / "root/run").glob("grbd.secret*"))  # read by QEMU, then removed
    guest_reads(d, tmp / "root/run/grbd.log", {"vda": mark, "vdb": mark, "vdc": netmark})
    write_ok(d / "state", "destroy")
    ok(run(["rmdir", str(d)]))
    # the image stays: a destroyed QEMU may leave its watch on it until the
    # OSD lets it expire (osd_client_watch_timeout, 30 s), and rmdir is EBUSY
    # "in use (watched)" until then (docs/storage.md); the cluster goes anyway
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))


# last: an OSD that was stopped may take a while to serve as before
def test_osd_away_while_active(world):
    """The OSD stops answering while a pool is active (SIGSTOP): a call that
    needs it fails with ETIMEDOUT within the op timeout (10 s), never hangs,
    and says so; what needs no OSD (the volume list, the sizes the cluster
    gave last, stop) answers at once."""
    import signal
    node, cl, tmp = world
    p = started(node, tmp, "away")
    cap = cat(p / "capacity")
    osd = int((cl.d / "run/osd.0.pid").read_text())
    os.kill(osd, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        r = cp_in(node, tmp, "pools/away/volumes", "a.xml", vol_doc("a1", 65536))
        took = time.monotonic() - t0
        t0 = time.monotonic()
        assert "a1" not in ls(p / "volumes")
        assert cat(p / "capacity") == cap
        write_ok(p / "state", "stop")
        assert time.monotonic() - t0 < 2
    finally:
        os.kill(osd, signal.SIGCONT)
    assert r.returncode != 0 and os.strerror(errno.ETIMEDOUT) in r.stderr, r
    assert 8 < took < 15, took
    assert "cannot create RBD image 'rbd/a1'" in cat(node / "node/error")
    ok(run(["rmdir", str(p)]))
