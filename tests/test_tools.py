"""The tree through everyday tools: grep -l over globs, find, xargs, ls -l sizes,
and that `cat` of a file gives exactly st_size bytes."""
import os

from helpers import transport
from helpers.mount import DEFAULT_URI, node_uri
from helpers.tools import cat, ls, ok, run, sh, state, write_ok


def test_grep_l_finds_running_domains_across_nodes(mount_factory, data):
    m = mount_factory("a=" + DEFAULT_URI, "b=" + node_uri(data / "node-small.xml"))
    write_ok(m.path / "b/domains/beta/state", "destroy")
    r = ok(sh('cd "$1" && grep -l running */domains/*/state', str(m.path)))
    assert r.stdout.splitlines() == ["a/domains/test/state", "b/domains/alpha/state"]
    r = ok(sh('cd "$1" && grep -L running */domains/*/state', str(m.path)))
    assert r.stdout.splitlines() == ["b/domains/beta/state"]


def test_find_lists_the_tree(snode):
    r = ok(run(["find", snode, "-name", "state", "-type", "f"]))
    found = sorted(os.path.relpath(p, snode) for p in r.stdout.splitlines())
    # eth1: the test driver's, through the remote driver too (libvirt's test
    # driver on our node file has none; the libvirt driver shows no interfaces)
    ifaces = ([] if transport.is_libvirtd() or transport.NAME == "libvirt-lib"
              else ["interfaces/eth1/state"])
    assert found == sorted(["domains/test/state", "networks/default/state",
                            "pools/default-pool/state"] + ifaces)
    r = ok(run(["find", snode / "pools", "-mindepth", "3", "-maxdepth", "3", "-type", "d"]))
    vols = sorted(os.path.basename(p) for p in r.stdout.splitlines())
    assert vols == sorted(ls(snode / "pools/default-pool/volumes"))


def test_find_type_f_reads_every_file(snode):
    """Every regular file except events can be read to its end by cat via xargs."""
    r = ok(sh('find "$1" -type f ! -name events -print0 | xargs -0 cat > /dev/null', str(snode)))
    assert r.stderr == ""


def test_xargs_destroys_what_grep_finds(mount_factory, data):
    m = mount_factory(node_uri(data / "node-small.xml"))
    n = m.node()
    ok(sh('grep -l running "$1"/domains/*/state | xargs -n1 sh -c \'echo destroy > "$0"\'',
          str(n)))
    assert [state(n / "domains" / d) for d in ls(n / "domains")] == ["shutoff", "shutoff"]


def test_cat_of_many_state_files(snode):
    r = ok(sh('cat "$1"/domains/*/state "$1"/networks/*/state "$1"/pools/*/state', str(snode)))
    assert r.stdout == "running\nactive\nactive\n"


def ls_l_sizes(d):
    r = ok(run(["ls", "-l", d]))
    sizes = {}
    for line in r.stdout.splitlines()[1:]:
        f = line.split()
        if line.startswith("-"):
            sizes[f[-1]] = int(f[4])
    return sizes


# Files that a lookup never reads, because reading them may ask the hypervisor
# or they change without an event (docs/tree.md, "Sizes"): they show size 0
# and are read to their end, like /proc files.
READ_AT_OPEN = {
    "domains/test": {"config.xml", "live.xml", "info", "stats", "job", "addresses"},
    "networks/default": {"config.xml", "live.xml"},
    "pools/default-pool": {"config.xml", "live.xml"},
    "pools/default-pool/volumes/disk1.img": {"config.xml", "data", "job"},
    "node": {"info", "capabilities.xml"},
}


def test_ls_l_sizes_are_what_cat_reads(snode):
    for folder, at_open in READ_AT_OPEN.items():
        d = snode / folder
        for name, size in ls_l_sizes(d).items():
            text = ok(run(["cat", d / name])).stdout
            if name in at_open:
                assert size == 0 and text, f"{folder}/{name}: ls -l says {size}, cat reads {len(text)}"
            else:
                assert len(text.encode()) == size, f"{folder}/{name}: ls -l says {size}, cat reads {len(text)}"


def test_sizes_follow_changes(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    assert ls_l_sizes(d)["state"] == len("shutoff\n")
    assert os.stat(d / "state").st_size == len("shutoff\n")
    write_ok(d / "state", "start")
    assert ls_l_sizes(d)["state"] == len("running\n")
    assert cat(d / "state") == "running\n"


def test_wc_and_head_work(snode):
    r = ok(sh('wc -l < "$1"/node/info', str(snode)))
    assert r.stdout.strip() == "13"  # the 13 keys of node/info, one a line
    r = ok(sh('head -c 5 "$1"/domains/test/config.xml', str(snode)))
    assert r.stdout == "<doma"
