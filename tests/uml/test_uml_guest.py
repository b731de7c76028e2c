"""Real User-Mode Linux guests through uml:///system: the ready line on the
console, a command typed into the guest, a clean shutdown by the guest's init
(mconsole ctrl-alt-del), suspend and resume (mconsole stop and go), reboot,
a root on an ext4 ubd disk, refused documents, and a guest that survives a
restart of hyperfs."""
import errno
import os
import subprocess

import pytest

from helpers.procnode import write
from tests.lxc.conftest import Console
from .conftest import guest_xml


def gone(pid):
    try:
        return open(f"/proc/{pid}/stat").read().split(") ")[1][0] in "ZX"
    except FileNotFoundError:
        return True


def test_boots_answers_and_shuts_down_cleanly(uml_node, tmp_path):
    n = uml_node
    d = n.define(tmp_path, "u1")
    took = n.start("u1")
    print(f"uml start to UML-READY through the tree: {took:.2f}s")
    assert (d / "state").read_text().strip() == "running"
    assert "HELLO-42" in n.sh("u1", "echo HELLO-$((6*7))")
    assert "umlguest" in n.sh("u1", "hostname")
    pid = int((d / "id").read_text())
    ev = subprocess.Popen(["timeout", "60", "grep", "-m1", "u1 stopped", str(n.node / "events")],
                          stdout=subprocess.PIPE, text=True)
    assert write(d / "state", "shutdown\n") == 0
    assert "u1 stopped shutdown" in ev.communicate()[0]
    assert (d / "state").read_text().strip() == "shutoff"
    assert gone(pid)
    fd = os.open(d / "console", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert b"UML-POWEROFF" in os.read(fd, 1 << 20)  # the guest's init did it
    finally:
        os.close(fd)


def test_suspend_resume_and_reboot(uml_node, tmp_path):
    n = uml_node
    d = n.define(tmp_path, "u2")
    n.start("u2")
    assert write(d / "state", "suspend\n") == 0
    assert (d / "state").read_text().strip() == "paused"
    assert write(d / "state", "suspend\n") == errno.EBUSY
    assert write(d / "state", "resume\n") == 0
    assert (d / "state").read_text().strip() == "running"
    assert "STILL-7" in n.sh("u2", "echo STILL-$((3+4))")
    con = Console(d / "console")
    try:
        assert write(d / "state", "reboot\n") == 0
        con.until("UML-READY", 60)  # the kernel booted again
    finally:
        con.close()
    assert (d / "state").read_text().strip() == "running"
    assert write(d / "state", "destroy\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"


@pytest.mark.skipif(not os.path.exists("/sbin/mkfs.ext4"), reason="e2fsprogs missing")
def test_root_on_an_ext4_ubd_disk(uml_node, tmp_path):
    n = uml_node
    d = n.define(tmp_path, "u3", disk=True)
    n.start("u3")
    out = n.sh("u3", "grep ' / ' /proc/mounts")
    assert "/dev/root / ext4" in out or "/dev/ubda / ext4" in out, out
    assert write(d / "state", "shutdown\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"


def test_guest_survives_a_restart(uml_node, tmp_path):
    n = uml_node
    d = n.define(tmp_path, "u4")
    n.start("u4")
    pid = int((d / "id").read_text())
    n.remount()
    d = n.dom("u4")
    assert not gone(pid)
    assert (d / "state").read_text().strip() == "running"
    assert int((d / "id").read_text()) == pid
    assert "BACK-9" in n.sh("u4", "echo BACK-$((4+5))")
    assert write(d / "state", "shutdown\n") == 0
    assert (d / "state").read_text().strip() == "shutoff"
    assert gone(pid)


@pytest.mark.parametrize("edit,why", [
    (lambda x: x.replace("type='uml'>", "type='kvm'>", 1), "runs <domain type='uml'>"),
    (lambda x: x.replace("<type>uml</type>", "<type>hvm</type>"), "needs <os><type>uml"),
    (lambda x: x.replace("unit='MiB'>64<", "unit='MiB'>4<"), "at least 16 MiB"),
])
def test_refused_documents(uml_node, tmp_path, edit, why):
    n = uml_node
    src = tmp_path / "bad.xml"
    src.write_text(edit(guest_xml("bad", n.top)))
    r = subprocess.run(["cp", str(src), str(n.node / "domains")], capture_output=True, text=True)
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert why in (n.node / "node/error").read_text()
    assert os.listdir(n.node / "domains") == []


def test_bad_disk_target_is_refused_at_start(uml_node, tmp_path):
    n = uml_node
    src = tmp_path / "u5.xml"
    src.write_text(guest_xml("u5", n.top).replace(
        "<console", "<disk type='file'><source file='/nonexistent.img'/>"
                    "<target dev='vda'/></disk><console"))
    subprocess.run(["cp", str(src), str(n.node / "domains")], check=True)
    d = n.dom("u5")
    assert write(d / "state", "start\n") == errno.EINVAL
    assert "ubda to ubdh, not 'vda'" in (d / "error").read_text()
    assert (d / "state").read_text().strip() == "shutoff"


def test_tap_on_a_bridge(uml_node, tmp_path):
    n = uml_node
    br = f"hvumbr{os.getpid() % 100000}"
    subprocess.run(["ip", "link", "add", br, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "10.218.0.1/24", "dev", br], check=True)
        subprocess.run(["ip", "link", "set", br, "up"], check=True)
        iface = (f"<interface type='bridge'><source bridge='{br}'/>"
                 "<mac address='52:54:00:aa:bb:02'/></interface>")
        d = n.define(tmp_path, "u6", extra_devices=iface)
        n.start("u6")
        out = n.sh("u6", "ip link set vec0 up; ip addr add 10.218.0.2/24 dev vec0; "
                         "ping -c 1 -w 20 10.218.0.1 >/dev/null && echo PING-$((1+1))-OK")
        assert "PING-2-OK" in out, out
        assert "52:54:00:aa:bb:02" in n.sh("u6", "cat /sys/class/net/vec0/address")
        taps = [t for t in os.listdir("/sys/class/net") if t.startswith("vu")]
        assert any(os.path.exists(f"/sys/class/net/{t}/brport") for t in taps)
        assert write(d / "state", "destroy\n") == 0
        assert not any(os.path.exists(f"/sys/class/net/{t}/master") and
                       os.path.realpath(f"/sys/class/net/{t}/master").endswith(br)
                       for t in os.listdir("/sys/class/net") if t.startswith("vu"))
    finally:
        subprocess.run(["ip", "link", "del", br], capture_output=True)
