"""Volume content with plain tools, on the test driver (content in memory)
and on a qemu node's dir pool (files): `cp FILE volumes/` makes a volume of
that name with the content's format (qcow2 by its magic, else raw) and fills
it; a <volume> document copied there still defines one from the XML; `cat
data` downloads; `cp x data` uploads into an existing volume; `echo NAME >
clone`; `echo zero > wipe`; `job` shows an upload while it runs; capacity
grows, shrinks only with `shrink`, never below the allocation."""
import os
import subprocess

import pytest

from .conftest import add_vol, define, error_of, fails, sh, undefine, wait_for


def qcow2(path, mib=32, pattern="0x55"):
    sh(f"qemu-img create -q -f qcow2 {path} {mib}M")
    sh(f"qemu-io -c 'write -P {pattern} 0 1M' {path}")


def volumes(pool):
    return sorted(os.listdir(pool / "volumes"))


@pytest.fixture(params=["test", "dir"])
def pool(request, tmp_path, node, snode):
    """The test driver's default-pool, or a dir pool of the qemu node."""
    if request.param == "test":
        yield node / "pools/default-pool"
        return
    p = define(snode, tmp_path, f"<pool type='dir'><name>d{os.getpid()}</name><target>"
               f"<path>{tmp_path}/dirpool</path></target></pool>", f"d{os.getpid()}")
    sh(f"echo build > {p}/state; echo start > {p}/state")
    yield p
    undefine(p)


def test_cp_makes_volume_and_cat_data_reads_it(pool, tmp_path):
    raw = tmp_path / "r.img"
    raw.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    sh(f"cp {raw} {pool}/volumes/")
    assert "r.img" in volumes(pool)
    v = pool / "volumes/r.img"
    assert (v / "format").read_text() == "raw\n"
    assert int((v / "capacity").read_text()) >= raw.stat().st_size
    sh(f"cmp {raw} <(head -c {raw.stat().st_size} {v}/data)")
    q = tmp_path / "q.qcow2"
    qcow2(q)
    sh(f"cp {q} {pool}/volumes/")
    v = pool / "volumes/q.qcow2"
    assert (v / "format").read_text() == "qcow2\n"
    assert int((v / "capacity").read_text()) == 32 << 20
    sh(f"cat {v}/data > {tmp_path}/back.qcow2")
    sh(f"qemu-io -c 'read -P 0x55 0 1M' {tmp_path}/back.qcow2")
    sh(f"rmdir {pool}/volumes/r.img {pool}/volumes/q.qcow2")


def test_a_volume_document_still_defines_from_xml(pool, tmp_path):
    add_vol(pool, tmp_path, "fromxml", 1 << 20, "raw")
    assert (pool / "volumes/fromxml/capacity").read_text() == f"{1 << 20}\n"
    sh(f"rmdir {pool}/volumes/fromxml")


def test_upload_into_data_clone_and_wipe(pool, tmp_path):
    add_vol(pool, tmp_path, "base", 4 << 20, "raw")
    marker = tmp_path / "marker"
    marker.write_bytes(b"HYPERFS-MARKER-" + os.urandom(100000))
    sh(f"cp {marker} {pool}/volumes/base/data")
    v = pool / "volumes/base"
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} {v}/data)")
    assert int((v / "capacity").read_text()) == 4 << 20, "an upload keeps the size"
    assert "clone" in os.listdir(v)
    sh(f"echo copy > {v}/clone")
    assert "copy" in volumes(pool)
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} {pool}/volumes/copy/data)")
    sh(f"echo zero > {pool}/volumes/copy/wipe")
    assert sh(f"head -c 100000 {pool}/volumes/copy/data | tr -d '\\0' | wc -c").stdout.strip() == "0"
    sh(f"cmp {marker} <(head -c {marker.stat().st_size} {v}/data)"), "the source stays"
    fails(f"echo shred > {v}/wipe")
    assert "unknown wipe algorithm 'shred'" in error_of(v)
    fails(f"echo nope/ > {v}/clone")
    sh(f"rmdir {pool}/volumes/base {pool}/volumes/copy")


def test_resize_grows_and_shrinks_only_when_asked(pool, tmp_path):
    add_vol(pool, tmp_path, "rs", 8 << 20, "raw")
    v = pool / "volumes/rs"
    sh(f"echo 16M > {v}/capacity")
    assert (v / "capacity").read_text() == f"{16 << 20}\n"
    r = fails(f"echo 4M > {v}/capacity")
    assert "Invalid argument" in r.stderr
    assert "cannot shrink volume 'rs'" in error_of(v)
    assert (v / "capacity").read_text() == f"{16 << 20}\n"
    sh(f"head -c 12M /dev/urandom > {v}/data")
    r = fails(f"echo 'shrink 4M' > {v}/capacity")
    assert "below its allocation" in error_of(v)
    sh(f"rmdir {v}")


def test_job_shows_an_upload_while_it_runs(node, tmp_path):
    pool = node / "pools/default-pool"
    add_vol(pool, tmp_path, "slow", 64 << 20, "raw")
    v = pool / "volumes/slow"
    assert (v / "job").read_text() == "type: none\n"
    # a writer that holds the upload open: the job is there until it closes
    w = subprocess.Popen(["bash", "-c", f"exec 3>{v}/data; head -c 8M /dev/zero >&3; "
                          "read x; exec 3>&-"], stdin=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "processed: 8388608" in (v / "job").read_text(), "job progress")
        job = (v / "job").read_text()
        assert "type: upload" in job and "abortable: yes" in job
        assert (v / "capacity").read_text() == f"{64 << 20}\n"  # queries run beside it
    finally:
        w.communicate("\n", timeout=30)
    wait_for(lambda: (v / "job").read_text() == "type: none\n", "job gone")
    sh(f"rmdir {v}")


def test_bad_volume_input_changes_nothing(pool, tmp_path):
    before = volumes(pool)
    r = add_vol(pool, tmp_path, "a/b", 1 << 20, "raw", check=False)
    assert r.returncode != 0
    r = add_vol(pool, tmp_path, "huge", "99999999999999999999999", "raw", check=False)
    assert r.returncode != 0
    assert volumes(pool) == before
