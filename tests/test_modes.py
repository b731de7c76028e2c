"""Honest modes: read-only files have no write bits and refuse opening for writing
(EACCES, even for root), nothing is world-writable; with -o ro no file has a
write bit and every write fails with EROFS."""
import errno
import os

import pytest

from helpers.mount import DEFAULT_URI
from helpers.tools import (cat, echo, fails, ls, ok, run, sh, snapshot_node, state)

RW = {
    "domains/test": {"config.xml", "state", "memory", "max-memory", "vcpus", "max-vcpus",
                     "autostart", "console", "save", "job", "iothreads"},
    "networks/default": {"config.xml", "state", "autostart"},
    "pools/default-pool": {"config.xml", "state", "autostart"},
    "pools/default-pool/volumes/disk1.img": {"capacity", "data", "job", "wipe", "clone"},
    "node": {"restore"},
    ".": set(),
}


def modes(paths):
    r = ok(run(["stat", "-c", "%a %F %n", *paths]))
    out = {}
    for line in r.stdout.splitlines():
        mode, rest = line.split(" ", 1)
        kind, name = rest.rsplit(" ", 1)
        out[name] = (int(mode, 8), kind)
    return out


def all_paths(root):
    r = ok(run(["find", root]))
    return r.stdout.splitlines()


def test_every_file_has_an_honest_mode(snode):
    for folder, rw in RW.items():
        d = snode / folder
        names = [n for n in ls(d, "-p") if not n.endswith("/")]
        got = modes([d / n for n in names])
        for n in names:
            mode, kind = got[str(d / n)]
            assert kind == "regular file" or kind == "regular empty file", (n, kind)
            assert mode & 0o444, f"{folder}/{n} is not readable: {oct(mode)}"
            if n in rw:
                assert mode & 0o200, f"{folder}/{n} is writable but has mode {oct(mode)}"
            else:
                assert not mode & 0o222, f"{folder}/{n} is read-only but has mode {oct(mode)}"


def test_nothing_is_world_writable(shared):
    r = ok(run(["find", shared.path, "-perm", "-o+w"]))
    assert r.stdout == "", r.stdout


@pytest.mark.parametrize("path", ["domains/test/uuid", "domains/test/live.xml",
                                  "domains/test/stats", "domains/test/error", "node/info",
                                  "node/capabilities.xml", "events",
                                  "networks/default/bridge", "pools/default-pool/capacity",
                                  "pools/default-pool/volumes/disk1.img/config.xml"])
def test_read_only_file_refuses_writing_even_for_root(node, path):
    before = snapshot_node(node)
    fails(echo(node / path, "x"), errno.EACCES)
    with pytest.raises(OSError) as e:
        os.open(node / path, os.O_WRONLY)
    assert e.value.errno == errno.EACCES
    assert snapshot_node(node) == before


def test_ro_mount_has_no_write_bits(mount_factory):
    m = mount_factory(DEFAULT_URI, options=["ro"])
    r = ok(run(["find", m.path, "-perm", "/222"]))
    assert r.stdout == "", "write bits on a read-only mount:\n" + r.stdout
    assert len(all_paths(m.path)) > 40


def test_ro_mount_refuses_every_write_with_erofs(mount_factory, data, tmp_path):
    m = mount_factory(DEFAULT_URI, options=["ro"])
    n = m.node()
    before = snapshot_node(n)
    fails(echo(n / "domains/test/state", "destroy"), errno.EROFS)
    fails(echo(n / "domains/test/memory", "1G"), errno.EROFS)
    fails(echo(n / "networks/default/state", "stop"), errno.EROFS)
    fails(echo(n / "pools/default-pool/volumes/disk1.img/capacity", "2G"), errno.EROFS)
    fails(run(["cp", data / "domain-vm1.xml", n / "domains/"]), errno.EROFS)
    fails(run(["rmdir", n / "domains/test"]), errno.EROFS)
    fails(run(["rmdir", n / "pools/default-pool/volumes/disk1.img"]), errno.EROFS)
    fails(run(["mkdir", n / "domains/x"]), errno.EROFS)
    fails(run(["sed", "-i", "s/a/b/", n / "domains/test/config.xml"]), errno.EROFS)
    src = tmp_path / "c.xml"
    src.write_text(cat(n / "domains/test/config.xml"))
    fails(sh('cat "$1" > "$2"', str(src), str(n / "domains/test/config.xml")), errno.EROFS)
    for path in ["domains/test/state", "domains/test/config.xml", "domains/test/uuid"]:
        with pytest.raises(OSError) as e:
            os.open(n / path, os.O_WRONLY)
        assert e.value.errno == errno.EROFS, path
    assert snapshot_node(n) == before
    assert state(n / "domains/test") == "running"
    assert cat(n / "domains/test/error") == ""


def test_ro_is_hyperfs_own_too_after_a_remount_rw(mount_factory, data, tmp_path):
    """-o ro is hyperfs's own refusal, not only the kernel's flag: after
    `mount -o remount,rw` lifts the flag, every write still fails with EROFS
    (hyperfs's checks in open, create, mkdir, rmdir, rename, setattr), no
    temporary file appears, and nothing changes."""
    m = mount_factory(DEFAULT_URI, options=["ro"])
    n = m.node()
    ok(run(["mount", "-i", "-o", "remount,rw", m.path]))  # -i: the syscall, no helper
    opts = [l.split()[3] for l in open("/proc/self/mounts") if l.split()[1] == str(m.path)]
    assert opts and opts[0].split(",")[0] == "rw", opts
    before = snapshot_node(n)
    names = sorted(ls(n / "domains/test", "-A"))
    fails(echo(n / "domains/test/state", "destroy"), errno.EROFS)
    fails(echo(n / "domains/test/memory", "1G"), errno.EROFS)
    fails(echo(n / "domains/test/.scratch", "x"), errno.EROFS)
    fails(run(["cp", data / "domain-vm1.xml", n / "domains/"]), errno.EROFS)
    fails(run(["mkdir", n / "domains/x"]), errno.EROFS)
    fails(run(["rmdir", n / "domains/test"]), errno.EROFS)
    fails(run(["sed", "-i", "s/a/b/", n / "domains/test/config.xml"]), errno.EROFS)
    fails(run(["truncate", "-s", "0", n / "domains/test/config.xml"]), errno.EROFS)
    assert sorted(ls(n / "domains/test", "-A")) == names
    assert snapshot_node(n) == before
    assert state(n / "domains/test") == "running"


def test_ro_mount_still_reads_and_streams_events(mount_factory):
    m = mount_factory(DEFAULT_URI, options=["ro"])
    n = m.node()
    assert "uri: " in cat(n / "node/info")
    r = run(["timeout", "1", "cat", n / "events"])
    assert r.returncode == 124 and r.stdout == ""
