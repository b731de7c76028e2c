"""domains/<name>/console on a real guest: the ready line through
`grep -m1` on the file, a command typed into the guest's shell and its answer,
poll() and O_NONBLOCK at the end of what the guest printed."""
import errno
import os
import select
import subprocess
import time

from .conftest import READY


def read_until(fd, text, timeout=30):
    """Reads a blocking console fd until text shows up (poll() first)."""
    got = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in got:
        left = deadline - time.monotonic()
        assert left > 0, f"no {text!r} on the console after {timeout}s: {got[-2000:]!r}"
        r, _, _ = select.select([fd], [], [], left)
        if r:
            got += os.read(fd, 65536)
    return got.decode(errors="replace")


def test_console_streams_and_takes_input(qemu_node, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "c1")
    con = d / "console"
    assert con.exists()
    (d / "state").write_text("start")
    t0 = time.monotonic()
    r = subprocess.run(["timeout", "60", "grep", "-m1", READY, str(con)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r
    print(f"ready line through console: {time.monotonic() - t0:.2f}s")
    # a reader that opens later still sees the boot from its start
    fd = os.open(con, os.O_RDONLY | os.O_NONBLOCK)
    try:
        text = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                break
            assert chunk, "a console never ends while the guest runs"
            text += chunk
        assert READY.encode() in text
        with open(con, "w") as w:
            w.write("echo HYPERFS-$((40+2))-ANSWER\n")
        assert "HYPERFS-42-ANSWER" in read_until(fd, "HYPERFS-42-ANSWER")
        try:
            os.read(fd, 65536)
            os.read(fd, 65536)
            raise AssertionError("a non-blocking read at the end did not give EAGAIN")
        except BlockingIOError as e:
            assert e.errno == errno.EAGAIN
    finally:
        os.close(fd)
    # console output never becomes an events line
    assert "console-output" not in subprocess.run(
        ["timeout", "1", "cat", str(q.node / "events")], capture_output=True, text=True).stdout
    (d / "state").write_text("destroy")
    wfd = os.open(con, os.O_WRONLY)
    try:
        os.write(wfd, b"x\n")
        raise AssertionError("writing to a stopped guest's console worked")
    except OSError as e:
        assert e.errno == errno.EBUSY
    finally:
        os.close(wfd)
    assert "not running" in (d / "error").read_text()


def test_console_of_the_test_driver_is_empty(mount):
    con = mount.node() / "domains/test/console"
    assert con.read_text() == ""
    try:
        con.write_text("x\n")
        raise AssertionError("the test driver took console input")
    except OSError as e:
        assert e.errno in (errno.EOPNOTSUPP, errno.ENOTSUP)
