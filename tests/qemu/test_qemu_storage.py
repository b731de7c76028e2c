"""The qemu driver's `dir` storage pools, through the tree with shell tools:
pool XML copied into pools/, build/start/refresh/stop/delete written to
`state`, volumes created by copying XML into volumes/ and checked with
qemu-img, resized through `capacity`, deleted by rmdir, files added by hand
picked up by refresh. No guest is booted."""
import errno
import json
import os
import shutil
import subprocess

import pytest

from .conftest import EventWaiter

if shutil.which("qemu-img") is None:
    pytest.skip("qemu-img is not installed (qemu-utils)", allow_module_level=True)

POOL = """<pool type='dir'><name>{name}</name>
<target><path>{path}</path></target></pool>"""

VOL = """<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>
<target><format type='{fmt}'/></target>{extra}</volume>"""


def sh(cmd, check=True):
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return r


def img_info(path):
    r = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


@pytest.fixture
def storage(mount_factory, tmp_path):
    root = tmp_path / "root"
    m = mount_factory(f"qemu:///system?root={root}")
    return m.node(), root, tmp_path


def define_pool(node, tmp_path, name, target):
    src = tmp_path / f"{name}.xml"
    src.write_text(POOL.format(name=name, path=target))
    sh(f"cp {src} {node / 'pools'}")
    return node / "pools" / name


def add_volume(pool, tmp_path, name, mib, fmt, extra=""):
    src = tmp_path / f"vol-{name.replace('/', '_')}.xml"
    src.write_text(VOL.format(name=name, mib=mib, fmt=fmt, extra=extra))
    return sh(f"cp {src} {pool / 'volumes'}", check=False)


def test_dir_pool_lifecycle(storage):
    node, root, tmp = storage
    target = tmp / "images"
    p = define_pool(node, tmp, "p1", target)
    assert (root / "lib/storage/p1.xml").is_file()
    assert (p / "state").read_text() == "inactive\n"
    ev = EventWaiter(node / "events", " pool p1 built", timeout=10)
    sh(f"echo build > {p / 'state'}")
    ev.wait()
    assert target.is_dir()
    sh(f"echo start > {p / 'state'}")
    assert (p / "state").read_text() == "active\n"
    st = os.statvfs(target)
    assert int((p / "capacity").read_text()) == st.f_blocks * st.f_frsize
    assert int((p / "available").read_text()) > 0

    # a qcow2 volume: a real file, in the format asked for
    assert add_volume(p, tmp, "disk1.qcow2", 64, "qcow2").returncode == 0
    v = p / "volumes" / "disk1.qcow2"
    path = (v / "path").read_text().strip()
    assert path == str(target / "disk1.qcow2")
    info = img_info(path)
    assert info["format"] == "qcow2" and info["virtual-size"] == 64 << 20
    assert (v / "format").read_text() == "qcow2\n"
    assert int((v / "capacity").read_text()) == 64 << 20
    assert int((v / "allocation").read_text()) == os.stat(path).st_blocks * 512
    assert "<format type='qcow2'/>" in (v / "config.xml").read_text().replace('"', "'")

    # resize through capacity; shrinking is refused
    ev = EventWaiter(node / "events", " volume p1/disk1.qcow2 resized", timeout=10)
    sh(f"echo 2G > {v / 'capacity'}")
    ev.wait()
    assert img_info(path)["virtual-size"] == 2 << 30
    assert int((v / "capacity").read_text()) == 2 << 30
    r = sh(f"/bin/echo 1M > {v / 'capacity'}", check=False)
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert img_info(path)["virtual-size"] == 2 << 30

    # a qcow2 overlay on a raw base
    assert add_volume(p, tmp, "base.img", 16, "raw").returncode == 0
    assert img_info(target / "base.img")["format"] == "raw"
    assert os.path.getsize(target / "base.img") == 16 << 20
    backing = f"<backingStore><path>{target / 'base.img'}</path></backingStore>"
    assert add_volume(p, tmp, "top.qcow2", 16, "qcow2", backing).returncode == 0
    top = img_info(target / "top.qcow2")
    assert top["backing-filename"] == str(target / "base.img")
    assert top.get("backing-filename-format") == "raw"
    assert str(target / "base.img") in (p / "volumes/top.qcow2/config.xml").read_text()

    # refused: a name taken, a name escaping the folder, an unknown format
    assert add_volume(p, tmp, "base.img", 16, "raw").returncode != 0
    assert add_volume(p, tmp, "../escape", 16, "raw").returncode != 0
    assert not (tmp / "escape").exists()
    assert add_volume(p, tmp, "x.vmdk", 16, "vmdk").returncode != 0
    assert not (target / "x.vmdk").exists()

    # a file added by hand appears after refresh, with its format
    sh(f"qemu-img create -q -f qcow2 {target / 'byhand.qcow2'} 8M")
    assert not (p / "volumes/byhand.qcow2").exists()
    sh(f"echo refresh > {p / 'state'}")
    assert (p / "volumes/byhand.qcow2/format").read_text() == "qcow2\n"
    assert int((p / "volumes/byhand.qcow2/capacity").read_text()) == 8 << 20

    # rmdir of a volume deletes its file
    sh(f"rmdir {v}")
    assert not os.path.exists(path)
    assert not v.exists()

    # an active pool can't be removed, nor deleted
    r = sh(f"rmdir {p}", check=False)
    assert r.returncode != 0 and "busy" in r.stderr.lower()
    sh(f"echo stop > {p / 'state'}")
    with pytest.raises(OSError) as e:  # an inactive pool shows no volumes
        os.stat(p / "volumes/base.img")
    assert e.value.errno in (errno.EBUSY, errno.ENOENT)
    # delete refuses a folder that still holds files
    assert sh(f"/bin/echo delete > {p / 'state'}", check=False).returncode != 0
    for f in target.iterdir():
        f.unlink()
    sh(f"echo delete > {p / 'state'}")
    assert not target.exists()
    sh(f"rmdir {p}")
    assert not (root / "lib/storage/p1.xml").exists()


def test_pool_refusals_and_persistence(storage, mount_factory):
    node, root, tmp = storage
    p = define_pool(node, tmp, "p2", tmp / "missing")
    # start before build: the folder does not exist
    r = sh(f"/bin/echo start > {p / 'state'}", check=False)
    assert r.returncode != 0
    assert "build" in (p / "error").read_text()
    # a pool type with no backend is refused
    src = tmp / "lvm.xml"  # a type without a backend (storage-net's, when merged)
    src.write_text("<pool type='zfs'><name>vg</name><source><name>vg</name></source></pool>")
    assert sh(f"cp {src} {node / 'pools'}", check=False).returncode != 0
    assert not (node / "pools/vg").exists()
    # volumes of an inactive pool: EBUSY
    assert add_volume(p, tmp, "a.img", 1, "raw").returncode != 0
    sh(f"echo build > {p / 'state'}")
    sh(f"echo start > {p / 'state'}")
    sh(f"echo 1 > {p / 'autostart'}")
    assert add_volume(p, tmp, "a.img", 1, "raw").returncode == 0
    assert (root / "lib/storage/autostart/p2").exists()


def test_pools_survive_restart(mount_factory, tmp_path):
    root = tmp_path / "root"
    m = mount_factory(f"qemu:///system?root={root}")
    node = m.node()
    p = define_pool(node, tmp_path, "p3", tmp_path / "img")
    sh(f"echo build > {p / 'state'} && echo start > {p / 'state'}")
    assert add_volume(p, tmp_path, "keep.qcow2", 4, "qcow2").returncode == 0
    m.stop()
    m2 = mount_factory(f"qemu:///system?root={root}")
    p2 = m2.node() / "pools" / "p3"
    assert (p2 / "state").read_text() == "active\n"
    assert (p2 / "volumes/keep.qcow2/format").read_text() == "qcow2\n"


VOLUME_DISK = ("<disk type='volume' device='disk'><source pool='{pool}' volume='{vol}'/>"
               "<target dev='vda' bus='virtio'/></disk>")


def test_domain_disk_from_pool_volume(qemu_node, tmp_path):
    """A disk naming a pool volume resolves to its path and format at start;
    the guest sees a disk of the volume's size."""
    q = qemu_node
    from .test_qemu_console import read_until
    p = define_pool(q.node, tmp_path, "vm", tmp_path / "vmimg")
    sh(f"echo build > {p / 'state'} && echo start > {p / 'state'}")
    d = q.define(tmp_path, "pv1", extra_devices=VOLUME_DISK.format(pool="vm", vol="d.qcow2"))
    # the volume does not exist yet: start fails naming it, nothing runs
    r = sh(f"/bin/echo start > {d / 'state'}", check=False)
    assert r.returncode != 0
    assert "'d.qcow2' not found in pool 'vm'" in (d / "error").read_text()
    assert (d / "state").read_text() == "shutoff\n"
    assert add_volume(p, tmp_path, "d.qcow2", 32, "qcow2").returncode == 0
    (d / "state").write_text("start")
    try:
        cmdline = open(f"/proc/{q.pid('pv1')}/cmdline").read().split("\0")
        assert f"file={tmp_path / 'vmimg/d.qcow2'},if=none,id=drive-vda,format=qcow2" in cmdline
        q.wait_log("pv1", "HYPERFS-GUEST-READY")
        fd = os.open(d / "console", os.O_RDONLY | os.O_NONBLOCK)
        try:
            with open(d / "console", "w") as w:
                w.write("echo VDA-$(cat /sys/block/vda/size)-SECTORS\n")
            want = f"VDA-{(32 << 20) // 512}-SECTORS"
            assert want in read_until(fd, want, timeout=20)
        finally:
            os.close(fd)
    finally:
        (d / "state").write_text("destroy")
