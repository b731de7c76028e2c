"""test_stats_events.py: domain statistics and network/pool events over
libvirt's protocol. hyperfsd serves REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS
(virsh domstats, with group and state filters) from the driver's get_stats,
and the remote driver uses it for domains/X/stats; network and pool lifecycle
events (and pool refresh) reach `virsh net-event`/`pool-event` and the mounted
node's `events` file, once each. Every group but `state` is an extra of the
test node (extras=stats), as libvirt's test driver reports `state` only."""
import subprocess
import threading
import time

from .hfd import virsh
from .test_mount import read


def domstats(uri, *args):
    out = virsh(uri, "domstats", *args).stdout
    doms, cur = {}, None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Domain:"):
            cur = doms.setdefault(line.split("'")[1], {})
        elif "=" in line:
            k, v = line.split("=", 1)
            cur[k] = v
    return doms


def test_domstats_over_the_wire(daemon):
    # as libvirt's test driver: the state group only, unless extras=stats
    assert domstats(daemon.uri) == domstats("test:///default") == \
        {"test": {"state.state": "1", "state.reason": "0"}}
    u, u_ro = daemon.uri_with("extras=stats"), daemon.uri_with("extras=stats", ro=True)
    s = domstats(u)
    assert list(s) == ["test"]
    t = s["test"]
    assert t["state.state"] == "1" and int(t["vcpu.current"]) >= 1
    assert t["block.0.name"] == "vda" and t["net.count"] == "1"
    # groups: only state and balloon
    s = domstats(u, "test", "--state", "--balloon")["test"]
    assert set(k.split(".")[0] for k in s) == {"state", "balloon"}, s
    # state filters: a shut-off domain is left out of --list-running
    virsh(u, "destroy", "test")
    assert domstats(u, "--list-running") == {}
    assert list(domstats(u, "--list-shutoff")) == ["test"]
    # the read-only socket may read statistics
    assert list(domstats(u_ro, "--list-inactive")) == ["test"]
    r = virsh(u, "domstats", "nosuch", check=False)
    assert r.returncode != 0 and "nosuch" in r.stderr


def test_stats_file_on_a_remote_node(daemon, mount_factory):
    u = daemon.uri_with("extras=stats")
    m = mount_factory(u)
    text = read(m.path / "localhost/domains/test/stats")
    lines = dict(l.split("=", 1) for l in text.splitlines())
    want = domstats(u, "test")["test"]
    assert set(lines) == set(want), (lines, want)
    for k in ("state.state", "balloon.current", "vcpu.maximum", "block.0.path", "net.0.name"):
        assert lines[k] == want[k], k
    virsh(u, "suspend", "test")
    deadline = time.monotonic() + 3
    while "state.state=3" not in read(m.path / "localhost/domains/test/stats"):
        assert time.monotonic() < deadline


def loop_events(uri, cmd, *args):
    """Starts `virsh NET-EVENT --loop ...`; returns (proc, lines)."""
    p = subprocess.Popen(["virsh", "-c", uri, cmd, "--loop", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    lines = []
    threading.Thread(target=lambda: [lines.append(l) for l in p.stdout], daemon=True).start()
    time.sleep(0.5)  # registered
    return p, lines


def wait_lines(lines, n, secs=5):
    deadline = time.monotonic() + secs
    while len(lines) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return [l.strip() for l in lines if l.strip()]


def test_virsh_net_and_pool_events(daemon):
    pool = virsh(daemon.uri, "pool-list", "--all", "--name").stdout.split()[0]
    pn, nl = loop_events(daemon.uri, "net-event", "--event", "lifecycle")
    pp, pl = loop_events(daemon.uri, "pool-event", "--event", "lifecycle")
    pr, rl = loop_events(daemon.uri, "pool-event", "--event", "refresh")
    try:
        virsh(daemon.uri, "net-destroy", "default")
        virsh(daemon.uri, "net-start", "default")
        virsh(daemon.uri, "pool-destroy", pool)
        virsh(daemon.uri, "pool-start", pool)
        virsh(daemon.uri, "pool-refresh", pool)
        assert wait_lines(nl, 2) == ["event 'lifecycle' for network default: Stopped",
                                     "event 'lifecycle' for network default: Started"]
        assert wait_lines(pl, 2) == [f"event 'lifecycle' for storage pool {pool}: Stopped",
                                     f"event 'lifecycle' for storage pool {pool}: Started"]
        assert wait_lines(rl, 1) == [f"event 'refresh' for storage pool {pool}"]
    finally:
        for p in (pn, pp, pr):
            p.terminate()
            p.wait(5)


def test_remote_events_file_has_network_and_pool_lines(daemon, mount_factory):
    m = mount_factory(daemon.uri)
    n = m.path / "localhost"
    pool = virsh(daemon.uri, "pool-list", "--all", "--name").stdout.split()[0]
    lines = []

    def reader():
        with open(n / "events") as f:
            for line in f:
                lines.append(line.split(None, 1)[1].strip())
                if f" pool {pool} refreshed" in " " + lines[-1]:
                    return
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.3)
    # made by another client (virsh): only the peer's events can tell the tree
    virsh(daemon.uri, "net-destroy", "default")
    virsh(daemon.uri, "pool-destroy", pool)
    virsh(daemon.uri, "pool-start", pool)
    # made through the tree: reported once, not twice
    with open(n / "networks/default/state", "w") as f:
        f.write("start\n")
    virsh(daemon.uri, "pool-refresh", pool)
    t.join(5)
    assert lines == ["network default stopped -", f"pool {pool} stopped -",
                     f"pool {pool} started -", "network default started -",
                     f"pool {pool} refreshed -"], lines
    assert read(n / "networks/default/state") == "active"
