"""tools.py: driving the tree the way a user does, with real programs.

Every helper runs a real tool (cat, ls, sh -c 'echo ...', cp, rmdir, grep ...)
and returns or checks what the user would see: stdout, the exit status and the
errno text on stderr. Python's os calls live in the tests themselves, only
where no tool can express the case.
"""
import errno
import os
import re
import signal
import subprocess
import time
from pathlib import Path

TOOL_ENV = dict(os.environ, LC_ALL="C", LANG="C")

RFC3339 = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
ERROR_LINE = re.compile(rf"^(?P<time>{RFC3339}) (?P<file>\S+) (?P<errno>E[A-Z0-9]+): (?P<msg>\S.*)$")
EVENT_LINE = re.compile(
    rf"^(?P<time>{RFC3339}) (?P<kind>domain|network|pool|volume) (?P<name>\S+) "
    r"(?P<event>[a-z-]+) (?P<detail>\S+)$")
# what a reader that fell behind the node's ring of 4,096 lines reads first
OVERFLOW_LINE = re.compile(rf"^(?P<time>{RFC3339}) node (?P<node>\S+) overflow (?P<missed>\d+)$")

DOMAIN_STATES = {"running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"}
DOMAIN_VERBS = ["start", "shutdown", "destroy", "reboot", "reset", "suspend", "resume"]


# A new mount namespace (unshare -m, ip netns exec) starts as a copy of every
# mount there is, the FUSE mounts of other tests and other runs included, and
# here every mount is private: a copy keeps such a file system alive after its
# owner unmounts it, so that hyperfs never sees the unmount and exits only
# when the namespace's last process does. A long-lived daemon that a test
# starts in a mount namespace of its own detaches those copies first:
# in_own_mounts(argv) is the command that does, then execs argv.
DROP_FUSE_COPIES = ("awk '$3 == \"fuse\" || $3 ~ /^fuse\\./ { print $2 }' /proc/self/mounts | "
                    "sort -r | while read -r m; do umount -l \"$m\" || true; done; ")


def in_own_mounts(argv):
    return ["sh", "-c", DROP_FUSE_COPIES + 'exec "$@"', "sh", *[str(a) for a in argv]]


def run(argv, *, input=None, timeout=60, cwd=None):
    return subprocess.run([str(a) for a in argv], input=input, capture_output=True,
                          text=True, errors="replace", timeout=timeout, env=TOOL_ENV, cwd=cwd)


def sh(script, *args, timeout=60, input=None):
    """bash -c SCRIPT sh ARGS...: arguments arrive as $1, $2 ... never interpolated.
    bash, not dash: dash's builtin echo reports every failed write as "I/O error",
    bash's names the errno ("echo: write error: Device or resource busy")."""
    return run(["bash", "-c", script, "sh", *args], timeout=timeout, input=input)


def show(r):
    return (f"command {r.args!r} exited {r.returncode}\n--- stdout\n{r.stdout}"
            f"--- stderr\n{r.stderr}")


def ok(r):
    assert r.returncode == 0, show(r)
    assert r.stderr == "", show(r)
    return r


def fails(r, err):
    """The tool failed and said why in the user's words (strerror of err)."""
    assert r.returncode != 0, f"expected failure with {errno.errorcode[err]}\n" + show(r)
    assert os.strerror(err) in r.stderr, \
        f"expected '{os.strerror(err)}' ({errno.errorcode[err]}) on stderr\n" + show(r)
    return r


def cat(path):
    return ok(run(["cat", path])).stdout


def ls(path, *flags):
    return ok(run(["ls", *flags, path])).stdout.splitlines()


def lines(text):
    return text.splitlines()


def kv(text, sep=": "):
    """'key: value' lines -> dict; asserts every line has that shape, keys unique."""
    d = {}
    for line in text.splitlines():
        assert sep in line, f"line {line!r} is not 'key{sep}value'"
        k, v = line.split(sep, 1)
        assert k not in d, f"key {k!r} repeated"
        d[k] = v
    return d


def echo(path, value):
    """echo VALUE > PATH, as a user types it."""
    return sh('echo "$1" > "$2"', value, str(path))


def write_ok(path, value):
    return ok(echo(path, value))


def write_fails(path, value, err):
    return fails(echo(path, value), err)


def read_token(path):
    text = cat(path)
    assert text.endswith("\n") and text.count("\n") == 1, f"{path}: {text!r} is not one line"
    return text[:-1]


def state(objdir):
    return read_token(Path(objdir) / "state")


def wait_for(pred, what, timeout=20):
    """Until pred() is true (polled every 20 ms), else AssertionError naming what."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError(f"{what}: not after {timeout}s")


def polled(pred, secs, step=0.05, ignore=()):
    """Whether pred() came true within secs (asked every step s); an exception
    of the types in ignore counts as not yet (a node that is away answers
    ENOTCONN until it is back). For callers that assert with their own words."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except ignore:
            pass
        time.sleep(step)
    return False


def wait_state(objdir, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        s = state(objdir)
        if not seen or seen[-1] != s:
            seen.append(s)
        if s == want:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{objdir}/state never became {want!r} in {timeout}s; saw {seen}")
        time.sleep(0.02)


def error_line(objdir):
    """The error file: '' or exactly one well-formed line -> match object or None."""
    text = cat(Path(objdir) / "error")
    if text == "":
        return None
    assert text.endswith("\n") and text.count("\n") == 1, f"error file is not one line: {text!r}"
    m = ERROR_LINE.match(text[:-1])
    assert m, f"error line {text!r} is not '<RFC3339> <file> <ERRNO>: <message>'"
    return m


def assert_error(objdir, err, file=None):
    m = error_line(objdir)
    assert m is not None, f"{objdir}/error is empty, expected an {errno.errorcode[err]} line"
    assert m["errno"] == errno.errorcode[err], \
        f"{objdir}/error says {m['errno']}, expected {errno.errorcode[err]}: {m.group(0)!r}"
    if file is not None:
        assert m["file"] == file or m["file"].endswith("/" + file), \
            f"{objdir}/error names file {m['file']!r}, expected {file!r}: {m.group(0)!r}"
    return m


def files_of(objdir):
    """The regular files of an object folder (ls -p marks folders with /)."""
    return [n for n in ls(objdir, "-p") if not n.endswith("/")]


# files that libvirt's own test driver cannot serve (no DHCP leases or ports) where it
# is the node behind hyperfs (the libvirtd transports): a read is refused, and
# the refusal would take the object's error line
REFUSED_BY_LIBVIRT_TEST = ("leases", "ports")


def snapshot(objdir, skip=("stats", "error", "info", "screenshot.png", "data")):
    """Everything a user can read about an object, to prove nothing changed:
    its settings and state, not a volume's content (`data`: gigabytes on the
    test node; the data tests compare it themselves)."""
    from . import transport
    objdir = Path(objdir)
    if transport.needs_libvirtd():
        skip = tuple(skip) + REFUSED_BY_LIBVIRT_TEST
    return {n: cat(objdir / n) for n in files_of(objdir) if n not in skip}


def snapshot_node(node):
    """The listing of every folder and the snapshot of every object of a node."""
    node = Path(node)
    snap = {"domains": ls(node / "domains"), "networks": ls(node / "networks"),
            "pools": ls(node / "pools")}
    for kind in ("domains", "networks", "pools"):
        for name in snap[kind]:
            snap[f"{kind}/{name}"] = snapshot(node / kind / name)
    for p in snap["pools"]:
        snap[f"pools/{p}/volumes"] = ls(node / "pools" / p / "volumes")
    return snap


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            kids = []
        for k in kids:
            out.append(int(k))
            todo.append(int(k))
    return out


def wait_open(pid, path, timeout=10.0):
    """Waits until pid or one of its children holds path open."""
    target = os.path.realpath(path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in [pid] + descendants(pid):
            try:
                fds = os.listdir(f"/proc/{p}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(f"/proc/{p}/fd/{fd}") == target:
                        return
                except OSError:
                    pass
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never opened {path}")


class EventWait:
    """`timeout T grep -m COUNT -E PATTERN events`, started before an action.

        with EventWait(node, r" domain test stopped destroyed$") as w:
            write_ok(...)
        w.lines  # the matching lines
    """

    def __init__(self, node, pattern, count=1, timeout=15):
        self.events = Path(node) / "events"
        self.pattern = pattern
        self.count = count
        self.timeout = timeout
        self.lines = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["timeout", str(self.timeout), "grep", "-m", str(self.count), "-E", self.pattern,
             str(self.events)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=TOOL_ENV, start_new_session=True)
        try:
            wait_open(self.proc.pid, self.events)
        except AssertionError:
            self._kill()
            out, err = self.proc.communicate()
            raise AssertionError(f"grep never opened {self.events}: rc={self.proc.returncode} "
                                 f"stderr={err!r}")
        return self

    def _kill(self):
        """timeout and the grep it runs, which would keep the pipe open."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __exit__(self, et, ev, tb):
        if et is not None:
            self._kill()
            self.proc.communicate()
            return False
        out, err = self.proc.communicate(timeout=self.timeout + 10)
        assert self.proc.returncode == 0, (
            f"no event matching {self.pattern!r} within {self.timeout}s "
            f"(grep rc={self.proc.returncode}, stderr={err!r}, got {out!r})")
        self.lines = out.splitlines()
        assert len(self.lines) == self.count, self.lines
        for line in self.lines:
            assert EVENT_LINE.match(line), f"event line {line!r} is not " \
                "'<RFC3339> <kind> <name> <event> <detail>'"
        return False


def uuid_ok(text):
    return re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n", text)


def clear_qemu_mount(m, run_dir):
    """Ends what a mounted qemu node left: its guests (by the PIDs of their
    pidfiles in run_dir), its domains and its pools (stopped, undefined), then
    the mount. Nothing when the mount never ran."""
    if not m.proc:
        return
    node = m.node()
    for pid in Path(run_dir).glob("*.pid"):
        subprocess.run(["kill", "-9", pid.read_text().strip()], capture_output=True)
    for d in (node / "domains").iterdir():
        subprocess.run(["rmdir", str(d)], capture_output=True)
    for pool in (node / "pools").iterdir():
        sh('echo stop > "$1"/state; rmdir "$1"', str(pool))
    m.stop()
