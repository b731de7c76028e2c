"""QMP deadlines through the tree, against a fake QEMU (fake_qemu.py) that the
driver re-attaches to at mount: a verb whose command QEMU never answers fails
its write with ETIMEDOUT at the deadline (10 s) and says why in `error`, and the
monitor stays usable (the next verb is answered); destroy ends the fake. The
send deadline (a QEMU that stops reading) cannot be reached through the tree,
whose commands are far smaller than a socket buffer: the meson tests
qemu-monitor and qemu-faults (deaf-monitor) check it with a fake peer."""
import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NAME = "dl1"
XML = (f"<domain type='qemu'><name>{NAME}</name>"
       "<uuid>0b6f3c1e-7a53-4f7a-9d2c-3a1c8f0e5d21</uuid><memory unit='MiB'>64</memory>"
       "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>")
DEADLINE_S = 10  # QEMU_MON_TIMEOUT_MS


class Fake:
    def __init__(self, qmp):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "fake_qemu.py"), str(qmp)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.expect("ready")

    def expect(self, line):
        """Reads the fake's lines until line; it writes each at once."""
        seen = []
        while True:
            got = self.proc.stdout.readline()
            assert got, f"the fake QEMU ended before '{line}': {seen}"
            seen.append(got.strip())
            if got.strip() == line:
                return seen

    def order(self, what):
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        self.expect(f"order {what}")


@pytest.fixture
def fake_domain(mount_factory, tmp_path):
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    (root / "run").mkdir()
    (root / "lib" / f"{NAME}.xml").write_text(XML)
    (root / "run" / f"{NAME}.xml").write_text(XML)  # a running domain: re-attached
    fake = Fake(root / "run" / f"{NAME}.qmp")
    try:
        (root / "run" / f"{NAME}.pid").write_text(f"{fake.proc.pid}\n")
        m = mount_factory(f"qemu:///system?root={root}")
        fake.expect("cmd query-chardev")  # attached: qmp_capabilities, query-status, this
        yield m.node() / "domains" / NAME, fake
    finally:
        if fake.proc.poll() is None:
            fake.proc.kill()
        fake.proc.wait(timeout=10)


def test_unanswered_command_fails_at_its_deadline(fake_domain):
    d, fake = fake_domain
    assert (d / "state").read_text() == "running\n"
    fake.order("mute")
    t0 = time.monotonic()
    with pytest.raises(OSError) as e:
        (d / "state").write_text("suspend")
    took = time.monotonic() - t0
    assert e.value.errno == errno.ETIMEDOUT
    assert took < 3 * DEADLINE_S, f"the write took {took:.1f} s"
    err = (d / "error").read_text()
    assert " state ETIMEDOUT: no reply from QEMU to 'stop'" in err, err  # the errno returned
    fake.expect("cmd stop")  # the one it swallowed
    # the stream is intact: the next command is sent and answered
    (d / "state").write_text("suspend")
    fake.expect("cmd stop")
    (d / "state").write_text("destroy")
    assert (d / "state").read_text() == "shutoff\n"
    assert fake.proc.wait(timeout=10) == -signal.SIGTERM
