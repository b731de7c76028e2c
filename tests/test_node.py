"""The node folder: its layout, node/info, node/capabilities.xml, node/error, and
mounts with several nodes or a node file (test:///PATH.xml)."""
import os
import xml.etree.ElementTree as ET

import pytest

from helpers import transport
from helpers.mount import DEFAULT_URI, node_uri
from helpers.tools import cat, kv, ls, ok, read_token, run, state

NODE_INFO_KEYS = ["hostname", "uri", "driver", "model", "cpus", "mhz", "numa-cells", "sockets",
                  "cores", "threads", "memory-kib", "free-memory-kib", "connected"]


def test_mount_root_lists_the_node(shared):
    assert ls(shared.path) == ["localhost"]


def test_node_folder_layout(snode):
    # interfaces/ and node/devices/: drivers that have them (test, remote, libvirt)
    # secrets/: not through the libvirt driver yet
    assert sorted(ls(snode)) == sorted(["domains", "events", "interfaces", "networks", "node",
                                        "pools"] + ([] if transport.NAME == "libvirt-lib"
                                                    else ["secrets"]))
    # node/restore: drivers that restore save images (not the remote ones yet)
    want = (["capabilities.xml", "devices", "error", "info"]
            + ([] if transport.active() else ["restore"]))
    assert sorted(ls(snode / "node")) == sorted(want)


def test_builtin_objects_match_libvirt_default(snode):
    assert "test" in ls(snode / "domains")
    assert "default" in ls(snode / "networks")
    assert "default-pool" in ls(snode / "pools")
    assert ls(snode / "pools/default-pool/volumes"), "the built-in pool has a few volumes"
    assert state(snode / "domains/test") == "running"
    assert state(snode / "networks/default") == "active"
    assert state(snode / "pools/default-pool") == "active"


def test_node_info_keys_and_values(shared, snode):
    text = cat(snode / "node/info")
    info = kv(text)
    assert sorted(info) == sorted(NODE_INFO_KEYS), f"keys differ: {list(info)}"
    assert info["uri"] == shared.uri()  # DEFAULT_URI, or its remote form under HV_TRANSPORT
    assert info["driver"] == ("libvirt" if transport.NAME == "libvirt-lib"
                              else "remote" if shared.uri() != DEFAULT_URI else "test")
    assert info["hostname"]
    assert info["connected"] == "yes"
    for k in ["cpus", "mhz", "numa-cells", "sockets", "cores", "threads", "memory-kib",
              "free-memory-kib"]:
        assert info[k].isdigit(), f"{k}: {info[k]!r}"
        # libvirt's test driver reports no free memory for a node file (virsh freecell: 0 KiB)
        if not (k == "free-memory-kib" and transport.is_libvirtd()):
            assert int(info[k]) > 0, f"{k}: {info[k]!r}"
    assert int(info["free-memory-kib"]) <= int(info["memory-kib"])
    assert int(info["cpus"]) <= (int(info["numa-cells"]) * int(info["sockets"])
                                 * int(info["cores"]) * int(info["threads"]))


def test_node_capabilities_is_libvirt_capabilities_xml(snode):
    text = cat(snode / "node/capabilities.xml")
    root = ET.fromstring(text)
    assert root.tag == "capabilities"
    host = root.find("host")
    assert host is not None and host.find("cpu/arch") is not None, text[:400]
    guests = root.findall("guest")
    assert guests, "no <guest> in capabilities"
    assert any(g.findtext("os_type") == "hvm" for g in guests)
    assert any(d.get("type") == "test" for g in guests for d in g.iter("domain"))


def test_node_error_is_empty_on_a_fresh_mount(snode):
    assert cat(snode / "node/error") == ""


def test_two_nodes_show_two_folders_that_act_apart(mount_factory):
    m = mount_factory("a=" + DEFAULT_URI, "b=" + DEFAULT_URI)
    assert ls(m.path) == ["a", "b"]
    assert kv(cat(m.path / "a/node/info"))["uri"] == m.uri("a")
    ok(run(["sh", "-c", 'echo destroy > "$1"', "sh", m.path / "a/domains/test/state"]))
    assert state(m.path / "a/domains/test") == "shutoff"
    assert state(m.path / "b/domains/test") == "running"


def test_name_defaults_to_localhost_without_host(mount_factory):
    m = mount_factory("test:///default")
    assert ls(m.path) == ["localhost"]


def test_node_file_shows_its_objects(mount_factory, data):
    uri = node_uri(data / "node-small.xml")
    m = mount_factory(uri)
    n = m.node()
    assert ls(n / "domains") == ["alpha", "beta"]
    assert ls(n / "networks") == ["lan"]
    assert ls(n / "pools") == ["store"]
    assert ls(n / "pools/store/volumes") == ["disk1.img"]
    assert read_token(n / "domains/alpha/uuid") == "a1a1a1a1-0000-4000-8000-000000000001"
    assert read_token(n / "domains/alpha/max-memory") == "1048576"
    assert read_token(n / "domains/alpha/memory") == "524288"
    assert read_token(n / "domains/alpha/vcpus") == "1"
    assert read_token(n / "domains/alpha/max-vcpus") == "2"
    assert read_token(n / "domains/beta/max-memory") == str(2048 * 1024)
    assert read_token(n / "domains/beta/memory") == str(2048 * 1024)
    assert read_token(n / "domains/beta/vcpus") == "4"
    # libvirt's test driver starts what a node file holds
    assert state(n / "domains/alpha") == "running"
    assert state(n / "networks/lan") == "active"
    assert state(n / "pools/store") == "active"
    assert read_token(n / "networks/lan/bridge") == "virbr7"
    assert read_token(n / "pools/store/volumes/disk1.img/capacity") == "1073741824"
    assert read_token(n / "pools/store/volumes/disk1.img/format") == "raw"
    assert read_token(n / "pools/store/volumes/disk1.img/path") == "/var/lib/store/disk1.img"
    info = kv(cat(n / "node/info"))
    assert info["uri"] == m.uri()  # uri, or its remote form under HV_TRANSPORT
    assert (info["mhz"], info["model"], info["numa-cells"], info["sockets"], info["cores"],
            info["threads"], info["cpus"], info["memory-kib"]) == \
        ("2400", "x86_64", "1", "2", "2", "2", "8", "16777216")


@pytest.mark.local_only("runs hyperfs itself with a local URI; no node is mounted through the transport")
def test_missing_node_file_fails_to_start(tmp_path):
    """A URI that cannot be opened: hyperfs exits non-zero and says why."""
    from helpers.mount import BINARY
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = run(["timeout", "20", BINARY, "-f", "-c", "test:///nonexistent/node.xml", mnt])
    assert r.returncode not in (0, 124), r
    assert "nonexistent/node.xml" in r.stderr + r.stdout
    assert ls(mnt) == []


@pytest.mark.local_only("hyperfs without -c mounts its built-in node: no URI to send through a transport")
def test_no_connect_option_mounts_the_default_node(mount_factory):
    m = mount_factory(bare=True)
    assert ls(m.path) == ["localhost"]
    assert kv(cat(m.node() / "node/info"))["uri"] == "test:///default"
    assert state(m.node() / "domains/test") == "running"


def test_debug_option_logs(mount_factory):
    m = mount_factory(DEFAULT_URI, debug=True)
    ok(run(["sh", "-c", 'echo suspend > "$1"', "sh", m.node() / "domains/test/state"]))
    assert state(m.node() / "domains/test") == "paused"
    assert m.log_text().strip(), "-d wrote nothing to the log"


@pytest.mark.local_only("runs hyperfs itself with a local URI; no node is mounted through the transport")
def test_version_and_help():
    from helpers.mount import BINARY
    r = run([BINARY, "--version"])
    assert r.returncode == 0 and r.stdout.strip(), r
    assert "0." in r.stdout or "1." in r.stdout
    r = run([BINARY, "--help"])
    assert r.returncode == 0, r
    for opt in ["-c", "-f", "-d", "-o"]:
        assert opt in r.stdout, opt


@pytest.mark.local_only("runs hyperfs itself with a local URI; no node is mounted through the transport")
def test_unknown_uri_parameter_fails_to_start(tmp_path):
    from helpers.mount import BINARY
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = run(["timeout", "20", BINARY, "-f", "-c", "test:///default?colour=blue", mnt])
    assert r.returncode not in (0, 124), r
    assert "colour" in r.stderr
    assert not os.path.ismount(mnt)


@pytest.mark.local_only("the mount(8) convention passes the URI as a positional argument, not -c")
def test_mount_helper_calling_convention(mount_factory):
    """mount.fuse3 (mount -t fuse.hyperfs URI DIR) runs `hyperfs URI DIR -o OPTS`."""
    m = mount_factory(argv=["-f", DEFAULT_URI, "{mnt}", "-o", "ro"])
    assert ls(m.path) == ["localhost"]
    assert kv(cat(m.node() / "node/info"))["uri"] == DEFAULT_URI
    r = run(["find", m.path, "-perm", "/222"])
    assert r.returncode == 0 and r.stdout == "", r


def test_allow_other_option(mount_factory):
    m = mount_factory(DEFAULT_URI, options=["allow_other"])
    assert state(m.node() / "domains/test") == "running"
    with open("/proc/self/mounts") as f:
        opts = [l.split()[3] for l in f if l.split()[1] == str(m.path)]
    assert opts and "allow_other" in opts[0], opts
