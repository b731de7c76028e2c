"""test_config.py: hyperfsd's config file (libvirtd.conf's `key = value`
format): a good file's listen addresses, pidfile and log file are used and the
command line wins over them; bad lines are refused with FILE:LINE and the
reason; an explicit --config that is missing is an error; the example file
shipped in remote/ parses with every setting uncommented; without -f the
daemon returns once it serves."""
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .hfd import ROOT, free_port, hyperfsd_binary, virsh


def run_bad(tmp_path, text):
    f = tmp_path / "bad.conf"
    f.write_text(text)
    r = subprocess.run([hyperfsd_binary(), "-f", "--config", str(f)], capture_output=True,
                       text=True, timeout=10)
    return r.returncode, r.stderr.strip()


def wait_path(p, proc=None, secs=10):
    deadline = time.monotonic() + secs
    while not Path(p).exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"hyperfsd exited {proc.returncode}")
        assert time.monotonic() < deadline, f"{p} did not appear"
        time.sleep(0.02)


@pytest.mark.parametrize("text,line,reason", [
    ("max_clients = 10\nmax_clients = 11\n", 2, "max_clients is set twice (first on line 1)"),
    ("# hello\n\nbogus_key = 1\n", 3, "unknown setting 'bogus_key'"),
    ("max_clients = \"10\"\n", 1, "max_clients must be a number, not a string"),
    ("max_clients = 0\n", 1, "max_clients must be a number from 1 to 100000, not 0"),
    ("max_message_size = 40000000\n", 1, "max_message_size must be a number from 4096 to 33554432"),
    ("keepalive_interval = 5s\n", 1, "'5s' is not a number"),
    ("pidfile = \"/tmp/x\n", 1, "unterminated string"),
    ("pidfile = [ \"/tmp/x\" ]\n", 1, "pidfile must be a \"string\", not a list"),
    ("listen = \"unix:/tmp/x\"\n", 1, "listen must be a [ \"list\", \"of strings\" ], not a string"),
    ("listen = [ \"unix:/tmp/a\",\n  \"udp:1.2.3.4:5\" ]\n", 2, "listen address 'udp:1.2.3.4:5' must be"),
    ("listen = [ \"unix:/tmp/a\"\n", 2, "unterminated list"),
    ("listen = [ 1 ]\n", 1, "a list holds \"strings\""),
    ("tls_no_verify_certificate = 2\n", 1, "tls_no_verify_certificate must be a number from 0 to 1"),
    ("log_level = \"loud\"\n", 1, "log_level must be \"info\" or \"debug\""),
    ("max_clients 10\n", 1, "expected '=' after max_clients"),
    ("max_clients =\n", 1, "max_clients has no value"),
    ("max_clients = 10 11\n", 1, "unexpected text after the value of max_clients"),
    ("= 10\n", 1, "expected a setting name"),
    ("default_uri = \"\"\n", 1, "default_uri must not be empty"),
])
def test_bad_lines_are_refused(tmp_path, text, line, reason):
    rc, err = run_bad(tmp_path, text)
    assert rc == 2, err
    assert f"bad.conf:{line}: {reason}" in err, err


def test_missing_explicit_config(tmp_path):
    r = subprocess.run([hyperfsd_binary(), "-f", "--config", str(tmp_path / "nope.conf")],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "nope.conf" in r.stderr and "No such file" in r.stderr, r.stderr


def test_good_file_is_used_and_the_command_line_wins(tmp_path):
    sock, port = tmp_path / "s", free_port()
    pid, log = tmp_path / "d.pid", tmp_path / "d.log"
    conf = tmp_path / "hyperfsd.conf"
    conf.write_text(f"""# a comment line
listen = [ "unix:{sock}",     # trailing comments are fine
           'unix-ro:{sock}-ro',
           "tcp:127.0.0.1:{port}", ]
pidfile = "{pid}"
log_file = "{log}"
max_clients = 50
keepalive_interval = 2
keepalive_count = 3
""")
    p = subprocess.Popen([hyperfsd_binary(), "-f", "--config", str(conf)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_path(pid, p)
        wait_path(sock, p)
        assert (tmp_path / "s-ro").exists()
        assert int(pid.read_text()) == p.pid
        assert virsh(f"test+tcp://127.0.0.1:{port}/default", "domstate", "test").stdout.strip() \
            == "running"
        assert virsh(f"test+unix:///default?socket={sock}", "list", "--name").stdout.split() \
            == ["test"]
        assert "ready" in log.read_text()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
    assert not pid.exists() and not sock.exists()
    assert "shutting down" in log.read_text()

    # --listen and --pidfile on the command line replace the file's
    sock2, pid2 = tmp_path / "s2", tmp_path / "d2.pid"
    p = subprocess.Popen([hyperfsd_binary(), "-f", "--config", str(conf), "--listen",
                          f"unix:{sock2}", "--pidfile", str(pid2)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_path(pid2, p)
        wait_path(sock2, p)
        assert not sock.exists() and not pid.exists()
        assert virsh(f"test+unix:///default?socket={sock2}", "domstate", "test").stdout.strip() \
            == "running"
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_example_config_parses(tmp_path):
    """remote/hyperfsd.conf with every setting uncommented (paths moved into tmp)."""
    text = (ROOT / "remote/hyperfsd.conf").read_text()
    text = re.sub(r"(?m)^#([a-z_]+ =)", r"\1", text)
    text = re.sub(r'(?m)^#( +")', r"\1", text)
    assert "\nmax_clients = 1024" in text and "\nlisten = [" in text
    text = (text.replace("/run/hyperfs/", f"{tmp_path}/").replace("/run/hyperfsd.pid",
            f"{tmp_path}/pid").replace("/var/log/hyperfsd.log", f"{tmp_path}/log"))
    conf = tmp_path / "example.conf"
    conf.write_text(text)
    # without -f: returns 0 once the sockets are bound and the pidfile written
    r = subprocess.run([hyperfsd_binary(), "--config", str(conf)], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    pid = int((tmp_path / "pid").read_text())
    try:
        assert (tmp_path / "hyperfs-sock").exists() and (tmp_path / "hyperfs-sock-ro").exists()
        uri = f"test+unix:///default?socket={tmp_path}/hyperfs-sock"
        assert virsh(uri, "domstate", "test").stdout.strip() == "running"
    finally:
        import os
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while (tmp_path / "pid").exists():
            assert time.monotonic() < deadline, "daemon did not exit on SIGTERM"
            time.sleep(0.05)
    assert "ready" in (tmp_path / "log").read_text()


def test_systemd_unit_and_install(tmp_path):
    """meson installs the example config and a unit that runs hyperfsd -f."""
    unit = (ROOT / "remote/hyperfsd.service.in").read_text()
    assert "Type=simple" in unit and "ExecStart=@sbindir@/hyperfsd -f" in unit
    meson = (ROOT / "remote/meson.build").read_text()
    assert "install_data('hyperfsd.conf'" in meson and "hyperfsd.service" in meson
    if subprocess.run(["systemd-analyze", "--version"], capture_output=True).returncode == 0:
        u = tmp_path / "hyperfsd.service"
        u.write_text(unit.replace("@sbindir@", str(Path(hyperfsd_binary()).parent)))
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(u)], capture_output=True, text=True)
        assert "hyperfsd.service:" not in r.stderr, r.stderr
