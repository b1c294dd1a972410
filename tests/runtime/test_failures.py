"""A failure at any step of create leaves nothing behind: no state directory, no process, no mount,
no cgroup; and the error names what failed. Each test injects one fault, then looks at the host."""

import json
import os
import shutil
import stat
import subprocess
import time
import uuid

import pytest

from testlib import leftovers, needs_root
from test_config_lib import processes_with

pytestmark = needs_root


def create_fails(rt, bundle, *extra):
    cid = rt.new_id()
    proc = rt("create", "-b", bundle.path, *extra, cid, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    left = leftovers(rt, cid, bundle)
    assert left == [], left
    return proc.stderr.strip()


def test_invalid_config_refused_naming_the_field(pyrun, make_bundle):
    bundle = make_bundle(args=[])
    err = create_fails(pyrun, bundle)
    assert err == "config.json: process.args: [] should be non-empty"


def test_config_not_json(pyrun, make_bundle):
    bundle = make_bundle()
    with open(os.path.join(bundle.path, "config.json"), "w") as f:
        f.write("{not json")
    assert "config.json" in create_fails(pyrun, bundle)


def test_config_missing(pyrun, make_bundle):
    bundle = make_bundle()
    os.unlink(os.path.join(bundle.path, "config.json"))
    assert "config.json" in create_fails(pyrun, bundle)


def test_missing_rootfs(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["root"]["path"] = "no-such-rootfs"
    bundle.save()
    assert "no-such-rootfs" in create_fails(pyrun, bundle)


def test_missing_executable(pyrun, make_bundle):
    bundle = make_bundle(args=["no-such-binary"])
    err = create_fails(pyrun, bundle)
    assert "executable file not found" in err and "no-such-binary" in err


def test_missing_executable_by_path(pyrun, make_bundle):
    bundle = make_bundle(args=["/bin/no-such-binary"])
    err = create_fails(pyrun, bundle)
    assert "/bin/no-such-binary" in err and "no such file or directory" in err


@pytest.mark.parametrize("program", ["/bin", "/etc/passwd"])
def test_a_directory_or_a_plain_file_as_the_program_as_runc(pyrun, runc, make_bundle, program):
    """runc's words for both: Go's exec.LookPath says permission denied."""
    bundle = make_bundle(args=[program])
    err = create_fails(pyrun, bundle)
    assert f'exec: "{program}": permission denied' in err, err
    assert f'exec: \\"{program}\\": permission denied' in create_fails(runc, bundle)


def test_bad_bind_mount_source(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["mounts"].append({"destination": "/data", "type": "bind", "source": "/no/such/source",
                                    "options": ["bind"]})
    bundle.save()
    assert "/no/such/source" in create_fails(pyrun, bundle)


def test_bad_mount_type(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["mounts"].append({"destination": "/x", "type": "nosuchfs", "source": "none"})
    bundle.save()
    assert "/x" in create_fails(pyrun, bundle)


def test_namespace_path_that_does_not_exist(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["linux"]["namespaces"] = [
        {"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "network", "path": "/run/netns/no-such-ns"}]
    bundle.save()
    assert "/run/netns/no-such-ns" in create_fails(pyrun, bundle)


def test_namespace_path_that_is_not_a_namespace(pyrun, make_bundle, tmp_path):
    bundle = make_bundle()
    plain = tmp_path / "plain-file"
    plain.write_text("")
    bundle.config["linux"]["namespaces"] = [{"type": "mount"}, {"type": "uts"}, {"type": "network", "path": str(plain)}]
    bundle.save()
    assert "not a namespace" in create_fails(pyrun, bundle)


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook(pyrun, make_bundle, kind):
    bundle = make_bundle()
    bundle.config["hooks"] = {kind: [{"path": "/bin/sh", "args": ["sh", "-c", "echo boom >&2; exit 3"]}]}
    bundle.save()
    err = create_fails(pyrun, bundle)
    assert f"{kind} hook" in err and "exit status 3" in err and "boom" in err


def test_hook_timeout(pyrun, make_bundle):
    """The hook is killed at its timeout: create fails then, not when the hook would end."""
    seconds = f"30.{uuid.uuid4().int % 10 ** 8}"   # names this hook's process
    bundle = make_bundle()
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", seconds], "timeout": 1}]}
    bundle.save()
    started = time.monotonic()
    assert "timeout" in create_fails(pyrun, bundle)
    assert time.monotonic() - started < 15
    assert not processes_with(seconds), "the timed-out hook still runs"


def test_failure_at_the_cgroup_step(pyrun, make_bundle):
    """A resource the kernel refuses, written once the cgroup exists."""
    bundle = make_bundle()
    bundle.config["linux"]["resources"] = {"cpu": {"cpus": "999"}}
    bundle.save()
    assert "999" in create_fails(pyrun, bundle)


def test_failure_writing_the_user_namespace_id_maps(pyrun, make_bundle):
    """A uid_map the kernel refuses (the range overflows), with the init already started."""
    bundle = make_bundle()
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 4294967000, "size": 65536}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    bundle.save()
    assert "uid_map" in create_fails(pyrun, bundle)


def test_executable_gone_at_start_is_told_on_the_containers_stderr(pyrun, runc, make_bundle, tmp_path):
    """Found at create, removed before start: execve fails after create has returned. start
    itself succeeds, as with runc; the container's stderr names the program, as runc's init does."""
    bundle = make_bundle(args=["/bin/gone"])
    seen = {}
    for rt in (pyrun, runc):
        shutil.copy2(os.path.join(bundle.rootfs, "bin", "busybox"), os.path.join(bundle.rootfs, "bin", "gone"))
        cid = rt.new_id()
        err_path = tmp_path / f"{os.path.basename(rt.binary)}.err"
        with open(err_path, "w") as err:
            created = subprocess.run(rt.cmd("create", "-b", bundle.path, cid), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=err, timeout=60)
        assert created.returncode == 0
        os.unlink(os.path.join(bundle.rootfs, "bin", "gone"))
        started = rt("start", cid, check=False)
        deadline = time.monotonic() + 5
        while rt.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rt.state(cid)["status"] == "stopped"
        seen[rt.binary] = started.returncode, err_path.read_text()
    (code, text), (runc_code, runc_text) = seen[pyrun.binary], seen[runc.binary]
    assert code == runc_code == 0
    assert "/bin/gone" in runc_text and "no such file or directory" in runc_text
    assert "/bin/gone" in text and "no such file or directory" in text, text


def test_bad_sysctl(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["linux"]["sysctl"] = {"net.ipv4.no_such_knob": "1"}
    bundle.save()
    assert "net.ipv4.no_such_knob" in create_fails(pyrun, bundle)


def test_missing_cwd_is_created_inside_the_rootfs(pyrun, make_bundle, tmp_path):
    """runc creates a missing cwd (images name a WorkingDir that may not exist); never outside the rootfs."""
    bundle = make_bundle(args=["pwd"])
    os.symlink(str(tmp_path / "outside"), os.path.join(bundle.rootfs, "escape"))
    bundle.config["process"]["cwd"] = "/escape/work"
    bundle.save()
    proc = pyrun("run", "-b", bundle.path, pyrun.new_id())
    # The absolute link is followed as if the rootfs were "/": the directory is made inside it.
    assert proc.stdout == f"{tmp_path}/outside/work\n"
    assert os.path.isdir(bundle.rootfs + f"{tmp_path}/outside/work")
    assert not (tmp_path / "outside").exists()


def test_rlimit_above_hard_limit(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 10 ** 7, "hard": 10 ** 7}]
    bundle.save()
    assert "RLIMIT_NOFILE" in create_fails(pyrun, bundle)


def test_terminal_without_console_socket(pyrun, make_bundle):
    bundle = make_bundle(terminal=True)
    assert "console-socket" in create_fails(pyrun, bundle)


def test_console_socket_that_does_not_exist(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(terminal=True)
    assert "console socket" in create_fails(pyrun, bundle, "--console-socket", str(tmp_path / "nope.sock"))


def test_listed_device_over_a_regular_file(pyrun, make_bundle):
    """runtime-spec: a file already at a device's path that is not that device is an error."""
    bundle = make_bundle()
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/dev"]
    with open(os.path.join(bundle.rootfs, "dev", "fuse"), "w") as f:
        f.write("not a device")
    bundle.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]
    bundle.save()
    assert "/dev/fuse" in create_fails(pyrun, bundle)


def test_unknown_capability(pyrun, make_bundle):
    bundle = make_bundle()
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_NO_SUCH")
    bundle.save()
    assert "CAP_NO_SUCH" in create_fails(pyrun, bundle)


def test_delete_force_removes_a_directory_without_record(pyrun, make_bundle):
    """A create killed half way can leave the container directory without its record: it must not
    block the id for ever."""
    cid = pyrun.new_id()
    os.makedirs(os.path.join(pyrun.root, cid))
    blocked = pyrun("create", "-b", make_bundle().path, cid, check=False)
    assert blocked.returncode == 1 and "already exists" in blocked.stderr
    assert pyrun("delete", "--force", cid).returncode == 0
    assert not os.path.exists(os.path.join(pyrun.root, cid))


def test_systemd_cgroup_driver_refused(pyrun, make_bundle):
    bundle = make_bundle()
    cid = pyrun.new_id()
    proc = pyrun("--systemd-cgroup", "create", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 1 and "--systemd-cgroup" in proc.stderr
    assert leftovers(pyrun, cid, bundle) == []


def test_existing_id_is_refused_and_the_first_container_untouched(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    before = pyrun.state(cid)
    again = pyrun("create", "-b", bundle.path, cid, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert pyrun.state(cid) == before


def test_json_error_log(pyrun, make_bundle, tmp_path):
    """--log-format json: exactly one error line, RFC 3339 time, same text on stderr."""
    bundle = make_bundle(args=["no-such-binary"])
    log = tmp_path / "log.json"
    cid = pyrun.new_id()
    proc = pyrun("--log", str(log), "--log-format", "json", "create", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 1
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    entry = json.loads(lines[0])
    assert entry["level"] == "error" and "executable file not found" in entry["msg"]
    assert entry["time"].endswith("Z") and entry["time"][10] == "T"
    assert proc.stderr.strip() == entry["msg"]


def test_runtime_started_with_empty_environment(make_bundle, tmp_path):
    """podman's cleanup runs the runtime with no PATH and no HOME."""
    import subprocess
    from testlib import PYRUN
    bundle = make_bundle(args=["true"])
    root = str(tmp_path / "root")
    proc = subprocess.run([PYRUN, "--root", root, "run", "-b", bundle.path, "envtest"],
                          env={}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([PYRUN, "--root", root, "delete", "--force", "envtest"], env={"XDG_RUNTIME_DIR": ""},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_state_dir_permissions(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    assert stat.S_IMODE(os.stat(pyrun.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(pyrun.root, cid, "state")).st_mode) == 0o600
