"""Every verb written to domains/<name>/state in every state the test node can
reach: either the documented new state, or EBUSY with nothing changed.

The table follows libvirt's test driver (a paused guest may be shut down; a reset
keeps a paused guest paused; a reset during a shutdown brings the guest back)."""
import errno
from pathlib import Path

import pytest

from helpers import transport
from helpers.mount import DEFAULT_URI, node_uri
from helpers.tools import (DOMAIN_VERBS, assert_error, cat, echo, error_line, fails, ok,
                           ls, read_token, sh, snapshot, state, wait_state, write_ok)

BUSY = "EBUSY"
# state -> verb -> what follows: a state, "shutdown>shutoff" (passes through
# shutdown and ends shut off), or BUSY
TABLE = {
    "running": {"start": BUSY, "shutdown": "shutdown>shutoff", "destroy": "shutoff",
                "reboot": "running", "reset": "running", "suspend": "paused", "resume": BUSY},
    "paused": {"start": BUSY, "shutdown": "shutdown>shutoff", "destroy": "shutoff",
               "reboot": BUSY, "reset": "paused", "suspend": BUSY, "resume": "running"},
    "shutdown": {"start": BUSY, "shutdown": BUSY, "destroy": "shutoff", "reboot": BUSY,
                 "reset": "running", "suspend": BUSY, "resume": BUSY},
    "shutoff": {"start": "running", "shutdown": BUSY, "destroy": BUSY, "reboot": BUSY,
                "reset": BUSY, "suspend": BUSY, "resume": BUSY},
    # reached through a node file's <test:runstate>
    "blocked": {"start": BUSY, "shutdown": "shutdown>shutoff", "destroy": "shutoff",
                "reboot": "blocked", "reset": "blocked", "suspend": "paused", "resume": BUSY},
    "pmsuspended": {"start": BUSY, "shutdown": "shutdown>shutoff", "destroy": "shutoff",
                    "reboot": BUSY, "reset": "pmsuspended", "suspend": BUSY, "resume": BUSY},
    "crashed": {"start": "running", "shutdown": BUSY, "destroy": BUSY, "reboot": BUSY,
                "reset": BUSY, "suspend": BUSY, "resume": BUSY},
}
# how to reach each state: from the built-in running domain 'test' with verbs,
# or a domain of tests/data/node-runstates.xml
REACH = {"running": [], "paused": ["suspend"], "shutdown": ["shutdown"], "shutoff": ["destroy"]}
FROM_FILE = {"blocked": "st-blocked", "pmsuspended": "st-pmsuspended", "crashed": "st-crashed"}
# the shutdown state lasts this long in these tests
DELAY_MS = {"shutdown": 5000}
RUNSTATES = Path(__file__).resolve().parent / "data" / "node-runstates.xml"
# Under HV_TRANSPORT=libvirtd-*, libvirt's own test driver answers, which differs
# from ours here (checked with virsh against the same libvirtd): its shutdown is
# instant (no shutdown state; "shutdown>shutoff" ends shut off at once), and:
LIBVIRT_DIFFERS = {
    ("paused", "reboot"): "libvirt's test driver reboots a paused domain (it ends running)",
    ("blocked", "reboot"): "libvirt's test driver reboot leaves a blocked domain running",
    ("pmsuspended", "reboot"): "libvirt's test driver reboots a pmsuspended domain",
    ("pmsuspended", "suspend"): "libvirt's test driver suspends a pmsuspended domain (paused)",
    **{("crashed", v): "libvirt's test driver counts a crashed domain as active (it has an id)"
       for v in DOMAIN_VERBS},
}


def test_table_covers_every_verb():
    for st, row in TABLE.items():
        assert sorted(row) == sorted(DOMAIN_VERBS), st


@pytest.mark.parametrize("verb", DOMAIN_VERBS)
@pytest.mark.parametrize("start_state", list(TABLE))
def test_verb_in_state(mount_factory, start_state, verb):
    if transport.is_libvirtd():
        if start_state == "shutdown":
            pytest.skip("libvirt's test driver shuts down at once: no shutdown state to start from")
        if (start_state, verb) in LIBVIRT_DIFFERS:
            pytest.skip(LIBVIRT_DIFFERS[start_state, verb])
    query = f"clock=fixed&shutdown-delay={DELAY_MS.get(start_state, 1000)}&extras=all"
    if start_state in FROM_FILE:
        m = mount_factory(node_uri(RUNSTATES, query))
        d = m.node() / "domains" / FROM_FILE[start_state]
    else:
        m = mount_factory(f"test:///default?{query}")
        d = m.node() / "domains/test"
        for v in REACH[start_state]:
            write_ok(d / "state", v)
    assert state(d) == start_state
    want = TABLE[start_state][verb]
    before = snapshot(d)
    err_before = cat(d / "error")
    r = echo(d / "state", verb)
    if want == BUSY:
        fails(r, errno.EBUSY)
        assert snapshot(d) == before, f"{verb} refused in {start_state} but something changed"
        m_err = assert_error(d, errno.EBUSY, file="state")
        assert verb in m_err["msg"] and f"'{d.name}'" in m_err["msg"], m_err.group(0)
        return
    ok(r)
    if want == "shutdown>shutoff" and transport.is_libvirtd():
        assert state(d) == "shutoff"  # libvirt's test driver: at once
    elif want == "shutdown>shutoff":
        assert state(d) == "shutdown"
        wait_state(d, "shutoff", timeout=10)
    else:
        assert state(d) == want
    assert cat(d / "error") == err_before, "a successful write changed the error file"
    final = state(d)
    id_ = int(read_token(d / "id"))
    assert (id_ == -1) == (final in ("shutoff", "crashed")), f"id {id_} in state {final}"


@pytest.mark.not_libvirtd("libvirt's test driver shuts down at once (it ignores shutdown-delay=)")
def test_shutdown_passes_through_shutdown_then_shutoff(mount_factory):
    m = mount_factory("test:///default?clock=fixed&shutdown-delay=500&extras=all")
    d = m.node() / "domains/test"
    write_ok(d / "state", "shutdown")
    seen = wait_state(d, "shutoff", timeout=10)
    assert seen[0] == "shutdown" and seen[-1] == "shutoff", seen


def test_start_gives_a_new_id(node):
    d = node / "domains/test"
    first = int(read_token(d / "id"))
    write_ok(d / "state", "destroy")
    write_ok(d / "state", "start")
    second = int(read_token(d / "id"))
    assert second > 0 and second != first


@pytest.mark.parametrize("word", ["frobnicate", "star", "started", "start now", "running",
                                  "shutoff", "Start!", "destroy destroy", "pause"])
def test_unknown_verb_is_einval_and_changes_nothing(node, word):
    d = node / "domains/test"
    before = snapshot(d)
    fails(echo(d / "state", word), errno.EINVAL)
    assert snapshot(d) == before
    assert_error(d, errno.EINVAL, file="state")


def test_successful_write_keeps_the_last_error(node):
    d = node / "domains/test"
    fails(echo(d / "state", "resume"), errno.EBUSY)
    line = cat(d / "error")
    write_ok(d / "state", "suspend")
    assert cat(d / "error") == line
    assert error_line(d)["errno"] == "EBUSY"


def test_verb_without_newline_works(node):
    d = node / "domains/test"
    ok(sh('printf %s suspend > "$1"', str(d / "state")))
    assert state(d) == "paused"


def test_default_uri_is_deterministic(mount_factory):
    """Two mounts of the same URI start identical (the seed/clock options)."""
    a = mount_factory(DEFAULT_URI)
    b = mount_factory(DEFAULT_URI)
    for f in ["uuid", "id", "state", "memory", "max-memory", "config.xml"]:
        assert cat(a.node() / "domains/test" / f) == cat(b.node() / "domains/test" / f), f


def test_node_file_run_states_and_transient(mount_factory):
    """libvirt's test namespace: <test:runstate> sets the state at load time,
    <test:transient/> makes the domain transient."""
    m = mount_factory(node_uri(RUNSTATES))
    n = m.node() / "domains"
    got = {name: state(n / name) for name in ls(n)}
    assert got == {"st-running": "running", "st-blocked": "blocked", "st-paused": "paused",
                   "st-shutoff": "shutoff", "st-crashed": "crashed",
                   "st-pmsuspended": "pmsuspended", "st-transient": "running"}
    assert read_token(n / "st-transient/persistent") == "0"
    assert read_token(n / "st-running/persistent") == "1"
    assert read_token(n / "st-shutoff/id") == "-1"
