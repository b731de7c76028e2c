"""Kernel caching must never show stale or torn content: what a write changed is
what the next read shows, and a reader racing a writer sees whole tokens
(issue 2: "cached reads are never stale after an event")."""
import os
import threading
import time

from helpers.tools import DOMAIN_STATES, cat, echo, ls, ok, read_token, run


def test_error_file_is_fresh_after_each_failure(node):
    d = node / "domains/test"
    ls(d, "-l")  # attributes (size 0 for error) now cached
    assert cat(d / "error") == ""
    for i in range(30):
        word = f"bogus{i:03d}"
        r = echo(d / "autostart", word)
        assert r.returncode != 0
        text = cat(d / "error")
        assert word in text, f"after writing {word!r} error reads {text!r}"


def test_state_is_fresh_after_each_verb(node):
    d = node / "domains/test"
    for _ in range(30):
        for verb, want in (("suspend", "paused"), ("resume", "running")):
            ok(echo(d / "state", verb))
            assert cat(d / "state") == want + "\n"
            assert os.stat(d / "state").st_size == len(want) + 1


import pytest  # noqa: E402


@pytest.mark.parametrize("wflags", [os.O_WRONLY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC],
                         ids=["plain", "shell-trunc"])
def test_readers_racing_a_writer_see_whole_tokens(node, wflags):
    """Threads read state and memory in a loop (whole, and byte by byte as
    dash's `read` does) while another changes them: each open must read one
    consistent value, never a mix of the value before and after. The writer
    opens as a program would, and as a shell's `>` does (O_CREAT|O_TRUNC),
    which makes the kernel truncate the inode it opens."""
    d = node / "domains/test"
    stop = threading.Event()
    bad = []

    def reader():
        while not stop.is_set() and len(bad) < 20:
            with open(d / "state", "rb") as f:
                s = f.read()
            if not (s.endswith(b"\n") and s[:-1].decode() in DOMAIN_STATES):
                bad.append(("state", s))
            with open(d / "memory", "rb") as f:
                m = f.read()
            if m not in (b"1048576\n", b"524288\n", b"2097152\n"):
                bad.append(("memory", m))

    def bytewise_reader():
        """dash's `read line < state` reads one byte per read(2)."""
        while not stop.is_set() and len(bad) < 20:
            fd = os.open(d / "state", os.O_RDONLY)
            try:
                s = b""
                while True:
                    b = os.read(fd, 1)
                    if not b:
                        break
                    s += b
            finally:
                os.close(fd)
            if not (s.endswith(b"\n") and s[:-1].decode(errors="replace") in DOMAIN_STATES):
                bad.append(("state byte by byte", s))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    threads.append(threading.Thread(target=bytewise_reader))
    for t in threads:
        t.start()
    try:
        for _ in range(100):
            for verb in ("suspend", "resume"):
                fd = os.open(d / "state", wflags)
                os.write(fd, verb.encode() + b"\n")
                os.close(fd)
            for mem in (b"524288\n", b"1048576\n"):
                fd = os.open(d / "memory", wflags)
                os.write(fd, mem)
                os.close(fd)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not bad, f"torn or stale reads: {bad[:10]}"
    assert read_token(d / "state") == "running"


def test_listing_is_fresh_after_create_and_delete(node, data):
    ls(node / "domains", "-l")
    for _ in range(10):
        ok(run(["cp", data / "domain-vm1.xml", node / "domains/"]))
        assert ls(node / "domains") == ["test", "vm1"]
        assert cat(node / "domains/vm1/state") == "shutoff\n"
        ok(run(["rmdir", node / "domains/vm1"]))
        assert ls(node / "domains") == ["test"]
        r = run(["cat", node / "domains/vm1/state"])
        assert r.returncode != 0, "a deleted domain's file still reads"


@pytest.mark.not_libvirtd("libvirt's test driver shuts down at once (it ignores shutdown-delay=)")
def test_background_transition_is_seen_without_a_new_action(mount_factory):
    """A shutdown finishes on the driver's timer: state, its size and the listing
    of a transient domain follow without anything else happening."""
    m = mount_factory("test:///default?clock=fixed&shutdown-delay=400&extras=all")
    d = m.node() / "domains/test"
    ok(echo(d / "state", "shutdown"))
    assert cat(d / "state") == "shutdown\n"
    assert os.stat(d / "state").st_size == len("shutdown\n")
    time.sleep(1.2)
    assert cat(d / "state") == "shutoff\n"
    assert os.stat(d / "state").st_size == len("shutoff\n")
    assert read_token(d / "id") == "-1"


def test_a_recreated_name_shows_the_new_object(node, tmp_path):
    from helpers import docs
    dom = node / "domains"
    for i, mem in enumerate((262144, 524288, 393216)):
        src = docs.write(tmp_path, f"v{i}.xml", docs.domain_xml("again", memory_kib=mem))
        ok(run(["cp", src, dom]))
        assert read_token(dom / "again/max-memory") == str(mem)
        assert f"<memory unit='KiB'>{mem}</memory>" in cat(dom / "again/config.xml")
        ok(run(["rmdir", dom / "again"]))


def test_one_open_reads_one_value_even_across_a_change(node):
    """An open that has read part of a value and then sees the object change
    still completes the value it started (old or new, never a mix), also after
    the node has been quiet for a while (when page caching may kick in)."""
    d = node / "domains/test"
    seen = []
    for verb, old, new in (("suspend", "running", "paused"), ("resume", "paused", "running"),
                           ("suspend", "running", "paused")):
        time.sleep(1.2)  # the node has been still for over a second
        fd = os.open(d / "state", os.O_RDONLY)
        try:
            got = os.read(fd, 2)
            ok(echo(d / "state", verb))
            while True:
                b = os.read(fd, 1)
                if not b:
                    break
                got += b
        finally:
            os.close(fd)
        seen.append(got)
        assert got in (f"{old}\n".encode(), f"{new}\n".encode()), f"one open read {got!r}"
        assert cat(d / "state") == f"{new}\n"
