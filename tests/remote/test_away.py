"""test_away.py: a node whose peer is away when hyperfs mounts. The mount goes
ahead: every node folder appears, the away node's listings fail with ENOTCONN
at once, its node/info says `connected: no` and why, and it connects by itself
once its peer comes up (the reconnect backoff, 0.2 s doubling to 5 s).
`-o nodes=strict` keeps the old behaviour: the mount fails. Refusals (a
certificate, a host key) still fail the mount: tests/remote/test_tls.py and
test_ssh.py."""
import errno
import os
import subprocess
import time

import pytest

from helpers.tools import polled

from .hfd import Daemon, hyperfs_binary

BOUND_S = 15  # the backoff reaches 5 s; a connect after the peer is up takes one step


def wait_for(pred, secs):
    return polled(pred, secs, ignore=OSError)


def listing_errno(path):
    t0 = time.monotonic()
    try:
        os.listdir(path)
        return None, time.monotonic() - t0
    except OSError as e:
        return e.errno, time.monotonic() - t0


@pytest.mark.parametrize("kind", ["unix", "tcp"])
def test_away_node_mounts_and_connects_later(tmp_path, mount_factory, kind):
    d = Daemon(tmp_path / "d")
    d.dir.mkdir()
    uri = d.uri if kind == "unix" else d.uri_tcp
    m = mount_factory("a=test:///default", f"b={uri}", node_names=["a", "b"])
    a, b = m.node("a"), m.node("b")
    assert sorted(os.listdir(m.path)) == ["a", "b"]
    assert "test" in os.listdir(a / "domains")
    for sub in ("domains", "networks", "pools"):
        err, took = listing_errno(b / sub)
        assert err == errno.ENOTCONN, (sub, err)
        assert took < 1.0, f"ls {sub} of an away node took {took:.2f} s"
    info = (b / "node/info").read_text()
    want = "No such file or directory" if kind == "unix" else "Connection refused"
    assert "connected: no (" in info and want in info, info
    d.start()
    try:
        assert wait_for(lambda: "test" in os.listdir(b / "domains"), BOUND_S), \
            (b / "node/info").read_text()
        assert "connected: yes" in (b / "node/info").read_text()
        assert (b / "domains/test/state").read_text().strip() == "running"
        assert "default" in os.listdir(b / "networks")
    finally:
        assert d.stop() == 0, d.describe()


def mount_refused(tmp_path, *args):
    """Runs `hyperfs -f ARGS MNT`, which must exit without mounting: returns
    (status, stderr). A mount that happens anyway is unmounted and fails the
    test at once, never waited on."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    err = tmp_path / "stderr"
    with open(err, "w") as f:
        p = subprocess.Popen([hyperfs_binary(), "-f", *args, str(mnt)], stdout=f, stderr=f)
    mounted = False
    try:
        assert wait_for(lambda: p.poll() is not None or os.path.ismount(mnt), 30), \
            "hyperfs neither mounted nor exited in 30 s"
        mounted = os.path.ismount(mnt)
    finally:
        if mounted or p.poll() is None:
            subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    assert not mounted, f"hyperfs mounted, which it must refuse:\n{err.read_text()}"
    return p.returncode, err.read_text()


def test_strict_nodes_fails_the_mount(tmp_path):
    sock = tmp_path / "nobody"
    rc, err = mount_refused(tmp_path, "-o", "nodes=strict", "-c", "a=test:///default",
                            "-c", f"b=test+unix:///default?socket={sock}")
    assert rc == 1, (rc, err)
    assert "cannot connect" in err and str(sock) in err, err


def test_bad_uri_still_fails_the_mount(tmp_path):
    """Only a peer that is not there opens away: a URI that cannot work fails."""
    rc, err = mount_refused(tmp_path, "-c", "b=test+tcp:///default")
    assert rc == 1 and "needs a host" in err, err
