"""fake_qemu.py: a stand-in QEMU for the qemu driver's fault paths, run as
`python3 fake_qemu.py QMP_PATH`: it serves QMP on QMP_PATH (a greeting,
qmp_capabilities, `query-status` running, `query-chardev` empty, an empty
return for anything else) and names that path in its command line, as the
driver's re-attach wants. Orders come one a line on stdin:
  mute   swallow the next command (no reply ever comes)
  deaf   stop reading the QMP socket
Every command it gets is written to stdout as `cmd NAME`, and `ready` once it
listens. It exits on SIGTERM (the driver's destroy) or when stdin closes."""
import json
import os
import selectors
import socket
import sys

GREETING = {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7},
                                "package": "fake"}, "capabilities": []}}
ANSWERS = {
    "query-status": {"status": "running", "singlestep": False, "running": True},
    "query-chardev": [],
}


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(path):
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(1)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, "listen")
    sel.register(sys.stdin, selectors.EVENT_READ, "orders")
    say("ready")
    client, buf, mute = None, b"", False
    while True:
        for key, _ in sel.select():
            if key.data == "orders":
                order = sys.stdin.readline().strip()
                if not order:
                    return
                if order == "mute":
                    mute = True
                elif order == "deaf" and client:
                    sel.unregister(client)
                say(f"order {order}")
            elif key.data == "listen":
                client, _ = lsock.accept()
                client.sendall(json.dumps(GREETING).encode() + b"\n")
                sel.register(client, selectors.EVENT_READ, "client")
            else:
                data = client.recv(65536)
                if not data:
                    sel.unregister(client)
                    client.close()
                    client, buf = None, b""
                    continue
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    msg = json.loads(line)
                    cmd = msg.get("execute")
                    say(f"cmd {cmd}")
                    if mute:
                        mute = False
                        continue
                    reply = {"return": ANSWERS.get(cmd, {})}
                    if "id" in msg:
                        reply["id"] = msg["id"]
                    client.sendall(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    finally:
        if os.path.exists(sys.argv[1]):
            os.unlink(sys.argv[1])
