"""memory, max-memory, vcpus, max-vcpus and autostart of a domain: the units and
words they take, their limits, and that a refused write changes nothing."""
import errno
import os
import xml.etree.ElementTree as ET

import pytest

from helpers.tools import (assert_error, cat, echo, fails, read_token, snapshot, state,
                           write_ok)
from test_domain_files import kib_of

# The contract is silent on the errno of a value past a limit (over max-memory,
# vcpus over max-vcpus or zero): either reading is accepted.
LIMIT_ERRNOS = (errno.EINVAL, errno.ERANGE)


def fails_limit(r, d, file):
    assert r.returncode != 0, r
    got = [e for e in LIMIT_ERRNOS if os.strerror(e) in r.stderr]
    assert got, f"expected EINVAL or ERANGE, stderr {r.stderr!r}"
    assert_error(d, got[0], file=file)


def config(d, name="config.xml"):
    return ET.fromstring(cat(d / name))


@pytest.mark.parametrize("value,kib", [
    ("524288", 524288), ("524288\n", 524288), ("512M", 524288), ("512MiB", 524288),
    ("1G", 1048576), ("1GiB", 1048576), ("1048576K", 1048576), ("1048576KiB", 1048576),
    ("786432", 786432),
])
def test_memory_units(node, value, kib):
    d = node / "domains/test"
    assert int(read_token(d / "max-memory")) >= 1048576
    write_ok(d / "memory", value.rstrip("\n"))
    assert read_token(d / "memory") == str(kib)
    # live and persistent together (virsh setmem --live --config)
    assert kib_of(config(d).find("currentMemory")) == kib
    assert kib_of(config(d, "live.xml").find("currentMemory")) == kib


@pytest.mark.parametrize("value,kib", [("1T", 1 << 30), ("1TiB", 1 << 30), ("3G", 3 << 20),
                                       ("2097152", 2097152)])
def test_max_memory_units_on_a_shut_off_domain(node, value, kib):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    write_ok(d / "max-memory", value)
    assert read_token(d / "max-memory") == str(kib)
    assert kib_of(config(d).find("memory")) == kib


def test_max_memory_of_a_running_domain_is_busy(node):
    """libvirt cannot change <memory> of a running guest (setmaxmem --live)."""
    d = node / "domains/test"
    before = snapshot(d)
    fails(echo(d / "max-memory", "4G"), errno.EBUSY)
    assert snapshot(d) == before
    assert_error(d, errno.EBUSY, file="max-memory")


def test_memory_equal_to_max_memory_is_accepted(node):
    d = node / "domains/test"
    mx = read_token(d / "max-memory")
    write_ok(d / "memory", mx)
    assert read_token(d / "memory") == mx


def test_memory_above_max_memory_is_refused(node):
    d = node / "domains/test"
    mx = int(read_token(d / "max-memory"))
    before = snapshot(d)
    fails_limit(echo(d / "memory", str(mx + 1024)), d, "memory")
    assert snapshot(d) == before


@pytest.mark.parametrize("value", ["0", "0K", "0G"])
def test_memory_zero_is_refused(node, value):
    d = node / "domains/test"
    before = snapshot(d)
    fails_limit(echo(d / "memory", value), d, "memory")
    assert snapshot(d) == before


def test_lowering_max_memory_below_memory_lowers_memory(node):
    """As libvirt does for a persistent definition (setmaxmem --config)."""
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    write_ok(d / "memory", "1G")
    write_ok(d / "max-memory", "512M")
    assert read_token(d / "max-memory") == "524288"
    assert read_token(d / "memory") == "524288"


def test_vcpus_within_limits(node):
    d = node / "domains/test"
    mx = int(read_token(d / "max-vcpus"))
    assert mx >= 1
    write_ok(d / "vcpus", "1")
    assert read_token(d / "vcpus") == "1"
    write_ok(d / "vcpus", str(mx))
    assert read_token(d / "vcpus") == str(mx)
    root = config(d)
    assert int(root.find("vcpu").get("current", root.find("vcpu").text)) == mx
    assert read_token(d / "max-vcpus") == str(mx)


@pytest.mark.parametrize("how", ["zero", "over-max"])
def test_vcpus_out_of_limits_refused(node, how):
    d = node / "domains/test"
    value = "0" if how == "zero" else str(int(read_token(d / "max-vcpus")) + 1)
    before = snapshot(d)
    fails_limit(echo(d / "vcpus", value), d, "vcpus")
    assert snapshot(d) == before


def test_max_vcpus_on_a_running_domain_is_busy(node):
    d = node / "domains/test"
    before = snapshot(d)
    fails(echo(d / "max-vcpus", "4"), errno.EBUSY)
    assert snapshot(d) == before
    assert_error(d, errno.EBUSY, file="max-vcpus")


def test_max_vcpus_on_a_shut_off_domain(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    write_ok(d / "max-vcpus", "8")
    assert read_token(d / "max-vcpus") == "8"
    assert config(d).find("vcpu").text == "8"
    write_ok(d / "vcpus", "6")
    assert read_token(d / "vcpus") == "6"
    write_ok(d / "max-vcpus", "3")  # below current: current follows (libvirt)
    assert read_token(d / "max-vcpus") == "3"
    assert read_token(d / "vcpus") == "3"
    write_ok(d / "state", "start")
    assert read_token(d / "vcpus") == "3"


def test_max_vcpus_past_the_driver_limit_refused(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    before = snapshot(d)
    fails_limit(echo(d / "max-vcpus", "100000"), d, "max-vcpus")
    assert snapshot(d) == before


@pytest.mark.parametrize("word,value", [("1", "1"), ("0", "0"), ("yes", "1"), ("no", "0"),
                                        ("on", "1"), ("off", "0"), ("true", "1"),
                                        ("false", "0")])
def test_autostart_words(node, word, value):
    d = node / "domains/test"
    other = "0" if value == "1" else "1"
    write_ok(d / "autostart", other)
    assert read_token(d / "autostart") == other
    write_ok(d / "autostart", word)
    assert read_token(d / "autostart") == value
    assert cat(d / "info").count(f"autostart: {'yes' if value == '1' else 'no'}\n") == 1


@pytest.mark.parametrize("word", ["2", "maybe", "yes please", "-1", "enable", "y e s", "01x"])
def test_autostart_bad_words_refused(node, word):
    d = node / "domains/test"
    before = snapshot(d)
    fails(echo(d / "autostart", word), errno.EINVAL)
    assert snapshot(d) == before
    assert_error(d, errno.EINVAL, file="autostart")


def test_settings_survive_a_restart(node):
    d = node / "domains/test"
    write_ok(d / "memory", "1G")
    write_ok(d / "vcpus", "1")
    write_ok(d / "state", "destroy")
    write_ok(d / "state", "start")
    assert state(d) == "running"
    assert read_token(d / "memory") == "1048576"
    assert read_token(d / "vcpus") == "1"
