"""No FUSE worker waits on a hypervisor, and a stuck driver call holds up nothing
else (issue 9, items 6 and 7): `events` readers are answered when their line
is pushed, invalidations ask the driver nothing and run per node, and lookups
never read a file whose read may reach the hypervisor.

The test driver's `stall-info=NAME` (docs/test-driver.md) makes the get_info of
domain NAME never return while NAME exists; the domain `late` is defined by the
test, so nothing stalls before. A process waiting on that call can't be killed,
nor can hyperfs once its notifier waits on the kernel for that process's
lookup, and libfuse joins its workers before an unmount ends: each mount here is
ended the way an administrator ends a hung FUSE mount, by aborting its
connection (fusectl), and then SIGKILL."""
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.docs import domain_xml, write
from helpers.mount import DEFAULT_URI
from helpers.tools import EventWait, TOOL_ENV, cat, ok, run, write_ok

stalls = pytest.mark.local_only(
    "stall-info stalls the peer's driver, whose domain infos the remote driver caches")

STALLED = DEFAULT_URI + "&stall-info=late"
BOUND = 10  # seconds: "promptly", against a stall that would last forever
FUSE_WAITS = {"request_wait_answer", "fuse_simple_request", "__fuse_simple_request"}


def blocked_in_fuse(proc):
    """True once proc waits in the kernel for a reply from hyperfs."""
    try:
        wchan = open(f"/proc/{proc.pid}/wchan").read().strip()
    except OSError:
        return False
    return wchan in FUSE_WAITS or "fuse" in wchan


FUSECTL = Path("/sys/fs/fuse/connections")


@pytest.fixture(scope="module")
def fusectl():
    """/sys/fs/fuse/connections, mounted for the module if it was not."""
    mounted = False
    if not os.path.ismount(FUSECTL):
        if run(["mount", "-t", "fusectl", "none", FUSECTL]).returncode != 0:
            pytest.skip("fusectl is not mounted and can't be: no way to end a hung mount")
        mounted = True
    yield FUSECTL
    if mounted:
        run(["umount", FUSECTL])


@contextmanager
def stalled_mount(fusectl, mount_factory, *conns, options=()):
    """A mount whose stuck driver calls end with it: its FUSE connection is
    aborted (every waiting process gets ENOTCONN), then hyperfs is killed."""
    m = mount_factory(*conns, options=options)
    conn = fusectl / str(os.minor(os.stat(m.path).st_dev))
    assert (conn / "abort").exists(), f"no {conn}/abort for {m.path}"
    stuck = []
    try:
        yield m, stuck
    finally:
        (conn / "abort").write_text("1\n")
        for p in stuck:
            p.wait(timeout=BOUND)
        # hyperfs ends by itself, unless libfuse waits for a worker stuck in the driver
        m.expect_exited = True
        m.ok_status = {0, -signal.SIGKILL}
        if m.alive():
            os.kill(m.pid, signal.SIGKILL)
        m.proc.wait(timeout=BOUND)


def start_stuck(stuck, argv):
    """Starts argv, which must end up waiting on the stalled driver call."""
    p = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=TOOL_ENV)
    stuck.append(p)
    deadline = time.monotonic() + BOUND
    while not blocked_in_fuse(p):
        assert p.poll() is None, f"{argv} ended ({p.returncode}) instead of waiting on the stall"
        assert time.monotonic() < deadline, f"{argv} never waited on hyperfs"
        time.sleep(0.01)
    return p


def prompt(stuck, argv):
    """argv's (status, stdout), which must come within BOUND seconds. A process
    waiting on hyperfs can't be killed before hyperfs answers: a late one is
    left to the mount's end."""
    p = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=TOOL_ENV)
    try:
        out, _ = p.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        stuck.append(p)
        pytest.fail(f"{argv} took more than {BOUND}s: it waited on the stalled driver call")
    return p.returncode, out


def wait_size(path, size, why):
    """Waits until stat shows size: a name cached for an hour changes only by
    an invalidation."""
    deadline = time.monotonic() + BOUND
    while os.stat(path).st_size != size:
        assert time.monotonic() < deadline, f"{path} kept size {os.stat(path).st_size}: {why}"
        time.sleep(0.02)


def hang(node, tmp_path):
    """Defines late, whose get_info then stalls, after making test transient
    (so that stopping it undefines it). The kernel looks names up one at a
    time in a folder (libfuse 3.14 does not ask for parallel lookups): while a
    lookup in domains/ is stuck, domains/test must already be known, which
    the mount's timeout=3600 keeps it."""
    d = node / "domains"
    with EventWait(node, r" domain test undefined removed$", timeout=BOUND):
        ok(run(["rmdir", d / "test"]))  # test keeps running, as a transient domain
    assert cat(d / "test/state") == "running\n"
    late = write(tmp_path, "late.xml", domain_xml("late"))
    # The invalidations of this define used to ask the driver whether late
    # exists (get_info: stuck), before its readers were answered.
    with EventWait(node, r" domain late defined added$", timeout=BOUND):
        ok(run(["cp", late, d]))
    return late


@stalls
def test_a_parked_events_reader_is_answered_while_a_driver_call_is_stuck(fusectl, mount_factory,
                                                                         tmp_path):
    with stalled_mount(fusectl, mount_factory, STALLED, options=["timeout=3600"]) as (m, stuck):
        n = m.node()
        hang(n, tmp_path)
        # the node's invalidations go on: they ask the driver nothing (the
        # define's used to ask whether late exists, and wait forever)
        d = n / "domains/test"
        write_ok(d / "memory", "512M")
        wait_size(d / "memory", len("524288\n"), "the node's invalidations stopped")
        start_stuck(stuck, ["stat", n / "domains/late/state"])
        # Stopping the transient test undefines it: dropping its name from
        # domains/ waits for the stuck lookup there, but its lines don't.
        with EventWait(n, r" domain test (stopped destroyed|undefined removed)$", count=2,
                       timeout=BOUND) as w:
            write_ok(n / "domains/test/state", "destroy")
        assert [l.split()[3] for l in w.lines] == ["stopped", "undefined"]
        # the node's notifier now waits for that lookup; later lines still come
        with EventWait(n, r" network default stopped \S+$", timeout=BOUND):
            write_ok(n / "networks/default/state", "stop")


@stalls
def test_a_hung_node_delays_no_other_node(fusectl, mount_factory, tmp_path):
    # names stay cached for an hour: only an invalidation shows a change
    with stalled_mount(fusectl, mount_factory, "a=" + STALLED, "b=" + DEFAULT_URI,
                       options=["timeout=3600"]) as (m, stuck):
        a, b = m.node("a"), m.node("b")
        hang(a, tmp_path)
        start_stuck(stuck, ["stat", a / "domains/late/state"])
        with EventWait(a, r" domain test undefined removed$", timeout=BOUND):
            write_ok(a / "domains/test/state", "destroy")  # a's notifier now waits
        d = b / "domains/test"
        assert cat(d / "id") == "1\n" and os.stat(d / "id").st_size == 2
        with EventWait(b, r" domain test stopped destroyed$", timeout=BOUND):
            write_ok(d / "state", "destroy")
        # b's invalidations are its own: the cached id ("1\n") is dropped
        wait_size(d / "id", len("-1\n"), "b's invalidations waited for node a")
        assert cat(d / "id") == "-1\n"


@stalls
def test_lookups_read_no_slow_file_while_get_info_is_stuck(fusectl, mount_factory, tmp_path):
    """ls -l domains/ lists without a get_info, and the files whose reads may
    reach the hypervisor or change without an event (config.xml, live.xml,
    info, stats) are looked up and stat'ed without reading them: size 0. The
    files that show get_info (state, memory, ...) are sized by reading it,
    which every driver serves from its own state (fs/fs.h), so stat of
    domains/late/state does wait here: that is the driver's stall, by design."""
    with stalled_mount(fusectl, mount_factory, STALLED, options=["timeout=3600"]) as (m, stuck):
        d = m.node() / "domains"
        late = write(tmp_path, "late.xml", domain_xml("late"))
        ok(run(["cp", late, d]))
        rc, out = prompt(stuck, ["ls", "-l", d])
        assert rc == 0 and [l.split()[-1] for l in out.splitlines()[1:]] == ["late", "test"], out
        # late's folder is known from that listing (readdirplus), not from a lookup
        names = ["config.xml", "live.xml", "info", "stats", "error", "console"]
        rc, out = prompt(stuck, ["stat", "-c", "%n %s"] + [d / "late" / f for f in names])
        assert rc == 0, out
        assert [l.split() for l in out.splitlines()] == [[str(d / "late" / f), "0"] for f in names]
        rc, out = prompt(stuck, ["cat", d / "late/config.xml"])
        assert rc == 0 and "<name>late</name>" in out, out


def test_files_read_at_open_show_size_0_and_work_with_tools(node, tmp_path):
    """config.xml (and live.xml, info, stats) show size 0 and are read to
    their end, like /proc files, by cat, cp, tail, head, sed, grep, wc, dd,
    cmp and less; sed -i still redefines through config.xml."""
    d = node / "domains/test"
    text = cat(d / "config.xml")
    assert text.startswith("<domain") and len(text) > 500
    for f in ["config.xml", "live.xml", "info", "stats"]:
        assert os.stat(d / f).st_size == 0, f
        assert cat(d / f), f
    copy = tmp_path / "copy.xml"
    ok(run(["cp", d / "config.xml", copy]))
    assert copy.read_text() == text
    ok(run(["cmp", d / "config.xml", copy]))
    lines = text.splitlines(keepends=True)
    assert ok(run(["tail", "-n", "3", d / "config.xml"])).stdout == "".join(lines[-3:])
    assert ok(run(["tail", "-c", "20", d / "config.xml"])).stdout == text[-20:]
    assert ok(run(["head", "-n", "2", d / "config.xml"])).stdout == "".join(lines[:2])
    assert ok(run(["sed", "-n", "2p", d / "config.xml"])).stdout == lines[1]
    assert ok(run(["grep", "-c", "", d / "config.xml"])).stdout == f"{len(lines)}\n"
    assert ok(run(["wc", "-c", d / "config.xml"])).stdout.split()[0] == str(len(text))
    r = ok(run(["dd", f"if={d / 'config.xml'}", "bs=1", "skip=100", "count=50",
                "status=none"]))
    assert r.stdout == text[100:150]
    assert ok(run(["less", d / "config.xml"])).stdout == text  # not a terminal: it copies
    ok(run(["sed", "-i", "s|</domain>|<description>sized 0</description></domain>|",
            d / "config.xml"]))
    assert "<description>sized 0</description>" in cat(d / "config.xml")


@stalls
def test_the_invalidation_queue_of_a_held_up_node_is_bounded(fusectl, mount_factory, tmp_path):
    """While a lookup stuck in the driver holds the node's notifier up, events
    keep coming: past 4,096 waiting, they are not queued one by one (memory
    would grow without end) but stand for one invalidation of everything of
    the node, and node/error says so with ENOSPC. Their lines all come."""
    with stalled_mount(fusectl, mount_factory, STALLED, options=["timeout=3600"]) as (m, stuck):
        n = m.node()
        hang(n, tmp_path)
        start_stuck(stuck, ["stat", n / "domains/late/state"])
        with EventWait(n, r" domain test undefined removed$", timeout=BOUND):
            write_ok(n / "domains/test/state", "destroy")  # the notifier now waits
        total = 4200
        # generous bounds, never a pace: 4,200 writes on a busy machine
        with EventWait(n, r" network default autostart-changed [01]$", count=total,
                       timeout=600):
            ok(run(["bash", "-c",
                    f'for i in $(seq {total // 2}); do echo 1 > "$1"; echo 0 > "$1"; done',
                    "sh", n / "networks/default/autostart"], timeout=600))
        rc, out = prompt(stuck, ["cat", n / "node/error"])
        assert rc == 0 and " events ENOSPC: more than 4096 events wait" in out, out
