"""guestdisk.py: the tiny TCG guest (tests/guest/build.sh) reading markers
from its disks, for the storage tests: the guest's domain document with extra
<disk> elements, and a wait until the guest's console shows the first line of
each disk. What the guest prints is checked, never assumed."""
import subprocess
import time
from pathlib import Path

from helpers.tools import polled, wait_for, write_ok

REPO = Path(__file__).resolve().parents[2]


def guest_files():
    """The folder with the guest's vmlinuz and initrd.img (built once)."""
    r = subprocess.run([str(REPO / "tests/guest/build.sh")], capture_output=True, text=True)
    assert r.returncode == 0, f"tests/guest/build.sh failed:\n{r.stderr}"
    return Path(r.stdout.strip().splitlines()[-1])


def guest_xml(name, disks):
    """tests/qemu/guest.xml.in as domain `name`, with `disks` (XML text) added."""
    g = guest_files()
    text = (REPO / "tests/qemu/guest.xml.in").read_text()
    return (text.replace("@NAME@", name).replace("@KERNEL@", str(g / "vmlinuz"))
            .replace("@INITRD@", str(g / "initrd.img")).replace("</devices>", disks + "</devices>"))


def guest_reads(domain, log, marks, timeout=120):
    """Until the guest of `domain` (its folder; `log` its console log) prints
    'GOT DEV LINE' with each marks[DEV] as the first line of /dev/DEV: asks
    on its console, again while its shell is not up yet."""
    def seen(t):
        return log.exists() and t in log.read_text(errors="replace")
    wait_for(lambda: seen("HYPERFS-GUEST-READY"), "the guest's ready line", timeout=timeout)
    want = [f"GOT {dev} {m}" for dev, m in marks.items()]
    ask = "for d in " + " ".join(marks) + "; do echo GOT $d $(head -n1 /dev/$d); done"
    deadline = time.monotonic() + 60
    while not all(seen(w) for w in want):
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
        write_ok(domain / "console", ask)
        # the whole answer, or (the shell was not up yet: the line is lost) ask again
        polled(lambda: all(seen(w) for w in want), 5)
