# xmlcompare.py: helpers for the XML pytest modules: find hyperfs-xml, run it,
# compare documents canonically (attribute order, quoting and whitespace
# between elements ignored), and check that an input's values survive.
import os
import re
import subprocess
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_tool():
    """$HYPERFS_XML, else the most recently built hyperfs-xml under build*/."""
    env = os.environ.get('HYPERFS_XML')
    if env:
        return env
    found = []
    for d in os.listdir(REPO):
        if not d.startswith('build'):
            continue
        for sub in ('hyperfs-xml', os.path.join('tools', 'hyperfs-xml')):
            p = os.path.join(REPO, d, sub)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                found.append(p)
    found.sort(key=os.path.getmtime, reverse=True)
    return found[0] if found else None


def run(tool, *args):
    p = subprocess.run([tool] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def _canon(el):
    text = (el.text or '').strip()
    kids = [_canon(c) for c in el if isinstance(c.tag, str)]
    return (el.tag, tuple(sorted(el.attrib.items())), text, tuple(kids))


def canonical_equal(a, b):
    return _canon(ET.fromstring(a)) == _canon(ET.fromstring(b))


def first_difference(a, b, path=''):
    ea = a if isinstance(a, ET.Element) else ET.fromstring(a)
    eb = b if isinstance(b, ET.Element) else ET.fromstring(b)
    here = path + '/' + ea.tag
    if ea.tag != eb.tag:
        return '%s: tag %s != %s' % (path, ea.tag, eb.tag)
    if ea.attrib != eb.attrib:
        return '%s: attrs %s != %s' % (here, ea.attrib, eb.attrib)
    if (ea.text or '').strip() != (eb.text or '').strip():
        return '%s: text %r != %r' % (here, ea.text, eb.text)
    ka = [c for c in ea if isinstance(c.tag, str)]
    kb = [c for c in eb if isinstance(c.tag, str)]
    for x, y in zip(ka, kb):
        d = first_difference(x, y, here)
        if d:
            return d
    if len(ka) != len(kb):
        return '%s: %d children != %d: %s vs %s' % (here, len(ka), len(kb),
                                                    [c.tag for c in ka], [c.tag for c in kb])
    return None


SCALE = {'': 1}
for i, letter in enumerate('kmgtpe', 1):
    SCALE[letter] = 1024 ** i
    SCALE[letter + 'ib'] = 1024 ** i
    SCALE[letter + 'b'] = 1000 ** i
for b in ('b', 'byte', 'bytes'):
    SCALE[b] = 1

# elements whose text is a size, and their unit when none is given
KIB_SIZES = {'memory', 'currentMemory', 'maxMemory', 'hard_limit', 'soft_limit',
             'swap_hard_limit', 'min_guarantee', 'size'}
MAC = re.compile(r'^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$')
UUID = re.compile(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$')


def norm_value(v):
    v = v.strip()
    if MAC.match(v):
        return v.lower()
    if UUID.match(v):
        h = v.replace('-', '').lower()
        return '%s-%s-%s-%s-%s' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
    if re.fullmatch(r'0[xX][0-9a-fA-F]+', v):  # a number is the same in hex (addresses)
        return str(int(v, 16))
    if v.startswith('/') and '//' in v:
        v = re.sub('/+', '/', v)
        return v.rstrip('/') or '/'
    return v


def _size(el):
    unit = el.attrib.get('unit', '').lower()
    scale = SCALE.get(unit, 0) if unit else (1024 if el.tag in KIB_SIZES else 1)
    try:
        return str(int(el.text.strip()) * scale)
    except (ValueError, AttributeError):
        return None


def facts(xml_text):
    """Every (path, attribute, value) and (path, text) in a document, sizes in bytes."""
    out = set()

    def walk(el, path):
        path = path + '/' + el.tag
        is_size = 'unit' in el.attrib or el.tag in KIB_SIZES
        for k, v in el.attrib.items():
            if is_size and k == 'unit':
                continue
            out.add((path, '@' + k, norm_value(v)))
        text = (el.text or '').strip()
        if text:
            sz = _size(el) if is_size else None
            out.add((path, '#', sz if sz is not None else norm_value(text)))
        for c in el:
            if isinstance(c.tag, str):
                walk(c, path)
    walk(ET.fromstring(xml_text), '')
    return out
