"""A TCG guest reads what a test wrote into volumes: a marker uploaded with
`cp` into a file volume of an fs pool (ext4 on an image file, through a
loop device) and into a partition of a disk pool (gpt on a loop device),
both given to the guest as virtio-blk disks (<disk type='volume'>) and read
on its serial console with `head -c`. One guest for the module."""
import os
import shutil
import subprocess
import time

import pytest

from helpers.guestdisk import guest_reads, guest_xml

from .conftest import Loops, define, sh


if shutil.which("qemu-system-x86_64") is None:
    pytest.skip("qemu-system-x86_64 is not installed (tools/install-deps installs it)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from helpers.mount import HyperfsMount
    tmp = tmp_path_factory.mktemp("gvol")
    root = tmp / "root"
    m = HyperfsMount(tmp / "mnt", [f"qemu:///system?root={root}"], logdir=tmp)
    m.start()
    loops = Loops(tmp)
    node = m.node()
    try:
        yield node, root, tmp, loops
    finally:
        for pid in (root / "run").glob("*.pid"):
            subprocess.run(["kill", "-9", pid.read_text().strip()], capture_output=True)
        for d in (node / "domains").iterdir():
            subprocess.run(["rmdir", str(d)], capture_output=True)
        for pool in sorted((node / "pools").iterdir()):
            sh(f"echo stop > {pool}/state", check=False)
            sh(f"echo delete > {pool}/state", check=False)
            sh(f"rmdir {pool}", check=False)
        try:
            m.stop()
        finally:
            loops.cleanup()


def test_guest_reads_markers_from_fs_and_disk_volumes(world):
    node, root, tmp, loops = world
    fsmark = f"FSMARK-{os.getpid()}-{time.time_ns()}"
    dkmark = f"DKMARK-{os.getpid()}-{time.time_ns()}"
    img = loops.image("fs.img", "96M")
    fs = define(node, tmp, f"<pool type='fs'><name>gfs</name><source><device path='{img}'/>"
                f"<format type='ext4'/></source><target><path>{tmp}/gfs</path></target>"
                "</pool>", "gfs")
    sh(f"echo build > {fs}/state; echo start > {fs}/state")
    m1 = tmp / "marker.raw"
    m1.write_bytes(fsmark.encode() + b"\n" + bytes(1 << 20))
    sh(f"cp {m1} {fs}/volumes/")
    dimg = loops.image("disk.img", "64M")
    dev = loops.attach(dimg, partscan=True)
    part = os.path.basename(dev) + "p1"
    dk = define(node, tmp, f"<pool type='disk'><name>gdisk</name><source><device path='{dev}'/>"
                "<format type='gpt'/></source><target><path>/dev</path></target></pool>", "gdisk")
    sh(f"echo build > {dk}/state; echo start > {dk}/state")
    v = tmp / "p1.xml"
    v.write_text(f"<volume><name>{part}</name><capacity unit='MiB'>8</capacity></volume>")
    sh(f"cp {v} {dk}/volumes/")
    m2 = tmp / "m2"
    m2.write_bytes(dkmark.encode() + b"\n")
    sh(f"cp {m2} {dk}/volumes/{part}/data")

    disks = ("<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
             "<source pool='gfs' volume='marker.raw'/><target dev='vda' bus='virtio'/></disk>"
             "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
             f"<source pool='gdisk' volume='{part}'/><target dev='vdb' bus='virtio'/></disk>")
    (tmp / "gvol.xml").write_text(guest_xml("gvol", disks))
    sh(f"cp {tmp}/gvol.xml {node}/domains/")
    d = node / "domains/gvol"
    sh(f"echo start > {d}/state")
    guest_reads(d, root / "run/gvol.log", {"vda": fsmark, "vdb": dkmark})
    sh(f"echo destroy > {d}/state")
    sh(f"rmdir {d}")
