"""hfd.py: helpers for the remote suite: start build/hyperfsd on loopback
and run virsh. Each daemon gets a private folder with its sockets, a TCP port, a
pidfile and its log; it must exit 0 on SIGTERM and its log is shown when a test
fails."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _binary():
    if os.environ.get("HYPERFSD"):
        return os.environ["HYPERFSD"]
    if os.environ.get("HYPERFS"):
        return str(Path(os.environ["HYPERFS"]).parent / "hyperfsd")
    return str(ROOT / "build" / "hyperfsd")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, folder):
        self.dir = Path(folder)
        self.sock = self.dir / "sock"
        self.sock_ro = self.dir / "sock-ro"
        self.port = _free_port()
        self.log = self.dir / "hyperfsd.log"
        self.pidfile = self.dir / "hyperfsd.pid"
        self.proc = None

    @property
    def uri(self):
        return f"test+unix:///default?socket={self.sock}"

    @property
    def uri_ro(self):
        return f"test+unix:///default?socket={self.sock_ro}"

    @property
    def uri_tcp(self):
        return f"test+tcp://127.0.0.1:{self.port}/default"

    def start(self):
        cmd = [_binary(), "-f", "--listen", f"unix:{self.sock}",
               "--listen", f"unix-ro:{self.sock_ro}",
               "--listen", f"tcp:127.0.0.1:{self.port}", "--pidfile", str(self.pidfile)]
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not (self.pidfile.exists() and self.sock.exists()):
            if self.proc.poll() is not None:
                raise AssertionError(f"hyperfsd exited {self.proc.returncode}:\n{self.describe()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"hyperfsd did not start:\n{self.describe()}")
            time.sleep(0.02)
        return self

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"hyperfsd ignored SIGTERM:\n{self.describe()}")
        return self.proc.returncode

    def describe(self, tail=40):
        try:
            lines = self.log.read_text().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-tail:])


def virsh(uri, *args, check=True, timeout=20):
    r = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"virsh -c {uri} {' '.join(args)} failed ({r.returncode}):\n"
                             f"{r.stdout}{r.stderr}")
    return r
