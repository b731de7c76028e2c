"""conftest.py: fixtures that mount hyperfs for the behaviour suite.

- `mount`: a fresh mount of the built-in node for a test that changes things.
- `shared`: one mount per test module, for tests that only read.
- `mount_factory`: custom URIs, node files, options (-o ro), several nodes.

Each mount waits until its node folders answer, fails fast (with the log) if the
daemon dies, and on teardown unmounts with fusermount3, waits for the daemon to
exit 0 and scans its log for sanitizer and CRITICAL lines. A failing test's report
carries the exact command line of every mount it used.

HV_TRANSPORT=unix|tcp|tls|ssh|libssh2|libvirtd-unix|libvirtd-tcp runs the same
tests with every node behind a real peer (helpers/transport.py, tests/README.md).
Markers: `local_only("why")` skips a test under every transport,
`not_libvirtd("why")` under the libvirtd ones; the reason is printed.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import transport  # noqa: E402
from helpers.mount import BINARY, DEFAULT_URI, HyperfsMount, MountError  # noqa: E402
from helpers.peers import PeerUnavailable  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running (still run by default)")
    config.addinivalue_line("markers", "local_only(reason): skipped under HV_TRANSPORT")
    config.addinivalue_line("markers",
                            "not_libvirtd(reason): skipped under HV_TRANSPORT=libvirtd-*")


def pytest_collection_modifyitems(config, items):
    if not transport.active():
        return
    for item in items:
        for name, applies in (("local_only", True), ("not_libvirtd", transport.is_libvirtd())):
            mark = item.get_closest_marker(name)
            if mark and applies:
                why = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
                item.add_marker(pytest.mark.skip(
                    reason=f"HV_TRANSPORT={transport.NAME}: {why}"))
                break


@pytest.fixture(scope="session", autouse=True)
def _transport_session():
    """The transport's shared peers (sshd, certificates, libvirtd) live for the
    session and are stopped at its end."""
    yield transport.SESSION
    transport.SESSION.close()


_current = {"item": None}


def _register(m):
    item = _current["item"]
    if item is not None:
        item.stash.setdefault(_mounts_key, []).append(m)


_mounts_key = pytest.StashKey[list]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["item"] = item


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for m in item.stash.get(_mounts_key, []):
            rep.sections.append((f"hyperfs on {m.path}", m.describe(tail=30)))


def pytest_report_header(config):
    line = f"hyperfs binary: {BINARY} ({'present' if BINARY.exists() else 'MISSING'})"
    if transport.active():
        line += f"\nHV_TRANSPORT={transport.NAME}: every local node goes through a real peer"
    return line


class Factory:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.mounts = []
        self.n = 0

    def __call__(self, *conns, options=(), debug=False, mnt=None, node_names=None,
                 extra_args=(), bare=False, argv=None):
        """bare=True: no -c at all (hyperfs's own default node). argv: the whole
        command line after the program, with "{mnt}" standing for the folder."""
        if transport.active() and (bare or argv is not None):
            pytest.fail("a mount without -c arguments cannot go through HV_TRANSPORT: "
                        "mark the test local_only", pytrace=False)
        if not conns and not bare:
            conns = (DEFAULT_URI,)
        self.n += 1
        path = Path(mnt) if mnt else self.tmp / f"mnt{self.n}"
        m = HyperfsMount(path, conns, options=options, debug=debug, logdir=self.tmp,
                         node_names=node_names, extra_args=extra_args)
        if mnt:  # a remount on the same folder: a new log
            m.log = self.tmp / f"mnt{self.n}-remount.log"
        if argv is not None:
            m.cmd = [m.cmd[0]] + [str(path) if a == "{mnt}" else a for a in argv]
        self.mounts.append(m)
        _register(m)
        try:
            m.start()
        except MountError as e:
            pytest.fail(str(e), pytrace=False)
        except PeerUnavailable as e:
            pytest.skip(f"HV_TRANSPORT={transport.NAME}: {e}")
        return m

    def stop_all(self):
        errors = []
        for m in reversed(self.mounts):
            try:
                m.stop()
            except MountError as e:
                errors.append(str(e))
        if errors:
            pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture
def mount_factory(tmp_path):
    f = Factory(tmp_path)
    yield f
    f.stop_all()


@pytest.fixture
def mount(mount_factory):
    """A fresh mount of test:///default (fixed clock, 200 ms shutdown)."""
    return mount_factory()


@pytest.fixture
def node(mount):
    """The node folder of a fresh mount: MOUNT/localhost."""
    return mount.node()


@pytest.fixture(scope="module")
def _shared_factory(tmp_path_factory):
    f = Factory(tmp_path_factory.mktemp("shared"))
    yield f
    f.stop_all()


@pytest.fixture(scope="module")
def _shared_mount(_shared_factory):
    m = HyperfsMount(_shared_factory.tmp / "mnt", [DEFAULT_URI], logdir=_shared_factory.tmp)
    _shared_factory.mounts.append(m)
    try:
        m.start()
    except MountError as e:
        pytest.fail(str(e), pytrace=False)
    except PeerUnavailable as e:
        pytest.skip(f"HV_TRANSPORT={transport.NAME}: {e}")
    return m


@pytest.fixture
def shared(_shared_mount):
    """A module-wide mount of test:///default, for tests that only read."""
    _register(_shared_mount)
    if not _shared_mount.alive():
        pytest.fail("the shared hyperfs died\n" + _shared_mount.describe(), pytrace=False)
    return _shared_mount


@pytest.fixture
def snode(shared):
    """The node folder of the shared read-only-use mount."""
    return shared.node()


@pytest.fixture
def data():
    return Path(__file__).resolve().parent / "data"
