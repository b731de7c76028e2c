"""test_streams.py: libvirt's streams against hyperfsd, with virsh as a user
runs it: vol-upload and vol-download of a dir pool's volume (the bytes come
back the same, cmp; a part by --offset/--length; --sparse, a missing volume
and the read-only socket refused), screenshot of a QEMU guest that runs only
its firmware (a PNG), and virsh console into an LXC container (what it prints
arrives, what is typed reaches its shell). One hyperfsd for the module; the
guest and the container are destroyed by the test that made them."""
import filecmp
import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .hfd import Daemon, virsh


@pytest.fixture(scope="module")
def hfd(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("hfd-streams")).start()
    yield d
    alive = d.alive()
    rc = d.stop()
    assert alive, f"hyperfsd died during the tests:\n{d.describe()}"
    assert rc == 0, f"hyperfsd exited {rc}:\n{d.describe()}"


def node_uri(hfd, driver, root, ro=False):
    sock = hfd.sock_ro if ro else hfd.sock
    return f"{driver}+unix:///system?socket={sock}&root={root}"


@pytest.fixture(scope="module")
def qnode(hfd, tmp_path_factory):
    """A qemu node with a dir pool 'p' and a 1 MiB volume 'v'."""
    top = tmp_path_factory.mktemp("qnode")
    (top / "pool").mkdir()
    uri = node_uri(hfd, "qemu", top / "root")
    virsh(uri, "pool-create-as", "p", "dir", "--target", str(top / "pool"))
    virsh(uri, "vol-create-as", "p", "v", "1M")
    yield uri, top
    virsh(uri, "pool-destroy", "p", check=False)


def test_upload_download_round_trip(qnode, tmp_path):
    uri, top = qnode
    src = tmp_path / "in.bin"
    src.write_bytes(os.urandom(3 * 262120 + 4321))  # several stream packets and a tail
    virsh(uri, "vol-upload", "v", str(src), "--pool", "p")
    # it landed in the volume, written in place as libvirt writes a file volume
    assert (top / "pool/v").read_bytes()[:src.stat().st_size] == src.read_bytes()
    virsh(uri, "vol-download", "v", str(tmp_path / "all.bin"), "--pool", "p")
    assert filecmp.cmp(top / "pool/v", tmp_path / "all.bin", shallow=False)
    virsh(uri, "vol-download", "v", str(tmp_path / "out.bin"), "--pool", "p",
          "--length", str(src.stat().st_size))
    r = subprocess.run(["cmp", src, tmp_path / "out.bin"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    virsh(uri, "vol-download", "v", str(tmp_path / "part.bin"), "--pool", "p",
          "--offset", "1000", "--length", "5000")
    assert (tmp_path / "part.bin").read_bytes() == src.read_bytes()[1000:6000]


def test_upload_at_an_offset_changes_only_that_part(qnode, tmp_path):
    uri, top = qnode
    before = (top / "pool/v").read_bytes()
    patch = tmp_path / "patch.bin"
    patch.write_bytes(b"hyperfs" * 100)
    virsh(uri, "vol-upload", "v", str(patch), "--pool", "p", "--offset", "4096",
          "--length", "700")
    after = (top / "pool/v").read_bytes()
    assert after[4096:4796] == patch.read_bytes()
    assert after[:4096] == before[:4096] and after[4796:] == before[4796:]


def test_stream_refusals(hfd, qnode, tmp_path):
    uri, top = qnode
    f = tmp_path / "x.bin"
    f.write_bytes(b"x" * 100)
    before = (top / "pool/v").read_bytes()
    r = virsh(uri, "vol-upload", "v", str(f), "--pool", "p", "--sparse", check=False)
    assert r.returncode != 0 and "sparse streams are not supported" in r.stderr
    r = virsh(uri, "vol-download", "nosuch", str(tmp_path / "o"), "--pool", "p", check=False)
    assert r.returncode != 0 and "Storage volume not found" in r.stderr
    ro = node_uri(hfd, "qemu", top / "root", ro=True)
    for verb, path in (("vol-upload", f), ("vol-download", tmp_path / "o2")):
        r = virsh(ro, verb, "v", str(path), "--pool", "p", check=False)
        api = "virStorageVolUpload" if verb == "vol-upload" else "virStorageVolDownload"
        assert r.returncode != 0 and f"read only access prevents {api}" in r.stderr, r.stderr
    assert (top / "pool/v").read_bytes() == before  # nothing changed
    assert f.read_bytes() == b"x" * 100


FW_GUEST = """<domain type='qemu'><name>fw</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
<video><model type='vga'/></video></devices></domain>"""


@pytest.mark.skipif(not shutil.which("qemu-system-x86_64"), reason="needs qemu-system-x86_64")
def test_screenshot(qnode, tmp_path):
    uri, top = qnode
    (tmp_path / "fw.xml").write_text(FW_GUEST)
    virsh(uri, "define", str(tmp_path / "fw.xml"))
    try:
        r = virsh(uri, "screenshot", "fw", str(tmp_path / "s.png"), check=False)
        assert r.returncode != 0 and "not running" in r.stderr, r.stdout + r.stderr
        virsh(uri, "start", "fw")
        virsh(uri, "screenshot", "fw", str(tmp_path / "s.png"))
        assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        virsh(uri, "destroy", "fw", check=False)
        virsh(uri, "undefine", "fw", check=False)


class Tty:
    """virsh console on a pseudo-terminal, as a user runs it."""

    def __init__(self, uri, name):
        self.m, s = pty.openpty()
        self.p = subprocess.Popen(["virsh", "-c", uri, "console", name], stdin=s, stdout=s,
                                  stderr=s, start_new_session=True)
        os.close(s)
        self.buf = b""

    def until(self, text, timeout=30):
        end = time.monotonic() + timeout
        while text not in self.buf and time.monotonic() < end:
            if select.select([self.m], [], [], 0.2)[0]:
                try:
                    self.buf += os.read(self.m, 4096)
                except OSError:
                    break
        assert text in self.buf, f"no {text!r} on the console:\n{self.buf.decode(errors='replace')}"

    def close(self):
        if self.p.poll() is None:
            os.write(self.m, b"\x1d")  # virsh's escape character
        rc = self.p.wait(10)
        os.close(self.m)
        return rc


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/bin/busybox").exists(),
                    reason="containers need root and busybox-static (tools/install-deps)")
def test_console(hfd, tmp_path):
    from tests.lxc.conftest import container_xml, make_busybox_root

    root = make_busybox_root(tmp_path / "bb")
    uri = node_uri(hfd, "lxc", tmp_path / "lxcroot")
    (tmp_path / "ct.xml").write_text(container_xml("ct1", root))
    virsh(uri, "define", str(tmp_path / "ct.xml"))
    r = virsh(uri, "console", "ct1", check=False)
    assert r.returncode != 0 and "not running" in r.stderr, r.stderr
    virsh(uri, "start", "ct1")
    try:
        t = Tty(uri, "ct1")
        t.until(b"CT-READY")  # printed by the container's init, through the stream
        os.write(t.m, b"echo HELLO$((6*7))\n")
        t.until(b"HELLO42")  # typed, run by its shell, printed back
        assert t.close() == 0
    finally:
        virsh(uri, "destroy", "ct1", check=False)
        virsh(uri, "undefine", "ct1", check=False)
