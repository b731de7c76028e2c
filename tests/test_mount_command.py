"""test_mount_command.py: hyperfs started the ways an administrator starts it
without our fixtures: mount.fuse3, the helper that `mount -t fuse.hyperfs` and an
fstab line run (mount(8) gives it a fixed PATH, so here it is called directly
with a PATH that holds the built hyperfs), and the --help/--version/usage
contract of the command itself."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from helpers.mount import BINARY
from helpers.tools import cat, echo, ok


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw)


@pytest.fixture
def path_with_hyperfs(tmp_path):
    """A PATH on which mount.fuse3 finds `hyperfs`, as after `make install`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "hyperfs").symlink_to(BINARY.resolve())
    return f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}"


def wait_for(pred, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("opts,writable", [([], True), (["-o", "ro"], False)])
def test_mount_t_fuse_hyperfs(tmp_path, path_with_hyperfs, opts, writable):
    mnt = tmp_path / "virt"
    mnt.mkdir()
    env = dict(os.environ, PATH=path_with_hyperfs)
    r = run(["mount.fuse3", "test:///default", str(mnt), "-t", "fuse.hyperfs", *opts], env=env)
    assert r.returncode == 0, r.stderr
    try:
        state = mnt / "localhost" / "domains" / "test" / "state"
        assert wait_for(state.exists), "the node folder never appeared"
        assert state.read_text() == "running\n"
        w = run(["sh", "-c", 'echo suspend > "$1"', "sh", str(state)])
        if writable:
            assert w.returncode == 0, w.stderr
            assert state.read_text() == "paused\n"
        else:
            assert w.returncode != 0
            assert "Read-only file system" in w.stderr
            assert state.read_text() == "running\n"
        assert "fuse.hyperfs" in Path("/proc/mounts").read_text()
    finally:
        u = run(["umount", str(mnt)])
        assert u.returncode == 0, u.stderr
    assert not os.path.ismount(mnt)


def test_help_and_version():
    h = run([str(BINARY), "--help"])
    assert h.returncode == 0
    assert "usage: hyperfs" in h.stdout and "--connect" in h.stdout
    v = run([str(BINARY), "--version"])
    assert v.returncode == 0 and v.stdout.startswith("hyperfs ")


@pytest.mark.parametrize("args,message", [
    ([], "usage"),
    (["-c", "nosuchdriver:///x", "/nonexistent-mnt"], "no driver serves URI"),
    (["-c", "a=test:///default", "-c", "a=test:///default", "/tmp"], "two nodes are named 'a'"),
    (["-c", ".bad=test:///default", "/tmp"], "cannot be used as a file name"),
    (["-o", "spin=abc", "/tmp"], "spin=abc: microseconds from 0 to 1000000"),
    (["-o", "spin=-5", "/tmp"], "spin=-5: microseconds"),
])
def test_bad_command_lines_say_why(args, message):
    r = run([str(BINARY), "-f", *args])
    assert r.returncode != 0
    assert message in r.stderr


@pytest.mark.parametrize("spin", ["0", "1000"])
def test_spin_option_mounts_and_serves(mount_factory, spin):
    """-o spin=0 turns the spinning receiver off; any value serves the same tree."""
    m = mount_factory(options=[f"spin={spin}"])
    d = m.node() / "domains/test"
    assert cat(d / "state") == "running\n"
    ok(echo(d / "state", "suspend"))
    assert cat(d / "state") == "paused\n"


def test_unmount_ends_hyperfs_while_another_namespace_holds_a_copy(mount_factory):
    """A mount namespace made while hyperfs is mounted (unshare -m: every mount
    here is private) holds a copy of the mount, which keeps the FUSE connection
    alive after `fusermount3 -u`; hyperfs sees its mount gone from its own
    namespace and exits all the same, cleanly."""
    m = mount_factory()
    assert cat(m.node() / "domains/test/state") == "running\n"
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               f"grep -q ' {m.path} ' /proc/self/mounts && echo held && exec sleep 300"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        m.expect_exited = True
        r = m.unmount()
        assert r.returncode == 0, r.stderr
        m.proc.wait(timeout=20)  # the condition itself, bounded: never a sleep
        assert m.proc.returncode == 0
        assert "no longer mounted here" in m.log_text()
    finally:
        holder.kill()
        holder.wait()
