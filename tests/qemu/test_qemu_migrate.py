"""Migration between two qemu nodes of one mount (docs/moving-and-keeping.md
"Migration"): `mv a/domains/web1 b/domains/` moves a running guest live (a
counter in the guest goes on, never backwards) and a shut-off one's
definition; the `migrate` settings file says how (bandwidth, keep-source,
...); the `job` file shows the migration and `echo abort > job` cancels it; a
target that dies mid-way leaves the guest running on the source, with the
reason in its `error` file and as mv's errno.

One guest for the whole module (TCG boots are slow): each test finds it where
the last one left it and moves it on."""
import errno
import os
import re
import signal
import subprocess
import time

import pytest

from helpers.mount import HyperfsMount

from .conftest import READY

pytestmark = pytest.mark.local_only("two qemu nodes of one local mount")

HERE = os.path.dirname(os.path.abspath(__file__))


class Pair:
    def __init__(self, mount, roots, guest):
        self.m, self.roots, self.guest = mount, roots, guest

    def dom(self, node, name="web1"):
        return self.m.node(node) / "domains" / name

    def where(self, name="web1"):
        on = [n for n in "ab" if name in os.listdir(self.m.node(n) / "domains")]
        assert len(on) == 1, f"'{name}' is on {on}"
        return on[0]

    def log(self, node, name="web1"):
        return self.roots[node] / "run" / f"{name}.log"

    def log_text(self, node, name="web1"):
        try:
            return self.log(node, name).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, node, pattern, timeout=60, name="web1"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log_text(node, name))
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} on the console of '{name}' on {node}:\n"
                             + self.log_text(node, name)[-1500:])

    def say(self, node, line, name="web1"):
        with open(self.dom(node, name) / "console", "w") as w:
            w.write(line + "\n")

    def answers(self, node, token):
        """The guest runs a command on node's console and prints its result."""
        self.say(node, f"echo {token}-$((40+2))")
        self.wait_log(node, f"{token}-42")

    def running_on(self):
        """The guest's node, started (and counting) when it was shut off."""
        n = self.where()
        if read(self.dom(n) / "state") != "running":
            start = len(self.log_text(n))
            write(self.dom(n) / "state", "start")
            deadline = time.monotonic() + 60
            while READY not in self.log_text(n)[start:]:
                assert time.monotonic() < deadline, "the guest never booted"
                time.sleep(0.05)
            self.say(n, "i=0; while true; do echo CNT $i; i=$((i+1)); sleep 0.1; done &")
            self.wait_log(n, r"CNT 3\b")
        return n


def read(p):
    return open(p).read().strip()


def write(p, text):
    with open(p, "w") as f:
        f.write(text + "\n")


def other(n):
    return "b" if n == "a" else "a"


def counts(text):
    """The counter's lines; the shell's prompt may come first on one when a
    command was typed meanwhile (mignodes.counts)."""
    return [int(x) for x in re.findall(r"CNT (\d+)\r?$", text, re.M)]


def wait_job(d, timeout=60):
    """Until the job file shows a migration that has sent something."""
    deadline = time.monotonic() + timeout
    while True:
        job = dict(l.split(": ", 1) for l in read(d / "job").splitlines())
        if job["type"] == "migration-out" and int(job["data-processed"]) > 0:
            return job
        assert time.monotonic() < deadline, f"no migration in the job file: {job}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair(tmp_path_factory, guest):
    tmp = tmp_path_factory.mktemp("migrate")
    roots = {n: tmp / f"root-{n}" for n in "ab"}
    m = HyperfsMount(tmp / "mnt", [f"{n}=qemu:///system?root={roots[n]}" for n in "ab"],
                     logdir=tmp)
    m.start()
    p = Pair(m, roots, guest)
    text = open(os.path.join(HERE, "guest.xml.in")).read()
    text = (text.replace("@NAME@", "web1").replace("@KERNEL@", str(guest / "vmlinuz"))
            .replace("@INITRD@", str(guest / "initrd.img")))
    (tmp / "web1.xml").write_text(text)
    subprocess.run(["cp", str(tmp / "web1.xml"), str(m.node("a") / "domains")], check=True)
    yield p
    for r in roots.values():  # no QEMU outlives the module
        for pidfile in (r / "run").glob("*.pid"):
            subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
    m.stop()


def test_live_migration_keeps_the_guest_counting(pair):
    src = pair.running_on()
    dst = other(src)
    before = counts(pair.log_text(src))
    subprocess.run(["mv", str(pair.dom(src)), str(pair.m.node(dst) / "domains") + "/"],
                   check=True)
    assert "web1" not in os.listdir(pair.m.node(src) / "domains")  # undefined there
    assert read(pair.dom(dst) / "state") == "running"
    assert read(pair.dom(dst) / "persistent") == "1"
    # no job runs; the completed one is the incoming migration, QEMU's figures
    job = dict(line.split(": ", 1) for line in read(pair.dom(dst) / "job").splitlines())
    assert job["type"] == "none" and job["completed"] == "migration-in", job
    assert int(job["completed-elapsed-ms"]) > 0, job
    assert int(job["completed-data-processed"]) > 0, job
    assert int(job["completed-data-total"]) == int(job["completed-data-processed"]), job
    assert "completed-downtime-ms" in job, job
    pair.answers(dst, "PONG")
    pair.wait_log(dst, r"CNT \d+\n(.|\n)*CNT \d+\n(.|\n)*CNT \d+\n")
    after = counts(pair.log_text(dst))
    # the counter went on where it was: no restart, never backwards
    assert after[0] > before[-1], (before[-3:], after[:3])
    assert after == list(range(after[0], after[0] + len(after))), after


def test_bad_settings_are_refused_and_change_nothing(pair):
    d = pair.dom(pair.where())
    before = read(d / "migrate")
    for bad in ("bandwidth=fast", "speed=10", "post-copy=maybe", "uri=http://x",
                "bandwidth=5 downtime=-1"):
        with pytest.raises(OSError) as e:
            write(d / "migrate", bad)
        assert e.value.errno == errno.EINVAL, bad
        assert "migrate settings of domain 'web1'" in read(d / "error") or \
            "'" in read(d / "error"), read(d / "error")
        assert read(d / "migrate") == before
    write(d / "migrate", "bandwidth=7 post-copy=yes")
    assert "bandwidth=7\n" in read(d / "migrate") + "\n"
    assert "post-copy=yes" in read(d / "migrate")
    write(d / "migrate", "default")
    assert read(d / "migrate") == before


def test_renaming_while_moving_is_refused(pair):
    src = pair.where()
    r = subprocess.run(["mv", str(pair.dom(src)), str(pair.dom(other(src), "web2"))],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Operation not permitted" in r.stderr, r.stderr
    assert pair.where() == src


def test_abort_keeps_the_guest_on_the_source(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    write(d / "migrate", "bandwidth=1")  # MiB/s: long enough to abort
    try:
        mv = subprocess.Popen(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                              stderr=subprocess.PIPE, text=True)
        job = wait_job(d)
        assert job["abortable"] == "yes" and int(job["data-total"]) > 0
        write(d / "job", "abort")
        _, err = mv.communicate(timeout=60)
    finally:
        write(d / "migrate", "default")
    assert mv.returncode != 0 and "Operation canceled" in err, err
    assert "migration of domain 'web1' was aborted" in read(d / "error")
    assert pair.where() == src
    assert read(d / "state") == "running"
    assert read(d / "job").splitlines()[0] == "type: none"
    pair.answers(src, "STILL")


def test_target_dying_midway_leaves_the_guest_running(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    write(d / "migrate", "bandwidth=1")
    try:
        mv = subprocess.Popen(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                              stderr=subprocess.PIPE, text=True)
        wait_job(d)
        target = int((pair.roots[dst] / "run" / "web1.pid").read_text())
        os.kill(target, signal.SIGKILL)  # the target's QEMU, started by this mount
        _, err = mv.communicate(timeout=60)
    finally:
        write(d / "migrate", "default")
    assert mv.returncode != 0, err
    assert "migration of domain 'web1' failed" in read(d / "error"), read(d / "error")
    assert pair.where() == src
    assert read(d / "state") == "running"
    pair.answers(src, "ALIVE")


def test_offline_migration_moves_the_definition(pair):
    src = pair.where()
    dst = other(src)
    if read(pair.dom(src) / "state") != "shutoff":
        write(pair.dom(src) / "state", "destroy")
    uuid = read(pair.dom(src) / "uuid")
    subprocess.run(["mv", str(pair.dom(src)), str(pair.m.node(dst) / "domains") + "/"],
                   check=True)
    assert "web1" not in os.listdir(pair.m.node(src) / "domains")
    assert read(pair.dom(dst) / "state") == "shutoff"
    assert read(pair.dom(dst) / "uuid") == uuid
    assert read(pair.dom(dst) / "persistent") == "1"
    # keep-source: the definition stays on the source too
    write(pair.dom(dst) / "migrate", "keep-source=yes")
    subprocess.run(["mv", str(pair.dom(dst)), str(pair.m.node(src) / "domains") + "/"],
                   check=True)
    assert "web1" in os.listdir(pair.m.node(src) / "domains")
    assert "web1" in os.listdir(pair.m.node(dst) / "domains")
    write(pair.dom(dst) / "migrate", "default")
    os.rmdir(pair.dom(dst))
    assert pair.where() == src
