"""A volume's `data` read by splice from its file or device (fs/data.c): the
bytes are right at any offset and size (reads cross hyperfs's read requests
and the volume's end), a volume written behind hyperfs's back (its file on
an fs pool, its partition's device node on a disk pool) reads back what was
written, even through a descriptor opened before, a download's `job` counts
what the splices moved, and the read size is a mount option."""
import os
import re
import subprocess

import pytest

from .conftest import add_vol, define, sh, undefine, wait_for
from .test_backends import disk_xml, fs_pool_xml


def read_all(path):
    with open(path, "rb") as f:
        return f.read()


def pread(path, off, n):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, n, off)
    finally:
        os.close(fd)


def behind(path, off, data):
    """Writes data at off into path, not through hyperfs."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, off)
        os.fsync(fd)
    finally:
        os.close(fd)


@pytest.fixture
def fs_vol(snode, tmp_path, loops):
    """A raw volume of 3 MiB + 17 bytes on an fs pool (ext4 on an image
    file): (its data file, its backing file, the content)."""
    img = loops.image("sp.img", "96M")
    target = tmp_path / "spmnt"
    p = define(snode, tmp_path, fs_pool_xml("fssp", img, target, "ext4"), "fssp")
    sh(f"echo build > {p}/state; echo start > {p}/state")
    content = os.urandom(3 * 1024 * 1024 + 17)
    (tmp_path / "v.raw").write_bytes(content)
    sh(f"cp {tmp_path}/v.raw {p}/volumes/")
    yield p / "volumes/v.raw/data", target / "v.raw", content
    sh(f"rmdir {p}/volumes/v.raw", check=False)
    undefine(p)


@pytest.fixture
def disk_vol(snode, tmp_path, loops):
    """A 4 MiB partition of a gpt disk pool on a loop device: (its data
    file, its device node, its content)."""
    dev = loops.attach(loops.image("spd.img", "64M"), partscan=True)
    part = os.path.basename(dev) + "p1"
    p = define(snode, tmp_path, disk_xml("dksp", dev, "gpt"), "dksp")
    sh(f"echo build > {p}/state; echo start > {p}/state")
    add_vol(p, tmp_path, part, 4 << 20)
    content = os.urandom(4 << 20)
    (tmp_path / "d.raw").write_bytes(content)
    sh(f"cp {tmp_path}/d.raw {p}/volumes/{part}/data")
    yield p / f"volumes/{part}/data", f"/dev/{part}", content
    sh(f"rmdir {p}/volumes/{part}", check=False)
    undefine(p)


@pytest.fixture(params=["fs", "disk"])
def vol(request):
    return request.getfixturevalue(f"{request.param}_vol")


def test_reads_at_any_offset_and_size(vol):
    data, _, content = vol
    assert read_all(data)[:len(content)] == content
    n = len(content)
    half = 512 * 1024
    for off, size in [(0, 1), (1, 4097), (half - 3, 7), (half - 1, 2 * half + 5),
                      (n - 5, 4096), (n - 1, 1), (n, 4096), (n + 4096, 10)]:
        assert pread(data, off, size) == content[off:off + size], (off, size)
    # dd with a block size that fits no request
    got = sh(f"dd if={data} bs=4099 skip=300 count=97 status=none | md5sum").stdout
    want = sh(f"head -c {4099 * 397} <(cat {data}) | tail -c {4099 * 97} | md5sum").stdout
    assert got == want


def test_written_behind_hyperfs_reads_back(vol):
    data, backing, content = vol
    assert read_all(data)[:len(content)] == content  # the kernel has read it once
    held = os.open(data, os.O_RDONLY)
    try:
        assert os.pread(held, 8, 0) == content[:8]
        for off in (0, 512 * 1024 - 1, len(content) - 1):
            behind(backing, off, b"\xa5")
        want = bytearray(content)
        for off in (0, 512 * 1024 - 1, len(content) - 1):
            want[off] = 0xa5
        assert read_all(data)[:len(content)] == bytes(want), "a new open reads what was written"
        assert os.pread(held, 1, 512 * 1024 - 1) == b"\xa5", "an open one does too"
        assert os.pread(held, 2, 0) == b"\xa5" + content[1:2]
    finally:
        os.close(held)


def test_a_file_grown_behind_hyperfs_reads_to_its_new_end(fs_vol):
    data, backing, content = fs_vol
    with open(backing, "ab") as f:
        f.write(b"TAIL-MARK")
    assert read_all(data) == content + b"TAIL-MARK"


def test_job_counts_a_download(fs_vol):
    data, _, content = fs_vol
    job = data.parent / "job"
    r = subprocess.Popen(["bash", "-c", f"exec 3<{data}; head -c 2M <&3 >/dev/null; "
                          "read x; exec 3<&-"], stdin=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "type: download" in job.read_text(), "download job")
        r.stdin.write("\n")
        r.stdin.flush()
        r.wait(timeout=30)
    finally:
        if r.poll() is None:
            r.kill()
            r.wait()
    wait_for(lambda: job.read_text() == "type: none\n", "job gone")
    # progress is counted: a whole read of 3 MiB + 17 shows every byte at its end
    last = subprocess.run(["bash", "-c", f"exec 3<{data}; cat <&3 >/dev/null; cat {job}"],
                          capture_output=True, text=True).stdout
    assert f"processed: {len(content)}" in last, last


def test_read_size_is_a_mount_option(tmp_path):
    from helpers.mount import BINARY, HyperfsMount
    m = HyperfsMount(tmp_path / "mnt", ["test:///default"], options=["max_read=65536"],
                     logdir=tmp_path)
    m.start()
    try:
        line = [l for l in open("/proc/mounts") if l.split()[1] == str(tmp_path / "mnt")][0]
        assert re.search(r"\bmax_read=65536\b", line), line
        pool = m.node() / "pools/default-pool"
        add_vol(pool, tmp_path, "mr", 1 << 20, "raw")
        src = tmp_path / "mr.raw"
        src.write_bytes(os.urandom(300000))
        sh(f"cp {src} {pool}/volumes/mr/data")
        assert read_all(pool / "volumes/mr/data")[:300000] == src.read_bytes()
        sh(f"rmdir {pool}/volumes/mr")
    finally:
        m.stop()
    r = subprocess.run([str(BINARY), "-f", "-o", "max_read=abc",
                        str(tmp_path / "mnt")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "max_read=abc: bytes from 4096" in r.stderr
