"""conftest.py for tests/lxc: real containers through the tree.

- `bbroot`: a busybox root folder made from Debian's busybox-static (no
  downloads), with /init.sh: it prints CT-READY, runs a shell that reads
  commands from /dev/console, and exits 0 on SIGTERM.
- `lxc_node`: a mount of lxc:///system?root=TMP; `.define(name, ...)` copies
  a container document into domains/, `.sh(name, cmd)` types a command into
  the container's console and returns what it printed.

Skipped when /bin/busybox is not the static one (tools/install-deps installs
busybox-static) or when not root (namespaces and cgroups need it)."""
import hashlib
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers.procnode import ProcNode

BUSYBOX = Path("/bin/busybox")

if os.geteuid() != 0 or not BUSYBOX.exists():
    pytest.skip("containers need root and busybox-static (tools/install-deps)",
                allow_module_level=True)

INIT = """#!/bin/sh
trap 'echo CT-STOPPING; exit 0' TERM
echo "CT-READY pid=$$ host=$(hostname)"
sh -c 'while read -r line; do eval "$line"; done' < /dev/console &
while :; do sleep 1 & wait $!; done
"""

CG = Path("/sys/fs/cgroup")


def make_busybox_root(root):
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc",
              "root", "mnt", "scratch"):
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy(BUSYBOX, root / "bin/busybox")
    out = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True,
                         check=True).stdout.split()
    for a in out:
        if a == "bin/busybox":
            continue
        (root / a).parent.mkdir(parents=True, exist_ok=True)
        if not (root / a).is_symlink():
            (root / a).symlink_to("/bin/busybox")
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "init.sh").write_text(INIT)
    (root / "init.sh").chmod(0o755)
    return root


@pytest.fixture(scope="session")
def bbroot(tmp_path_factory):
    return make_busybox_root(tmp_path_factory.mktemp("bbroot"))


def container_xml(name, root, memory_mib=64, extra_devices="", extra=""):
    return f"""<domain type='lxc'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>1</vcpu>
  <os><type>exe</type><init>/init.sh</init></os>{extra}
  <devices>
    <filesystem type='mount'><source dir='{root}'/><target dir='/'/></filesystem>
    <filesystem type='ram'><source usage='8' units='MiB'/><target dir='/scratch'/></filesystem>
    <console type='pty'/>{extra_devices}
  </devices>
</domain>
"""


class Console:
    """A non-blocking reader of domains/NAME/console from its current end."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.buf = b""
        self.drain()

    def drain(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            self.buf += chunk

    def until(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} on the console after {timeout}s: {self.buf[-1500:]!r}"
            select.select([self.fd], [], [], min(left, 0.5))
            self.drain()
        return self.buf.decode(errors="replace")

    def close(self):
        os.close(self.fd)


class LxcNode(ProcNode):
    def __init__(self, factory, state, root):
        self.root = root
        super().__init__(factory, state, f"lxc:///system?root={state}&shutdown-timeout=10000",
                         ".lxc")

    def define(self, tmp_path, name, root=None, **kw):
        return self.define_xml(tmp_path, name, container_xml(name, root or self.root, **kw))

    def start(self, name):
        con = Console(self.dom(name) / "console")
        try:
            (self.dom(name) / "state").write_text("start\n")
            con.until("CT-READY")
        finally:
            con.close()

    def sh(self, name, cmd, timeout=30):
        """Runs cmd in the container's console shell; its output lines."""
        self.n += 1
        tag = f"T{self.n}"
        con = Console(self.dom(name) / "console")
        try:
            with open(self.dom(name) / "console", "w") as w:
                w.write(f"( {cmd} ) 2>&1 | while read -r l; do echo \"{tag}: $l\"; done; "
                        f"echo {tag}-$((1+1))-END\n")
            text = con.until(f"{tag}-2-END", timeout)
        finally:
            con.close()
        return [l.split(": ", 1)[1] if ": " in l else ""
                for l in text.replace("\r", "").splitlines() if l.startswith(f"{tag}: ")]

    def partition(self):
        return "hyperfs.lxc-" + hashlib.sha256(str(self.state).encode()).hexdigest()[:10]

    def cgroup(self, name, ctrl="memory"):
        if (CG / "memory/memory.limit_in_bytes").exists():
            return CG / ctrl / self.partition() / name
        return CG / self.partition() / name

    def procs(self, name):
        p = self.cgroup(name, "freezer") / "cgroup.procs"
        if not (CG / "memory/memory.limit_in_bytes").exists():
            p = self.cgroup(name) / "cgroup.procs"
        try:
            return [int(x) for x in p.read_text().split()]
        except FileNotFoundError:
            return []

    def cleanup(self):
        """No container outlives its test: the ones still running are
        destroyed through the tree, else killed by the pids the driver noted."""
        for st in self.destroy_running().values():
            for k in ("pid", "holder"):
                if st.get(k, "").isdigit():
                    subprocess.run(["kill", "-9", st[k]], capture_output=True)
        # and no cgroup either (a test that broke the driver may leave one)
        for top in [CG / c / self.partition() for c in ("freezer", "memory", "cpu", "cpuacct",
                                                        "pids")] + [CG / self.partition()]:
            if not top.is_dir():
                continue
            for g in top.iterdir():
                if g.is_dir():
                    deadline = time.monotonic() + 5
                    while (g / "cgroup.procs").read_text().strip() and \
                            time.monotonic() < deadline:
                        time.sleep(0.05)
                    try:
                        g.rmdir()
                    except OSError:
                        pass
            try:
                top.rmdir()
            except OSError:
                pass


@pytest.fixture
def lxc_node(mount_factory, tmp_path, bbroot):
    n = LxcNode(mount_factory, tmp_path / "state", bbroot)
    yield n
    n.cleanup()
