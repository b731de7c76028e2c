"""netfs pools without a kernel NFS client: hyperfs's libnfs way against a real
nfs-ganesha (VFS FSAL, NFSv3 and NFSv4, with rpcbind) in a network namespace that the
module makes, reached over a veth pair (tests/helpers/nfs.py). Pool define,
build, start, refresh, stop and undefine by cp and echo; volumes by cp of a
document (raw, qcow2) and of content; cat data (and dd at offsets), resize,
clone, wipe, delete, each checked in the export folder itself; a server that
is not there, an export that is not exported, the same export twice, bad
names and formats, each refused with its errno and nothing left behind; the
server going away and coming back; an active pool back after a restart of
hyperfs; the same pool through hyperfsd with virsh (vol-upload,
vol-download); the kernel-mount way refused clearly on this kernel; and one
TCG guest that reads markers through QEMU's nfs:// driver, from a volume
disk and from a network disk. One server and one hyperfs for the module;
the namespace (with its veth, rpcbind and ganesha, stopped by PID) is
removed at the end."""
import errno
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from helpers.guestdisk import guest_reads, guest_xml
from helpers.nfs import NfsServer
from helpers.tools import cat, clear_qemu_mount, fails, ls, ok, run, sh, wait_for, write_ok


for tool in ("ganesha.nfsd", "rpcbind", "nfs-ls", "qemu-img"):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (tools/install-deps installs it)",
                    allow_module_level=True)


def listening(host, port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from helpers.mount import HyperfsMount
    tmp = tmp_path_factory.mktemp("netfs")
    try:
        srv = NfsServer(tmp)
    except RuntimeError as e:
        pytest.skip(str(e))
    m = HyperfsMount(tmp / "mnt", [f"qemu:///system?root={tmp / 'root'}"], logdir=tmp)
    try:
        srv.start()
        m.start()
        yield m.node(), srv, tmp
    finally:
        clear_qemu_mount(m, tmp / "root" / "run")
        srv.stop()


def pool_doc(name, host, folder, fmt="nfs", tmp="/var/lib/hyperfs-test", ver=None):
    f = f"<format type='{fmt}'/>" if fmt else ""
    if ver:
        f += f"<protocol ver='{ver}'/>"
    return (f"<pool type='netfs'>\n  <name>{name}</name>\n  <source>\n    <host name='{host}'/>\n"
            f"    <dir path='{folder}'/>\n    {f}\n  </source>\n"
            f"  <target>\n    <path>{tmp}/{name}</path>\n  </target>\n</pool>\n")


def cp_in(node, tmp, where, name, text):
    f = tmp / name
    f.write_text(text)
    return run(["cp", str(f), str(node / where)])


def vol_doc(name, size, fmt="raw"):
    return (f"<volume><name>{name}</name><capacity unit='bytes'>{size}</capacity>"
            f"<target><format type='{fmt}'/></target></volume>")


def test_pool_and_volumes(world):
    node, srv, tmp = world
    (srv.exp / "there.img").write_bytes(b"x" * 4096)  # made on the server's side
    ok(cp_in(node, tmp, "pools", "nfs1.xml", pool_doc("nfs1", srv.ip, srv.exp)))
    p = node / "pools" / "nfs1"
    assert cat(p / "state") == "inactive\n"
    write_ok(p / "state", "build")
    write_ok(p / "state", "start")
    assert cat(p / "state") == "active\n"
    st = os.statvfs(srv.exp)
    assert int(cat(p / "capacity")) == st.f_blocks * st.f_frsize
    assert 0 < int(cat(p / "available")) <= int(cat(p / "capacity"))
    assert ls(p / "volumes") == ["there.img"]
    v = p / "volumes" / "there.img"
    assert cat(v / "path") == f"nfs://{srv.ip}{srv.exp}/there.img\n"
    assert cat(v / "type") == "network\n" and cat(v / "format") == "raw\n"
    assert cat(v / "capacity") == "4096\n"

    # volumes from documents: a raw file and a qcow2 image (qemu-img on nfs://)
    ok(cp_in(node, tmp, "pools/nfs1/volumes", "r.xml", vol_doc("r.raw", 8 << 20)))
    assert (srv.exp / "r.raw").stat().st_size == 8 << 20
    ok(cp_in(node, tmp, "pools/nfs1/volumes", "q.xml", vol_doc("q.qcow2", 16 << 20, "qcow2")))
    assert (srv.exp / "q.qcow2").read_bytes()[:4] == b"QFI\xfb"
    assert cat(p / "volumes/q.qcow2/format") == "qcow2\n"
    assert cat(p / "volumes/q.qcow2/capacity") == f"{16 << 20}\n"
    assert "<path>nfs://" in cat(p / "volumes/q.qcow2/config.xml")

    # content: cp in makes a volume, cat data reads it back, both byte for byte
    blob = tmp / "blob.raw"
    blob.write_bytes(os.urandom(3 << 20) + b"END")
    ok(run(["cp", str(blob), str(p / "volumes")]))
    assert (srv.exp / "blob.raw").read_bytes() == blob.read_bytes()
    assert run(["cmp", str(blob), str(p / "volumes/blob.raw/data")]).returncode == 0
    out = subprocess.run(["dd", f"if={p / 'volumes/blob.raw/data'}", "bs=4096", "skip=700",
                          "count=3", "status=none"], capture_output=True).stdout
    assert out == blob.read_bytes()[700 * 4096:703 * 4096]  # a read that seeks
    # reads across the 512 KiB READs a download asks for ahead, then back
    for bs, skip, count in ((100000, 5, 3), (4096, 10, 2), (1 << 20, 2, 2)):
        out = subprocess.run(["dd", f"if={p / 'volumes/blob.raw/data'}", f"bs={bs}",
                              f"skip={skip}", f"count={count}", "status=none"],
                             capture_output=True).stdout
        assert out == blob.read_bytes()[bs * skip:bs * (skip + count)], (bs, skip, count)
    img = tmp / "up.qcow2"
    # small clusters: a shorter file than the qcow2 the volume is made as first
    ok(run(["qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", str(img), "32M"]))
    ok(run(["cp", str(img), str(p / "volumes")]))
    assert (srv.exp / "up.qcow2").read_bytes() == img.read_bytes()  # the header was replaced
    assert cat(p / "volumes/up.qcow2/format") == "qcow2\n"
    assert cat(p / "volumes/up.qcow2/capacity") == f"{32 << 20}\n"

    # resize (raw through libnfs, qcow2 with qemu-img), clone, wipe
    write_ok(p / "volumes/r.raw/capacity", "12M")
    assert (srv.exp / "r.raw").stat().st_size == 12 << 20
    write_ok(p / "volumes/q.qcow2/capacity", "24M")
    out = run(["qemu-img", "info", str(srv.exp / "q.qcow2")]).stdout
    assert f"({24 << 20} bytes)" in out
    fails(sh('echo 1M > "$1"', str(p / "volumes/r.raw/capacity")), errno.EINVAL)
    write_ok(p / "volumes/blob.raw/clone", "copy.raw")
    assert (srv.exp / "copy.raw").read_bytes() == blob.read_bytes()
    write_ok(p / "volumes/copy.raw/wipe", "zero")
    assert (srv.exp / "copy.raw").read_bytes() == bytes(len(blob.read_bytes()))

    # delete, refresh, stop, undefine
    ok(run(["rmdir", str(p / "volumes/copy.raw")]))
    assert not (srv.exp / "copy.raw").exists()
    (srv.exp / "there.img").unlink()
    write_ok(p / "state", "refresh")
    assert ls(p / "volumes") == ["blob.raw", "q.qcow2", "r.raw", "up.qcow2"]
    write_ok(p / "state", "stop")
    fails(run(["ls", str(p / "volumes")]), errno.EBUSY)
    ok(run(["rmdir", str(p)]))
    assert "nfs1" not in ls(node / "pools")
    assert sorted(os.listdir(srv.exp)) == ["blob.raw", "q.qcow2", "r.raw", "up.qcow2"]


def start_fails(node, tmp, name, host, folder, err, words, within):
    ok(cp_in(node, tmp, "pools", f"{name}.xml", pool_doc(name, host, folder)))
    p = node / "pools" / name
    t0 = time.monotonic()
    fails(sh('echo start > "$1"/state', str(p)), err)
    assert time.monotonic() - t0 < within
    assert words in cat(p / "error"), cat(p / "error")
    assert cat(p / "state") == "inactive\n"
    ok(run(["rmdir", str(p)]))


def test_server_and_export_errors(world):
    node, srv, tmp = world
    before = sorted(os.listdir(srv.exp))
    # a host where nothing answers on the portmapper's port, at once (this
    # host's end of the veth, unless someone runs an rpcbind here)
    if not listening(srv.host_ip, 111):
        start_fails(node, tmp, "refused", srv.host_ip, srv.exp, errno.ECONNREFUSED,
                    "cannot reach NFS server", 2)
    # an address nobody has: the connect gives up in about 3 s
    ok(cp_in(node, tmp, "pools", "away.xml", pool_doc("away", srv.absent, srv.exp)))
    t0 = time.monotonic()
    r = sh('echo start > "$1"/state', str(node / "pools/away"))
    assert r.returncode != 0 and time.monotonic() - t0 < 6
    assert os.strerror(errno.ETIMEDOUT) in r.stderr or os.strerror(errno.EHOSTUNREACH) in r.stderr
    ok(run(["rmdir", str(node / "pools/away")]))
    # an export the server does not have: its list is named
    start_fails(node, tmp, "noexp", srv.ip, "/srv/not-exported", errno.ENOENT,
                f"exports no '/srv/not-exported' (it exports: {srv.exp})", 5)
    # the same export twice: the second is refused, as libvirt's duplicate check does
    ok(cp_in(node, tmp, "pools", "one.xml", pool_doc("one", srv.ip, srv.exp)))
    fails(cp_in(node, tmp, "pools", "two.xml", pool_doc("two", srv.ip, srv.exp)), errno.EEXIST)
    assert "is the source of pool 'one' already" in cat(node / "node/error")
    ok(run(["rmdir", str(node / "pools/one")]))
    # documents refused at define, nothing left behind
    fails(cp_in(node, tmp, "pools", "nodir.xml",
                "<pool type='netfs'><name>nodir</name><source><host name='h'/></source>"
                "<target><path>/var/lib/x</path></target></pool>"), errno.EINVAL)
    fails(cp_in(node, tmp, "pools", "gl.xml", pool_doc("gl", srv.ip, srv.exp, "glusterfs")),
          errno.EOPNOTSUPP)
    fails(cp_in(node, tmp, "pools", "rel.xml", pool_doc("rel", srv.ip, "export/x")), errno.EINVAL)
    assert ls(node / "pools") == []
    assert sorted(os.listdir(srv.exp)) == before


def test_bad_volume_names(world):
    node, srv, tmp = world
    ok(cp_in(node, tmp, "pools", "nfs2.xml", pool_doc("nfs2", srv.ip, srv.exp)))
    p = node / "pools" / "nfs2"
    write_ok(p / "state", "start")
    before = sorted(os.listdir(srv.exp))
    fails(cp_in(node, tmp, "pools/nfs2/volumes", "s.xml", vol_doc("a/b", 4096)), errno.EINVAL)
    fails(cp_in(node, tmp, "pools/nfs2/volumes", "u.xml", vol_doc("what?x", 4096)), errno.EINVAL)
    assert "nfs:// URL" in cat(node / "node/error")
    fails(cp_in(node, tmp, "pools/nfs2/volumes", "f.xml", vol_doc("v.vmdk", 4096, "vmdk")),
          errno.EOPNOTSUPP)
    ok(cp_in(node, tmp, "pools/nfs2/volumes", "d.xml", vol_doc("dup", 4096)))
    fails(cp_in(node, tmp, "pools/nfs2/volumes", "d2.xml", vol_doc("dup", 4096)), errno.EEXIST)
    ok(run(["rmdir", str(p / "volumes/dup")]))
    assert sorted(os.listdir(srv.exp)) == before
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))


def test_nfs4_pool(world):
    """<protocol ver='4'/> (libvirt's NFS version): libnfs mounts the
    server's NFSv4 pseudo folder (ganesha's Pseudo = /export, no portmapper);
    raw volumes, content, resize, clone and delete as over NFSv3, checked in
    the export folder. What goes through QEMU's nfs driver, which speaks
    NFSv3 only (an image format, a domain's disk), is refused with
    EOPNOTSUPP; a version other than 3 or 4, or one for a non-NFS format, is
    EINVAL at define."""
    node, srv, tmp = world
    before = sorted(os.listdir(srv.exp))
    ok(cp_in(node, tmp, "pools", "v4.xml", pool_doc("v4", srv.ip, "/export", ver=4)))
    p = node / "pools" / "v4"
    write_ok(p / "state", "start")
    assert ls(p / "volumes") == before
    ok(cp_in(node, tmp, "pools/v4/volumes", "r4.xml", vol_doc("r4.raw", 4 << 20)))
    assert (srv.exp / "r4.raw").stat().st_size == 4 << 20
    assert cat(p / "volumes/r4.raw/path") == f"nfs://{srv.ip}/export/r4.raw?version=4\n"
    blob = tmp / "blob4.raw"
    blob.write_bytes(os.urandom(2 << 20) + b"V4END")
    ok(run(["cp", str(blob), str(p / "volumes")]))
    assert (srv.exp / "blob4.raw").read_bytes() == blob.read_bytes()
    assert run(["cmp", str(blob), str(p / "volumes/blob4.raw/data")]).returncode == 0
    r = sh('echo 6M > "$1"', str(p / "volumes/r4.raw/capacity"))
    assert r.returncode == 0, cat(p / "error") + cat(p / "volumes/r4.raw/error")
    assert (srv.exp / "r4.raw").stat().st_size == 6 << 20
    write_ok(p / "volumes/blob4.raw/clone", "copy4.raw")
    assert (srv.exp / "copy4.raw").read_bytes() == blob.read_bytes()
    fails(cp_in(node, tmp, "pools/v4/volumes", "q4.xml", vol_doc("q4.qcow2", 1 << 20, "qcow2")),
          errno.EOPNOTSUPP)
    assert "speaks NFSv3 only" in cat(node / "node/error")
    if shutil.which("qemu-system-x86_64"):
        doc = ("<domain type='qemu'><name>nfs4-dom</name><memory unit='MiB'>64</memory>"
               "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
               "<disk type='volume' device='disk'><source pool='v4' volume='r4.raw'/>"
               "<target dev='vda' bus='virtio'/></disk></devices></domain>")
        ok(cp_in(node, tmp, "domains", "nfs4-dom.xml", doc))
        fails(sh('echo start > "$1"', str(node / "domains/nfs4-dom/state")), errno.EOPNOTSUPP)
        assert "speaks NFSv3 only" in cat(node / "domains/nfs4-dom/error")
        ok(run(["rmdir", str(node / "domains/nfs4-dom")]))
    for name in ("r4.raw", "blob4.raw", "copy4.raw"):
        ok(run(["rmdir", str(p / "volumes" / name)]))
    assert sorted(os.listdir(srv.exp)) == before
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))
    # refused at define: an unknown version, a version for a format that is no NFS
    fails(cp_in(node, tmp, "pools", "v5.xml", pool_doc("v5", srv.ip, "/export", ver=5)),
          errno.EINVAL)
    assert "NFS version, 3 or 4" in cat(node / "node/error")
    fails(cp_in(node, tmp, "pools", "cv.xml", pool_doc("cv", srv.ip, "/export", "cifs", ver=4)),
          errno.EINVAL)
    assert ls(node / "pools") == []


def test_active_pool_is_back_after_a_restart(world, tmp_path):
    """hyperfs keeps no NFS state on disk: a pool that was active when
    hyperfs stopped is mounted in libnfs again at the next start, with its
    volumes."""
    from helpers.mount import HyperfsMount
    _, srv, _ = world
    uri = f"qemu:///system?root={tmp_path / 'root'}"
    m = HyperfsMount(tmp_path / "mnt", [uri], logdir=tmp_path)
    m.start()
    try:
        node = m.node()
        ok(cp_in(node, tmp_path, "pools", "back.xml", pool_doc("back", srv.ip, srv.exp)))
        write_ok(node / "pools/back/state", "start")
        ok(cp_in(node, tmp_path, "pools/back/volumes", "bv.xml", vol_doc("back.raw", 65536)))
    finally:
        m.stop()
    m = HyperfsMount(tmp_path / "mnt", [uri], logdir=tmp_path)
    m.start()
    try:
        p = m.node() / "pools/back"
        assert cat(p / "state") == "active\n"
        assert "back.raw" in ls(p / "volumes")
        ok(run(["rmdir", str(p / "volumes/back.raw")]))
        write_ok(p / "state", "stop")
        ok(run(["rmdir", str(p)]))
    finally:
        m.stop()
    assert not (srv.exp / "back.raw").exists()


def test_server_away_and_back(world):
    """ganesha stops while the pool is active: the first call waits for
    libnfs's timeout (5 s), the pool's context goes, and for 5 s after that
    calls fail at once with ENOTCONN (infos show the last sizes); a stream
    cannot mount (ECONNREFUSED: rpcbind answers, the NFS program is gone).
    Once ganesha is back, a refresh mounts again and content reads."""
    node, srv, tmp = world
    ok(cp_in(node, tmp, "pools", "away2.xml", pool_doc("away2", srv.ip, srv.exp)))
    p = node / "pools" / "away2"
    write_ok(p / "state", "start")
    ok(cp_in(node, tmp, "pools/away2/volumes", "aw.xml", vol_doc("aw.raw", 65536)))
    cap = cat(p / "capacity")
    srv.pause()
    try:
        t0 = time.monotonic()
        assert cat(p / "capacity") == cap  # after one timeout, the last figure
        assert time.monotonic() - t0 < 8
        t0 = time.monotonic()
        fails(sh('echo refresh > "$1"', str(p / "state")), errno.ENOTCONN)
        assert time.monotonic() - t0 < 1
        assert "is away" in cat(p / "error")
        fails(run(["cat", str(p / "volumes/aw.raw/data")]), errno.ECONNREFUSED)
    finally:
        srv.resume()
    wait_for(lambda: sh('echo refresh > "$1"', str(p / "state")).returncode == 0,
             "a refresh once the server is back", timeout=20)
    assert ls(p / "volumes") == ["aw.raw"] or "aw.raw" in ls(p / "volumes")
    assert run(["cmp", "-n", "65536", str(p / "volumes/aw.raw/data"), "/dev/zero"]).returncode == 0
    ok(run(["rmdir", str(p / "volumes/aw.raw")]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))


@pytest.mark.skipif(shutil.which("virsh") is None, reason="virsh is not installed")
def test_virsh_through_hyperfsd(world, tmp_path):
    """The same pool through hyperfsd with virsh: pool-create-as, vol-create-as,
    vol-path (the nfs:// URL), vol-upload and vol-download over libvirt's
    streams, vol-delete, pool-destroy."""
    from remote.hfd import Daemon, virsh
    _, srv, _ = world
    (tmp_path / "hfd").mkdir()
    d = Daemon(tmp_path / "hfd").start()
    try:
        uri = f"qemu+unix:///system?socket={d.sock}&root={tmp_path / 'root'}"
        virsh(uri, "pool-create-as", "vn", "netfs", "--source-host", srv.ip, "--source-path",
              str(srv.exp), "--source-format", "nfs", "--target", str(tmp_path / "vn"))
        virsh(uri, "vol-create-as", "vn", "vv.raw", "1M")
        assert virsh(uri, "vol-path", "vv.raw", "--pool", "vn").stdout.strip() == \
            f"nfs://{srv.ip}{srv.exp}/vv.raw"
        src = tmp_path / "in.bin"
        src.write_bytes(os.urandom(3 * 262120 + 4321))
        virsh(uri, "vol-upload", "vv.raw", str(src), "--pool", "vn")
        assert (srv.exp / "vv.raw").read_bytes()[:src.stat().st_size] == src.read_bytes()
        virsh(uri, "vol-download", "vv.raw", str(tmp_path / "out.bin"), "--pool", "vn")
        assert (tmp_path / "out.bin").read_bytes() == (srv.exp / "vv.raw").read_bytes()
        virsh(uri, "vol-delete", "vv.raw", "--pool", "vn")
        assert not (srv.exp / "vv.raw").exists()
        virsh(uri, "pool-destroy", "vn")
    finally:
        alive = d.alive()
        rc = d.stop()
    assert alive and rc == 0, d.describe()


@pytest.mark.skipif("nfs" in Path("/proc/filesystems").read_text(),
                    reason="this kernel mounts NFS: the mount way would run")
def test_kernel_mount_way_refused_here(world, tmp_path):
    """HYPERFS_NETFS=mount chooses libvirt's way (mount(8)); this kernel has
    no NFS client, so start says so instead of running mount."""
    from helpers.mount import HyperfsMount
    node0, srv, _ = world
    os.environ["HYPERFS_NETFS"] = "mount"
    try:
        m = HyperfsMount(tmp_path / "mnt", [f"qemu:///system?root={tmp_path / 'root'}"],
                         logdir=tmp_path)
        m.start()
    finally:
        del os.environ["HYPERFS_NETFS"]
    try:
        node = m.node()
        ok(cp_in(node, tmp_path, "pools", "k.xml",
                 pool_doc("k", srv.ip, srv.exp, "auto", str(tmp_path))))
        p = node / "pools" / "k"
        write_ok(p / "state", "build")
        assert (tmp_path / "k").is_dir()  # libvirt's build: the mount folder
        fails(sh('echo start > "$1"/state', str(p)), errno.ENODEV)
        assert "this kernel has no nfs client" in cat(p / "error")
        write_ok(p / "state", "delete")
        assert not (tmp_path / "k").exists()
        ok(run(["rmdir", str(p)]))
    finally:
        m.stop()


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                    reason="qemu-system-x86_64 is not installed")
def test_guest_reads_marker_over_nfs(world):
    node, srv, tmp = world
    ok(cp_in(node, tmp, "pools", "gnfs.xml", pool_doc("gnfs", srv.ip, srv.exp)))
    p = node / "pools" / "gnfs"
    write_ok(p / "state", "start")
    mark = f"NFSMARK-{os.getpid()}-{time.time_ns()}"
    m = tmp / "marker.raw"
    m.write_bytes(mark.encode() + b"\n" + bytes(1 << 20))
    ok(run(["cp", str(m), str(p / "volumes")]))
    # and a network disk naming a file of the export itself
    direct = f"NFSDIRECT-{os.getpid()}-{time.time_ns()}"
    (srv.exp / "direct.raw").write_bytes(direct.encode() + b"\n" + bytes(65536))
    disk = ("<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
            "<source pool='gnfs' volume='marker.raw'/><target dev='vda' bus='virtio'/></disk>"
            "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            f"<source protocol='nfs' name='{srv.exp}/direct.raw'><host name='{srv.ip}'/>"
            "</source><target dev='vdb' bus='virtio'/></disk>")
    text = guest_xml("gnfs", disk)
    ok(cp_in(node, tmp, "domains", "gnfs-dom.xml", text))
    d = node / "domains/gnfs"
    write_ok(d / "state", "start")
    pid = (tmp / "root/run/gnfs.pid").read_text().strip()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert f"file=nfs://{srv.ip}{srv.exp}/marker.raw," in cmdline
    guest_reads(d, tmp / "root/run/gnfs.log", {"vda": mark, "vdb": direct})
    write_ok(d / "state", "destroy")
    ok(run(["rmdir", str(d)]))
    write_ok(p / "state", "stop")
    ok(run(["rmdir", str(p)]))
