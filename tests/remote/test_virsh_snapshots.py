"""test_virsh_snapshots.py: a real virsh against hyperfsd for snapshots,
managed save, save and restore: on the test driver (test:///default, the
simulated snapshots libvirt's test driver also has) and on a qemu node with
a real guest under TCG (an internal snapshot in its qcow2 disk, reverted, and
a managed save that the next start restores)."""
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.tools import wait_for

from .hfd import virsh

REPO = Path(__file__).resolve().parents[2]


def test_snapshots_on_the_test_driver(daemon, tmp_path):
    u = daemon.uri
    virsh(u, "snapshot-create-as", "test", "s1")
    virsh(u, "snapshot-create-as", "test", "s2", "--description", "second")
    listing = virsh(u, "snapshot-list", "test").stdout
    assert " s1 " in listing and " s2 " in listing and "running" in listing
    assert "s1\n  |\n  +- s2" in virsh(u, "snapshot-list", "test", "--tree").stdout
    assert virsh(u, "snapshot-current", "test", "--name").stdout.strip() == "s2"
    assert virsh(u, "snapshot-parent", "test", "s2").stdout.strip() == "s1"
    assert "<description>second</description>" in virsh(u, "snapshot-dumpxml", "test",
                                                         "s2").stdout
    virsh(u, "suspend", "test")
    virsh(u, "snapshot-revert", "test", "s1")
    assert virsh(u, "domstate", "test").stdout.strip() == "running"
    assert virsh(u, "snapshot-current", "test", "--name").stdout.strip() == "s1"
    virsh(u, "snapshot-delete", "test", "s1")
    assert virsh(u, "snapshot-list", "test", "--roots", "--name").stdout.split() == ["s2"]
    # managed save: shut off with an image, the next start comes back
    virsh(u, "managedsave", "test")
    info = virsh(u, "dominfo", "test").stdout
    assert "shut off" in info and "Managed save:   yes" in info
    virsh(u, "start", "test")
    assert virsh(u, "domstate", "test").stdout.strip() == "running"
    assert "Managed save:   no" in virsh(u, "dominfo", "test").stdout
    # save to a file and restore from it
    img = tmp_path / "test.img"
    virsh(u, "save", "test", str(img))
    assert virsh(u, "domstate", "test").stdout.strip() == "shut off"
    assert "<name>test</name>" in virsh(u, "save-image-dumpxml", str(img)).stdout
    virsh(u, "restore", str(img))
    assert virsh(u, "domstate", "test").stdout.strip() == "running"
    # refusals keep libvirt's words and change nothing
    r = subprocess.run(["virsh", "-c", u, "snapshot-revert", "test", "nosuch"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "no snapshot 'nosuch'" in r.stderr
    r = subprocess.run(["virsh", "-c", daemon.uri_ro, "snapshot-create-as", "test", "ro"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "read only" in r.stderr
    assert virsh(u, "snapshot-list", "test", "--name").stdout.split() == ["s2"]


GUEST = """<domain type='qemu'><name>v1</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{g}/vmlinuz</kernel>
<initrd>{g}/initrd.img</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/>
<target dev='vda' bus='virtio'/></disk>
<serial type='pty'><target port='0'/></serial></devices></domain>"""


def wait_text(path, text, timeout=90):
    wait_for(lambda: path.exists() and text in path.read_text(errors="replace"),
             f"{text!r} in {path}", timeout)


def test_snapshots_of_a_qemu_guest(daemon, tmp_path):
    if not shutil.which("qemu-system-x86_64") or not shutil.which("qemu-img"):
        pytest.skip("qemu-system-x86_64 or qemu-img is not installed (tools/install-deps)")
    g = subprocess.run([str(REPO / "tests/guest/build.sh")], capture_output=True, text=True,
                       check=True).stdout.strip().splitlines()[-1]
    root = tmp_path / "root"
    u = f"qemu+unix:///system?socket={daemon.sock}&root={root}"
    disk = tmp_path / "v1.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    xml = tmp_path / "v1.xml"
    xml.write_text(GUEST.format(g=g, disk=disk))
    try:
        virsh(u, "define", str(xml))
        virsh(u, "start", "v1")
        wait_text(root / "run" / "v1.log", "HYPERFS-GUEST-READY")
        virsh(u, "snapshot-create-as", "v1", "first")
        assert "running" in virsh(u, "snapshot-list", "v1").stdout
        assert "first" in subprocess.run(["qemu-img", "snapshot", "-U", "-l", str(disk)],
                                         capture_output=True, text=True).stdout
        virsh(u, "snapshot-revert", "v1", "first")
        assert virsh(u, "domstate", "v1").stdout.strip() == "running"
        virsh(u, "managedsave", "v1")
        assert virsh(u, "domstate", "--reason", "v1").stdout.strip() == "shut off (saved)"
        assert (root / "lib" / "save" / "v1.save").is_file()
        virsh(u, "start", "v1")
        assert virsh(u, "domstate", "v1").stdout.strip() == "running"
        assert not (root / "lib" / "save" / "v1.save").exists()
        virsh(u, "snapshot-delete", "v1", "first")
        assert virsh(u, "snapshot-list", "v1", "--name").stdout.strip() == ""
    finally:
        subprocess.run(["virsh", "-c", u, "destroy", "v1"], capture_output=True)
