"""hyperfs on libvirtd's qemu driver (qemu:///system of the sandbox): the tiny
guest of tests/guest under TCG, defined by cp, started, seen running by virsh
with its console's ready line, destroyed and undefined through the tree.

The guest's serial port is a file (libvirt's <serial type='file'>): the remote
driver has no console stream yet, so the ready line is read from that file
(the sandbox shares /tmp with the host)."""
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers.tools import EventWait, ls, ok, run, state, write_ok

from .conftest import virsh

REPO = Path(__file__).resolve().parents[2]
READY = "HYPERFS-GUEST-READY"

if shutil.which("qemu-system-x86_64") is None:
    pytest.skip("qemu-system-x86_64 is not installed (tools/install-deps installs it)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def guest():
    r = subprocess.run([str(REPO / "tests/guest/build.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"tests/guest/build.sh failed:\n{r.stderr}", pytrace=False)
    return Path(r.stdout.strip().splitlines()[-1])


def guest_xml(name, guest, log):
    text = (REPO / "tests/qemu/guest.xml.in").read_text()
    text = (text.replace("@NAME@", name).replace("@KERNEL@", str(guest / "vmlinuz"))
            .replace("@INITRD@", str(guest / "initrd.img")))
    serial = (f"<serial type='file'><source path='{log}'/><target port='0'/></serial>\n"
              "    <console type='file'><source path='" + str(log) + "'/>"
              "<target type='serial' port='0'/></console>")
    start = text.index("<serial type='pty'>")
    end = text.index("</console>") + len("</console>")
    return text[:start] + serial + text[end:]


def wait_file(path, text, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if text in Path(path).read_text(errors="replace"):
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.2)
    return False


def test_qemu_guest_through_libvirtd(lv_mount, libvirtd, guest, tmp_path):
    uri = f"qemu+unix:///system?socket={libvirtd.sock}"
    name = f"hvlv-{tmp_path.name[-12:].strip('_') or 'guest'}"
    log = tmp_path / "console.log"
    m = lv_mount(f"q={uri}")
    n = m.path / "q"
    src = tmp_path / f"{name}.xml"
    src.write_text(guest_xml(name, guest, log))
    ok(run(["cp", src, n / "domains/"]))
    try:
        assert name in ls(n / "domains")
        assert name in virsh(uri, "list", "--all", "--name").stdout.split()
        assert state(n / "domains" / name) == "shutoff"
        with EventWait(n, rf" domain {name} started booted$", timeout=120):
            write_ok(n / "domains" / name / "state", "start")
        assert state(n / "domains" / name) == "running"
        assert virsh(uri, "domstate", name).stdout.strip() == "running"
        assert wait_file(log, READY, 120), f"no {READY} on the console:\n" + \
            (log.read_text(errors="replace")[-2000:] if log.exists() else "(no console file)")
        with EventWait(n, rf" domain {name} stopped destroyed$", timeout=60):
            write_ok(n / "domains" / name / "state", "destroy")
        assert state(n / "domains" / name) == "shutoff"
        assert virsh(uri, "domstate", name).stdout.strip() == "shut off"
        ok(run(["rmdir", n / "domains" / name]))
        assert name not in ls(n / "domains")
        assert name not in virsh(uri, "list", "--all", "--name").stdout.split()
    finally:
        virsh(uri, "destroy", name, check=False)
        virsh(uri, "undefine", name, check=False)
