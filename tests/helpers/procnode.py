"""procnode.py: what the LXC and UML test nodes share (tests/lxc/conftest.py,
tests/uml/conftest.py): a mount of DRIVER:///system?root=STATE, its domain
folders, defining a document by `cp` into domains/, a remount (a restart of
hyperfs), the guests' run-state files (RUN/NAME.EXT: key=value lines with
the pids the driver noted) for the clean-up, and `write` (echo TEXT > path,
as a shell does: the errno, 0 when written)."""
import subprocess


def write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        return 0
    except OSError as e:
        return e.errno


class ProcNode:
    def __init__(self, factory, state, uri, run_ext):
        self.factory, self.state, self.uri, self.run_ext = factory, state, uri, run_ext
        self.mount = factory(uri)
        self.n = 0

    @property
    def node(self):
        return self.mount.node()

    def dom(self, name):
        return self.node / "domains" / name

    def remount(self):
        self.mount.stop()
        self.mount = self.factory(self.uri)

    def define_xml(self, tmp_path, name, xml):
        src = tmp_path / f"{name}.xml"
        src.write_text(xml)
        subprocess.run(["cp", str(src), str(self.node / "domains")], check=True)
        return self.dom(name)

    def run_states(self):
        """{name: {key: value}} of the guests the driver notes as running."""
        out = {}
        for st in self.state.glob(f"run/*{self.run_ext}"):
            name = st.name[:-len(self.run_ext)]
            out[name] = dict(l.partition("=")[::2] for l in st.read_text().splitlines())
        return out

    def destroy_running(self):
        """Every guest still running is destroyed through the tree; returns
        the run states read before (for a kill by pid of what survived)."""
        states = self.run_states()
        for name in states:
            write(self.dom(name) / "state", "destroy\n")
        return self.run_states()
