"""pysuite_run.py: runs one test of libvirt-python's own suite (unittest ids
such as test_domain.TestLibvirtDomain.testDomainSchedParams) with every open of
test:///default pointed at HYPERFS_SUITE_URI (a hyperfsd node), unless that is
empty: then the in-process test driver answers, for comparison. Exits 0 when
the test passed or was skipped. Usage: pysuite_run.py SUITE_DIR TEST_ID"""
import os
import sys
import unittest

import libvirt

target = os.environ.get("HYPERFS_SUITE_URI", "")


def _redirect(fn):
    def wrapped(uri=None, *args, **kw):
        if target and uri in (None, "test:///default"):
            uri = target
        return fn(uri, *args, **kw)
    return wrapped


if target:
    libvirt.open = _redirect(libvirt.open)
    libvirt.openReadOnly = _redirect(libvirt.openReadOnly)
    libvirt.openAuth = _redirect(libvirt.openAuth)

sys.path.insert(0, sys.argv[1])
suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[2])
res = unittest.TextTestRunner(verbosity=2).run(suite)
sys.exit(0 if res.wasSuccessful() else 1)
