"""conftest.py for tests/uml: real User-Mode Linux guests through the tree.

- `umlroot`: a busybox root (Debian's busybox-static) whose /init prints
  UML-READY and hands over to busybox init: ctrl-alt-del (mconsole `cad`)
  prints UML-POWEROFF and powers off; a shell runs on the console. Packed as
  an initramfs (`initrd.img`) and, with mkfs.ext4 -d, as a disk (`root.ext4`).
- `uml_node`: a mount of uml:///system?root=TMP.

Skipped when Debian's user-mode-linux (linux.uml) or uml-utilities
(uml_mconsole) is missing (tools/install-deps installs them), and when a probe
boot of that kernel with the same root, outside hyperfs, cannot run the guest's
init on this host (docs/uml.md, "Hosts where UML cannot run": Debian 12's UML
6.1 kills init on hosts whose CPU state it cannot save, seen with AMX and
AVX-512 on a 6.18 host kernel); the probe's own console says why."""
import gzip
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers.procnode import ProcNode
from tests.lxc.conftest import Console, make_busybox_root

if not (shutil.which("linux.uml") and shutil.which("uml_mconsole")):
    pytest.skip("user-mode-linux and uml-utilities are not installed (tools/install-deps)",
                allow_module_level=True)

INIT = """#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
hostname umlguest
echo "UML-READY $(cut -d' ' -f1 /proc/uptime)"
exec /bin/busybox init
"""
INITTAB = """::ctrlaltdel:/bin/sh -c 'echo UML-POWEROFF; /sbin/poweroff -f'
::respawn:-/bin/sh
"""


@pytest.fixture(scope="session")
def umlroot(tmp_path_factory):
    top = tmp_path_factory.mktemp("umlroot")
    root = make_busybox_root(top / "root")
    (root / "init").write_text(INIT)
    (root / "init").chmod(0o755)
    (root / "etc/inittab").write_text(INITTAB)
    files = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
    cpio = subprocess.run(["/bin/busybox", "cpio", "-o", "-H", "newc"], cwd=root, input=files,
                          capture_output=True, check=True).stdout
    (top / "initrd.img").write_bytes(gzip.compress(cpio, 1))
    if shutil.which("mkfs.ext4"):
        subprocess.run(["truncate", "-s", "64M", str(top / "root.ext4")], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(root), str(top / "root.ext4")],
                       check=True)
    why = probe_boot(top)
    if why:
        pytest.skip(f"User-Mode Linux cannot run a guest on this host: {why}")
    return top


def probe_boot(top, timeout=60):
    """Boots linux.uml on the initrd outside hyperfs: None once init says
    UML-READY, else the console's panic line (the kernel's own words)."""
    umid = f"hvprobe{os.getpid()}"
    p = subprocess.Popen(["/usr/bin/linux.uml", "mem=64M", f"umid={umid}", f"uml_dir={top}",
                          f"initrd={top}/initrd.img", "con=null", "con0=null,fd:1",
                          "ssl=null", "quiet"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        os.set_blocking(p.stdout.fileno(), False)
        while b"UML-READY" not in out and p.poll() is None:
            if time.monotonic() > deadline:
                return f"no UML-READY on a probe boot in {timeout} s"
            chunk = p.stdout.read()
            if chunk:
                out += chunk
            elif b"Kernel panic" in out:
                break
            else:
                import select
                select.select([p.stdout], [], [], 0.5)
        out += p.stdout.read() or b""
        if b"UML-READY" in out:
            return None
        lines = [ln.strip() for ln in out.decode(errors="replace").splitlines()]
        said = [ln for ln in lines if "segfault" in ln or "Kernel panic" in ln]
        return "; ".join(said[:2]) or (lines[-1] if lines else f"exit {p.returncode}")
    finally:
        try:
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        p.wait()
        shutil.rmtree(top / umid, ignore_errors=True)


def guest_xml(name, top, disk=False, memory_mib=64, extra_devices=""):
    if disk:
        boot = "<cmdline>quiet root=/dev/ubda rw init=/init</cmdline>"
        devs = (f"<disk type='file' device='disk'><source file='{top}/{name}.ext4'/>"
                "<target dev='ubda'/></disk>")
    else:
        boot = f"<initrd>{top}/initrd.img</initrd><cmdline>quiet</cmdline>"
        devs = ""
    return f"""<domain type='uml'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <os><type>uml</type><kernel>/usr/bin/linux.uml</kernel>{boot}</os>
  <devices>{devs}<console type='pty'/>{extra_devices}</devices>
</domain>
"""


class UmlNode(ProcNode):
    def __init__(self, factory, state, top):
        self.top = top
        super().__init__(factory, state, f"uml:///system?root={state}&shutdown-timeout=20000",
                         ".uml")

    def define(self, tmp_path, name, **kw):
        if kw.get("disk"):
            shutil.copy(self.top / "root.ext4", self.top / f"{name}.ext4")
        return self.define_xml(tmp_path, name, guest_xml(name, self.top, **kw))

    def start(self, name, timeout=60):
        con = Console(self.dom(name) / "console")
        try:
            t0 = time.monotonic()
            (self.dom(name) / "state").write_text("start\n")
            con.until("UML-READY", timeout)
            return time.monotonic() - t0
        finally:
            con.close()

    def sh(self, name, cmd, timeout=30):
        self.n += 1
        tag = f"U{self.n}"
        con = Console(self.dom(name) / "console")
        try:
            with open(self.dom(name) / "console", "w") as w:
                w.write(f"{cmd}; echo {tag}-$((2+3))-END\n")
            text = con.until(f"{tag}-5-END", timeout)
        finally:
            con.close()
        return text

    def cleanup(self):
        for st in self.destroy_running().values():
            if st.get("pid", "").isdigit():  # the guest's process group
                subprocess.run(["kill", "-9", f"-{st['pid']}"], capture_output=True)
            if st.get("holder", "").isdigit():
                subprocess.run(["kill", "-9", st["holder"]], capture_output=True)


@pytest.fixture
def uml_node(mount_factory, tmp_path, umlroot):
    n = UmlNode(mount_factory, tmp_path / "state", umlroot)
    yield n
    n.cleanup()
