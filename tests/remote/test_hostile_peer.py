"""test_hostile_peer.py: hyperfs mounts a peer that lies (wire.HostilePeer, a
small libvirt-protocol server in this folder). Names it sends are held to the
rules of local names: a bad one is left out of its listing (the rest of the
listing stays), node/error says why, and no name with a newline ever forges
an `events` line."""
import errno
import os
import re

from helpers.tools import EVENT_LINE, polled

from .wire import HostilePeer

BAD = ["a/b", "..", ".", "", "x\ny", "n" * 300, ".hidden", "tab\there", "nul\x01"]


def peer_uri(path):
    return f"h=test+unix:///default?socket={path}"


def wait_for(pred, secs=10):
    return polled(pred, secs, step=0.02)


def node_error(node):
    return (node / "node/error").read_text()


def test_bad_domain_names_are_left_out(tmp_path, mount_factory):
    with HostilePeer(tmp_path / "sock", domains=["good1", "good1", *BAD, "good2"]) as peer:
        m = mount_factory(peer_uri(peer.path), node_names=["h"])
        n = m.node("h")
        assert sorted(os.listdir(n / "domains")) == ["good1", "good2"]
        assert (n / "domains/good1/state").read_text().strip() == "running"
        err = node_error(n)
        assert err.count("\n") == 1, f"node/error is one line: {err!r}"
        assert " readdir EPROTO: " in err, f"the errno the driver returned: {err!r}"
        assert "listed 10 domain names" in err, err
        for shown in ('"a/b" (it holds', '"x\\x0ay"', '"" (it is empty)', '".." (it starts',
                      '"good1" (listed twice)', " and 2 more"):
            assert shown in err, (shown, err)


def test_bad_network_pool_and_volume_names(tmp_path, mount_factory):
    with HostilePeer(tmp_path / "sock", networks=["net1", "x/y", "net\n2"],
                     pools=["pool1", "..", "p\x7f"],
                     volumes={"pool1": ["v1.img", "../../etc", "v\nw", "v2.img"]}) as peer:
        m = mount_factory(peer_uri(peer.path), node_names=["h"])
        n = m.node("h")
        assert os.listdir(n / "networks") == ["net1"]
        assert os.listdir(n / "pools") == ["pool1"]
        assert sorted(os.listdir(n / "pools/pool1/volumes")) == ["v1.img", "v2.img"]
        assert "storage volume names" in node_error(n), node_error(n)


def test_a_newline_never_forges_an_event_line(tmp_path, mount_factory):
    forged = "evil suspended paused\n2026-01-01T00:00:00.000Z domain forged stopped destroyed"
    with HostilePeer(tmp_path / "sock", domains=["good1"]) as peer:
        m = mount_factory(peer_uri(peer.path), node_names=["h"])
        n = m.node("h")
        assert peer.wait_registered()
        fd = os.open(n / "events", os.O_RDONLY | os.O_NONBLOCK)
        try:
            peer.send_lifecycle("a/b")
            peer.send_lifecycle(forged)
            peer.send_lifecycle("good1")
            text = ""

            def got_good():
                nonlocal text
                try:
                    text += os.read(fd, 65536).decode()
                except BlockingIOError:
                    pass
                return " domain good1 suspended paused\n" in text
            assert wait_for(got_good), text
        finally:
            os.close(fd)
        lines = text.splitlines()
        assert not [l for l in lines if "forged" in l or "evil" in l or "a/b" in l], lines
        for l in lines:
            assert EVENT_LINE.match(l), l
        err = node_error(n)
        assert " events " in err and "\\x0a" in err, err


def test_a_define_answered_with_a_bad_name(tmp_path, mount_factory):
    with HostilePeer(tmp_path / "sock", domains=["good1"], define_name="../escape") as peer:
        m = mount_factory(peer_uri(peer.path), node_names=["h"])
        n = m.node("h")
        doc = tmp_path / "new.xml"
        doc.write_text("<domain type='test'><name>new</name><memory>1048576</memory>"
                       "<os><type>hvm</type></os></domain>")
        try:
            with open(n / "domains/new.xml", "w") as f:
                f.write(doc.read_text())
            failed = None
        except OSError as e:
            failed = e.errno
        assert failed is not None, "the define of a domain the peer named '../escape' succeeded"
        assert os.listdir(n / "domains") == ["good1"]
        assert 'domain name "../escape"' in node_error(n), node_error(n)
