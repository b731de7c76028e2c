"""test_ssh.py: the remote driver's ext and ssh transports, both ending in
`hyperfsd --stdio`. ssh runs the OpenSSH client against a real sshd started on
loopback with a throwaway ed25519 host key and user key; an unknown host key is
refused unless the URI says no_verify=1."""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .hfd import free_port, hyperfsd_binary, mount_fails

SSHD = "/usr/sbin/sshd"


def read(path):
    return Path(path).read_text().strip()


def test_ext_mount(mount_factory, tmp_path):
    cmd = f"{hyperfsd_binary()} --stdio"
    m = mount_factory(f"n1=test+ext:///default?command={cmd.replace(' ', '%20')}")
    n = m.path / "n1"
    assert "test" in os.listdir(n / "domains")
    assert read(n / "domains/test/state") == "running"
    (n / "domains/test/state").write_text("suspend\n")
    assert read(n / "domains/test/state") == "paused"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    if not os.path.exists(SSHD) or not shutil.which("ssh"):
        pytest.skip("sshd or ssh is not installed (tools/install-deps installs them)")
    if os.geteuid() != 0:
        pytest.skip("sshd needs root")
    d = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)],
                       check=True)
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    port = free_port()
    bindir = str(Path(hyperfsd_binary()).resolve().parent)
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n"
        f"AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        f"StrictModes no\nSetEnv PATH={bindir}:/usr/sbin:/usr/bin:/sbin:/bin\n")
    os.makedirs("/run/sshd", exist_ok=True)
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=log,
                            stderr=subprocess.STDOUT)
    host_pub = (d / "host_key.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    deadline = time.monotonic() + 10
    while subprocess.run(["ssh-keyscan", "-p", str(port), "127.0.0.1"],
                         capture_output=True).returncode != 0 or not (d / "sshd.pid").exists():
        assert proc.poll() is None and time.monotonic() < deadline, (d / "sshd.log").read_text()
        time.sleep(0.1)
    yield {"dir": d, "port": port}
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def ssh_uri(s, known_hosts, extra=""):
    return (f"test+ssh://root@127.0.0.1:{s['port']}/default?keyfile={s['dir']}/user_key"
            f"&known_hosts={known_hosts}{extra}")


def test_ssh_mount(sshd, mount_factory):
    m = mount_factory(f"n1={ssh_uri(sshd, sshd['dir'] / 'known_hosts')}")
    n = m.path / "n1"
    assert "test" in os.listdir(n / "domains")
    assert read(n / "domains/test/state") == "running"
    assert "n1" in os.listdir(m.path)


def test_ssh_unknown_host_key(sshd, mount_factory, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    out = mount_fails(ssh_uri(sshd, empty), tmp_path)
    assert "Host key verification failed" in out, out
    m = mount_factory(f"n1={ssh_uri(sshd, empty, '&no_verify=1')}")
    assert read(m.path / "n1/domains/test/state") == "running"


def libssh2_uri(s, known_hosts, extra=""):
    return (f"test+libssh2://root@127.0.0.1:{s['port']}/default?keyfile={s['dir']}/user_key"
            f"&known_hosts={known_hosts}{extra}")


def test_libssh2_mount(sshd, mount_factory):
    """In-process libssh2 (ed25519 user key: libssh2 1.10 signs RSA with SHA-1,
    which OpenSSH 9.2 refuses), hyperfsd --stdio through the exec channel."""
    m = mount_factory(f"n1={libssh2_uri(sshd, sshd['dir'] / 'known_hosts')}")
    n = m.path / "n1"
    assert "test" in os.listdir(n / "domains")
    assert read(n / "domains/test/state") == "running"
    (n / "domains/test/state").write_text("suspend\n")
    assert read(n / "domains/test/state") == "paused"


def test_libssh2_unknown_host_key(sshd, mount_factory, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    out = mount_fails(libssh2_uri(sshd, empty), tmp_path)
    assert "Host key verification failed" in out, out
    out = mount_fails(libssh2_uri(sshd, empty, "&known_hosts_verify=normal"), tmp_path)
    assert "Host key verification failed" in out, out
    m = mount_factory(f"n1={libssh2_uri(sshd, empty, '&known_hosts_verify=ignore')}")
    assert read(m.path / "n1/domains/test/state") == "running"
    assert empty.read_text() == ""


def test_libssh2_auto_adds_host_key(sshd, mount_factory, tmp_path):
    kh = tmp_path / "known_hosts"
    m = mount_factory(f"n1={libssh2_uri(sshd, kh, '&known_hosts_verify=auto')}")
    assert read(m.path / "n1/domains/test/state") == "running"
    host_key = (sshd["dir"] / "host_key.pub").read_text().split()[1]
    assert f"[127.0.0.1]:{sshd['port']}" in kh.read_text() and host_key in kh.read_text()


def test_libssh2_wrong_host_key(sshd, mount_factory, tmp_path):
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    pub = (tmp_path / "other.pub").read_text().split()
    kh = tmp_path / "known_hosts"
    kh.write_text(f"[127.0.0.1]:{sshd['port']} {pub[0]} {pub[1]}\n")
    out = mount_fails(libssh2_uri(sshd, kh, "&known_hosts_verify=auto"), tmp_path)
    assert "does not match" in out, out


def test_libssh2_command_override(sshd, mount_factory):
    cmd = f"sh -c 'PATH=/nonexistent:$PATH; {hyperfsd_binary()} --stdio'"
    extra = "&command=" + cmd.replace("%", "%25").replace(" ", "%20").replace("&", "%26")
    m = mount_factory(f"n1={libssh2_uri(sshd, sshd['dir'] / 'known_hosts', extra)}")
    assert read(m.path / "n1/domains/test/state") in ("running", "paused")


def test_libssh2_rsa_user_key_refused(sshd, tmp_path):
    """libssh2 1.10 signs RSA as ssh-rsa (SHA-1), which OpenSSH 9.2 refuses:
    docs/remote.md says to use ed25519 keys."""
    key = tmp_path / "rsa_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key)],
                   check=True)
    with open(sshd["dir"] / "authorized_keys", "a") as f:
        f.write((tmp_path / "rsa_key.pub").read_text())
    uri = (f"test+libssh2://root@127.0.0.1:{sshd['port']}/default?keyfile={key}"
           f"&known_hosts={sshd['dir'] / 'known_hosts'}")
    out = mount_fails(uri, tmp_path)
    assert "refused the key" in out, out


def test_libssh2_large_messages(sshd, mount_factory, tmp_path):
    """3 MiB each way, more than the SSH window (2 MiB) and the pump's buffers."""
    m = mount_factory(f"n1={libssh2_uri(sshd, sshd['dir'] / 'known_hosts')}")
    desc = "z" * (3 << 20)
    src = tmp_path / "big.xml"
    src.write_text("<domain type='test'>\n  <name>big</name>\n  <memory unit='KiB'>8192</memory>\n"
                   "  <vcpu>1</vcpu>\n  <os>\n    <type>hvm</type>\n  </os>\n"
                   f"  <description>{desc}</description>\n</domain>\n")
    subprocess.run(["cp", str(src), str(m.path / "n1/domains/")], check=True)
    assert desc in (m.path / "n1/domains/big/config.xml").read_text()
    assert read(m.path / "n1/domains/test/state") == "running"


def _far_hyperfsd(sshd):
    """Pids of the hyperfsd --stdio processes under the fixture's sshd."""
    root = int((sshd["dir"] / "sshd.pid").read_text())
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            p = int(pid)
            while p > 1 and p != root:
                p = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if p == root and args[0].endswith(b"hyperfsd") and b"--stdio" in args:
            found.append(int(pid))
    return found


def test_libssh2_far_end_dies_and_comes_back(sshd, mount_factory):
    m = mount_factory(f"n1={libssh2_uri(sshd, sshd['dir'] / 'known_hosts')}")
    n = m.path / "n1"
    assert read(n / "domains/test/state") == "running"
    far = _far_hyperfsd(sshd)
    assert len(far) == 1, far
    os.kill(far[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    # a new session (a new far hyperfsd) once the reader saw the channel end
    while not (_far_hyperfsd(sshd) not in ([], far) and "connected: yes" in read(n / "node/info")):
        assert time.monotonic() < deadline, read(n / "node/info")
        time.sleep(0.1)
    assert read(n / "domains/test/state") == "running"
