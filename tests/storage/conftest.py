"""conftest.py for tests/storage: the local storage backends (fs, disk,
logical, scsi, mpath, sheepdog) and volume content (cp, cat data, clone,
wipe, job) against the real components: loop devices, mkfs, libfdisk's
partition tables, LVM's tools, mount(2).

- `snode`: a module-wide mount of qemu:///system?root=TMP (its node folder);
  every pool a test defines is stopped, deleted and undefined again after it.
- `loops`: makes image files and loop devices (`.image(size)`, `.attach(path,
  partscan)`), and at the end unmounts what is mounted under the test's
  folder, removes LVM groups it names and detaches every loop device bound to
  one of its images, whoever attached it (a pool attaches its own).
- `sh(cmd)`: bash, its result; `fails(cmd)`: the command must fail.

Skipped as a whole when not root (loop devices and mounts need it).
"""
import os
import subprocess
from pathlib import Path

import pytest

from helpers.tools import wait_for  # noqa: F401 (the storage tests import it from here)

if os.geteuid() != 0:
    pytest.skip("loop devices, mkfs and mount need root", allow_module_level=True)


def sh(cmd, check=True):
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return r


def fails(cmd):
    r = sh(cmd, check=False)
    assert r.returncode != 0, f"{cmd} should have failed: {r.stdout}"
    return r


def error_of(obj):
    return (Path(obj) / "error").read_text()


class Loops:
    def __init__(self, tmp):
        self.tmp = tmp
        self.images = []
        self.vgs = []

    def image(self, name, size="64M"):
        p = self.tmp / name
        sh(f"truncate -s {size} {p}")
        self.images.append(p)
        return p

    def attach(self, image, partscan=False):
        out = sh(f"losetup -f --show {'-P' if partscan else ''} {image}").stdout.strip()
        return out

    def bound(self):
        out = sh("losetup -n -O NAME,BACK-FILE", check=False).stdout.split("\n")
        imgs = {str(p) for p in self.images}
        return [l.split()[0] for l in out if len(l.split()) > 1 and l.split()[1] in imgs]

    def cleanup(self):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            mp = line.split()[4]
            if mp.startswith(str(self.tmp)):
                sh(f"umount -l {mp}", check=False)
        env = "LVM_SUPPRESS_FD_WARNINGS=1"
        for vg in self.vgs:
            sh(f"{env} vgremove -f --driverloaded n {vg}", check=False)
        for dev in self.bound():
            sh(f"{env} pvremove -ff -y {dev}", check=False)
            sh(f"losetup -d {dev}", check=False)
        wait_for(lambda: not self.bound(), "loop devices detached")


@pytest.fixture
def loops(tmp_path):
    lp = Loops(tmp_path)
    yield lp
    lp.cleanup()


@pytest.fixture(scope="module")
def snode(tmp_path_factory):
    from helpers.mount import HyperfsMount  # tests/helpers
    tmp = tmp_path_factory.mktemp("storage")
    m = HyperfsMount(tmp / "mnt", [f"qemu:///system?root={tmp / 'root'}"], logdir=tmp)
    m.start()
    node = m.node()
    yield node
    for pool in sorted((node / "pools").iterdir()):
        sh(f"echo stop > {pool}/state", check=False)
        sh(f"echo delete > {pool}/state", check=False)
        sh(f"rmdir {pool}", check=False)
    m.stop()


def define(node, tmp, xml, name):
    src = Path(tmp) / f"{name}.xml"
    src.write_text(xml)
    sh(f"cp {src} {node / 'pools'}")
    return node / "pools" / name


def add_vol(pool, tmp, name, size, fmt=None, check=True):
    src = Path(tmp) / f"vol-{name.replace('/', '_')}.xml"
    f = f"<target><format type='{fmt}'/></target>" if fmt else ""
    src.write_text(f"<volume><name>{name}</name><capacity unit='bytes'>{size}</capacity>"
                   f"{f}</volume>")
    return sh(f"cp {src} {pool / 'volumes'}", check=check)


def undefine(pool):
    sh(f"echo stop > {pool}/state", check=False)
    sh(f"echo delete > {pool}/state", check=False)
    sh(f"rmdir {pool}")
