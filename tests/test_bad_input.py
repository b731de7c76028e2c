"""Bad input to control files: each case checked for the errno the user sees, the
line in the object's error file, and that nothing changed (docs/tree.md,
Conventions). XML documents have their own cases in test_config_xml.py and
test_create_delete.py."""
import errno
import os
import subprocess

import pytest

from helpers.tools import (assert_error, cat, echo, fails, read_token, sh, snapshot, state)

OVERFLOW = "99999999999999999999999"

# (object folder, file, value, errno). Values go through `echo`, so the file
# receives value + "\n"; "" is thus an empty line.
CASES = [
    ("domains/test", "state", "", errno.EINVAL),
    ("domains/test", "state", "-1", errno.EINVAL),
    ("domains/test", "state", OVERFLOW, errno.EINVAL),
    ("domains/test", "state", "\x01\x02garbage", errno.EINVAL),
    ("domains/test", "memory", "", errno.EINVAL),
    ("domains/test", "memory", "lots", errno.EINVAL),
    ("domains/test", "memory", "-1", errno.EINVAL),
    ("domains/test", "memory", "-1G", errno.EINVAL),
    ("domains/test", "memory", OVERFLOW, errno.ERANGE),
    ("domains/test", "memory", "99999999999T", errno.ERANGE),
    ("domains/test", "memory", "1.5G", errno.EINVAL),
    ("domains/test", "memory", "1Q", errno.EINVAL),
    ("domains/test", "memory", "0x100000", errno.EINVAL),
    ("domains/test", "memory", " 1G", errno.EINVAL),
    ("domains/test", "memory", "1G 2G", errno.EINVAL),
    ("domains/test", "max-memory", OVERFLOW, errno.ERANGE),
    ("domains/test", "max-memory", "-5", errno.EINVAL),
    ("domains/test", "vcpus", "", errno.EINVAL),
    ("domains/test", "vcpus", "two", errno.EINVAL),
    ("domains/test", "vcpus", "-1", errno.EINVAL),
    ("domains/test", "vcpus", OVERFLOW, errno.ERANGE),
    ("domains/test", "vcpus", "1.0", errno.EINVAL),
    ("domains/test", "vcpus", "1K", errno.EINVAL),
    ("domains/test", "max-vcpus", OVERFLOW, errno.ERANGE),
    ("domains/test", "autostart", "", errno.EINVAL),
    ("domains/test", "autostart", "-1", errno.EINVAL),
    ("domains/test", "autostart", OVERFLOW, errno.EINVAL),
    ("networks/default", "state", "", errno.EINVAL),
    ("networks/default", "state", "-1", errno.EINVAL),
    ("networks/default", "autostart", "", errno.EINVAL),
    ("pools/default-pool", "state", "", errno.EINVAL),
    ("pools/default-pool", "state", OVERFLOW, errno.EINVAL),
    ("pools/default-pool", "autostart", "2", errno.EINVAL),
    ("pools/default-pool/volumes/disk1.img", "capacity", "", errno.EINVAL),
    ("pools/default-pool/volumes/disk1.img", "capacity", "-1", errno.EINVAL),
    ("pools/default-pool/volumes/disk1.img", "capacity", OVERFLOW, errno.ERANGE),
    ("pools/default-pool/volumes/disk1.img", "capacity", "9999999999999999P", errno.ERANGE),
]


def case_id(c):
    return f"{c[0].split('/')[0]}-{c[1]}-{c[2][:12]!r}"


@pytest.mark.parametrize("objdir,file,value,err", CASES, ids=[case_id(c) for c in CASES])
def test_bad_value(node, objdir, file, value, err):
    d = node / objdir
    before = snapshot(d)
    fails(echo(d / file, value), err)
    assert snapshot(d) == before, f"{value!r} into {file} changed something"
    m = assert_error(d, err, file=file)
    assert m["msg"], m.group(0)


# Raw bytes in one write(2): shells split or buffer printf output, so os.write.
RAW = [
    ("state", b"suspend\nresume\n", errno.EINVAL),   # two lines
    ("state", b"suspend\0", errno.EINVAL),           # a NUL
    ("state", b"suspend\n\n", errno.EINVAL),         # two newlines
    ("state", b"\nsuspend", errno.EINVAL),           # newline first
    ("memory", b"1G\r\n\r\n", errno.EINVAL),
    ("autostart", b"1\n0\n", errno.EINVAL),
    ("autostart", b"\xff\xfe", errno.EINVAL),
]


@pytest.mark.parametrize("file,raw,err", RAW)
def test_bad_raw_bytes(node, file, raw, err):
    d = node / "domains/test"
    before = snapshot(d)
    fd = os.open(d / file, os.O_WRONLY | os.O_TRUNC)
    try:
        with pytest.raises(OSError) as e:
            os.write(fd, raw)
        assert e.value.errno == err
    finally:
        os.close(fd)
    assert snapshot(d) == before
    assert_error(d, err, file=file)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\x1b[2J", b"a\rb", b"\x7f"])
def test_error_line_is_clean_text_whatever_was_written(node, raw):
    """The error line quotes what was written, escaped: valid UTF-8, no control
    characters, so `cat error` can't garble a terminal or split the line."""
    d = node / "domains/test"
    fd = os.open(d / "autostart", os.O_WRONLY)
    try:
        with pytest.raises(OSError):
            os.write(fd, raw)
    finally:
        os.close(fd)
    data = subprocess.run(["cat", d / "error"], capture_output=True, check=True).stdout
    text = data.decode("utf-8")  # raises on invalid UTF-8
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert not any(ord(c) < 0x20 or ord(c) == 0x7f for c in text[:-1]), repr(text)


@pytest.mark.parametrize("file,value", [("state", b"destroy\n"), ("memory", b"1G\n"),
                                        ("autostart", b"1\n")])
def test_write_at_an_offset_is_einval(node, file, value):
    d = node / "domains/test"
    before = snapshot(d)
    fd = os.open(d / file, os.O_WRONLY)
    try:
        with pytest.raises(OSError) as e:
            os.pwrite(fd, value, 3)
        assert e.value.errno == errno.EINVAL
    finally:
        os.close(fd)
    assert snapshot(d) == before
    assert_error(d, errno.EINVAL, file=file)


def test_second_write_on_the_same_open_is_at_an_offset(node):
    """The value must come in one write(2): a second write on the same open
    continues at an offset and is refused."""
    d = node / "domains/test"
    fd = os.open(d / "state", os.O_WRONLY)
    try:
        assert os.write(fd, b"suspend\n") == 8
        assert state(d) == "paused"
        with pytest.raises(OSError) as e:
            os.write(fd, b"resume\n")
        assert e.value.errno == errno.EINVAL
    finally:
        os.close(fd)
    assert state(d) == "paused"
    assert_error(d, errno.EINVAL, file="state")


@pytest.mark.parametrize("file", ["state", "memory", "autostart"])
def test_o_append_open_is_einval(node, file):
    d = node / "domains/test"
    before = snapshot(d)
    with pytest.raises(OSError) as e:
        os.open(d / file, os.O_WRONLY | os.O_APPEND)
    assert e.value.errno == errno.EINVAL
    assert snapshot(d) == before
    assert_error(d, errno.EINVAL, file=file)


def test_shell_append_is_refused(node):
    d = node / "domains/test"
    before = snapshot(d)
    fails(sh('echo destroy >> "$1"', str(d / "state")), errno.EINVAL)
    assert snapshot(d) == before
    assert state(d) == "running"


def test_oversize_control_write(node):
    d = node / "domains/test"
    before = snapshot(d)
    fd = os.open(d / "state", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as e:
            os.write(fd, b"destroy" + b" " * (1 << 20) + b"\n")
        assert e.value.errno == errno.EINVAL
    finally:
        os.close(fd)
    assert snapshot(d) == before
    assert_error(d, errno.EINVAL, file="state")


def test_zero_length_write_changes_nothing(node):
    d = node / "domains/test"
    before = snapshot(d)
    fd = os.open(d / "state", os.O_WRONLY)
    try:
        os.write(fd, b"")
    finally:
        os.close(fd)
    assert snapshot(d) == before
    assert cat(d / "error") == ""


def test_empty_redirect_changes_nothing(node):
    """`: > state` opens and truncates, writes nothing: no verb, no error."""
    d = node / "domains/test"
    before = snapshot(d)
    r = sh(': > "$1"', str(d / "state"))
    assert r.returncode == 0, r
    assert snapshot(d) == before


def test_a_refused_write_leaves_other_objects_alone(node):
    before_net = snapshot(node / "networks/default")
    fails(echo(node / "domains/test/memory", OVERFLOW), errno.ERANGE)
    assert snapshot(node / "networks/default") == before_net
    assert cat(node / "networks/default/error") == ""
    assert cat(node / "node/error") == ""
    assert read_token(node / "domains/test/state") == "running"


def test_every_failure_is_also_logged(mount):
    d = mount.node() / "domains/test"
    fails(echo(d / "vcpus", "lots"), errno.EINVAL)
    fails(echo(d / "state", "resume"), errno.EBUSY)
    log = mount.log_text()
    for line in (cat(d / "error").rstrip("\n"),):
        assert line.split(" ", 1)[1] in log, f"{line!r} not in the log:\n{log}"
    assert "'lots'" in log, log
