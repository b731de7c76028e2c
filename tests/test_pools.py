"""pools/<name>/ and pools/<name>/volumes/<volume>/: every file, every pool verb
in every reachable pool state, sizes, volume resize."""
import errno
import xml.etree.ElementTree as ET

import pytest

from helpers import transport
from helpers.tools import (assert_error, cat, echo, fails, kv, ls, ok, read_token, run, sh,
                           snapshot, state, uuid_ok, wait_state, write_ok)

POOL_FILES = ["allocation", "autostart", "available", "capacity", "config.xml", "error", "info",
              "live.xml", "persistent", "state", "uuid"]
POOL_INFO_KEYS = ["name", "uuid", "type", "state", "persistent", "autostart", "capacity",
                  "allocation", "available", "target-path"]
VOLUME_FILES = ["allocation", "capacity", "clone", "config.xml", "data", "error", "format", "info",
                "job", "key", "path", "type", "wipe"]
# a volume folder shows the files its driver can serve: the remote driver has
# no volume jobs; the libvirt driver no volume data, wipe, clone or jobs yet
# (docs/remote.md, docs/drivers.md)
for f in {"libvirt-lib": ("clone", "data", "job", "wipe")}.get(
        transport.NAME, ("job",) if transport.active() else ()):
    VOLUME_FILES.remove(f)
VOLUME_INFO_KEYS = ["name", "pool", "key", "path", "type", "format", "capacity", "allocation"]
POOL_STATES = {"active", "inactive", "building", "degraded", "inaccessible"}

NO_RESIZE = "libvirt's test driver has no virStorageVolResize"


def test_pool_folder_lists_every_file(snode):
    assert ls(snode / "pools/default-pool", "-p") == sorted(POOL_FILES + ["volumes/"])


def test_pool_files(snode):
    p = snode / "pools/default-pool"
    assert state(p) == "active"
    assert uuid_ok(cat(p / "uuid"))
    assert read_token(p / "persistent") == "1"
    assert read_token(p / "autostart") in ("0", "1")
    cap, alloc, avail = (int(read_token(p / f)) for f in ("capacity", "allocation", "available"))
    assert cap > 0 and alloc + avail <= cap, (cap, alloc, avail)
    root = ET.fromstring(cat(p / "config.xml"))
    assert root.tag == "pool" and root.get("type") == "dir"
    assert root.findtext("name") == "default-pool"
    assert root.findtext("uuid") == read_token(p / "uuid")
    assert cat(p / "error") == ""


def test_pool_info(snode):
    p = snode / "pools/default-pool"
    info = kv(cat(p / "info"))
    assert sorted(info) == sorted(POOL_INFO_KEYS), list(info)
    assert info["name"] == "default-pool"
    assert info["uuid"] == read_token(p / "uuid")
    assert info["type"] == "dir"
    assert info["state"] == "active"
    assert info["persistent"] == "yes"
    for k in ("capacity", "allocation", "available"):
        assert info[k] == read_token(p / k)
    assert info["target-path"] == ET.fromstring(cat(p / "config.xml")).findtext("target/path")


def test_pool_allocation_is_the_sum_of_its_volumes(snode):
    p = snode / "pools/default-pool"
    total = sum(int(read_token(p / "volumes" / v / "allocation")) for v in ls(p / "volumes"))
    assert int(read_token(p / "allocation")) == total


POOL_TABLE = {
    "active": {"start": "EBUSY", "stop": "inactive", "build": "EBUSY", "refresh": "active",
               "delete": "EBUSY"},
    # (with build-delay=5000 a build stays in "building" for the whole test)
    "inactive": {"start": "active", "stop": "EBUSY", "build": "building", "refresh": "EBUSY",
                 "delete": "inactive"},
    "building": {"start": "EBUSY", "stop": "EBUSY", "build": "EBUSY", "refresh": "EBUSY",
                 "delete": "EBUSY"},
}
POOL_REACH = {"active": [], "inactive": ["stop"], "building": ["stop", "build"]}


@pytest.mark.parametrize("verb", ["start", "stop", "build", "refresh", "delete"])
@pytest.mark.parametrize("start_state", list(POOL_TABLE))
def test_pool_verb_in_state(mount_factory, start_state, verb):
    if transport.is_libvirtd() and start_state == "building":
        pytest.skip("libvirt's test driver builds at once (it ignores build-delay=)")
    m = mount_factory("test:///default?clock=fixed&build-delay=5000&extras=all")
    p = m.node() / "pools/default-pool"
    for v in POOL_REACH[start_state]:
        write_ok(p / "state", v)
    assert state(p) == start_state
    want = POOL_TABLE[start_state][verb]
    before = snapshot(p)
    r = echo(p / "state", verb)
    if want == "EBUSY":
        fails(r, errno.EBUSY)
        assert snapshot(p) == before
        assert_error(p, errno.EBUSY, file="state")
    else:
        ok(r)
        if want == "building" and transport.is_libvirtd():
            want = "inactive"  # libvirt's test driver: built at once
        assert state(p) == want
        assert kv(cat(p / "info"))["state"] == want


@pytest.mark.not_libvirtd("libvirt's test driver builds at once (it ignores build-delay=)")
def test_pool_build_passes_through_building(mount_factory):
    m = mount_factory("test:///default?clock=fixed&build-delay=300&extras=all")
    p = m.node() / "pools/default-pool"
    write_ok(p / "state", "stop")
    write_ok(p / "state", "build")
    seen = wait_state(p, "inactive", timeout=10)
    assert seen[0] == "building", seen


@pytest.mark.not_libvirtd("libvirt's test driver keeps a deleted pool's volumes (virsh vol-list)")
def test_pool_delete_removes_its_volumes(node):
    p = node / "pools/default-pool"
    assert ls(p / "volumes")
    write_ok(p / "state", "stop")
    write_ok(p / "state", "delete")
    write_ok(p / "state", "start")
    assert ls(p / "volumes") == []
    assert read_token(p / "allocation") == "0"


@pytest.mark.parametrize("word", ["destroy", "undefine", "Start", "st", "refresh now"])
def test_pool_unknown_verb(node, word):
    p = node / "pools/default-pool"
    before = snapshot(p)
    fails(echo(p / "state", word), errno.EINVAL)
    assert snapshot(p) == before
    assert_error(p, errno.EINVAL, file="state")


def test_pool_autostart(node):
    p = node / "pools/default-pool"
    write_ok(p / "autostart", "on")
    assert read_token(p / "autostart") == "1"
    write_ok(p / "autostart", "false")
    assert read_token(p / "autostart") == "0"
    before = snapshot(p)
    fails(echo(p / "autostart", "sometimes"), errno.EINVAL)
    assert snapshot(p) == before


def test_pool_redefined_with_tee(node, tmp_path):
    p = node / "pools/default-pool"
    write_ok(p / "state", "stop")
    doc = cat(p / "config.xml").replace("<path>/default-pool</path>", "<path>/srv/images</path>")
    assert "/srv/images" in doc
    src = tmp_path / "pool.xml"
    src.write_text(doc)
    ok(sh('tee "$2" < "$1" > /dev/null', str(src), str(p / "config.xml")))
    assert kv(cat(p / "info"))["target-path"] == "/srv/images"


def test_pool_bad_config_refused(node, data):
    p = node / "pools/default-pool"
    before = snapshot(p)
    fails(sh('cat "$1" > "$2"', str(data / "bad-entity-bomb.xml"), str(p / "config.xml")),
          errno.EINVAL)
    assert snapshot(p) == before
    assert_error(p, errno.EINVAL, file="config.xml")


# ---------------------------------------------------------------- volumes
def first_volume(node):
    vols = node / "pools/default-pool/volumes"
    names = ls(vols)
    assert names, "the built-in pool has volumes"
    return vols / names[0]


def test_volume_folder_lists_every_file(snode):
    for v in ls(snode / "pools/default-pool/volumes"):
        assert sorted(ls(snode / "pools/default-pool/volumes" / v)) == VOLUME_FILES


@pytest.mark.skipif(transport.NAME == "libvirt-lib", reason="the libvirt driver has no clone or wipe yet")
def test_clone_and_wipe_a_volume(node):
    """`echo NAME > clone` copies a volume (virStorageVolCreateXMLFrom over the
    remote driver), `echo zero > wipe` overwrites the copy (virStorageVolWipe);
    an unknown algorithm is refused and changes nothing."""
    vols = node / "pools/default-pool/volumes"
    v = vols / "disk1.img"
    write_ok(v / "clone", "copy1.img")
    assert "copy1.img" in ls(vols)
    assert cat(vols / "copy1.img/capacity") == cat(v / "capacity")
    copy = vols / "copy1.img"
    if not transport.is_libvirtd():  # libvirt's test driver has no virStorageVolWipe
        write_ok(copy / "wipe", "zero")
        assert cat(copy / "error") == ""
    before = snapshot(copy)
    fails(echo(copy / "wipe", "shred"), errno.EINVAL)
    assert "unknown wipe algorithm 'shred'" in cat(copy / "error")
    assert snapshot(copy) == before
    fails(echo(v / "clone", "copy1.img"), errno.EEXIST)
    assert ls(vols).count("copy1.img") == 1


def test_volume_files(snode):
    for name in ls(snode / "pools/default-pool/volumes"):
        v = snode / "pools/default-pool/volumes" / name
        info = kv(cat(v / "info"))
        assert sorted(info) == sorted(VOLUME_INFO_KEYS), list(info)
        assert info["name"] == name
        assert info["pool"] == "default-pool"
        for k in ("key", "path", "type", "format", "capacity", "allocation"):
            assert info[k] == read_token(v / k), k
        assert read_token(v / "path").endswith("/" + name)
        assert read_token(v / "type") == "file"
        assert read_token(v / "format") in ("raw", "qcow2")
        assert int(read_token(v / "allocation")) <= int(read_token(v / "capacity"))
        root = ET.fromstring(cat(v / "config.xml"))
        assert root.tag == "volume" and root.findtext("name") == name
        # libvirt's vol-dumpxml shows <key> and <target><path>
        assert root.findtext("key") == read_token(v / "key"), \
            f"{name}/config.xml lacks <key> (libvirt's volume XML has it)"
        assert root.findtext("target/path") == read_token(v / "path"), \
            f"{name}/config.xml lacks <target><path> (libvirt's volume XML has it)"
        assert cat(v / "error") == ""


@pytest.mark.not_libvirtd(NO_RESIZE)
def test_volume_resize_in_bytes(node):
    v = first_volume(node)
    cap = int(read_token(v / "capacity"))
    write_ok(v / "capacity", str(cap + (1 << 30)))
    assert read_token(v / "capacity") == str(cap + (1 << 30))
    assert kv(cat(v / "info"))["capacity"] == str(cap + (1 << 30))
    assert int(ET.fromstring(cat(v / "config.xml")).findtext("capacity")) * \
        {"bytes": 1, None: 1}[ET.fromstring(cat(v / "config.xml")).find("capacity").get("unit")] \
        == cap + (1 << 30)


@pytest.mark.parametrize("value", ["+1G", "-1", "1.5G", "G", "1 G B", "1X", "0x10"])
def test_volume_resize_garbage_refused(node, value):
    v = first_volume(node)
    before = snapshot(v)
    fails(echo(v / "capacity", value), errno.EINVAL)
    assert snapshot(v) == before
    assert_error(v, errno.EINVAL, file="capacity")


@pytest.mark.parametrize("unit,mult", [("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30),
                                       ("T", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20)])
@pytest.mark.not_libvirtd(NO_RESIZE)
def test_volume_resize_units(node, unit, mult):
    v = first_volume(node)
    cap = int(read_token(v / "capacity"))
    n = cap // mult + 1
    write_ok(v / "capacity", f"{n}{unit}")
    assert read_token(v / "capacity") == str(n * mult)


@pytest.mark.parametrize("how", ["shrink", "zero"])
def test_volume_shrink_refused(node, how):
    if how == "shrink" and transport.is_libvirtd():
        pytest.skip(NO_RESIZE)
    v = first_volume(node)
    cap = int(read_token(v / "capacity"))
    before = snapshot(v)
    fails(echo(v / "capacity", str(cap // 2 if how == "shrink" else 0)), errno.EINVAL)
    assert snapshot(v) == before
    assert_error(v, errno.EINVAL, file="capacity")


def test_volume_config_xml_is_read_only(node, data):
    v = first_volume(node)
    before = snapshot(v)
    fails(sh('cat "$1" > "$2"', str(data / "volume-vol1.xml"), str(v / "config.xml")),
          errno.EACCES)
    assert snapshot(v) == before


def test_volume_in_an_inactive_pool_cannot_be_created(node, data):
    p = node / "pools/default-pool"
    write_ok(p / "state", "stop")
    r = run(["cp", data / "volume-vol1.xml", p / "volumes/"])
    assert r.returncode != 0, r
    write_ok(p / "state", "start")
    assert "vol1.qcow2" not in ls(p / "volumes")


def test_volume_too_large_for_the_pool(node, tmp_path):
    from helpers import docs
    p = node / "pools/default-pool"
    avail = int(read_token(p / "available"))
    src = docs.write(tmp_path, "v.xml", docs.volume_xml("huge", capacity=avail + (1 << 30),
                                                      allocation=avail + (1 << 30)))
    before = ls(p / "volumes")
    fails(run(["cp", src, p / "volumes/"]), errno.ENOSPC)
    assert ls(p / "volumes") == before
    assert_error(node / "node", errno.ENOSPC)
