"""test_remote_acts.py: what a local test node's tree does that a mount of a
remote node (hyperfs's remote driver, remote/remote_domain_acts.c) now does
too, against hyperfsd and against a real libvirtd (its own test:///default;
skipped where the sandbox cannot run): `mv domains/a domains/b` renames a
shut-off domain (virDomainRename), refused for a running one (EBUSY) and for a
name the tree cannot show (EINVAL, nothing sent); the `iothreads` file lists,
adds, pins and removes IOThreads as `virsh iothreadinfo` on the same peer
shows them, and sets their polling as `virsh domstats --iothread` shows it; screenshot.png is the PNG `virsh screenshot` saves."""
import errno
import uuid

import pytest

from helpers.peers import Libvirtd, PeerUnavailable
from helpers.tools import assert_error, cat, fails, ls, ok, polled, run, write_fails, write_ok

from .hfd import Daemon, virsh


@pytest.fixture(scope="module", params=["hyperfsd", "libvirtd"])
def peer_uri(request, tmp_path_factory):
    """The URI of test:///default on a hyperfsd or on a private libvirtd."""
    if request.param == "hyperfsd":
        d = Daemon(tmp_path_factory.mktemp("hfd-acts")).start()
        yield d.uri
        assert d.stop() == 0, d.describe()
        return
    try:
        lv = Libvirtd().start()
    except PeerUnavailable as e:
        pytest.skip(str(e))
    try:
        yield lv.uri("test:///default")
    finally:
        lv.stop()


def define(uri, tmp_path, vcpus=2):
    """A fresh shut-off domain of its own (libvirtd's test:///default is shared by
    every connection, so no test leans on another's leftovers)."""
    name = f"acts-{uuid.uuid4().hex[:8]}"
    f = tmp_path / f"{name}.xml"
    f.write_text(f"<domain type='test'><name>{name}</name><memory>524288</memory>"
                 f"<vcpu>{vcpus}</vcpu><os><type>hvm</type></os></domain>")
    virsh(uri, "define", str(f))
    return name


@pytest.fixture
def lab(peer_uri, mount_factory):
    return mount_factory(f"lab={peer_uri}").node("lab")


def test_mv_renames_a_shut_off_domain(peer_uri, lab, tmp_path):
    name = define(peer_uri, tmp_path)
    new = name + "-renamed"
    doms = lab / "domains"
    assert polled(lambda: name in ls(doms), 10)
    ok(run(["mv", doms / name, doms / new]))
    assert name not in ls(doms) and new in ls(doms)
    assert cat(doms / new / "state") == "shutoff\n"
    listed = virsh(peer_uri, "list", "--all", "--name").stdout.split()
    assert new in listed and name not in listed
    # a name the tree cannot show is refused here, before anything is sent
    # (rename(2)'s EINVAL, which mv words as "a subdirectory of itself")
    assert run(["mv", doms / new, doms / ".hidden"]).returncode != 0
    assert "leading '.'" in assert_error(doms / new, errno.EINVAL).group(0)
    assert new in virsh(peer_uri, "list", "--all", "--name").stdout.split()
    virsh(peer_uri, "undefine", new)


def test_mv_of_a_running_domain_is_refused(peer_uri, lab, tmp_path):
    name = define(peer_uri, tmp_path)
    virsh(peer_uri, "start", name)
    doms = lab / "domains"
    assert polled(lambda: cat(doms / name / "state") == "running\n", 10)
    fails(run(["mv", doms / name, doms / (name + "-x")]), errno.EBUSY)
    assert_error(doms / name, errno.EBUSY)
    assert name in virsh(peer_uri, "list", "--name").stdout.split()
    virsh(peer_uri, "destroy", name)
    virsh(peer_uri, "undefine", name)


def iothreadinfo(uri, name):
    """virsh -q iothreadinfo's rows as 'ID CPUS' lines, the iothreads file's format."""
    out = virsh(uri, "iothreadinfo", name).stdout.splitlines()
    return "".join(f"{' '.join(l.split())}\n" for l in out if l.strip())


def test_iothreads_file(peer_uri, lab, tmp_path):
    name = define(peer_uri, tmp_path)
    f = lab / "domains" / name / "iothreads"
    assert polled(lambda: f.exists(), 10)
    assert cat(f) == "" == iothreadinfo(peer_uri, name)
    write_ok(f, "add 3")
    write_ok(f, "add 5")
    assert [l.split()[0] for l in cat(f).splitlines()] == ["3", "5"]
    write_ok(f, "pin 5 1")
    assert cat(f) == iothreadinfo(peer_uri, name)
    assert "5 1\n" in cat(f)
    write_ok(f, "set 5 poll-max-ns=4000 poll-grow=2")  # virDomainSetIOThreadParams (402)
    # kept beside the definition, shown while it runs (libvirt's test driver)
    assert "iothread" not in virsh(peer_uri, "domstats", "--iothread", name).stdout
    virsh(peer_uri, "start", name)
    stats = virsh(peer_uri, "domstats", "--iothread", name).stdout
    assert "iothread.5.poll-max-ns=4000" in stats and "iothread.5.poll-grow=2" in stats
    assert polled(lambda: "iothread.5.poll-max-ns=4000" in cat(lab / "domains" / name /
                                                               "stats"), 10)
    virsh(peer_uri, "destroy", name)
    write_ok(f, "del 3")
    assert cat(f) == iothreadinfo(peer_uri, name)
    assert [l.split()[0] for l in cat(f).splitlines()] == ["5"]
    # refused by the peer: the answer and nothing changed
    before = cat(f)
    write_fails(f, "del 9", errno.EINVAL)
    assert cat(f) == before
    virsh(peer_uri, "undefine", name)


def test_screenshot_png(peer_uri, lab, tmp_path):
    png = lab / "domains/test/screenshot.png"
    assert polled(lambda: png.exists(), 10)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    saved = tmp_path / "virsh.png"
    virsh(peer_uri, "screenshot", "test", str(saved))
    assert saved.read_bytes() == data
