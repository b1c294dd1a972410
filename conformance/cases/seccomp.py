"""Seccomp (config-linux.md#seccomp): actions, errno values, argument conditions, kill."""

from conformance.registry import area, case

area("seccomp", "seccomp")


def _filter(names, action, **extra):
    rule = {"names": names, "action": action}
    rule.update(extra)
    return {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "syscalls": [rule]}


@case("seccomp.mode_filter", "config-linux.md#seccomp", "MUST",
      "a seccomp profile puts the program in seccomp filter mode")
def mode_filter(t):
    b = t.bundle("grep ^Seccomp: /proc/self/status")
    b.linux["seccomp"] = _filter(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO")
    t.eq(t.run(b).output().split()[-1], "2", "Seccomp mode (2 = filter)")


@case("seccomp.errno_default_eperm", "config-linux.md#seccomp", "MUST",
      "SCMP_ACT_ERRNO without errnoRet fails the syscall with EPERM")
def errno_default_eperm(t):
    b = t.bundle("mkdir /tmp/d 2>&1; [ -d /tmp/d ] && echo made || echo absent")
    b.linux["seccomp"] = _filter(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO")
    out = t.run(b).output()
    t.check("Operation not permitted" in out and "absent" in out, f"mkdir under the filter: {out!r}")


@case("seccomp.errno_ret", "config-linux.md#seccomp", "MUST",
      "errnoRet sets the errno the blocked syscall returns")
def errno_ret(t):
    b = t.bundle("mkdir /tmp/d 2>&1")
    b.linux["seccomp"] = _filter(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=38)
    out = t.run(b).output()
    t.check("Function not implemented" in out, f"mkdir with errnoRet 38 (ENOSYS): {out!r}")


@case("seccomp.default_errno_ret", "config-linux.md#seccomp", "MUST",
      "defaultErrnoRet is the errno of the default action")
def default_errno_ret(t):
    b = t.bundle("mkdir /tmp/d 2>&1")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                          "architectures": ["SCMP_ARCH_X86_64"],
                          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                                       {"names": _ALLOW, "action": "SCMP_ACT_ALLOW"}]}
    out = t.run(b).output()
    t.check("Operation not permitted" in out, f"mkdir (explicit rule, EPERM): {out!r}")


# what busybox sh + mkdir need, and what runc's and pyrun's own last steps may call after loading
_ALLOW = ["read", "write", "open", "openat", "close", "stat", "fstat", "lstat", "newfstatat", "statx", "poll",
          "lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
          "ioctl", "pread64", "access", "faccessat", "faccessat2", "pipe", "pipe2", "dup", "dup2", "dup3",
          "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "gettid", "fork", "vfork", "clone",
          "clone3", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "kill", "tgkill", "uname",
          "fcntl", "getcwd", "chdir", "fchdir", "getdents64", "readlink", "readlinkat", "umask",
          "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrandom", "futex",
          "sched_yield", "nanosleep", "clock_nanosleep", "clock_gettime", "gettimeofday", "sigaltstack",
          "capget", "capset", "prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid",
          "getgroups", "sched_getaffinity", "close_range", "epoll_pwait", "epoll_ctl", "epoll_create1",
          "fstatfs", "statfs", "madvise", "getrlimit", "setsid", "getpgrp", "setpgid", "getpgid",
          "openat2", "ppoll", "pselect6", "select", "sysinfo", "times", "getrusage", "rt_sigsuspend",
          "rt_sigtimedwait", "getpriority", "setpriority", "sched_getparam", "sched_getscheduler", "mremap",
          "personality", "setrlimit", "getsid", "flock", "fchmod", "fchown", "fsync", "ftruncate", "getxattr",
          "lgetxattr", "fgetxattr", "membarrier", "mlock", "munlock", "sched_setaffinity", "unshare", "setns"]


@case("seccomp.kill_process", "config-linux.md#seccomp", "MUST",
      "SCMP_ACT_KILL_PROCESS kills the program with SIGSYS")
def kill_process(t):
    b = t.bundle(args=["mkdir", "/tmp/d"])
    b.linux["seccomp"] = _filter(["mkdir", "mkdirat"], "SCMP_ACT_KILL_PROCESS")
    c = t.create(b)
    c.start()
    code = c.wait()
    t.check(code is not None, "cannot reap the container process for its exit status")
    t.eq(code, 128 + 31, "exit status (128 + SIGSYS)")


@case("seccomp.arg_condition", "config-linux.md#seccomp", "MUST",
      "args conditions limit a rule to matching argument values")
def arg_condition(t):
    b = t.bundle("trap '' USR1 USR2; kill -USR1 $$ 2>/dev/null && echo usr1-sent || echo usr1-blocked; "
                 "kill -USR2 $$ && echo usr2-sent")
    b.linux["seccomp"] = _filter(["kill"], "SCMP_ACT_ERRNO", args=[{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}])
    t.eq(t.run(b).output().split(), ["usr1-blocked", "usr2-sent"], "kill USR1 (blocked), kill USR2 (allowed)")


@case("seccomp.errno_ret_on_allow_refused", "config-linux.md#seccomp", "MUST",
      "errnoRet on an action that has no errno is an error")
def errno_ret_on_allow_refused(t):
    b = t.bundle("true")
    b.linux["seccomp"] = _filter(["mkdir"], "SCMP_ACT_ALLOW", errnoRet=5)
    b.linux["seccomp"]["defaultAction"] = "SCMP_ACT_ALLOW"
    res, _ = t.try_create(b)
    t.refused(res, "errnoRet on SCMP_ACT_ALLOW")


@case("seccomp.unknown_action_refused", "runtime.md#create", "MUST",
      "an unknown seccomp action cannot be applied: create errors")
def unknown_action_refused(t):
    b = t.bundle("true")
    b.linux["seccomp"] = _filter(["mkdir"], "SCMP_ACT_BOGUS")
    res, _ = t.try_create(b)
    t.refused(res, "action SCMP_ACT_BOGUS")


@case("seccomp.notify_listener", "config-linux.md#the-container-process-state", "MUST",
      "with SCMP_ACT_NOTIFY, listenerPath gets the container process state and exactly the seccomp fd")
def notify_listener(t):
    import json
    import os
    import socket
    import threading

    path = os.path.join(t.workdir, "seccomp-agent.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(t.timeout)
    got = {"data": b"", "fds": []}

    def agent():
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(t.timeout)
                while True:
                    data, fds, _, _ = socket.recv_fds(conn, 65536, 8)
                    got["fds"] += fds
                    if not data:
                        break
                    got["data"] += data
        except OSError as e:
            got["error"] = str(e)

    th = threading.Thread(target=agent, daemon=True)
    th.start()
    b = t.bundle("mkdir /tmp/d 2>/dev/null; echo mkdir-rc=$?")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "cf-meta",
                          "architectures": ["SCMP_ARCH_X86_64"],
                          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}
    c = t.create(b)
    th.join(t.timeout)
    srv.close()
    fds = got["fds"]
    for fd in fds:
        os.close(fd)  # no agent answers: the notified syscall fails, the program goes on
    t.check(got["data"], f"nothing arrived on listenerPath ({got.get('error', 'no connection')})")
    try:
        msg = json.loads(got["data"])
    except ValueError:
        raise AssertionError(f"listenerPath payload is not JSON: {got['data'][:200]!r}")
    t.eq(len(fds), 1, "file descriptors sent")
    t.eq(msg.get("fds"), ["seccompFd"], "fds names")
    t.eq(msg.get("metadata"), "cf-meta", "metadata")
    t.check(isinstance(msg.get("pid"), int) and msg["pid"] > 0, f"pid: {msg.get('pid')!r}")
    t.eq((msg.get("state") or {}).get("id"), c.id, "state.id")
    t.check(msg.get("ociVersion"), "no ociVersion")
