"""domains/<name>/iothreads: the domain's IOThreads as virsh iothreadinfo
shows them ("ID CPUS" lines) and `add ID`, `del ID`, `pin ID CPUS` as virsh
iothreadadd, iothreaddel and iothreadpin make them, on the running domain
(live.xml) or, shut off, on its definition (config.xml); garbage is refused
with EINVAL and a line in `error`, and changes nothing."""
import errno
import os
import xml.etree.ElementTree as ET

import pytest

from helpers.tools import assert_error, cat, fails, echo, state, write_ok

pytestmark = pytest.mark.local_only("the remote driver has no IOThreads yet")

N = os.sysconf("SC_NPROCESSORS_CONF")
ALL = "0" if N == 1 else f"0-{min(N, 16) - 1}"  # an unpinned IOThread: the host's CPUs


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
