"""pyrun exec: run a new process inside a running container."""

from runtime.cli import Option

USAGE = "pyrun exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>"
OPTIONS = [
    Option("--console-socket", kind="value", help="path to an AF_UNIX socket which will receive the pty master"),
    Option("--cwd", kind="value", help="current working directory in the container"),
    Option("--env", "-e", kind="list", help="set environment variables"),
    Option("--tty", "-t", help="allocate a pseudo-TTY"),
    Option("--user", "-u", kind="value", help="UID (format: <uid>[:<gid>])"),
    Option("--additional-gids", "-g", kind="list", help="additional gids"),
    Option("--process", "-p", kind="value", help="path to the process.json"),
    Option("--detach", "-d", help="detach from the container's process"),
    Option("--pid-file", kind="value", help="specify the file to write the process id to"),
    Option("--process-label", kind="value", help="set the asm process label for the process commonly used with selinux"),
    Option("--apparmor", kind="value", help="set the apparmor profile for the process"),
    Option("--no-new-privs", help="set the no new privileges value for the process"),
    Option("--cap", "-c", kind="list", help="add a capability to the bounding set for the process"),
    Option("--preserve-fds", kind="int", default=0, help="pass N additional file descriptors to the container"),
    Option("--ignore-paused", help="allow exec in a paused container"),
    Option("--cgroup", kind="list", help="run the process in an (existing) sub-cgroup(s)"),
]
# The command after the container id is the container's, options and all.
STOP_AT_FIRST_ARG = True


def main(g, opts, args):
    from runtime.cli import check_args, os_error_text
    from runtime.errors import PyrunError
    check_args(args, "exec", "a minimum of", 1)   # a usage error: exit 1, as runc's
    try:
        return _exec(g, opts, args)
    except PyrunError as err:
        err.exit_code = 255   # runc exits 255 when exec fails
        raise
    except OSError as err:
        raise PyrunError(os_error_text(err), 255) from None


def _exec(g, opts, args):
    from runtime import state
    from runtime.errors import PyrunError, UsageError
    from runtime.process import exec_parent
    if opts.preserve_fds < 0:
        raise UsageError("--preserve-fds must not be negative")
    container_id, command = args[0], args[1:]
    record = state.load(g.root, container_id)
    # runc's order: the container, its state, then the process (execute() checks the state
    # again once it holds the namespaces)
    exec_parent.refuse_by_status(state.status(record), opts.ignore_paused)
    if not command and not opts.process:
        raise PyrunError("process args cannot be empty")
    from runtime import sealed_exe
    # the exec's process is a fork of this one (see the module); before --process is read: a
    # re-execution would find a pipe's content gone
    sealed_exe.ensure()
    process = exec_parent.process_config(record.config, opts, command)
    return exec_parent.execute(g, record, process, opts)
