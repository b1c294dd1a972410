"""The command line against runc 1.1.5's, side by side: the same arguments through both, the
same exit code, the same words and the same state left behind. Usage errors, missing and
invalid containers, each command in each state, the outputs engines parse (state, list, ps,
the JSON log line), and the flag syntax of runc's urfave/cli.

Known, deliberate differences are normalised away here, and only these: runc's stderr wraps a
message in logrus's `time="..." level=error msg="..."` when there is no --log (pyrun prints the
message bare); pyrun names the id in "container ID does not exist" (runc: "container does not
exist"; callers match "does not exist"); runc prefixes create/run/exec failures with "runc
create failed: ", "runc run failed: " and "exec failed: "; the program's name; the help texts
themselves."""

import json
import os
import re

import pytest

from runtime import cli
from testlib import RUNC, needs_root

ENVELOPE = re.compile(r'time="[^"]*" level=\w+ msg="(.*)"\n?', re.S)
OMITTED_PREFIXES = ("runc create failed: ", "runc run failed: ", "exec failed: ")


def said(proc, ids=()):
    """(exit code, the error message, the first line of stdout) with the known differences
    normalised: each runtime's ids are <id>."""
    err = proc.stderr
    wrapped = ENVELOPE.fullmatch(err)
    if wrapped:
        err = json.loads('"' + wrapped.group(1) + '"')
    err = err.strip().replace(f"{RUNC}:", "runc:")   # runc names itself by its argv[0]
    for prefix in OMITTED_PREFIXES:
        if err.startswith(prefix):
            err = err[len(prefix):]
    err = re.sub(r"\brunc\b", "pyrun", err)
    err = re.sub(r"^container \S+ does not exist$", "container does not exist", err)
    for cid in ids:
        err = err.replace(cid, "<id>")
    head = proc.stdout.split("\n", 1)[0] if proc.stdout.startswith("Incorrect Usage") else ""
    return proc.returncode, err, head


# ---- usage: no container involved ----

USAGE_CASES = [
    ["state"], ["state", "a", "b"], ["start"], ["delete"], ["pause"], ["resume"], ["events"], ["update"],
    ["create"], ["run"], ["kill"], ["kill", "a", "b", "c"], ["exec"], ["ps"], ["list", "x"], ["features", "x"],
    ["frob"], ["frob", "x"], ["help", "frob"],
    ["--frob", "state", "x"], ["state", "--frob", "x"], ["state", "-x", "x"], ["state", "---x", "x"],
    ["state", "x", "-x"],                   # after the id, an unknown flag is an argument
    ["delete", "nope", "--bogus"],
    ["create", "--bundle"], ["create", "-b/nowhere", "x"], ["exec", "-ti", "x", "sh"],
    ["delete", "--force=bogus", "x"], ["create", "--preserve-fds", "x", "c"],
    ["create", "--preserve-fds", "99999999999999999999", "c"], ["events", "--interval", "5", "x"],
    ["update", "--pids-limit", "x", "x"], ["update", "--blkio-weight", "ten", "x"],
    ["--log-format", "xml", "state", "x"], ["state", "--root", "/tmp", "x"],
    ["--log", "/nonexistent-dir/x", "list", "-q"],
]


@needs_root
@pytest.mark.parametrize("args", USAGE_CASES, ids=[" ".join(a) for a in USAGE_CASES])
def test_usage_errors_as_runc(pyrun, runc, tmp_path, args):
    ours = pyrun(*args, check=False, cwd=tmp_path)
    assert said(ours) == said(runc(*args, check=False, cwd=tmp_path)), (ours.stdout[:200], ours.stderr)


HELP_CASES = [["state", "--help"], ["state", "x", "--help"], ["delete", "nope", "-h"], ["state", "-help"],
              ["help", "state"], ["h", "kill"], ["kill", "--h"], ["--help"], ["-help"], ["help"], ["h"], []]


@needs_root
@pytest.mark.parametrize("args", HELP_CASES, ids=[" ".join(a) or "nothing" for a in HELP_CASES])
def test_help_where_runc_gives_it(pyrun, runc, tmp_path, args):
    """The help (pyrun's own text) on stdout, exit 0, wherever urfave/cli takes -h/--help."""
    ours, theirs = pyrun(*args, check=False, cwd=tmp_path), runc(*args, check=False, cwd=tmp_path)
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr) == (0, "")
    assert ours.stdout.startswith("NAME:\n   pyrun") and theirs.stdout.startswith("NAME:\n   runc")
    if args and args[0] not in ("--help", "-help", "help", "h"):
        assert ours.stdout.startswith(f"NAME:\n   pyrun {args[0]} - ")
    elif len(args) == 2:
        assert ours.stdout.startswith(f"NAME:\n   pyrun {args[1]} - ")


@needs_root
def test_usage_error_prints_incorrect_usage_and_the_help(pyrun):
    proc = pyrun("state", check=False)
    assert proc.returncode == 1
    assert proc.stderr == 'pyrun: "state" requires exactly 1 argument(s)\n'
    assert proc.stdout.startswith("Incorrect Usage.\n\nNAME:\n   pyrun state - output the state of a container\n")
    proc = pyrun("kill", "--frob", "x", check=False)
    assert proc.stderr == "flag provided but not defined: -frob\n"
    assert proc.stdout.startswith("Incorrect Usage: flag provided but not defined: -frob\n\nNAME:\n   pyrun kill")


@needs_root
def test_checkpoint_and_restore_refused_help_too(pyrun):
    """Refused plainly; `checkpoint --help` fails as well: podman takes its success as meaning the
    runtime can checkpoint."""
    for args in (["checkpoint", "x"], ["checkpoint", "--help"], ["restore", "--bundle", ".", "x"]):
        proc = pyrun(*args, check=False)
        assert proc.returncode == 1 and proc.stdout == "", args
        assert proc.stderr == f"{args[0]} is not supported: pyrun has no CRIU checkpoint/restore\n"


# ---- a container that is not there, or cannot be ----

MISSING_CASES = [
    ["state", "nope"], ["start", "nope"], ["kill", "nope"], ["kill", "nope", "KILL"], ["delete", "nope"],
    ["pause", "nope"], ["resume", "nope"], ["ps", "nope"], ["ps", "--format", "json", "nope"],
    ["events", "--stats", "nope"], ["update", "--memory", "1m", "nope"], ["update", "-r", "-", "nope"],
    ["exec", "nope", "true"], ["exec", "nope"], ["exec", "nope", "--tty", "sh"],
    ["kill", "nope", "NOSUCH"], ["kill", "nope", "0"], ["kill", "nope", "-9"], ["kill", "nope", "--all", "KILL"],
    ["delete", "--force", "nope"], ["delete", "nope", "-f"], ["delete", "-force", "nope"],
    ["delete", "--force=t", "nope"], ["delete", "--force=false", "nope"], ["state", "--", "nope"],
    ["state", "../x"], ["state", "."], ["state", ".."], ["state", "a/b"], ["state", "a b"], ["state", "é"],
    ["state", "x@y"], ["state", ""], ["create", "../x"], ["create", ""], ["kill", "..", "KILL"],
    ["create", "-b", "/nowhere", "c"], ["create", "c", "--bundle", "/nowhere"], ["run", "-b=/nowhere", "c"],
    ["run", "--no-subreaper", "-b", "/nowhere", "c"], ["create", "--no-new-keyring", "-bundle", "/nowhere", "c"],
]


@needs_root
@pytest.mark.parametrize("args", MISSING_CASES, ids=[" ".join(a) for a in MISSING_CASES])
def test_missing_or_invalid_container_as_runc(pyrun, runc, make_bundle, tmp_path, args):
    if args[0] == "create" and "/nowhere" not in args:
        args = ["create", "-b", make_bundle().path, *args[1:]]   # runc reads config.json before the id
    ours = pyrun(*args, check=False, cwd=tmp_path)
    assert said(ours) == said(runc(*args, check=False, cwd=tmp_path)), ours.stderr


@needs_root
def test_log_json_line_as_runc(pyrun, runc, tmp_path):
    """--log-format json: the line in --log is logrus's (compact, level msg time), and without
    --log it is what stderr gets."""
    lines = {}
    for rt in (pyrun, runc):
        log = tmp_path / f"{os.path.basename(rt.binary)}.log"
        with_log = rt("--log", str(log), "--log-format", "json", "kill", "nope", check=False)
        named = "container nope does not exist" if rt is pyrun else "container does not exist"
        assert with_log.stderr == named + "\n"
        without = rt("--log-format", "json", "kill", "nope", check=False)
        lines[rt] = [re.sub(r'"time":"[^"]+"', '"time":T', text).replace(named, "container does not exist")
                     for text in (log.read_text(), without.stderr)]
        assert re.search(r'"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', log.read_text())
    assert lines[pyrun] == lines[runc] == ['{"level":"error","msg":"container does not exist","time":T}\n'] * 2


@needs_root
def test_text_log_keeps_one_line_per_error(pyrun, make_bundle, tmp_path):
    """A message of several lines (ps's usage text, which runc passes on) is quoted into one log
    line, as logrus does, and said as it is on stderr."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    log = tmp_path / "log"
    proc = pyrun("--log", str(log), "ps", cid, "--no-such-ps-option", check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("exit status 1: ") and proc.stderr.count("\n") > 2
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith('\\n"'), lines
    said_in_log = json.loads(ENVELOPE.fullmatch(lines[0] + "\n").group(1).join('""'))
    assert said_in_log + "\n" == proc.stderr


# ---- each command in each state ----

# (command, then what else to say), run in this order on one container per runtime and state.
SCENARIOS = {
    "created": [["kill", "@", "0"], ["kill", "@", "99"], ["resume", "@"], ["pause", "@"], ["state-status"],
                ["start", "@"], ["delete", "@"], ["resume", "@"], ["state-status"], ["kill", "@", "KILL"],
                ["state-status"]],
    "running": [["start", "@"], ["resume", "@"], ["kill", "@", "0"], ["kill", "@", "99"], ["kill", "@", "NOSUCH"],
                ["exec", "@"], ["delete", "@"], ["create", "@"], ["run", "-d", "@"],
                ["kill", "--all", "@", "CONT"], ["state-status"]],
    "paused": [["start", "@"], ["pause", "@"], ["exec", "@", "true"], ["exec", "@"], ["kill", "@", "0"],
               ["delete", "@"], ["kill", "@", "KILL"], ["state-status"]],
    "stopped": [["start", "@"], ["pause", "@"], ["resume", "@"], ["kill", "@"], ["kill", "@", "0"],
                ["kill", "@", "NOSUCH"], ["kill", "--all", "@", "KILL"], ["exec", "@", "true"], ["exec", "@"],
                ["events", "--stats", "@"], ["update", "--memory", "100m", "@"], ["ps", "--format", "json", "@"],
                ["create", "@"], ["delete", "@"], ["state", "@"]],
}


def _in_state(rt, bundle, wanted):
    cid = rt.new_id("parity")
    if wanted == "created":
        rt("create", "-b", bundle.path, cid)
        return cid
    rt("run", "-d", "-b", bundle.path, cid)
    if wanted == "paused":
        rt("pause", cid)
    if wanted == "stopped":
        rt("kill", cid, "KILL")
        rt.wait_status(cid, "stopped")
    return cid


def _play(rt, bundle, wanted, steps):
    """What each step answered (exit code, words, Incorrect Usage line, ps's output), and the
    status where a step says state-status (after a SIGKILL, once the init is gone)."""
    cid = _in_state(rt, bundle, wanted)
    seen = []
    for i, step in enumerate(steps):
        if step == ["state-status"]:
            if "KILL" in steps[i - 1]:
                try:
                    rt.wait_status(cid, "stopped", timeout=3)
                except AssertionError:
                    pass   # compared below
            seen.append(("status", rt.state(cid)["status"]))
            continue
        args = [cid if a == "@" else a for a in step]
        if step[0] in ("create", "run"):
            args[-1:-1] = ["-b", bundle.path]
        proc = rt(*args, check=False, timeout=20)
        seen.append((" ".join(step), *said(proc, [cid]), proc.stdout if step[0] == "ps" else ""))
    return seen


@needs_root
@pytest.mark.parametrize("wanted", list(SCENARIOS))
def test_commands_in_each_state_as_runc(pyrun, runc, make_bundle, wanted):
    bundle = make_bundle(args=["sleep", "100"])
    ours = _play(pyrun, bundle, wanted, SCENARIOS[wanted])
    theirs = _play(runc, bundle, wanted, SCENARIOS[wanted])
    assert ours == theirs


@needs_root
def test_pause_before_start_is_paused(pyrun, make_bundle):
    """runc pauses a created container and says "paused" until it is resumed; start refuses it
    meanwhile (pyrun's start would otherwise wait for ever on a frozen init)."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pyrun("pause", cid)
    assert pyrun.state(cid)["status"] == "paused"
    refused = pyrun("start", cid, check=False, timeout=10)
    assert (refused.returncode, refused.stderr) == (1, "cannot start a container in the paused state\n")
    pyrun("resume", cid)
    assert pyrun.state(cid)["status"] == "created"
    pyrun("start", cid)
    pyrun.wait_status(cid, "running")


@needs_root
def test_kill_flags_after_the_id_and_signals_by_number(pyrun, make_bundle):
    """`kill ID --all KILL` as written by hand: the flag is taken wherever it stands."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "--no-subreaper", "-b", bundle.path, cid)
    pyrun("kill", cid, "0")                          # a probe: it is there
    pyrun("kill", cid, "--all", "KILL")
    pyrun.wait_status(cid, "stopped")
    pyrun("kill", cid, "--all", "KILL")              # --all on a stopped container: nothing to do, no error
    gone = pyrun("kill", cid, "KILL", check=False)
    assert (gone.returncode, gone.stderr) == (1, "container not running\n")


# ---- outputs ----

def _tabwriter(rows):
    """Go's tabwriter as runc's list sets it up (minwidth 12, padding 3; the last cell unpadded)."""
    widths = [max(12, max(len(row[i]) for row in rows) + 3) for i in range(len(rows[0]) - 1)]
    return "".join("".join(c.ljust(w) for c, w in zip(row, widths)) + row[-1] + "\n" for row in rows)


@needs_root
def test_state_list_and_ps_outputs_as_runc(pyrun, runc, make_bundle):
    """state: runc's document and its bytes (no newline after it); list: the tabwriter table, the
    compact JSON with the owner's name, -q; ps: the table's header and `null` for no pids."""
    bundle = make_bundle(args=["sleep", "100"])
    docs = {}
    for rt in (pyrun, runc):
        running = rt.new_id("list")
        stopped = rt.new_id("list")
        rt("run", "-d", "-b", bundle.path, running)
        rt("run", "-d", "-b", bundle.path, stopped)
        rt("kill", stopped, "KILL")
        rt.wait_status(stopped, "stopped")
        state = rt("state", running).stdout
        listed = sorted(json.loads(rt("list", "--format", "json").stdout), key=lambda d: d["status"])
        table = rt("list").stdout
        rows = [line.split() for line in table.splitlines()]
        assert table == _tabwriter(rows)
        ps_table = rt("ps", running).stdout.splitlines()
        docs[rt] = {
            "state keys": list(json.loads(state)), "state tail": state[-3:],
            "list": [(list(d), d["owner"], d["status"], d["pid"] if d["status"] == "stopped" else "pid")
                     for d in listed],
            "list compact": rt("list", "--format", "json").stdout.startswith('[{"ociVersion":"'),
            "table": [rows[0]] + [[r[2], r[3], r[5]] for r in sorted(rows[1:], key=lambda r: r[2])],
            "table ids and pids": [[r[0], r[1]] for r in sorted(rows[1:], key=lambda r: r[2])] ==
                                  [[running, str(json.loads(state)["pid"])], [stopped, "0"]],
            "quiet": sorted(rt("list", "-q").stdout.split()) == sorted([running, stopped]),
            "ps json stopped": rt("ps", "--format", "json", stopped).stdout,
            "ps header": ps_table[0], "ps rows": len(ps_table),
        }
    assert docs[pyrun] == docs[runc]


@needs_root
def test_empty_list_as_runc(pyrun, runc):
    for args in (["list"], ["list", "--format", "json"], ["list", "-q"],
                 ["list", "--format=json", "--quiet=false"]):
        assert pyrun(*args).stdout == runc(*args).stdout, args


# ---- the parser itself ----

def _opts(*extra):
    return [cli.Option("--force", "-f"), cli.Option("--bundle", "-b", kind="value", default="."),
            cli.Option("--env", "-e", kind="list"), cli.Option("--preserve-fds", kind="int", default=0),
            cli.Option("--interval", kind="duration", default=5.0), *extra]


@pytest.mark.parametrize("argv,stop,expect", [
    (["-f", "id"], False, ({"force": True}, ["id"])),
    (["id", "--force"], False, ({"force": True}, ["id"])),
    (["id", "-9"], False, ({"force": False}, ["id", "-9"])),
    (["--bundle=/b", "id"], False, ({"bundle": "/b"}, ["id"])),
    (["id", "-bundle", "/b"], False, ({"bundle": "/b"}, ["id"])),
    (["--bundle", "-x", "id"], False, ({"bundle": "-x"}, ["id"])),   # Go: a value flag takes the next argument
    (["-e", "A=1", "id", "--env=B=2"], False, ({"env": ["A=1", "B=2"]}, ["id"])),
    (["--force=F", "id"], False, ({"force": False}, ["id"])),
    (["--preserve-fds", "0x10", "id"], False, ({"preserve_fds": 16}, ["id"])),
    (["--preserve-fds", "010", "id"], False, ({"preserve_fds": 8}, ["id"])),
    (["--preserve-fds=-1", "id"], False, ({"preserve_fds": -1}, ["id"])),
    (["--interval", "1m30.5s", "id"], False, ({"interval": 90.5}, ["id"])),
    (["--", "-f", "id"], False, ({"force": False}, ["-f", "id"])),
    (["id", "--", "--force"], False, ({"force": False}, ["id", "--force"])),
    (["-", "id"], False, ({"force": False}, ["-", "id"])),
    (["id", "sh", "-f"], True, ({"force": False}, ["id", "sh", "-f"])),   # exec: the command's own flags
    (["-f", "id", "--bundle", "x"], True, ({"force": True, "bundle": "."}, ["id", "--bundle", "x"])),
])
def test_parse_like_urfave_cli(argv, stop, expect):
    opts, args = cli.parse(_opts(), argv, stop_at_first_arg=stop)
    assert ({k: getattr(opts, k) for k in expect[0]}, args) == expect


@pytest.mark.parametrize("argv,stop,message", [
    (["-x", "id"], False, "flag provided but not defined: -x"),
    (["-ti", "id"], True, "flag provided but not defined: -ti"),
    (["-fid"], False, "flag provided but not defined: -fid"),
    (["---f", "id"], False, "bad flag syntax: ---f"),
    (["-=f", "id"], False, "bad flag syntax: -=f"),
    (["--bundle"], False, "flag needs an argument: -bundle"),
    (["--force=yes", "id"], False, 'invalid boolean value "yes" for -force: parse error'),
    (["--preserve-fds", "three", "id"], False, 'invalid value "three" for flag -preserve-fds: parse error'),
    (["--preserve-fds", "9223372036854775808", "id"], False,
     'invalid value "9223372036854775808" for flag -preserve-fds: value out of range'),
    (["--interval", "5", "id"], False, 'invalid value "5" for flag -interval: parse error'),
    (["--interval", "5x", "id"], False, 'invalid value "5x" for flag -interval: parse error'),
])
def test_parse_refuses_like_go_flag(argv, stop, message):
    with pytest.raises(cli.IncorrectUsage) as err:
        cli.parse(_opts(), argv, stop_at_first_arg=stop)
    assert err.value.message == message and err.value.header == f"Incorrect Usage: {message}"


@pytest.mark.parametrize("argv,stop", [(["--help"], False), (["id", "-h"], False), (["-help", "id"], True),
                                       (["--h"], False), (["id", "--help=true"], False)])
def test_parse_help_like_urfave_cli(argv, stop):
    with pytest.raises(cli.HelpRequested):
        cli.parse(_opts(), argv, stop_at_first_arg=stop)


def test_parse_no_help_in_execs_command():
    assert cli.parse(_opts(), ["id", "sh", "--help"], stop_at_first_arg=True)[1] == ["id", "sh", "--help"]


@pytest.mark.parametrize("text,seconds", [("0", 0), ("5s", 5), ("1.5s", 1.5), ("-1s", -1), ("+2m", 120),
                                          ("1h1m1s", 3661), ("100ms", 0.1), (".5s", 0.5), ("3\u00b5s", 3e-6)])
def test_go_durations(text, seconds):
    assert cli.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "s", ".s", "1..5s", "5 s", "5S", "1d", "-", "0s5"])
def test_not_go_durations(text):
    with pytest.raises(ValueError):
        cli.parse_duration(text)
