"""Every file of domains/<name>/ as a user reads it (docs/tree.md, Domains)."""
import errno
import time
import xml.etree.ElementTree as ET

import pytest

from helpers import transport
from helpers.tools import (DOMAIN_STATES, assert_error, cat, fails, kv, ls, ok, read_token, run,
                           sh, state, uuid_ok, write_ok)

DOMAIN_FILES = ["addresses", "autostart", "config.xml", "console", "error", "id", "info", "job", "live.xml", "max-memory",
                "max-vcpus", "memory", "persistent", "save", "snapshots", "state", "stats",
                "uuid", "vcpus"]
# the remote driver serves a guest's addresses (virDomainInterfaceAddresses),
# its job (virDomainGetJobStats, virDomainAbortJob) and its snapshots
# (virDomainSnapshot*), not yet its save images; the libvirt driver serves
# none of these (docs/remote.md)
INFO_KEYS = ["id", "name", "uuid", "os-type", "state", "cpus", "max-cpus", "max-memory-kib",
             "memory-kib", "cpu-time-ns", "persistent", "autostart", "managed-save"]
REMOTE_LACKS = {"libvirt-lib": ("addresses", "job", "save", "snapshots")}
for f in REMOTE_LACKS.get(transport.NAME, ("save",) if transport.active() else ()):
    DOMAIN_FILES.remove(f)
if transport.NAME != "libvirt-lib":  # the libvirt driver takes no screenshots, no IOThreads yet
    DOMAIN_FILES = sorted(DOMAIN_FILES + ["iothreads", "screenshot.png"])
if transport.active():
    INFO_KEYS.remove("managed-save")
# virDomainState numbers, as `virsh domstats` prints state.state
STATE_NUMBER = {"running": 1, "blocked": 2, "paused": 3, "shutdown": 4, "shutoff": 5,
                "crashed": 6, "pmsuspended": 7}

UNIT_KIB = {"b": 1 / 1024, "bytes": 1 / 1024, "k": 1, "kib": 1, "m": 1024, "mib": 1024,
            "g": 1 << 20, "gib": 1 << 20, "t": 1 << 30, "tib": 1 << 30}


def kib_of(el):
    return int(int(el.text) * UNIT_KIB[(el.get("unit") or "KiB").lower()])


def test_domain_folder_lists_every_file(snode):
    assert sorted(ls(snode / "domains/test")) == DOMAIN_FILES


def test_state_is_one_known_token(snode):
    assert state(snode / "domains/test") in DOMAIN_STATES


def test_numbers_are_decimal_lines(snode):
    d = snode / "domains/test"
    for f in ["memory", "max-memory", "vcpus", "max-vcpus"]:
        v = read_token(d / f)
        assert v.isdigit() and int(v) > 0, f"{f}: {v!r}"
    assert int(read_token(d / "memory")) <= int(read_token(d / "max-memory"))
    assert int(read_token(d / "vcpus")) <= int(read_token(d / "max-vcpus"))
    assert read_token(d / "autostart") in ("0", "1")
    assert read_token(d / "persistent") == "1"
    assert int(read_token(d / "id")) > 0  # running


def test_uuid(snode):
    assert uuid_ok(cat(snode / "domains/test/uuid"))


def test_config_xml_matches_the_files(snode):
    d = snode / "domains/test"
    text = cat(d / "config.xml")
    root = ET.fromstring(text)
    assert root.tag == "domain"
    assert root.findtext("name") == "test"
    assert root.findtext("uuid") == read_token(d / "uuid")
    assert kib_of(root.find("memory")) == int(read_token(d / "max-memory"))
    assert kib_of(root.find("currentMemory")) == int(read_token(d / "memory"))
    vcpu = root.find("vcpu")
    assert int(vcpu.text) == int(read_token(d / "max-vcpus"))
    assert int(vcpu.get("current", vcpu.text)) == int(read_token(d / "vcpus"))
    assert "id" not in root.attrib, "the persistent definition carries no id"


def test_live_xml_of_a_running_domain(snode):
    d = snode / "domains/test"
    root = ET.fromstring(cat(d / "live.xml"))
    assert root.tag == "domain"
    assert root.findtext("name") == "test"
    assert root.findtext("uuid") == read_token(d / "uuid")
    # libvirt's live XML carries the running id: <domain type='test' id='1'>
    assert root.get("id") == read_token(d / "id"), \
        "live.xml of a running domain has no id='N' on <domain> (libvirt's live XML has it)"


def test_info_keys_and_agreement_with_the_files(snode):
    d = snode / "domains/test"
    info = kv(cat(d / "info"))
    assert sorted(info) == sorted(INFO_KEYS), f"keys differ: {list(info)}"
    assert info["name"] == "test"
    assert info["id"] == read_token(d / "id")
    assert info["uuid"] == read_token(d / "uuid")
    assert info["state"] == state(d)
    # libvirt's test driver answers virDomainGetOSType with "linux" (virsh dominfo too)
    assert info["os-type"] == "linux"
    assert info["cpus"] == read_token(d / "vcpus")
    assert info["max-cpus"] == read_token(d / "max-vcpus")
    assert info["memory-kib"] == read_token(d / "memory")
    assert info["max-memory-kib"] == read_token(d / "max-memory")
    assert info["cpu-time-ns"].isdigit()
    assert info["persistent"] == "yes"
    assert info["autostart"] == {"0": "no", "1": "yes"}[read_token(d / "autostart")]


def test_stats_lines(snode):
    d = snode / "domains/test"
    stats = kv(cat(d / "stats"), sep="=")
    assert stats["state.state"] == str(STATE_NUMBER[state(d)])
    assert "state.reason" in stats
    if transport.is_libvirtd():  # libvirt's test driver has only the state group
        assert sorted(stats) == ["state.reason", "state.state"], sorted(stats)
        return
    assert stats["cpu.time"].isdigit()
    assert stats["balloon.current"] == read_token(d / "memory")
    assert stats["balloon.maximum"] == read_token(d / "max-memory")
    assert stats["vcpu.current"] == read_token(d / "vcpus")
    assert stats["vcpu.maximum"] == read_token(d / "max-vcpus")
    for i in range(int(stats["vcpu.current"])):
        assert f"vcpu.{i}.state" in stats, f"vcpu.{i}.* missing: {sorted(stats)}"
    # the built-in domain has one disk and one interface
    assert stats["net.count"] == "1" and stats["net.0.name"] == "testnet0"
    assert stats["block.count"] == "1" and stats["block.0.name"] == "vda"
    for k in ("net.0.rx.bytes", "net.0.tx.bytes", "block.0.rd.bytes", "block.0.wr.bytes"):
        assert stats[k].isdigit(), k


def test_error_is_empty_when_nothing_failed(snode):
    assert cat(snode / "domains/test/error") == ""


def test_files_end_in_a_newline(snode):
    d = snode / "domains/test"
    for f in DOMAIN_FILES:
        if f in ("snapshots", "screenshot.png"):  # a folder, an image
            continue
        text = cat(d / f)
        assert text == "" or text.endswith("\n"), f"{f} does not end in a newline: {text[-40:]!r}"


@pytest.mark.skipif(transport.NAME == "libvirt-lib", reason="the libvirt driver has no job file yet")
def test_job_of_an_idle_domain_and_an_abort_with_nothing_to_abort(snode):
    """No job holds an idle domain; `abort` then fails and changes nothing
    (over the remote driver: virDomainGetJobStats and virDomainAbortJob)."""
    d = snode / "domains/test"
    assert cat(d / "job") == "type: none\n"
    # libvirt's own test driver has no virDomainAbortJob: "not supported"
    err = errno.ENOTSUP if transport.is_libvirtd() else errno.EBUSY
    fails(sh('echo abort > "$1"', str(d / "job")), err)
    assert_error(d, err, file="job")
    assert state(d) == "running"
    assert cat(d / "job") == "type: none\n"


@pytest.mark.local_only("remote screenshots: tests/remote/test_remote_acts.py")
def test_screenshot_is_a_png_in_every_state(node, tmp_path):
    """The test node shows a fixed image, running or not, as libvirt's test
    driver sends its fixed test-screenshot.png."""
    d = node / "domains/test"
    assert "screenshot.png" in ls(d)
    ok(run(["cp", d / "screenshot.png", tmp_path / "a.png"]))
    png = (tmp_path / "a.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    write_ok(d / "state", "destroy")
    assert state(d) == "shutoff"
    assert (d / "screenshot.png").read_bytes() == png


@pytest.mark.local_only("a remote node's info comes from the domain cache (no RPC while no event "
                        "comes, docs/remote.md), so its cpu-time-ns lags behind stats")
def test_cpu_time_advances_while_running_and_stops_when_paused(mount_factory):
    """With the real clock (no clock=fixed), stats move like a real guest's."""
    m = mount_factory("test:///default?extras=stats")
    d = m.node() / "domains/test"
    t0 = int(kv(cat(d / "stats"), sep="=")["cpu.time"])
    time.sleep(0.3)
    t1 = int(kv(cat(d / "stats"), sep="=")["cpu.time"])
    assert t1 > t0, (t0, t1)
    assert int(kv(cat(d / "info"))["cpu-time-ns"]) >= t1
    write_ok(d / "state", "suspend")
    p0 = int(kv(cat(d / "stats"), sep="=")["cpu.time"])
    time.sleep(0.3)
    p1 = int(kv(cat(d / "stats"), sep="=")["cpu.time"])
    assert p1 == p0, "cpu time grew while paused"


def test_shutoff_domain_files(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    assert read_token(d / "id") == "-1"
    assert cat(d / "live.xml") == cat(d / "config.xml")
    info = kv(cat(d / "info"))
    assert info["state"] == "shutoff" and info["id"] == "-1"
    assert kv(cat(d / "stats"), sep="=")["state.state"] == "5"
