"""test_mount.py: hyperfs's remote driver against a real hyperfsd. The tree
mounted over unix and tcp agrees with virsh on the same daemon; an event made by
virsh shows in MNT/<node>/events; a cached state costs no RPC; a killed daemon
makes the node fail fast (never hang) and the node comes back when the daemon
does, while a second node keeps working."""
import errno
import os
import signal
import subprocess
import threading
import time

import pytest

from .hfd import Daemon, virsh

DEAD_ERRNOS = (errno.ENOTCONN, errno.EIO, errno.ENOENT)  # ENOENT: the fs's lookup (docs/remote.md)


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


def wait_for(pred, secs, step=0.05):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except OSError:
            pass
        time.sleep(step)
    return False


@pytest.fixture
def remote_daemons(tmp_path):
    """Starts hyperfsd daemons on demand; the ones still running are stopped."""
    started = []

    def start(name="d"):
        d = Daemon(tmp_path / name)
        d.dir.mkdir(exist_ok=True)
        started.append(d.start())
        return d
    yield start
    for d in started:
        if d.alive():
            assert d.stop() == 0, d.describe()


def restart(d):
    """The same socket, port and folder after a kill -9."""
    for f in (d.sock, d.sock_ro, d.pidfile):
        if f.exists():
            f.unlink()
    return d.start()


def kill9(d):
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(5)


def test_tree_agrees_with_virsh(daemon, mount_factory):
    m = mount_factory(daemon.uri)
    n = m.path / "localhost"
    names = virsh(daemon.uri, "list", "--all", "--name").stdout.split()
    assert sorted(os.listdir(n / "domains")) == sorted(names)
    assert read(n / "domains/test/state") == virsh(daemon.uri, "domstate", "test").stdout.strip()
    write(n / "domains/test/state", "suspend")
    assert virsh(daemon.uri, "domstate", "test").stdout.strip() == "paused"
    assert read(n / "domains/test/state") == "paused"
    write(n / "domains/test/state", "resume")
    write(n / "domains/test/memory", "1G")
    assert "1048576 KiB" in virsh(daemon.uri, "dominfo", "test").stdout
    assert read(n / "domains/test/memory") == "1048576"
    nets = virsh(daemon.uri, "net-list", "--all", "--name").stdout.split()
    assert sorted(os.listdir(n / "networks")) == sorted(nets)
    pools = virsh(daemon.uri, "pool-list", "--all", "--name").stdout.split()
    assert sorted(os.listdir(n / "pools")) == sorted(pools)
    vols = virsh(daemon.uri, "vol-list", pools[0]).stdout.split()
    assert set(os.listdir(n / "pools" / pools[0] / "volumes")) <= set(vols)
    assert "<domain" in read(n / "domains/test/config.xml")


def test_virsh_event_reaches_the_tree(daemon, mount_factory):
    m = mount_factory(daemon.uri)
    n = m.path / "localhost"
    assert read(n / "domains/test/state") == "running"
    lines = []

    def reader():
        with open(n / "events") as f:
            for line in f:
                lines.append(line)
                if " test suspended" in line:
                    return
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.2)
    virsh(daemon.uri, "suspend", "test")
    t.join(5)
    assert any(" domain test suspended paused" in l for l in lines), lines
    assert wait_for(lambda: read(n / "domains/test/state") == "paused", 3)


def test_tcp(daemon, mount_factory):
    m = mount_factory(f"n1={daemon.uri_tcp}")
    n = m.path / "n1"
    assert "test" in os.listdir(n / "domains")
    assert read(n / "domains/test/state") == "running"
    write(n / "domains/test/state", "suspend")
    assert virsh(daemon.uri_tcp, "domstate", "test").stdout.strip() == "paused"


def test_unchanged_state_costs_no_rpc(daemon, mount_factory, monkeypatch):
    monkeypatch.setenv("G_MESSAGES_DEBUG", "all")
    m = mount_factory(daemon.uri, options=("timeout=0",))
    st = m.path / "localhost/domains/test/state"
    assert read(st) == "running"
    time.sleep(0.3)
    before = m.log_text().count("rpc call ")
    for _ in range(20):
        assert read(st) == "running"
    assert m.log_text().count("rpc call ") == before
    virsh(daemon.uri, "suspend", "test")  # the event drops the entry: one re-fetch
    assert wait_for(lambda: read(st) == "paused", 3)


def test_listing_after_writes_keeps_every_domain(daemon, mount_factory):
    """A write (or an event) drops one domain's cached info, not the cached
    listing: the listing must still show that domain. It used to be served
    from the infos left, so `ls domains` right after a write (with the peer's
    event racing the re-fetch) came back without it (found by test_netns.py)."""
    m = mount_factory(daemon.uri)
    n = m.path / "localhost"
    for i in range(30):
        assert os.listdir(n / "domains") == ["test"]
        write(n / "domains/test/state", "suspend" if i % 2 == 0 else "resume")
        assert os.listdir(n / "domains") == ["test"], i
        assert read(n / "domains/test/state") == ("paused" if i % 2 == 0 else "running")
        assert os.listdir(n / "domains") == ["test"], i


def test_killed_peer_fails_fast_and_comes_back(remote_daemons, mount_factory):
    d = remote_daemons()
    m = mount_factory(d.uri)
    n = m.path / "localhost"
    assert read(n / "domains/test/state") == "running"
    kill9(d)
    t0 = time.monotonic()
    # the client notices the dead peer on its own thread: within a moment,
    # never hanging, every read fails
    def cat_fails(path):
        r = subprocess.run(["cat", str(path)], capture_output=True, text=True, timeout=5)
        return r.returncode != 0
    for path in (n / "domains/test/state", n / "domains/test/config.xml"):
        assert wait_for(lambda: cat_fails(path), 5), path
    info = subprocess.run(["cat", str(n / "node/info")], capture_output=True, text=True,
                          timeout=5).stdout
    assert "connected: no (" in info, info
    with pytest.raises(OSError) as e:
        os.listdir(n / "domains")
    assert e.value.errno in DEAD_ERRNOS
    assert time.monotonic() - t0 < 5
    restart(d)
    t1 = time.monotonic()
    assert wait_for(lambda: read(n / "domains/test/state") == "running", 10), m.describe()
    recovered = time.monotonic() - t1
    assert recovered < 10
    assert "connected: yes" in (n / "node/info").read_text()
    assert "test" in os.listdir(n / "domains")
    write(n / "domains/test/state", "suspend")
    assert virsh(d.uri, "domstate", "test").stdout.strip() == "paused"


def test_two_nodes_one_killed(remote_daemons, mount_factory):
    a, b = remote_daemons("a"), remote_daemons("b")
    m = mount_factory(f"a={a.uri}", f"b={b.uri_tcp}")
    assert read(m.path / "a/domains/test/state") == "running"
    assert read(m.path / "b/domains/test/state") == "running"
    kill9(a)

    def listing_fails():
        try:
            os.listdir(m.path / "a/domains")
        except OSError as e:
            assert e.errno in DEAD_ERRNOS, e
            return True
        return False
    assert wait_for(listing_fails, 5)
    nb = m.path / "b"
    assert "test" in os.listdir(nb / "domains")
    write(nb / "domains/test/state", "suspend")
    assert read(nb / "domains/test/state") == "paused"
    assert virsh(b.uri, "domstate", "test").stdout.strip() == "paused"


def test_mount_fails_leaves_nothing_when_a_mount_comes_up(tmp_path):
    """The helper of the refusal tests: a mount that unexpectedly succeeds fails
    the test at once, with no mount and no daemon left behind."""
    from helpers.mount import DEFAULT_URI, is_mounted
    from .hfd import mount_fails
    t0 = time.monotonic()
    with pytest.raises(AssertionError, match="hyperfs mounted"):
        mount_fails(DEFAULT_URI, tmp_path, timeout=30)
    assert time.monotonic() - t0 < 20, "it waited for its timeout, not for the mount"
    assert not is_mounted(tmp_path / "mnt-refused")
    mnt = str(tmp_path / "mnt-refused").encode()
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if mnt in argv:
            left.append(pid)
    assert not left, f"daemons left behind: {left}"
