"""MOUNT/<node>/events: blocking reads of one line per change, a cursor per open,
poll()/select() readiness, O_NONBLOCK, and libvirt's event vocabulary."""
import errno
import os
import re
import select
import subprocess
import threading
import time

import pytest

from helpers import transport
from helpers.mount import DEFAULT_URI
from helpers.tools import EVENT_LINE, OVERFLOW_LINE, EventWait, TOOL_ENV, ok, run, sh, wait_open, write_ok


def test_grep_waits_for_the_event_like_a_script(node):
    """timeout 30 grep -m1 ' test stopped' events, while another thread destroys."""
    events = node / "events"
    g = subprocess.Popen(["timeout", "30", "grep", "-m1", " test stopped", str(events)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=TOOL_ENV)
    wait_open(g.pid, events)
    time.sleep(0.2)
    assert g.poll() is None, "grep returned before anything happened"
    t = threading.Thread(target=lambda: write_ok(node / "domains/test/state", "destroy"))
    t.start()
    out, err = g.communicate(timeout=40)
    t.join()
    assert g.returncode == 0, (g.returncode, out, err)
    m = EVENT_LINE.match(out.rstrip("\n"))
    assert m, out
    assert (m["kind"], m["name"], m["event"], m["detail"]) == \
        ("domain", "test", "stopped", "destroyed")


def test_reading_blocks_when_nothing_happens(node):
    r = run(["timeout", "1", "cat", node / "events"])
    assert r.returncode == 124, f"cat events returned {r.returncode}: {r.stdout!r} {r.stderr!r}"
    assert r.stdout == ""


def test_cursor_starts_at_open(node):
    # the event of a write arrives after the write returns on a remote node:
    # wait for it on one reader, so that it is surely before the second open
    with EventWait(node, r" domain test suspended paused$"):
        write_ok(node / "domains/test/state", "suspend")  # before the open: not seen
    fd = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(BlockingIOError) as e:
            os.read(fd, 4096)
        assert e.value.errno == errno.EAGAIN
    finally:
        os.close(fd)


def read_ready(fd, timeout=10.0):
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        p = select.poll()
        p.register(fd, select.POLLIN)
        if p.poll(200):
            try:
                buf += os.read(fd, 65536)
            except BlockingIOError:
                continue
            if buf.endswith(b"\n"):
                return buf.decode()
    raise AssertionError(f"no complete event line in {timeout}s (got {buf!r})")


def test_two_readers_have_their_own_cursors(node):
    a = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    b = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_ok(node / "domains/test/state", "suspend")
        la = read_ready(a)
        write_ok(node / "domains/test/state", "resume")
        la += read_ready(a)
        lb = read_ready(b)
        if lb.count("\n") < 2:
            lb += read_ready(b)
        assert la == lb, (la, lb)
        assert [EVENT_LINE.match(l)["event"] for l in la.splitlines()] == ["suspended", "resumed"]
        c = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
        try:
            with pytest.raises(BlockingIOError):
                os.read(c, 4096)
        finally:
            os.close(c)
    finally:
        os.close(a)
        os.close(b)


def test_poll_readiness(node):
    fd = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        assert p.poll(0) == [], "events is readable before anything happened"
        with pytest.raises(BlockingIOError) as e:
            os.read(fd, 4096)
        assert e.value.errno == errno.EAGAIN
        write_ok(node / "domains/test/state", "suspend")
        ready = p.poll(10000)
        assert ready and ready[0][1] & select.POLLIN, ready
        line = os.read(fd, 65536).decode()
        assert EVENT_LINE.match(line.splitlines()[0]), line
        assert " domain test suspended paused\n" in line
        assert p.poll(0) == [], "still readable after everything was read"
    finally:
        os.close(fd)


def test_select_readiness(node):
    fd = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert select.select([fd], [], [], 0)[0] == []
        write_ok(node / "domains/test/autostart", "1")
        r, _, _ = select.select([fd], [], [], 10)
        assert r == [fd]
        assert "domain test autostart-changed 1" in os.read(fd, 65536).decode()
    finally:
        os.close(fd)


def test_blocking_read_returns_once_an_event_happens(node):
    fd = os.open(node / "events", os.O_RDONLY)
    got = []
    t = threading.Thread(target=lambda: got.append(os.read(fd, 65536)), daemon=True)
    try:
        t.start()
        time.sleep(0.3)
        assert not got, "a read returned with nothing to say"
        write_ok(node / "domains/test/state", "suspend")
        t.join(10)
        assert got and b" domain test suspended paused\n" in got[0], got
    finally:
        if not t.is_alive():
            os.close(fd)
        else:  # unblock the reader so the mount can go away
            write_ok(node / "domains/test/state", "resume")
            t.join(5)
            os.close(fd)


def test_events_keep_order_and_none_is_lost(node):
    n = 60
    with EventWait(node, r" domain test autostart-changed [01]$", count=n, timeout=30) as w:
        ok(sh('for i in $(seq 1 30); do echo 1 > "$1"; echo 0 > "$1"; done',
              str(node / "domains/test/autostart")))
    assert [l.rsplit(" ", 1)[1] for l in w.lines] == ["1", "0"] * 30


# ---- the vocabulary: (set-up, action, expected event lines as regexes)
def do(*cmds):
    def f(node, data):
        for c in cmds:
            c(node, data)
    return f


def w(path, value):
    return lambda node, data: write_ok(node / path, value)


def cp(src, dst):
    return lambda node, data: ok(run(["cp", data / src, node / dst]))


def rmdir(path):
    return lambda node, data: ok(run(["rmdir", node / path]))


def rewrite(path):
    return lambda node, data: ok(sh('c=$(cat "$1"); printf "%s\\n" "$c" > "$1"', str(node / path)))


VOCAB = {
    "domain-suspend": (do(), w("domains/test/state", "suspend"), [r"domain test suspended paused"]),
    "domain-resume": (w("domains/test/state", "suspend"), w("domains/test/state", "resume"),
                      [r"domain test resumed unpaused"]),
    "domain-destroy": (do(), w("domains/test/state", "destroy"), [r"domain test stopped destroyed"]),
    "domain-start": (w("domains/test/state", "destroy"), w("domains/test/state", "start"),
                     [r"domain test started booted"]),
    "domain-shutdown": (do(), w("domains/test/state", "shutdown"),
                        [r"domain test shutdown finished", r"domain test stopped shutdown"]),
    "domain-memory": (do(), w("domains/test/memory", "1G"), [r"domain test memory-changed 1048576"]),
    "domain-vcpus": (do(), w("domains/test/vcpus", "1"), [r"domain test vcpus-changed 1"]),
    "domain-autostart": (do(), w("domains/test/autostart", "yes"),
                         [r"domain test autostart-changed 1"]),
    "domain-define": (do(), cp("domain-vm1.xml", "domains/"), [r"domain vm1 defined added"]),
    "domain-redefine": (do(), rewrite("domains/test/config.xml"), [r"domain test defined updated"]),
    "domain-undefine": (cp("domain-vm1.xml", "domains/"), rmdir("domains/vm1"),
                        [r"domain vm1 undefined removed"]),
    "network-stop": (do(), w("networks/default/state", "stop"), [r"network default stopped \S+"]),
    "network-start": (w("networks/default/state", "stop"), w("networks/default/state", "start"),
                      [r"network default started \S+"]),
    "network-define": (do(), cp("network-net1.xml", "networks/"), [r"network net1 defined \S+"]),
    "network-undefine": (cp("network-net1.xml", "networks/"), rmdir("networks/net1"),
                         [r"network net1 undefined \S+"]),
    "pool-stop": (do(), w("pools/default-pool/state", "stop"), [r"pool default-pool stopped \S+"]),
    "pool-start": (w("pools/default-pool/state", "stop"), w("pools/default-pool/state", "start"),
                   [r"pool default-pool started \S+"]),
    "pool-build": (w("pools/default-pool/state", "stop"), w("pools/default-pool/state", "build"),
                   [r"pool default-pool built \S+"]),
    "pool-refresh": (do(), w("pools/default-pool/state", "refresh"),
                     [r"pool default-pool refreshed \S+"]),
    "pool-delete": (w("pools/default-pool/state", "stop"), w("pools/default-pool/state", "delete"),
                    [r"pool default-pool deleted \S+"]),
    "pool-define": (do(), cp("pool-pool1.xml", "pools/"), [r"pool pool1 defined \S+"]),
    "pool-undefine": (cp("pool-pool1.xml", "pools/"), rmdir("pools/pool1"),
                      [r"pool pool1 undefined \S+"]),
    "volume-create": (do(), cp("volume-vol1.xml", "pools/default-pool/volumes/"),
                      [r"volume default-pool/vol1.qcow2 created \S+"]),
    "volume-delete": (cp("volume-vol1.xml", "pools/default-pool/volumes/"),
                      rmdir("pools/default-pool/volumes/vol1.qcow2"),
                      [r"volume default-pool/vol1.qcow2 deleted \S+"]),
    "volume-resize": (cp("volume-vol1.xml", "pools/default-pool/volumes/"),
                      w("pools/default-pool/volumes/vol1.qcow2/capacity", "3G"),
                      [r"volume default-pool/vol1.qcow2 resized \S+"]),
}


@pytest.mark.parametrize("case", list(VOCAB))
def test_event_vocabulary(node, data, case):
    setup, action, expected = VOCAB[case]
    if transport.is_libvirtd():
        if case == "volume-resize":
            pytest.skip("libvirt's test driver has no virStorageVolResize")
        if case == "domain-shutdown":  # libvirt's test driver sends no SHUTDOWN event
            expected = [r"domain test stopped shutdown"]
    setup(node, data)
    pattern = "|".join(f" {e}$" for e in expected)
    with EventWait(node, f"({pattern})", count=len(expected)) as ew:
        action(node, data)
    for line, e in zip(ew.lines, expected):
        assert re.search(f" {e}$", line), f"expected {e!r} in order, got {ew.lines}"


def test_events_of_two_nodes_are_apart(mount_factory):
    """a's change never shows on b: b's reader, open before both changes, sees
    b's own (later) change first and nothing of a's, with no sleep: a's line
    has reached a's own reader before b changes."""
    m = mount_factory("a=" + DEFAULT_URI, "b=" + DEFAULT_URI)
    fd = os.open(m.path / "b/events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        with EventWait(m.path / "a", r" domain test suspended paused$"):
            write_ok(m.path / "a/domains/test/state", "suspend")
        with EventWait(m.path / "b", r" domain test stopped destroyed$"):
            write_ok(m.path / "b/domains/test/state", "destroy")
        d = Drain(fd)
        while not any(" stopped destroyed" in l for l in d.lines):
            d.until(d.accounted() + 1)
        assert all("suspended" not in l for l in d.lines), d.lines
    finally:
        os.close(fd)


@pytest.mark.not_libvirtd("libvirt sends no UNDEFINED event when a transient domain stops")
def test_transient_domain_events(node):
    ok(run(["rmdir", node / "domains/test"]))
    with EventWait(node, r" domain test (stopped destroyed|undefined removed)$", count=2) as ew:
        write_ok(node / "domains/test/state", "destroy")
    assert [l.split()[3] for l in ew.lines] == ["stopped", "undefined"]


class Drain:
    """Reads fd (O_NONBLOCK) in reads of `size` bytes into whole lines, until
    `want` events are accounted for (a line each, or N for `overflow N`)."""

    def __init__(self, fd, size=65536):
        self.fd, self.size = fd, size
        self.buf, self.lines, self.missed = b"", [], 0

    def accounted(self):
        return len(self.lines) + self.missed

    def until(self, want, timeout=30):
        deadline = time.monotonic() + timeout
        while self.accounted() < want:
            assert time.monotonic() < deadline, (
                f"{self.accounted()} of {want} events in {timeout}s; last {self.lines[-3:]!r}, "
                f"pending {self.buf!r}")
            p = select.poll()
            p.register(self.fd, select.POLLIN)
            if not p.poll(200):
                continue
            try:
                chunk = os.read(self.fd, self.size)
            except BlockingIOError:
                continue
            assert chunk, "end of file on events"
            assert len(chunk) <= self.size
            self.buf += chunk
            *done, self.buf = self.buf.split(b"\n")
            for raw in done:
                line = raw.decode()
                m = OVERFLOW_LINE.match(line)
                if m:
                    self.missed += int(m["missed"])
                    continue
                assert EVENT_LINE.match(line), f"not an event line: {line!r}"
                self.lines.append(line)
        return self


@pytest.mark.parametrize("size", [1, 7, 40])
def test_a_reader_with_a_small_buffer_gets_every_line_whole(node, size):
    """read(2) of 1, 7 and 40 bytes (every event line is longer than 40): each
    line arrives whole over the reads that follow, none is dropped or torn."""
    fd = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        ok(sh('for i in $(seq 20); do echo 1 > "$1"; echo 0 > "$1"; done',
              str(node / "domains/test/autostart")))
        d = Drain(fd, size).until(40)
        assert d.missed == 0
        assert [l.rsplit(" ", 2)[1:] for l in d.lines] == \
            [["autostart-changed", "1"], ["autostart-changed", "0"]] * 20
        assert d.buf == b""
        with pytest.raises(BlockingIOError):
            os.read(fd, size)  # nothing more: no line was answered twice
    finally:
        os.close(fd)


def test_a_reader_that_falls_behind_is_told_how_much_it_missed(node):
    """The node keeps the latest 4,096 lines; a reader further behind first gets
    one `node <name> overflow N` line, then every line that remains: N and the
    lines add up to every event, in order, with no gap."""
    total = 4400
    slow = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    fast = os.open(node / "events", os.O_RDONLY | os.O_NONBLOCK)
    try:
        script = f'for i in $(seq {total // 2}); do echo 1 > "$1"; echo 0 > "$1"; done'
        # none read yet by slow; the bound is generous (4,400 round trips over ssh
        # on a machine busy with other work took over 60 s), never a pace
        ok(sh(script, node / "domains/test/autostart", timeout=600))
        Drain(fast).until(total)  # every event is in the ring (a remote node's come later)
        first = os.read(slow, 4096).decode()
        m = OVERFLOW_LINE.match(first.splitlines()[0])
        assert m and m["node"] == "localhost", first[:200]
        assert int(m["missed"]) == total - 4096, first[:200]
        d = Drain(slow)
        d.buf = first.split("\n", 1)[1].encode()
        d.missed = int(m["missed"])
        d.until(total)
        assert d.accounted() == total and len(d.lines) == 4096
        assert [l.rsplit(" ", 1)[1] for l in d.lines] == ["1", "0"] * 2048
    finally:
        os.close(fast)
        os.close(slow)
