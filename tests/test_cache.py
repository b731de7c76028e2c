"""Kernel caching must never show stale or torn content: what a write changed is
what the next read shows, and a reader racing a writer sees whole tokens
(issue 2: "cached reads are never stale after an event")."""
import os
import threading

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


def test_readers_racing_a_writer_see_whole_tokens(node):
    """One thread reads state and memory in a loop while another changes them."""
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

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(100):
            for verb in ("suspend", "resume"):
                fd = os.open(d / "state", os.O_WRONLY)
                os.write(fd, verb.encode() + b"\n")
                os.close(fd)
            for mem in (b"524288\n", b"1048576\n"):
                fd = os.open(d / "memory", os.O_WRONLY)
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
