"""pyrun against runc, side by side, on the same busybox bundle running /bin/true.

    .venv/bin/python3 bench/bench_runtime.py [--runs N] [--sequential N] [--runtime NAME=PATH ...]

Runtimes alternate run by run (A, B, A, B, ...) so that machine noise hits both alike; it prints
the median of each measure and the ratio of each runtime to the first (runc). Measures:
run; create+start+wait+delete; each of create, start, state, kill, delete; N sequential runs;
peak RSS of create. Then the floor under the small commands: the interpreter of pyrun's launcher
started the way the launcher starts it (-I -S) and exiting at once (as pyrun exits: os._exit, no
interpreter teardown), with and without `import os`, beside runc's and pyrun's `state` of a live
container. Needs root. Not a test: numbers vary with the machine, ratios hold better.
"""

import argparse
import faulthandler
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from testlib import build_busybox_rootfs  # noqa: E402
from spec.defaults import default_config  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


def make_bundle(path, args):
    os.makedirs(path)
    build_busybox_rootfs(os.path.join(path, "rootfs"))
    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = args
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    return path


class Runtime:
    def __init__(self, name, binary, root):
        self.name = name
        self.binary = binary
        self.root = root
        self.counter = 0

    def new_id(self):
        self.counter += 1
        return f"bench-{self.name}-{self.counter}"

    def timed(self, *args):
        """Seconds the command took; raises if it failed."""
        # stderr goes to a file: after create the container holds it, and a pipe would not end.
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.run([self.binary, "--root", self.root, *args], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=err)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                err.seek(0)
                raise RuntimeError(f"{self.name} {' '.join(args)}: exit {proc.returncode}: {err.read().decode()}")
        return elapsed

    def peak_rss_kib(self, *args):
        """Peak RSS of the command itself, through GNU time: a child forked from this (large)
        Python process would count our pages until it execs."""
        with tempfile.NamedTemporaryFile("r") as out:
            proc = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M", self.binary, "--root", self.root,
                                   *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            if proc.returncode != 0:
                raise RuntimeError(f"{self.name} {' '.join(args)} failed")
            return int(out.read().split()[-1])


def wait_pid(pid):
    """The init is re-parented to us (we are a subreaper) once the runtime exits: reap it."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.001)


def init_pid(rt, cid):
    out = subprocess.run([rt.binary, "--root", rt.root, "state", cid], capture_output=True, check=True).stdout
    return json.loads(out)["pid"]


def launcher_interpreter(path):
    """The interpreter and its flags from a launcher script's #! line, or None for a binary."""
    with open(path, "rb") as f:
        first = f.readline()
    if not first.startswith(b"#!"):
        return None
    return first[2:].decode().split()


def interpreter_floor(runtimes, sleep_bundle, work, rounds):
    """Medians, alternated: each runtime's `state` of a live container and, before the last
    (pyrun), its launcher's interpreter running a script that exits at once, with and without os."""
    interpreter = launcher_interpreter(runtimes[1].binary)
    if interpreter is None:
        return None
    scripts = {}
    for name, text in (("exits at once", "import posix\nposix._exit(0)\n"),
                       ("import os, exits", "import os\nos._exit(0)\n")):
        path = os.path.join(work, name.replace(" ", "-").replace(",", "") + ".py")
        with open(path, "w") as f:
            f.write(text)
        scripts[name] = path
    commands = []
    for rt in runtimes:
        cid = rt.new_id()
        rt.timed("create", "-b", sleep_bundle, cid)
        commands.append((f"{rt.name} state", [rt.binary, "--root", rt.root, "state", cid]))
    for name, path in scripts.items():
        commands.insert(-1, (f"{' '.join(interpreter)}, {name}", interpreter + [path]))
    times = {label: [] for label, _ in commands}
    for _ in range(rounds):
        for label, argv in commands:
            start = time.perf_counter()
            subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def cycle(rt, true_bundle, sleep_bundle, results):
    """One round of every measure for one runtime."""
    cid = rt.new_id()
    results["run"].append(rt.timed("run", "-b", true_bundle, cid))

    results["create+start+wait+delete"].append(create_start_wait_delete(rt, true_bundle))
    # Each small command on a container that stays up (sleep), so kill has something to signal.
    cid = rt.new_id()
    results["create"].append(rt.timed("create", "-b", sleep_bundle, cid))
    results["state"].append(rt.timed("state", cid))
    pid = init_pid(rt, cid)
    results["start"].append(rt.timed("start", cid))
    results["kill"].append(rt.timed("kill", cid, "KILL"))
    wait_pid(pid)
    results["delete"].append(rt.timed("delete", cid))


def create_start_wait_delete(rt, bundle):
    """create + start + wait + delete, timed as one, with the pid taken from the pid file."""
    cid = rt.new_id()
    pid_file = os.path.join(rt.root, f"{cid}.pid")
    start = time.perf_counter()
    rt.timed("create", "-b", bundle, "--pid-file", pid_file, cid)
    with open(pid_file) as f:
        pid = int(f.read())
    rt.timed("start", cid)
    wait_pid(pid)
    rt.timed("delete", cid)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="rounds of each measure (default 30)")
    parser.add_argument("--sequential", type=int, default=100, help="runs in the sequential measure")
    parser.add_argument("--runtime", action="append", default=[],
                        help="NAME=PATH (default: runc=/usr/sbin/runc pyrun=.venv/bin/pyrun)")
    opts = parser.parse_args()
    if os.environ.get("BENCH_TRACE"):
        faulthandler.dump_traceback_later(int(os.environ["BENCH_TRACE"]), exit=True)
    if os.geteuid() != 0:
        sys.exit("bench_runtime: needs root")
    import ctypes
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    specs = opts.runtime or [f"runc={shutil.which('runc') or '/usr/sbin/runc'}",
                             f"pyrun={os.path.join(ROOT, '.venv', 'bin', 'pyrun')}"]
    work = tempfile.mkdtemp(prefix="pyrun-bench-")
    runtimes = []
    try:
        true_bundle = make_bundle(os.path.join(work, "true"), ["true"])
        sleep_bundle = make_bundle(os.path.join(work, "sleep"), ["sleep", "1000"])
        for spec in specs:
            name, _, path = spec.partition("=")
            runtimes.append(Runtime(name, path, os.path.join(work, f"root-{name}")))
        measures = ["run", "create+start+wait+delete", "create", "start", "state", "kill", "delete"]
        results = {rt.name: {m: [] for m in measures} for rt in runtimes}
        for rt in runtimes:   # warm-up: page cache, .pyc files
            cycle(rt, true_bundle, sleep_bundle, {m: [] for m in measures})
        for _ in range(opts.runs):
            for rt in runtimes:
                cycle(rt, true_bundle, sleep_bundle, results[rt.name])
        sequential = {}
        for rt in runtimes:
            start = time.perf_counter()
            for _ in range(opts.sequential):
                rt.timed("run", "-b", true_bundle, rt.new_id())
            sequential[rt.name] = time.perf_counter() - start
        rss = {}
        for rt in runtimes:
            samples = []
            for _ in range(5):
                cid = rt.new_id()
                samples.append(rt.peak_rss_kib("create", "-b", sleep_bundle, cid))
                subprocess.run([rt.binary, "--root", rt.root, "delete", "--force", cid], capture_output=True)
            rss[rt.name] = statistics.median(samples)
        floor = interpreter_floor(runtimes, sleep_bundle, work, opts.runs * 2) if len(runtimes) > 1 else None
    finally:
        for rt in runtimes:
            for cid in os.listdir(rt.root) if os.path.isdir(rt.root) else []:
                subprocess.run([rt.binary, "--root", rt.root, "delete", "--force", cid], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    base = runtimes[0].name
    names = [rt.name for rt in runtimes]
    header = f"{'measure (median)':<28}" + "".join(f"{n:>12}" for n in names) + "".join(
        f"{n + '/' + base:>14}" for n in names[1:])
    print(header)
    for m in measures:
        meds = {n: statistics.median(results[n][m]) * 1000 for n in names}
        print(f"{m:<28}" + "".join(f"{meds[n]:>10.1f}ms" for n in names)
              + "".join(f"{meds[n] / meds[base]:>13.2f}x" for n in names[1:]))
    print(f"{str(opts.sequential) + ' sequential runs':<28}" + "".join(f"{sequential[n]:>11.2f}s" for n in names)
          + "".join(f"{sequential[n] / sequential[base]:>13.2f}x" for n in names[1:]))
    print(f"{'peak RSS of create':<28}" + "".join(f"{rss[n] / 1024:>9.1f}MiB" for n in names)
          + "".join(f"{rss[n] / rss[base]:>13.2f}x" for n in names[1:]))
    if floor:
        reference = floor[f"{base} state"]
        print(f"\nthe floor under the small commands (median, and ratio to {base} state):")
        for label, seconds in floor.items():
            print(f"  {label:<58}{seconds * 1000:>8.2f}ms{seconds / reference:>8.2f}x")


if __name__ == "__main__":
    main()
