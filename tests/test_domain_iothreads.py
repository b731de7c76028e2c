"""domains/<name>/iothreads: the domain's IOThreads as virsh iothreadinfo
shows them ("ID CPUS" lines) and `add ID`, `del ID`, `pin ID CPUS` as virsh
iothreadadd, iothreaddel and iothreadpin make them, on the running domain
(live.xml) or, shut off, on its definition (config.xml); `set ID
poll-max-ns=N ...` as virsh iothreadset sets an added IOThread's polling,
which `stats` shows (iothread.ID.poll-*); garbage is refused with EINVAL and
a line in `error`, and changes nothing."""
import errno
import xml.etree.ElementTree as ET

import pytest

from helpers.tools import assert_error, cat, fails, echo, ok, run, state, write_ok

pytestmark = pytest.mark.local_only("the remote driver has no IOThreads yet")

ALL = "0-1"  # an unpinned IOThread, as libvirt's test driver: as many CPUs as vCPUs (2)


def ids(xml):
    return [t.get("id") for t in ET.fromstring(xml).findall("iothreadids/iothread")]


def test_add_pin_del_on_the_running_domain(node):
    d = node / "domains/test"
    assert cat(d / "iothreads") == ""
    write_ok(d / "iothreads", "add 3")
    write_ok(d / "iothreads", "add 5")
    assert cat(d / "iothreads") == f"3 {ALL}\n5 {ALL}\n"
    write_ok(d / "iothreads", "pin 3 0")
    assert cat(d / "iothreads") == f"3 0\n5 {ALL}\n"
    live = cat(d / "live.xml")
    assert ids(live) == ["3", "5"]
    assert ET.fromstring(live).find("cputune/iothreadpin").attrib == {"iothread": "3",
                                                                      "cpuset": "0"}
    assert ids(cat(d / "config.xml")) == []  # live only, as virsh iothreadadd does
    write_ok(d / "iothreads", "del 3")
    assert cat(d / "iothreads") == f"5 {ALL}\n"
    write_ok(d / "state", "destroy")  # the live ones go with the run
    assert cat(d / "iothreads") == ""


def test_a_shut_off_domain_keeps_them_in_its_definition(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    write_ok(d / "iothreads", "add 7")
    write_ok(d / "iothreads", "pin 7 1-2")
    assert cat(d / "iothreads") == "7 1-2\n"
    assert ids(cat(d / "config.xml")) == ["7"]
    write_ok(d / "state", "start")
    assert state(d) == "running"
    assert cat(d / "iothreads") == "7 1-2\n"


@pytest.mark.parametrize("bad", ["", "add", "add x", "add 0", "add -1", "add 4096", "add 3 4",
                                 "pin 3", "pin 3 x", "pin 3 5-2", "pin 3 ,", "frob 1",
                                 "add\t3", "del 9", "pin 9 0", "add 1"])
def test_garbage_is_refused_and_changes_nothing(node, bad):
    d = node / "domains/test"
    write_ok(d / "iothreads", "add 1")
    before = (cat(d / "iothreads"), cat(d / "live.xml"))
    fails(echo(d / "iothreads", bad), errno.EINVAL)
    assert_error(d, errno.EINVAL, file="iothreads")
    assert (cat(d / "iothreads"), cat(d / "live.xml")) == before


def iothread_stats(d):
    return [l for l in cat(d / "stats").splitlines() if l.startswith("iothread.")]


def test_set_polling_shows_in_stats(node):
    d = node / "domains/test"
    assert iothread_stats(d) == []
    write_ok(d / "iothreads", "add 3")
    # libvirt's test driver: an added IOThread polls up to 32768 ns, grows and shrinks by 0
    assert iothread_stats(d) == ["iothread.count=1", "iothread.3.poll-max-ns=32768",
                                 "iothread.3.poll-grow=0", "iothread.3.poll-shrink=0"]
    write_ok(d / "iothreads", "add 5")
    write_ok(d / "iothreads", "set 5 poll-max-ns=4000 poll-grow=2")
    write_ok(d / "iothreads", "set 5 poll-shrink=4294967295")
    write_ok(d / "iothreads", "set 3 poll-max-ns=18446744073709551615")
    assert iothread_stats(d) == [
        "iothread.count=2",
        "iothread.3.poll-max-ns=18446744073709551615", "iothread.3.poll-grow=0",
        "iothread.3.poll-shrink=0",
        "iothread.5.poll-max-ns=4000", "iothread.5.poll-grow=2",
        "iothread.5.poll-shrink=4294967295"]
    assert cat(d / "iothreads") == f"3 {ALL}\n5 {ALL}\n"  # the listing is unchanged
    write_ok(d / "iothreads", "del 3")
    assert iothread_stats(d)[0] == "iothread.count=1"
    write_ok(d / "state", "destroy")  # only while it runs, as libvirt's
    assert iothread_stats(d) == []


@pytest.mark.parametrize("bad", ["set 3", "set 3 poll-grow", "set 3 poll-grow=", "set 3 frob=1",
                                 "set 3 poll-grow=1 poll-grow=2", "set 3 poll-grow=-1",
                                 "set 3 poll-grow=4294967296", "set 3 poll-grow=0x10",
                                 "set 3 poll-max-ns=18446744073709551616",
                                 "set 3 poll-max-ns=1 poll-grow=1 poll-shrink=1 poll-grow=2",
                                 "set 0 poll-grow=1", "set 9 poll-grow=1",
                                 "set 3 poll-grow=1\tpoll-shrink=1", "set 3 POLL-GROW=1"])
def test_bad_settings_are_refused_and_change_nothing(node, bad):
    d = node / "domains/test"
    write_ok(d / "iothreads", "add 3")
    before = (cat(d / "iothreads"), iothread_stats(d), cat(d / "live.xml"))
    fails(echo(d / "iothreads", bad), errno.EINVAL)
    assert_error(d, errno.EINVAL, file="iothreads")
    assert (cat(d / "iothreads"), iothread_stats(d), cat(d / "live.xml")) == before


IO_XML = ("<domain type='test'><name>io</name><memory>1048576</memory><vcpu>2</vcpu>"
          "<iothreads>2</iothreads><os><type>hvm</type></os></domain>")


def test_an_iothread_of_the_document_has_no_polling(node, tmp_path):
    """libvirt's test driver keeps polling for the IOThreads added only: setting one
    of the document fails (virsh says "An error occurred, but the cause is unknown");
    the error line says why."""
    (tmp_path / "io.xml").write_text(IO_XML)
    ok(run(["cp", tmp_path / "io.xml", node / "domains/"]))
    io = node / "domains/io"
    write_ok(io / "state", "start")
    assert cat(io / "iothreads") == f"1 {ALL}\n2 {ALL}\n"
    fails(echo(io / "iothreads", "set 1 poll-grow=1"), errno.EINVAL)
    m = assert_error(io, errno.EINVAL, file="iothreads")
    assert "only the IOThreads added to it have them" in m.group(0)
    assert iothread_stats(io) == []
    write_ok(io / "iothreads", "add 3")  # an added one has them
    write_ok(io / "iothreads", "set 3 poll-grow=1")
    assert "iothread.3.poll-grow=1" in iothread_stats(io)
