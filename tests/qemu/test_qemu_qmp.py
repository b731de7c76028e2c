"""QMP traffic seen from the tree, on one booted guest with a VGA. `stats` ends
with `debug.qmp.commands=N`: the QMP commands the driver sent to the domain's
QEMU since it attached to it, read before the stats call sends its own
queries (docs/qemu-driver.md). Reading the files that come from events
(state, info, memory, vcpus, id, config.xml, live.xml) sends none. `ls -l` of
the domain's folder sends none either: lookups and getattrs never read a file
whose read may reach QEMU (stats, screenshot.png: size 0, read at open). Readers
of screenshot.png at the same time each get a whole PNG: every screendump
writes a file of its own."""
import struct
import subprocess
import threading
import zlib

import pytest

from .conftest import READY

VGA = "<video><model type='vga'/></video>"


def qmp_count(d):
    for line in (d / "stats").read_text().splitlines():
        if line.startswith("debug.qmp.commands="):
            return int(line.split("=", 1)[1])
    raise AssertionError("no debug.qmp.commands in stats")


def qmp_sent_by(d, action):
    """How many QMP commands action() made the driver send: stats read twice
    gives what one stats read costs, which the read after action() adds too."""
    before = qmp_count(d)
    cost = qmp_count(d) - before  # the second read counted the first one's queries
    base = before + cost
    action()
    return qmp_count(d) - base - cost


def png_whole(data):
    """The PNG signature, then chunks with good CRCs up to IEND, then nothing."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    pos, kinds = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert len(body) == length and zlib.crc32(kind + body) == crc, (pos, kind)
        kinds.append(kind)
        pos += 12 + length
        if kind == b"IEND":
            break
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND", kinds
    assert pos == len(data), f"{len(data) - pos} bytes after IEND"


@pytest.fixture
def booted(qemu_node, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "qm1", extra_devices=VGA)
    (d / "state").write_text("start")
    q.wait_log("qm1", READY)
    yield q, d
    (d / "state").write_text("destroy")


def test_event_files_send_no_qmp(booted):
    q, d = booted
    files = ["state", "info", "memory", "vcpus", "id", "config.xml", "live.xml"]
    assert qmp_sent_by(d, lambda: [(d / f).read_text() for f in files]) == 0


def test_ls_l_sends_no_qmp(booted):
    q, d = booted

    def ls_l():
        subprocess.run(["ls", "-l", str(d)], check=True, capture_output=True)

    assert qmp_sent_by(d, ls_l) == 0


def test_concurrent_screenshots_are_whole(booted):
    q, d = booted
    readers, rounds = 4, 3
    for _ in range(rounds):
        barrier = threading.Barrier(readers)
        got, errors = [None] * readers, []

        def read(k):
            try:
                barrier.wait(timeout=30)
                with open(d / "screenshot.png", "rb") as f:
                    got[k] = f.read()
            except Exception as e:  # reported below, with the others
                errors.append(repr(e))

        threads = [threading.Thread(target=read, args=(k,)) for k in range(readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        for data in got:
            png_whole(data)
    left = list((q.root / "run" / "screenshots").glob("*"))
    assert not left, left
