"""Snapshots, managed save and save/restore of a real guest (TCG) through the
tree, with shell tools: a marker is written to the guest's virtio disk, a
snapshot taken (mkdir, or a domainsnapshot document copied into snapshots/),
a second marker written, `echo revert > state`: the second marker is gone.
Internal (savevm on qcow2), external disk-only, external with memory, and an
external snapshot deleted with merge (rmdir: both markers stay, the overlay
file goes). Managed save: `echo save > state`, `info` says an image exists,
the next start restores it and the guest's /proc/uptime goes on from where
it was. One guest for the whole module; its disk is a qcow2 file."""
import errno
import os
import re
import shutil
import subprocess
import time

import pytest

from .conftest import READY, QemuNode, wait_event
from .test_qemu_console import read_until

if shutil.which("qemu-img") is None:
    pytest.skip("qemu-img is not installed (qemu-utils)", allow_module_level=True)

DISK = """<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='{path}'/><target dev='vda' bus='virtio'/></disk>"""


def sh(cmd, check=True):
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return r


class Guest:
    """The module's guest: its folder and a console it types into."""

    def __init__(self, q, name, disk):
        self.q, self.name, self.disk = q, name, disk
        self.d = q.dom(name)
        self.fd = None
        self.n = 0

    def open_console(self):
        if self.fd is not None:
            os.close(self.fd)
        self.fd = os.open(self.d / "console", os.O_RDONLY)

    def boot(self):
        sh(f"echo start > {self.d / 'state'}")
        self.open_console()
        read_until(self.fd, READY, timeout=90)

    def run(self, cmd, timeout=30):
        """cmd in the guest's shell; its output between two unique marks."""
        self.n += 1
        tag = f"Q{self.n}Z"
        with open(self.d / "console", "w") as w:
            w.write(f"echo {tag[:2]}\"\"{tag[2:]}-B; {cmd}; echo {tag[:2]}\"\"{tag[2:]}-E\n")
        out = read_until(self.fd, f"{tag}-E", timeout=timeout)
        return out.split(f"{tag}-B")[-1].split(f"{tag}-E")[0].strip()

    def write_marker(self, sector, text):
        """text at the start of sector (zeroed first; "" leaves it zero)."""
        self.run(f"dd if=/dev/zero of=/dev/vda bs=512 seek={sector} count=1 conv=fsync "
                 f"2>/dev/null; printf '{text}' | dd of=/dev/vda bs=512 seek={sector} "
                 "conv=fsync,notrunc 2>/dev/null")

    def markers(self):
        """The markers at sectors 10 and 20, as the guest reads them."""
        out = self.run("echo 3 > /proc/sys/vm/drop_caches; for s in 10 20; do "
                       "echo M$s=$(dd if=/dev/vda bs=512 skip=$s count=1 2>/dev/null "
                       "| tr -dc A-Z0-9); done")
        return dict(re.findall(r"M(\d+)=([A-Z0-9]*)", out))

    def uptime(self):
        out = self.run("cut -d' ' -f1 /proc/uptime")
        return float(re.findall(r"(\d+\.\d+)", out)[-1])

    def state(self):
        return (self.d / "state").read_text().strip()


@pytest.fixture(scope="module")
def g(_shared_factory, tmp_path_factory, guest):
    tmp = tmp_path_factory.mktemp("snap")
    root = tmp / "root"
    m = _shared_factory(f"qemu:///system?root={root}")
    q = QemuNode(m, root, guest)
    disk = tmp / "disk.qcow2"
    sh(f"qemu-img create -q -f qcow2 {disk} 16M")
    src = tmp / "s1.xml"
    src.write_text(q.domain_xml("s1", extra_devices=DISK.format(path=disk)))
    sh(f"cp {src} {q.node / 'domains'}")
    gu = Guest(q, "s1", disk)
    gu.tmp = tmp
    gu.boot()
    yield gu
    # no QEMU outlives the module, whatever failed
    for pidfile in (root / "run").glob("*.pid"):
        subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
    if gu.fd is not None:
        try:
            os.close(gu.fd)
        except OSError:
            pass  # the mount went first


def snaps(g):
    return g.d / "snapshots"


def test_internal_snapshot_revert(g):
    g.write_marker(10, "AAA1")
    t0 = time.monotonic()
    sh(f"mkdir {snaps(g) / 'int1'}")
    print(f"internal snapshot of a running guest (mkdir): {time.monotonic() - t0:.2f}s")
    s = snaps(g) / "int1"
    assert (s / "state").read_text() == "running\n"
    assert (s / "kind").read_text() == "internal\n"
    assert (s / "current").read_text() == "yes\n"
    assert "<name>int1</name>" in (s / "config.xml").read_text()
    assert "int1" in sh(f"qemu-img snapshot -U -l {g.disk}").stdout
    g.write_marker(20, "BBB2")
    assert g.markers() == {"10": "AAA1", "20": "BBB2"}
    t0 = time.monotonic()
    sh(f"echo revert > {s / 'state'}")
    print(f"revert to it (loadvm): {time.monotonic() - t0:.2f}s")
    assert g.state() == "running"
    assert g.markers() == {"10": "AAA1", "20": ""}
    # a bad verb changes nothing and says why
    r = sh(f"echo revrt > {s / 'state'}", check=False)
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert "unknown verb 'revrt'" in (s / "error").read_text()
    # delete: the internal snapshot leaves the qcow2 image too
    sh(f"rmdir {s}")
    assert not s.exists()
    assert "int1" not in sh(f"qemu-img snapshot -U -l {g.disk}").stdout


def test_external_disk_only_snapshot(g):
    g.write_marker(10, "CCC3")
    g.write_marker(20, "")
    doc = g.tmp / "ext1.xml"
    doc.write_text("<domainsnapshot><name>ext1</name><memory snapshot='no'/>"
                   "<disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>")
    sh(f"cp {doc} {snaps(g)}/")
    s = snaps(g) / "ext1"
    assert (s / "kind").read_text() == "external\n"
    assert (s / "state").read_text() == "disk-snapshot\n"
    overlay = g.disk.parent / "disk.ext1"
    assert overlay.is_file()
    assert f"file='{overlay}'" in (g.d / "config.xml").read_text()
    g.write_marker(20, "DDD4")
    sh(f"echo revert > {s / 'state'}")
    assert g.state() == "shutoff"   # a disk-only snapshot keeps no memory: boot again
    g.boot()
    assert g.markers() == {"10": "CCC3", "20": ""}


def test_external_delete_with_merge(g):
    # the domain runs on ext1's overlay: rmdir merges it back into disk.qcow2
    g.write_marker(20, "EEE5")
    overlay = g.disk.parent / "disk.ext1"
    sh(f"rmdir {snaps(g) / 'ext1'}")
    assert not overlay.exists()
    assert f"file='{g.disk}'" in (g.d / "config.xml").read_text()
    assert g.markers() == {"10": "CCC3", "20": "EEE5"}
    info = sh(f"qemu-img info -U --output=json {g.disk}").stdout
    assert "backing-filename" not in info
    # the data itself went into disk.qcow2, as a tool outside the guest reads it
    raw = g.tmp / "merged.raw"
    sh(f"qemu-img convert -U -O raw {g.disk} {raw}")
    data = raw.read_bytes()
    raw.unlink()
    assert data[10 * 512:10 * 512 + 4] == b"CCC3" and data[20 * 512:20 * 512 + 4] == b"EEE5"


def test_external_memory_snapshot(g):
    g.write_marker(10, "FFF6")
    g.write_marker(20, "")
    mem = g.tmp / "ext2.mem"
    doc = g.tmp / "ext2.xml"
    doc.write_text(f"<domainsnapshot><name>ext2</name><memory snapshot='external' file='{mem}'/>"
                   "<disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>")
    sh(f"cp {doc} {snaps(g)}/")
    s = snaps(g) / "ext2"
    assert (s / "state").read_text() == "running\n"
    assert "memory: yes" in (s / "info").read_text()
    assert mem.stat().st_size > 1 << 20
    assert g.state() == "running"
    before = g.uptime()
    g.write_marker(20, "GGG7")
    sh(f"echo revert > {s / 'state'}")
    assert g.state() == "running"
    g.open_console()
    assert g.markers() == {"10": "FFF6", "20": ""}
    assert g.uptime() >= before - 1  # the guest came back where it was, not from a boot
    sh(f"rmdir {s}")
    assert not mem.exists()


def test_tree_survives_restart_and_refuses(g):
    sh(f"mkdir {snaps(g) / 'keep1'}")
    sh(f"mkdir {snaps(g) / 'keep2'}")
    assert (snaps(g) / "keep2" / "parent").read_text() == "keep1\n"
    meta = g.q.root / "lib" / "snapshot" / "s1"
    assert (meta / "keep2.xml").is_file()
    # the same name again, and a name that is no file name, are refused
    r = sh(f"mkdir {snaps(g) / 'keep1'}", check=False)
    assert r.returncode != 0 and "File exists" in r.stderr
    bad = g.tmp / "bad.xml"
    bad.write_text("<domainsnapshot><name>x</name><bogus/></domainsnapshot>")
    r = sh(f"cp {bad} {snaps(g)}/", check=False)
    assert r.returncode != 0
    assert "unknown element <bogus>" in (g.q.node / "node" / "error").read_text()
    assert sorted(os.listdir(snaps(g))) == ["keep1", "keep2"]
    # hyperfs restarts: the tree is read back from the metadata
    os.close(g.fd)
    g.fd = None
    g.q.mount.stop()
    g.q.mount.start()
    g.open_console()
    assert sorted(os.listdir(snaps(g))) == ["keep1", "keep2"]
    assert (snaps(g) / "keep2" / "current").read_text() == "yes\n"
    # rmdir of a parent: its child goes to the parent's parent (none)
    sh(f"rmdir {snaps(g) / 'keep1'}")
    assert (snaps(g) / "keep2" / "parent").read_text() == ""
    sh(f"rmdir {snaps(g) / 'keep2'}")


def test_managed_save_and_restore(g):
    before = g.uptime()
    t0 = time.monotonic()
    sh(f"echo save > {g.d / 'state'}")
    print(f"managed save: {time.monotonic() - t0:.2f}s")
    assert g.state() == "shutoff"
    assert "managed-save: yes" in (g.d / "info").read_text()
    assert (g.q.root / "lib" / "save" / "s1.save").is_file()
    t0 = time.monotonic()
    sh(f"echo start > {g.d / 'state'}")
    print(f"start restoring it: {time.monotonic() - t0:.2f}s")
    g.open_console()
    assert g.state() == "running"
    assert "managed-save: no" in (g.d / "info").read_text()
    assert g.uptime() >= before  # it went on, it did not boot again
    # discard-save: the next start boots afresh
    sh(f"echo save > {g.d / 'state'}")
    sh(f"echo discard-save > {g.d / 'state'}")
    assert "managed-save: no" in (g.d / "info").read_text()
    r = sh(f"echo discard-save > {g.d / 'state'}", check=False)
    assert r.returncode != 0 and "No such file" in r.stderr
    assert "has no managed save image" in (g.d / "error").read_text()
    g.boot()


def test_save_to_path_and_restore(g):
    before = g.uptime()
    img = g.tmp / "s1.img"
    sh(f"echo {img} > {g.d / 'save'}")
    assert g.state() == "shutoff"
    assert img.read_bytes().startswith(b"hyperfs-save 1 ")
    sh(f"echo {img} > {g.q.node / 'node' / 'restore'}")
    g.open_console()
    assert g.state() == "running"
    assert g.uptime() >= before
    r = sh(f"echo /nonexistent/x.img > {g.q.node / 'node' / 'restore'}", check=False)
    assert r.returncode != 0 and "No such file" in r.stderr
