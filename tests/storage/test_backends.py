"""The fs, disk and logical pool backends against real loop devices, mkfs,
mount(2), libfdisk partition tables and LVM's tools; scsi, mpath and
sheepdog refused clearly. Each test cleans up its loop devices and mounts
(the `loops` fixture checks that none stays bound)."""
import json
import os
import shutil

import pytest

from .conftest import add_vol, define, error_of, fails, sh, undefine

LVM = "LVM_SUPPRESS_FD_WARNINGS=1"


def mounted(path):
    return any(l.split()[4] == str(path) for l in open("/proc/self/mountinfo"))


def state(pool):
    return (pool / "state").read_text().strip()


def fs_pool_xml(name, dev, target, fmt):
    return (f"<pool type='fs'><name>{name}</name><source><device path='{dev}'/>"
            f"<format type='{fmt}'/></source><target><path>{target}</path></target></pool>")


@pytest.mark.parametrize("fmt", ["ext4", "xfs", "btrfs"])
def test_fs_pool_on_an_image_file(snode, tmp_path, loops, fmt):
    if shutil.which(f"mkfs.{fmt}") is None:
        pytest.skip(f"mkfs.{fmt} is not installed (tools/install-deps installs it)")
    img = loops.image(f"{fmt}.img", "320M" if fmt == "xfs" else "160M")
    target = tmp_path / "mnt"
    p = define(snode, tmp_path, fs_pool_xml(f"fs{fmt}", img, target, fmt), f"fs{fmt}")
    assert state(p) == "inactive"
    sh(f"echo build > {p}/state")
    assert sh(f"blkid -p -o value -s TYPE {img}").stdout.strip() == fmt
    fails(f"echo build > {p}/state")
    assert f"holds a {fmt} file system already" in error_of(p)
    sh(f"echo build-overwrite > {p}/state")
    sh(f"echo start > {p}/state")
    assert state(p) == "active" and mounted(target)
    assert loops.bound(), "an image file is mounted through a loop device"
    assert int((p / "capacity").read_text()) > 0
    # volumes are files: made with cp, read with cat, cloned, resized, deleted
    data = tmp_path / "disk.raw"
    data.write_bytes(os.urandom(1 << 20) + b"MARK")
    sh(f"cp {data} {p}/volumes/")
    assert (target / "disk.raw").stat().st_size == data.stat().st_size
    sh(f"cmp {data} {p}/volumes/disk.raw/data")
    sh(f"echo disk2.raw > {p}/volumes/disk.raw/clone")
    sh(f"cmp {data} <(head -c {data.stat().st_size} {p}/volumes/disk2.raw/data)")
    add_vol(p, tmp_path, "q.qcow2", 64 << 20, "qcow2")
    sh(f"echo 128M > {p}/volumes/q.qcow2/capacity")
    assert (p / "volumes/q.qcow2/capacity").read_text() == f"{128 << 20}\n"
    # a file put there by hand is found by refresh
    sh(f"truncate -s 1M {target}/byhand.img")
    sh(f"echo refresh > {p}/state")
    assert "byhand.img" in os.listdir(p / "volumes")
    for v in ("disk.raw", "disk2.raw", "q.qcow2", "byhand.img"):
        sh(f"rmdir {p}/volumes/{v}")
    sh(f"echo stop > {p}/state")
    assert not mounted(target) and state(p) == "inactive"
    sh(f"echo delete > {p}/state")
    assert not target.exists()
    sh(f"rmdir {p}")


def test_fs_pool_on_a_block_device(snode, tmp_path, loops):
    """A block device as the source (a loop device the test attaches): build
    makes the file system on it, start mounts it as it is (no loop device
    of the pool's own), stop unmounts; the device stays."""
    dev = loops.attach(loops.image("blk.img", "96M"))
    target = tmp_path / "bmnt"
    p = define(snode, tmp_path, fs_pool_xml("fsblk", dev, target, "ext4"), "fsblk")
    sh(f"echo build > {p}/state")
    assert sh(f"blkid -p -o value -s TYPE {dev}").stdout.strip() == "ext4"
    sh(f"echo start > {p}/state")
    assert state(p) == "active" and mounted(target)
    assert loops.bound() == [dev], "no second loop device for a block device"
    data = tmp_path / "b.raw"
    data.write_bytes(os.urandom(1 << 20))
    sh(f"cp {data} {p}/volumes/")
    sh(f"cmp {data} {target}/b.raw")
    sh(f"rmdir {p}/volumes/b.raw")
    sh(f"echo stop > {p}/state")
    assert not mounted(target) and loops.bound() == [dev]
    sh(f"echo delete > {p}/state; rmdir {p}")


def test_fs_pool_bad_input(snode, tmp_path, loops):
    missing = tmp_path / "nothere.img"
    p = define(snode, tmp_path, fs_pool_xml("fsbad", missing, tmp_path / "t", "ext4"), "fsbad")
    fails(f"echo build > {p}/state")
    assert f"device '{missing}' does not exist" in error_of(p)
    assert not (tmp_path / "t").exists(), "a failed build leaves nothing"
    fails(f"echo start > {p}/state")
    assert state(p) == "inactive"
    # a pool whose target is inside another's is refused, and not defined
    src = tmp_path / "over.xml"
    src.write_text(fs_pool_xml("fsover", tmp_path / "o.img", tmp_path / "t/sub", "ext4"))
    fails(f"cp {src} {snode}/pools/")
    assert "overlaps the target" in (snode / "node/error").read_text()
    assert "fsover" not in os.listdir(snode / "pools")
    src.write_text(fs_pool_xml("fsfmt", tmp_path / "o.img", tmp_path / "u", "ntfs"))
    fails(f"cp {src} {snode}/pools/")
    assert "unknown pool format type" in (snode / "node/error").read_text()
    sh(f"rmdir {p}")


def disk_xml(name, dev, label):
    return (f"<pool type='disk'><name>{name}</name><source><device path='{dev}'/>"
            f"<format type='{label}'/></source><target><path>/dev</path></target></pool>")


@pytest.mark.parametrize("label", ["gpt", "dos"])
def test_disk_pool_partitions_on_a_loop_device(snode, tmp_path, loops, label):
    img = loops.image(f"{label}.img", "128M")
    dev = loops.attach(img, partscan=True)
    base = os.path.basename(dev)
    p = define(snode, tmp_path, disk_xml(f"dk{label}", dev, label), f"dk{label}")
    sh(f"echo build > {p}/state")
    expect = "gpt" if label == "gpt" else "dos"
    assert expect in sh(f"sfdisk -J {dev}").stdout
    fails(f"echo build > {p}/state")
    assert "partition table already" in error_of(p)
    sh(f"echo start > {p}/state")
    assert os.listdir(p / "volumes") == []
    live = (p / "live.xml").read_text()
    assert "<freeExtent start=" in live
    # partitions are named after their device: loop0p1, ...
    r = add_vol(p, tmp_path, "data1", 16 << 20, check=False)
    assert r.returncode != 0
    assert f"the next one is '{base}p1'" in (snode / "node/error").read_text()
    add_vol(p, tmp_path, f"{base}p1", 16 << 20)
    add_vol(p, tmp_path, f"{base}p2", 32 << 20)
    assert sorted(os.listdir(p / "volumes")) == [f"{base}p1", f"{base}p2"]
    assert os.path.exists(f"/dev/{base}p2")
    assert (p / f"volumes/{base}p2/capacity").read_text() == f"{32 << 20}\n"
    assert len(sh(f"sfdisk -J {dev}").stdout.split('"node"')) == 3
    marker = tmp_path / "m"
    marker.write_bytes(b"DISK-MARKER" + os.urandom(4096))
    sh(f"cp {marker} {p}/volumes/{base}p2/data")
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} /dev/{base}p2)")
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} {p}/volumes/{base}p2/data)")
    # too big for what is free: refused, nothing made
    r = add_vol(p, tmp_path, f"{base}p3", 512 << 20, check=False)
    assert r.returncode != 0
    assert "no free stretch" in (snode / "node/error").read_text()
    assert len(os.listdir(p / "volumes")) == 2
    # the last partition grows into the free space after it; the first cannot
    sh(f"echo 48M > {p}/volumes/{base}p2/capacity")
    assert (p / f"volumes/{base}p2/capacity").read_text() == f"{48 << 20}\n"
    fails(f"echo 64M > {p}/volumes/{base}p1/capacity")
    assert "does not allow it" in error_of(p / f"volumes/{base}p1")
    sh(f"rmdir {p}/volumes/{base}p1")
    assert not os.path.exists(f"/dev/{base}p1")
    assert len(sh(f"sfdisk -J {dev}").stdout.split('"node"')) == 2
    sh(f"rmdir {p}/volumes/{base}p2")
    sh(f"echo stop > {p}/state; echo delete > {p}/state")
    assert sh(f"blkid -p {dev}", check=False).returncode != 0, "delete wipes the label"
    sh(f"rmdir {p}")


def test_dos_extended_and_logical_partitions(snode, tmp_path, loops):
    """On a dos table, as libvirt does: a volume of format 'extended' is the
    extended partition (one, and on dos only); once the 4 primary slots are
    taken, new volumes are logical partitions inside it (loopNp5, p6...),
    with content like any; the extended one lists with format extended, holds
    no content and goes only when its logical ones have; a fifth volume on
    a full table without one says how to get one."""
    dev = loops.attach(loops.image("ext.img", "128M"), partscan=True)
    base = os.path.basename(dev)
    p = define(snode, tmp_path, disk_xml("dkext", dev, "dos"), "dkext")
    sh(f"echo build > {p}/state; echo start > {p}/state")
    for k in (1, 2, 3):
        add_vol(p, tmp_path, f"{base}p{k}", 8 << 20)
    add_vol(p, tmp_path, f"{base}p4", 64 << 20, "extended")
    assert (p / f"volumes/{base}p4/format").read_text() == "extended\n"
    r = add_vol(p, tmp_path, f"{base}p4", 8 << 20, check=False)
    assert r.returncode != 0
    # logical ones: named on from 5, inside the extended partition
    r = add_vol(p, tmp_path, f"{base}p6", 8 << 20, check=False)
    assert r.returncode != 0 and f"the next one is '{base}p5'" in \
        (snode / "node/error").read_text()
    add_vol(p, tmp_path, f"{base}p5", 16 << 20)
    add_vol(p, tmp_path, f"{base}p6", 8 << 20)
    table = json.loads(sh(f"sfdisk -J {dev}").stdout)["partitiontable"]["partitions"]
    types = {os.path.basename(e["node"]): e["type"] for e in table}
    assert types[f"{base}p4"] == "5" and types[f"{base}p5"] == "83" and len(types) == 6
    ext = [e for e in table if e["type"] == "5"][0]
    for e in table:
        if e["node"].endswith(("p5", "p6")):
            assert ext["start"] < e["start"] < ext["start"] + ext["size"]
    assert os.path.exists(f"/dev/{base}p6")
    sh(f"echo 12M > {p}/volumes/{base}p6/capacity")  # the last logical one grows inside
    assert (p / f"volumes/{base}p6/capacity").read_text() == f"{12 << 20}\n"
    assert sh(f"blockdev --getsize64 /dev/{base}p6").stdout.strip() == str(12 << 20)
    marker = tmp_path / "lm"
    marker.write_bytes(b"LOGICAL-MARKER" + os.urandom(8192))
    sh(f"cp {marker} {p}/volumes/{base}p5/data")
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} /dev/{base}p5)")
    fails(f"cat {p}/volumes/{base}p4/data > /dev/null")
    assert "extended partition" in error_of(p / f"volumes/{base}p4")
    # too big for what is left inside the extended partition
    r = add_vol(p, tmp_path, f"{base}p7", 64 << 20, check=False)
    assert r.returncode != 0 and "no free stretch" in (snode / "node/error").read_text()
    sh(f"echo 72M > {p}/volumes/{base}p4/capacity")  # it grows with its logical ones in it
    assert (p / f"volumes/{base}p4/capacity").read_text() == f"{72 << 20}\n"
    fails(f"rmdir {p}/volumes/{base}p4")
    assert "holds logical ones; delete them first" in error_of(p / f"volumes/{base}p4")
    for k in (6, 5, 4):
        sh(f"rmdir {p}/volumes/{base}p{k}")
    assert len(json.loads(sh(f"sfdisk -J {dev}").stdout)["partitiontable"]["partitions"]) == 3
    add_vol(p, tmp_path, f"{base}p4", 8 << 20)
    r = add_vol(p, tmp_path, f"{base}p5", 8 << 20, check=False)
    assert r.returncode != 0 and "make one of them an extended partition" in \
        (snode / "node/error").read_text()
    for k in (1, 2, 3, 4):
        sh(f"rmdir {p}/volumes/{base}p{k}")
    sh(f"echo stop > {p}/state; echo delete > {p}/state; rmdir {p}")
    # gpt has no extended partitions
    dev2 = loops.attach(loops.image("gx.img", "64M"), partscan=True)
    g = define(snode, tmp_path, disk_xml("dkgx", dev2, "gpt"), "dkgx")
    sh(f"echo build > {g}/state; echo start > {g}/state")
    r = add_vol(g, tmp_path, os.path.basename(dev2) + "p1", 8 << 20, "extended", check=False)
    assert r.returncode != 0 and "extended partition is dos's" in (snode / "node/error").read_text()
    sh(f"echo stop > {g}/state; echo delete > {g}/state; rmdir {g}")


def test_disk_pool_on_an_image_file_attaches_its_own_loop(snode, tmp_path, loops):
    img = loops.image("whole.img", "64M")
    p = define(snode, tmp_path, disk_xml("dkimg", img, "gpt"), "dkimg")
    sh(f"echo build > {p}/state; echo start > {p}/state")
    (dev,) = loops.bound()
    base = os.path.basename(dev)
    add_vol(p, tmp_path, f"{base}p1", 8 << 20)
    assert (p / f"volumes/{base}p1/path").read_text() == f"/dev/{base}p1\n"
    sh(f"echo stop > {p}/state")
    assert not loops.bound(), "stop lets the loop device go"
    sh(f"echo start > {p}/state")
    assert len(os.listdir(p / "volumes")) == 1
    undefine(p)


def test_logical_pool_metadata(snode, tmp_path, loops):
    if shutil.which("vgcreate") is None:
        pytest.skip("LVM2 is not installed (tools/install-deps installs lvm2)")
    img = loops.image("pv.img", "96M")
    dev = loops.attach(img)
    vg = f"hfs{os.getpid()}"
    loops.vgs.append(vg)
    p = define(snode, tmp_path, f"<pool type='logical'><name>{vg}</name><source>"
               f"<device path='{dev}'/></source><target><path>/dev/{vg}</path></target>"
               "</pool>", vg)
    fails(f"echo start > {p}/state")
    assert "does not exist (write build" in error_of(p)
    sh(f"echo build > {p}/state")
    assert vg in sh(f"{LVM} vgs --noheadings -o vg_name").stdout
    sh(f"echo start > {p}/state")
    assert state(p) == "active"
    assert int((p / "capacity").read_text()) > 80 << 20
    add_vol(p, tmp_path, "lv1", 16 << 20)
    assert "lv1" in sh(f"{LVM} lvs --noheadings -o lv_name {vg}").stdout
    assert (p / "volumes/lv1/path").read_text() == f"/dev/{vg}/lv1\n"
    sh(f"echo 24M > {p}/volumes/lv1/capacity")
    assert (p / "volumes/lv1/capacity").read_text() == f"{24 << 20}\n"
    assert sh(f"{LVM} lvs --noheadings --units b --nosuffix -o lv_size {vg}/lv1"
              ).stdout.strip() == str(24 << 20)
    if not os.path.exists(f"/dev/{vg}/lv1"):  # no device-mapper here: no node
        fails(f"cat {p}/volumes/lv1/data")
        assert "device-mapper" in error_of(p / "volumes/lv1")
    r = add_vol(p, tmp_path, "lv2", 1 << 40, check=False)
    assert r.returncode != 0 and "lv2" not in os.listdir(p / "volumes")
    sh(f"rmdir {p}/volumes/lv1")
    assert "lv1" not in sh(f"{LVM} lvs --noheadings -o lv_name {vg}").stdout
    sh(f"echo stop > {p}/state; echo delete > {p}/state")
    assert vg not in sh(f"{LVM} vgs --noheadings -o vg_name", check=False).stdout
    sh(f"rmdir {p}")


def test_scsi_mpath_refused_without_the_kernel_parts(snode, tmp_path):
    p = define(snode, tmp_path, "<pool type='scsi'><name>sc</name><source>"
               "<adapter name='host0'/></source><target><path>/dev/disk/by-path</path>"
               "</target></pool>", "sc")
    if not os.path.isdir("/sys/class/scsi_host/host0"):
        fails(f"echo start > {p}/state")
        assert "no SCSI layer" in error_of(p) or "does not exist" in error_of(p)
    sh(f"rmdir {p}")
    p = define(snode, tmp_path, "<pool type='mpath'><name>mp</name><target><path>"
               "/dev/mapper</path></target></pool>", "mp")
    if sh("test -c /dev/mapper/control && dmsetup version", check=False).returncode != 0:
        fails(f"echo start > {p}/state")
        assert "no device-mapper" in error_of(p)
    sh(f"rmdir {p}")


def test_sheepdog_is_refused(snode, tmp_path):
    src = tmp_path / "sd.xml"
    src.write_text("<pool type='sheepdog'><name>sd</name><source><host name='localhost'/>"
                   "<name>x</name></source></pool>")
    r = fails(f"cp {src} {snode}/pools/")
    assert "Operation not supported" in r.stderr
    assert "libvirt dropped it in 8.8" in (snode / "node/error").read_text()
    assert "sd" not in os.listdir(snode / "pools")
