"""conftest.py: the `daemon` fixture (hfd.Daemon): build/hyperfsd on
loopback, stopped with SIGTERM after the test, which must exit 0 and leave
nothing behind; its log is shown when a test fails. Before it stops, the
garbage collector runs, so that libvirt objects a test left (a connection
held by a domain object) are closed while the daemon still answers: closed
later on a dead socket, their "Broken pipe" would become the last error of
whatever libvirt call a later test makes at that moment."""
import gc

import pytest

from .hfd import Daemon


@pytest.fixture
def daemon(tmp_path, request):
    d = Daemon(tmp_path).start()
    yield d
    gc.collect()
    alive = d.alive()
    rc = d.stop()
    assert alive, f"hyperfsd died during the test:\n{d.describe()}"
    assert rc == 0, f"hyperfsd exited {rc}:\n{d.describe()}"
    assert not d.sock.exists(), "hyperfsd left its socket behind"
    assert not d.pidfile.exists(), "hyperfsd left its pidfile behind"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.rep_call = rep
        d = item.funcargs.get("daemon") if hasattr(item, "funcargs") else None
        if rep.failed and d is not None:
            rep.sections.append(("hyperfsd log", d.describe()))
