"""kill -9 of the daemon: the mount reports ENOTCONN, can be unmounted, and the
same folder can be mounted again."""
import errno
import os

import pytest

from helpers.mount import DEFAULT_URI
from helpers.tools import fails, ls, ok, run, state


def test_kill_9_leaves_enotconn_then_unmount_and_remount(mount_factory):
    m = mount_factory(DEFAULT_URI)
    n = m.node()
    assert state(n / "domains/test") == "running"
    m.kill9()
    fails(run(["ls", n]), errno.ENOTCONN)
    fails(run(["cat", n / "domains/test/state"]), errno.ENOTCONN)
    fails(run(["stat", n / "domains"]), errno.ENOTCONN)
    ok(run(["fusermount3", "-u", m.path]))
    assert not os.path.ismount(m.path)
    m2 = mount_factory(DEFAULT_URI, mnt=m.path)
    assert ls(m2.path) == ["localhost"]
    assert state(m2.node() / "domains/test") == "running"


def test_kill_9_with_an_open_events_reader(mount_factory):
    m = mount_factory(DEFAULT_URI)
    fd = os.open(m.node() / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        m.kill9()
        with pytest.raises(OSError) as e:
            os.read(fd, 4096)
        assert e.value.errno == errno.ENOTCONN
    finally:
        try:
            os.close(fd)
        except OSError as e:  # the kernel's flush on a dead connection
            assert e.errno == errno.ENOTCONN
    ok(run(["fusermount3", "-u", m.path]))
    m2 = mount_factory(DEFAULT_URI, mnt=m.path)
    assert state(m2.node() / "domains/test") == "running"


def test_sigterm_unmounts(mount_factory):
    """A plain `kill` (SIGTERM) is an orderly stop: the mount goes away, the
    daemon exits by itself with 0 or 1 (libfuse's loop reports the signal; the
    contract does not say which) and its log is clean."""
    import time
    from helpers.mount import is_mounted
    m = mount_factory(DEFAULT_URI)
    assert m.terminate(ok_status=(0, 1)) in (0, 1), m.describe()
    deadline = time.monotonic() + 5
    while is_mounted(m.path):
        assert time.monotonic() < deadline, "still mounted after SIGTERM"
        time.sleep(0.05)
