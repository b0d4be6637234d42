"""The tool tests' store: a directory of its own (0700) with a config (store,
key_file, domains = example.com, then the extra lines) and an initialised
store; run() calls the tool with that config.  The test sets Store.tool (the
breachguard binary) once."""
import json, os, subprocess

from checks import check


class Store:
    tool = None

    def __init__(self, root, extra="", key=None):
        self.dir = root
        os.makedirs(root, mode=0o700, exist_ok=True)
        self.conf = os.path.join(root, "bg.conf")
        self.key = key or os.path.join(root, "key")
        with open(self.conf, "w") as f:
            f.write(f"store = {root}/store\nkey_file = {self.key}\n"
                    f"domains = example.com\n{extra}")
        os.chmod(self.conf, 0o644)
        r = self.run("init")
        check(r.returncode == 0, f"init {root}", r.stderr)

    def run(self, *args, stdin=None, env=None, binary=False):
        return subprocess.run([self.tool, "--config", self.conf, *args], input=stdin,
                              capture_output=True, text=not binary, timeout=120,
                              env=env)

    def advisories(self):
        r = self.run("advisories", "--json")
        check(r.returncode == 0, "advisories --json", r.stderr)
        return json.loads(r.stdout)

    def stats(self):
        return json.loads(self.run("stats", "--json").stdout)
