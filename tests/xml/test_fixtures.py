# test_fixtures.py: hyperfs's own XML fixtures (tests/fixtures/xml/KIND/*.xml)
# against their golden files: NAME.out holds the formatted document, NAME.err
# the error hyperfs-xml prints. HV_REGEN=1 rewrites the goldens for review.
# Volume fixtures named POOLTYPE-*.xml are formatted in the context of
# volume/context/POOLTYPE.xml. What formats must format to itself again
# (format(parse(format(x))) == format(x)). Needs nothing outside this
# repository.
import glob
import os

import pytest

from xmlcompare import REPO, find_tool, run

FIXTURES = os.path.join(REPO, 'tests', 'fixtures', 'xml')
TOOL = find_tool()
REGEN = os.environ.get('HV_REGEN') == '1'

pytestmark = pytest.mark.skipif(TOOL is None, reason='hyperfs-xml not built')


def fixtures():
    return sorted(f for f in glob.glob(os.path.join(FIXTURES, '*', '*.xml')))


def pool_for(path):
    if os.path.basename(os.path.dirname(path)) != 'volume':
        return []
    ctx = os.path.join(FIXTURES, 'volume', 'context',
                       os.path.basename(path).split('-')[0] + '.xml')
    return ['--pool', ctx] if os.path.exists(ctx) else []


def golden(path, ext, text):
    g = os.path.splitext(path)[0] + ext
    other = os.path.splitext(path)[0] + ('.err' if ext == '.out' else '.out')
    if REGEN:
        with open(g, 'w') as fh:
            fh.write(text)
        if os.path.exists(other):
            os.unlink(other)
        return
    assert os.path.exists(g), '%s: no golden %s (run with HV_REGEN=1)' % (path, g)
    with open(g) as fh:
        assert fh.read() == text, '%s differs from %s' % (path, g)


def relname(path):
    return os.path.relpath(path, FIXTURES)


@pytest.mark.parametrize('path', fixtures(), ids=relname)
def test_fixture(path, tmp_path):
    rc, out, err = run(TOOL, *(['format'] + pool_for(path) + [path]))
    if rc == 0:
        golden(path, '.out', out)
        once = tmp_path / 'once.xml'
        once.write_text(out)
        rc2, twice, err2 = run(TOOL, *(['format'] + pool_for(path) + [str(once)]))
        assert rc2 == 0 and twice == out, '%s: not a fixed point: %s%s' % (path, err2, twice)
        return
    msg = err.replace(path, os.path.basename(path))
    golden(path, '.err', msg)
    assert 'invalid:' in msg


@pytest.mark.parametrize('path', fixtures(), ids=relname)
def test_fixture_fixed_point(path, tmp_path):
    rc, once, _ = run(TOOL, *(['format'] + pool_for(path) + [path]))
    if rc != 0:
        pytest.skip('invalid fixture')
    f = tmp_path / 'once.xml'
    f.write_text(once)
    rc, twice, err = run(TOOL, *(['format'] + pool_for(path) + [str(f)]))
    assert rc == 0, err
    assert twice == once


def test_every_kind_has_fixtures():
    kinds = {os.path.basename(os.path.dirname(f)) for f in fixtures()}
    assert {'domain', 'network', 'pool', 'volume', 'capabilities', 'node', 'hostile'} <= kinds


def test_validate_exit_codes():
    good = os.path.join(FIXTURES, 'domain', 'full.xml')
    bad = os.path.join(FIXTURES, 'domain', 'err-vcpu-zero.xml')
    rc, out, _ = run(TOOL, 'validate', good)
    assert rc == 0 and 'valid' in out
    rc, _, err = run(TOOL, 'validate', good, bad)
    assert rc == 1 and 'err-vcpu-zero.xml: invalid:' in err and '<vcpu>' in err
