"""conftest.py for tests/qemu: real QEMU (TCG) guests through the tree.

- `guest`: the tiny guest (kernel + busybox initramfs) that tests/guest/build.sh
  builds once into tests/.guest-cache.
- `qemu_node`: a mount of qemu:///system?root=TMP; `.domain_xml(name)` gives a
  domain document for the guest, `.wait_log(name, text)` waits for a console
  line in the serial log the driver keeps at ROOT/run/NAME.log.

The whole folder is skipped when qemu-system-x86_64 is not installed
(tools/install-deps installs it).
"""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

if shutil.which("qemu-system-x86_64") is None:
    pytest.skip("qemu-system-x86_64 is not installed (tools/install-deps installs it)",
                allow_module_level=True)

READY = "HYPERFS-GUEST-READY"


@pytest.fixture(scope="session")
def guest():
    r = subprocess.run([str(REPO / "tests/guest/build.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"tests/guest/build.sh failed:\n{r.stderr}", pytrace=False)
    return Path(r.stdout.strip().splitlines()[-1])


class QemuNode:
    def __init__(self, mount, root, guest):
        self.mount = mount
        self.root = root
        self.guest = guest
        self.node = mount.node()

    def dom(self, name):
        return self.node / "domains" / name

    def domain_xml(self, name, extra_devices=""):
        text = (HERE / "guest.xml.in").read_text()
        text = (text.replace("@NAME@", name)
                .replace("@KERNEL@", str(self.guest / "vmlinuz"))
                .replace("@INITRD@", str(self.guest / "initrd.img")))
        return text.replace("</devices>", extra_devices + "</devices>")

    def define(self, tmp_path, name, **kw):
        src = tmp_path / f"{name}.xml"
        src.write_text(self.domain_xml(name, **kw))
        subprocess.run(["cp", str(src), str(self.node / "domains")], check=True)
        assert self.dom(name).is_dir()
        return self.dom(name)

    def log(self, name):
        return self.root / "run" / f"{name}.log"

    def wait_log(self, name, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.log(name).read_text(errors="replace"):
                    return time.monotonic()
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"no '{text}' on the console of '{name}' after {timeout}s:\n"
                             + (self.log(name).read_text(errors="replace")[-2000:]
                                if self.log(name).exists() else "(no log)"))

    def pid(self, name):
        return int((self.root / "run" / f"{name}.pid").read_text())


class EventWaiter:
    """`grep -m1 PATTERN events` started before the action it waits for, so an
    event that comes at once is not missed (each open of `events` sees only
    what happens after it); wait() gives up after timeout seconds."""

    def __init__(self, events_path, pattern, timeout=60):
        self.pattern, self.timeout = pattern, timeout
        self.proc = subprocess.Popen(["grep", "-m1", pattern, str(events_path)],
                                     stdout=subprocess.PIPE, text=True)
        fd_dir = f"/proc/{self.proc.pid}/fd"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if any(os.readlink(f"{fd_dir}/{f}") == str(events_path)
                       for f in os.listdir(fd_dir)):
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise AssertionError(f"grep never opened {events_path}")

    def wait(self):
        try:
            out, _ = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise AssertionError(f"no event matching '{self.pattern}' within {self.timeout}s")
        assert self.proc.returncode == 0, f"grep for '{self.pattern}' failed"
        return out


def wait_event(events_path, pattern, timeout=60):
    """`timeout T grep -m1 PATTERN events`, as a script would."""
    r = subprocess.run(["timeout", str(timeout), "grep", "-m1", pattern, str(events_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"no event matching '{pattern}' within {timeout}s"
    return r.stdout


@pytest.fixture
def qemu_node(mount_factory, tmp_path, guest):
    root = tmp_path / "root"
    m = mount_factory(f"qemu:///system?root={root}")
    node = QemuNode(m, root, guest)
    yield node
    # no QEMU outlives its test
    for pidfile in (root / "run").glob("*.pid"):
        try:
            subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
        except OSError:
            pass
