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
