"""test_migrate_p2p_args.py: what hyperfsd refuses in a peer-to-peer
Perform3Params (305 with VIR_MIGRATE_PEER2PEER) before it opens anything,
by hand on the wire (virsh refuses a URI without a host itself, so only a
raw client can send one): a destination that is no other daemon (a local
driver's URI would open inside hyperfsd), one that would run a command here
(the ext transport, command=), one that is not one line, and a tunnelled
migration without the peer-to-peer flag. Feature 4 (MIGRATION_P2P) says yes
only where the driver migrates (the test node does not). The migrations
themselves, with QEMU, are tests/qemu/test_qemu_migrate_p2p.py."""
import pytest

from .wire import OK, RawClient, dom, i32, opt_string, parse_error, string, u32

PERFORM3_PARAMS, PREPARE_TUNNEL3_PARAMS, SUPPORTS_FEATURE = 305, 304, 60
P2P, TUNNELLED, LIVE = 2, 4, 1
VIR_ERR_INVALID_ARG, VIR_ERR_OPERATION_DENIED, VIR_ERR_NO_SUPPORT = 8, 29, 3


def perform(c, dconnuri, flags):
    """Perform3Params: domain, dconnuri, no params, no cookie, flags."""
    return c.call(PERFORM3_PARAMS, dom("test") + opt_string(dconnuri) + u32(0) + u32(0)
                  + u32(flags))


@pytest.mark.parametrize("uri, code, why", [
    ("test:///default", VIR_ERR_INVALID_ARG, "names no other node"),
    ("qemu:///system", VIR_ERR_INVALID_ARG, "names no other node"),
    ("", VIR_ERR_INVALID_ARG, "the destination URI is empty"),
    ("qemu+tcp://10.0.0.2/system\nx", VIR_ERR_INVALID_ARG, "not one line"),
    ("qemu+tcp://" + "h" * 5000 + "/system", VIR_ERR_INVALID_ARG, "too long"),
    ("qemu+EXT://h/system?command=touch", VIR_ERR_OPERATION_DENIED, "would run a command"),
    ("qemu+ssh://h/system?command=/tmp/x", VIR_ERR_OPERATION_DENIED, "would run a command"),
], ids=["test", "qemu-local", "empty", "newline", "long", "ext", "ssh-command"])
def test_p2p_destination_refused(daemon, tmp_path, uri, code, why):
    with RawClient(daemon.sock) as c:
        c.open()
        st, body = perform(c, uri, LIVE | P2P)
        assert st != OK
        got, msg = parse_error(body)
        assert got == code and why in msg, (got, msg)
        # nothing changed: the domain is where it was
        st, body = c.call(23, string("test"))  # DomainLookupByName
        assert st == OK


def test_tunnelled_needs_p2p(daemon):
    with RawClient(daemon.sock) as c:
        c.open()
        st, body = perform(c, "qemu+tcp://10.0.0.2/system", LIVE | TUNNELLED)
        code, msg = parse_error(body)
        assert st != OK and code == VIR_ERR_INVALID_ARG, (code, msg)
        assert "a tunnelled migration needs the peer-to-peer flag" in msg, msg


def test_prepare_tunnel_on_a_driver_without_migration(daemon):
    with RawClient(daemon.sock) as c:
        c.open()
        st, body = c.call(PREPARE_TUNNEL3_PARAMS, u32(0) + u32(0) + u32(TUNNELLED | P2P))
        code, msg = parse_error(body)
        assert st != OK and code == VIR_ERR_NO_SUPPORT and "virDomainMigratePrepareTunnel3Params" in msg, msg
        st, body = c.call(SUPPORTS_FEATURE, i32(4))  # MIGRATION_P2P
        assert st == OK and body == i32(0), body


def string_param(field, value):
    """A remote_typed_param of type VIR_TYPED_PARAM_STRING (7)."""
    return string(field) + i32(7) + string(value)


@pytest.mark.parametrize("xml", ["<domain", "", "<domain type='kvm'><name>a/b</name></domain>"],
                         ids=["garbage", "empty", "slash-name"])
def test_prepare_tunnel_refuses_a_bad_definition(daemon, tmp_path, xml):
    """On a qemu node, PrepareTunnel3Params with a definition it cannot take
    fails before any QEMU starts or any socket is made."""
    root = tmp_path / "qroot"
    with RawClient(daemon.sock) as c:
        c.open(f"qemu:///system?root={root}")
        st, body = c.call(PREPARE_TUNNEL3_PARAMS, u32(1) + string_param("destination_xml", xml)
                          + u32(0) + u32(LIVE | P2P | TUNNELLED))
        assert st != OK, body
        code, msg = parse_error(body)
        assert code in (VIR_ERR_INVALID_ARG, 27), (code, msg)  # 27: VIR_ERR_XML_ERROR
        st, body = c.call(SUPPORTS_FEATURE, i32(4))  # a qemu node migrates: yes
        assert st == OK and body == i32(1), body
    run = root / "run"
    assert not run.exists() or not [p for p in run.iterdir() if p.suffix in (".sock", ".pid")]
