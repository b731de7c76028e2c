"""Migration with copy-storage between two qemu nodes of one mount
(docs/moving-and-keeping.md "Disks"): each node has a `dir` pool named
`images` in a folder of its own, the guest's disk is a volume of it
(<source pool='images' volume='web1.qcow2'/>), so the two nodes' disks are
two files. `echo copy-storage=all > migrate; mv a/domains/web1 b/domains/`
creates the volume in b's pool, mirrors the disk there over NBD while the
guest runs, then moves its memory: a marker the guest wrote on a is read
back from the disk by the guest on b (page cache dropped) and is in b's
file. An abort mid-copy leaves the guest on a and removes b's volume; the
`job` file shows the disk totals while it copies.

One guest for the module, as in test_qemu_migrate.py."""
import errno
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from helpers.mount import HyperfsMount

from .conftest import READY
from .test_qemu_migrate import Pair, counts, other, read, write

pytestmark = pytest.mark.local_only("two qemu nodes of one local mount")

HERE = os.path.dirname(os.path.abspath(__file__))
DISK = ("<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source pool='images' volume='web1.qcow2'/><target dev='vda' bus='virtio'/></disk>")
POOL = "<pool type='dir'><name>images</name><target><path>{}</path></target></pool>"
FILL_MIB = 6  # data on the disk: at 1 MiB/s the copy takes seconds


def job_of(d):
    return dict(l.split(": ", 1) for l in read(d / "job").splitlines())


def disk_marker(path, sector):
    """The text at sector of a qcow2 file, read on the host (-U: QEMU has it)."""
    r = subprocess.run(["qemu-io", "-U", "-r", "-f", "qcow2", "-c",
                        f"read -v {sector * 512} 16", str(path)],
                       capture_output=True, text=True, check=True)
    data = b""
    for line in r.stdout.splitlines():
        if re.match(r"^[0-9a-f]{8}:", line):  # OFFSET:  16 hex bytes  ASCII
            data += bytes(int(h, 16) for h in line.split(":", 1)[1].split()[:16])
    return data.rstrip(b"\0").decode(errors="replace")


@pytest.fixture(scope="module")
def pair(tmp_path_factory, guest):
    if shutil.which("qemu-io") is None:
        pytest.skip("qemu-io is not installed (qemu-utils)")
    tmp = tmp_path_factory.mktemp("migstorage")
    roots = {n: tmp / f"root-{n}" for n in "ab"}
    m = HyperfsMount(tmp / "mnt", [f"{n}=qemu:///system?root={roots[n]}" for n in "ab"],
                     logdir=tmp)
    m.start()
    p = Pair(m, roots, guest)
    p.images = {}
    for n in "ab":
        p.images[n] = tmp / f"images-{n}"
        p.images[n].mkdir()
        (tmp / f"pool-{n}.xml").write_text(POOL.format(p.images[n]))
        subprocess.run(["cp", str(tmp / f"pool-{n}.xml"), str(m.node(n) / "pools")],
                       check=True)
        write(m.node(n) / "pools" / "images" / "state", "start")
    # a's disk, with data for the copy to carry
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(p.images["a"] / "web1.qcow2"),
                    "64M"], check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P 0x33 1M {FILL_MIB}M",
                    str(p.images["a"] / "web1.qcow2")], check=True, capture_output=True)
    write(m.node("a") / "pools" / "images" / "state", "refresh")
    text = open(os.path.join(HERE, "guest.xml.in")).read()
    text = (text.replace("@NAME@", "web1").replace("@KERNEL@", str(guest / "vmlinuz"))
            .replace("@INITRD@", str(guest / "initrd.img")).replace("</devices>",
                                                                   DISK + "</devices>"))
    (tmp / "web1.xml").write_text(text)
    subprocess.run(["cp", str(tmp / "web1.xml"), str(m.node("a") / "domains")], check=True)
    yield p
    for r in roots.values():  # no QEMU outlives the module
        for pidfile in (r / "run").glob("*.pid"):
            subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)
    m.stop()


def volumes(pair, n):
    return sorted(os.listdir(pair.m.node(n) / "pools" / "images" / "volumes"))


def test_bad_copy_storage_setting_is_refused(pair):
    d = pair.dom("a")
    before = read(d / "migrate")
    assert "copy-storage=no" in before
    for bad in ("copy-storage=yes", "copy-storage=", "copy-storage=all,inc"):
        with pytest.raises(OSError) as e:
            write(d / "migrate", bad)
        assert e.value.errno == errno.EINVAL, bad
        assert "copy-storage" in read(d / "error"), read(d / "error")
        assert read(d / "migrate") == before


def test_abort_mid_copy_keeps_the_guest_and_removes_the_copy(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    assert volumes(pair, dst) == []
    write(d / "migrate", "copy-storage=all bandwidth=1")  # MiB/s, the mirror's too
    try:
        mv = subprocess.Popen(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                              stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            job = job_of(d)
            if int(job.get("disk-processed", 0)) > 0:
                break
            assert mv.poll() is None, mv.communicate()
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        assert job["type"] == "migration-out"
        assert int(job["disk-total"]) >= 64 << 20, job  # the whole virtual disk
        assert int(job["disk-remaining"]) == int(job["disk-total"]) - int(job["disk-processed"])
        assert volumes(pair, dst) == ["web1.qcow2"]  # made in b's pool, being filled
        write(d / "job", "abort")
        _, err = mv.communicate(timeout=60)
    finally:
        if mv.poll() is None:  # a failed check: the migration must not outlive the test
            write(d / "job", "abort")
            mv.communicate(timeout=60)
        write(d / "migrate", "default")
    assert mv.returncode != 0 and "Operation canceled" in err, err
    assert "migration of domain 'web1' was aborted" in read(d / "error")
    assert pair.where() == src
    assert read(d / "state") == "running"
    assert read(d / "job").splitlines()[0] == "type: none"
    assert volumes(pair, dst) == []
    assert not (pair.images[dst] / "web1.qcow2").exists()
    pair.answers(src, "STILL")


def test_target_dying_mid_copy_leaves_the_guest_running(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    write(d / "migrate", "copy-storage=all bandwidth=2")
    try:
        mv = subprocess.Popen(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                              stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while int(job_of(d).get("disk-processed", 0)) == 0:
            assert mv.poll() is None, mv.communicate()
            assert time.monotonic() < deadline, job_of(d)
            time.sleep(0.05)
        target = int((pair.roots[dst] / "run" / "web1.pid").read_text())
        os.kill(target, signal.SIGKILL)  # the target's QEMU, with its NBD server
        _, err = mv.communicate(timeout=60)
    finally:
        if mv.poll() is None:
            write(d / "job", "abort")
            mv.communicate(timeout=60)
        write(d / "migrate", "default")
    assert mv.returncode != 0, err
    assert "migration of domain 'web1' failed" in read(d / "error"), read(d / "error")
    assert pair.where() == src and read(d / "state") == "running"
    assert volumes(pair, dst) == []
    pair.answers(src, "ALIVE")


def test_target_pool_inactive_refuses_and_changes_nothing(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    write(pair.m.node(dst) / "pools" / "images" / "state", "stop")
    write(d / "migrate", "copy-storage=all")
    try:
        r = subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                           capture_output=True, text=True, timeout=60)
    finally:
        write(d / "migrate", "default")
        write(pair.m.node(dst) / "pools" / "images" / "state", "start")
    assert r.returncode != 0, r.stderr
    assert "cannot copy disk 'vda' of domain 'web1'" in read(d / "error"), read(d / "error")
    assert pair.where() == src and read(d / "state") == "running"
    assert "web1" not in os.listdir(pair.m.node(dst) / "domains")
    assert volumes(pair, dst) == []


def test_copy_storage_all_carries_the_disk(pair):
    src = pair.running_on()
    dst = other(src)
    d = pair.dom(src)
    pair.say(src, "printf MARK$((7*6))X | dd of=/dev/vda bs=512 seek=10 conv=fsync,notrunc "
             "2>/dev/null; echo WROTE-$((1+1))")
    pair.wait_log(src, "WROTE-2")
    assert disk_marker(pair.images[src] / "web1.qcow2", 10) == "MARK42X"
    before = counts(pair.log_text(src))
    write(d / "migrate", "copy-storage=all")
    subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"], check=True)
    assert "web1" not in os.listdir(pair.m.node(src) / "domains")
    dd = pair.dom(dst)
    assert read(dd / "state") == "running"
    assert read(dd / "job").splitlines()[0] == "type: none"
    assert "completed: migration-in" in read(dd / "job")
    assert "copy-storage=no" in read(dd / "migrate")  # settings stay with the node they were set on
    assert volumes(pair, dst) == ["web1.qcow2"]
    # the copy is b's own file, with the marker and the data
    assert disk_marker(pair.images[dst] / "web1.qcow2", 10) == "MARK42X"
    assert disk_marker(pair.images[dst] / "web1.qcow2", 2048) == "3" * 16
    # the guest reads it from its disk on b, not from the page cache it brought
    pair.say(dst, "echo 3 > /proc/sys/vm/drop_caches; echo READ=$(dd if=/dev/vda bs=512 "
             "skip=10 count=1 2>/dev/null | tr -dc A-Z0-9)")
    pair.wait_log(dst, "READ=MARK42X")
    pair.wait_log(dst, r"CNT \d+\n(.|\n)*CNT \d+\n")
    after = counts(pair.log_text(dst))
    assert after[0] > before[-1], (before[-3:], after[:3])
    # what b writes now goes to b's file
    pair.say(dst, "printf NEWONB | dd of=/dev/vda bs=512 seek=20 conv=fsync,notrunc "
             "2>/dev/null; echo WROTE-$((2+1))")
    pair.wait_log(dst, "WROTE-3")
    assert disk_marker(pair.images[dst] / "web1.qcow2", 20) == "NEWONB"
    assert disk_marker(pair.images[src] / "web1.qcow2", 20) == ""


def test_copy_storage_inc_moves_the_top_over_a_shared_base(pair, tmp_path):
    """copy-storage=inc: the overlays are local, their base image is shared.
    A missing overlay on the target is refused (only the top would come);
    made by hand over the same base, it gets the top's data, and the guest
    on the target reads both."""
    src = pair.where()
    dst = other(src)
    base = tmp_path / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M"], check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x44 1M 1M", str(base)],
                   check=True, capture_output=True)
    overlay = ["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2"]
    subprocess.run(overlay + [str(pair.images[src] / "web3.qcow2")], check=True)
    write(pair.m.node(src) / "pools" / "images" / "state", "refresh")
    xml = (pair.m.node(src) / "domains" / "web1" / "config.xml").read_text()
    xml = re.sub(r"<uuid>[^<]*</uuid>", "", xml).replace("web1", "web3")
    (tmp_path / "web3.xml").write_text(xml)
    subprocess.run(["cp", str(tmp_path / "web3.xml"), str(pair.m.node(src) / "domains")],
                   check=True)
    d = pair.dom(src, "web3")
    try:
        write(d / "state", "start")
        pair.wait_log(src, READY, name="web3")
        pair.say(src, "printf TOP$((6*7))Q | dd of=/dev/vda bs=512 seek=10 conv=fsync,notrunc "
                 "2>/dev/null; echo WROTE-$((3+1))", name="web3")
        pair.wait_log(src, "WROTE-4", name="web3")
        write(d / "migrate", "copy-storage=inc")
        r = subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and "No such file" in r.stderr, r.stderr
        assert "copy-storage=inc: 'web3.qcow2' does not exist here" in read(d / "error")
        assert read(d / "state") == "running" and volumes(pair, dst) == ["web1.qcow2"]
        subprocess.run(overlay + [str(pair.images[dst] / "web3.qcow2")], check=True)
        write(pair.m.node(dst) / "pools" / "images" / "state", "refresh")
        subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"], check=True)
        dd = pair.dom(dst, "web3")
        assert read(dd / "state") == "running"
        assert disk_marker(pair.images[dst] / "web3.qcow2", 10) == "TOP42Q"
        pair.say(dst, "echo 3 > /proc/sys/vm/drop_caches; echo READ=$(dd if=/dev/vda bs=512 "
                 "skip=10 count=1 2>/dev/null | tr -dc A-Z0-9) BASE=$(dd if=/dev/vda bs=512 "
                 "skip=2048 count=1 2>/dev/null | tr -dc D | wc -c)", name="web3")
        pair.wait_log(dst, r"READ=TOP42Q BASE=512", name="web3")
    finally:
        for n in "ab":
            w = pair.dom(n, "web3")
            if w.exists():
                if read(w / "state") != "shutoff":
                    write(w / "state", "destroy")
                os.rmdir(w)


def test_copy_storage_of_shared_storage_is_refused(pair, tmp_path):
    """A file disk both nodes see at one path is one file: copying it onto
    itself is refused (EBUSY, and nothing changes); without copy-storage
    the same move goes through, the disk used where it is."""
    src = pair.where()
    dst = other(src)
    shared = tmp_path / "shared.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(shared), "64M"], check=True)
    xml = (pair.m.node(src) / "domains" / "web1" / "config.xml").read_text()
    xml = re.sub(r"<uuid>[^<]*</uuid>", "", xml).replace("<name>web1</name>",
                                                         "<name>web4</name>")
    xml = re.sub(r"<disk type='volume'.*?</disk>",
                 f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
                 f"file='{shared}'/><target dev='vda' bus='virtio'/></disk>",
                 xml.replace('"', "'"), flags=re.S)
    (tmp_path / "web4.xml").write_text(xml)
    subprocess.run(["cp", str(tmp_path / "web4.xml"), str(pair.m.node(src) / "domains")],
                   check=True)
    d = pair.dom(src, "web4")
    try:
        write(d / "state", "start")
        pair.wait_log(src, READY, name="web4")
        write(d / "migrate", "copy-storage=all")
        r = subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and "Device or resource busy" in r.stderr, r.stderr
        assert f"'{shared}' is the source's own image" in read(d / "error"), read(d / "error")
        assert read(d / "state") == "running"
        assert "web4" not in os.listdir(pair.m.node(dst) / "domains")
        write(d / "migrate", "copy-storage=no")
        subprocess.run(["mv", str(d), str(pair.m.node(dst) / "domains") + "/"], check=True)
        assert read(pair.dom(dst, "web4") / "state") == "running"
    finally:
        for n in "ab":
            w = pair.dom(n, "web4")
            if w.exists():
                if read(w / "state") != "shutoff":
                    write(w / "state", "destroy")
                os.rmdir(w)
