"""Pieces shared by several command modules (create's and run's option handling)."""

import os

from runtime.errors import UsageError


def preserve_fds(opts, env):
    """--preserve-fds N plus systemd socket activation's LISTEN_FDS (passed through as runc does)."""
    count = opts.preserve_fds   # an int: the option's kind parses and checks it
    if count < 0:
        raise UsageError("--preserve-fds must not be negative")
    listen = env.get("LISTEN_FDS")
    extra_env = []
    # Only fds systemd passed to this very process (go-systemd's activation.Files, which runc uses)
    if _is_int(listen) and int(listen) > 0 and _is_int(env.get("LISTEN_PID")) \
            and int(env["LISTEN_PID"]) == os.getpid():
        count += int(listen)
        extra_env = [f"LISTEN_FDS={listen}", "LISTEN_PID=1"]
    return count, extra_env


def _is_int(text):
    return text is not None and text.lstrip("+-").isdigit() and text.isascii()


def create_from_options(g, opts, container_id, foreground=False):
    """Create from create's/run's options. In the foreground (run without --detach), a terminal
    without --console-socket gets a socketpair whose other end pyrun keeps; without a terminal,
    those of our fds 0-2 that are terminals reach the container as pipes pyrun relays
    (terminal.pipes_for_terminals). Returns (Created, our socket end or None, the swapped pipes)."""
    from runtime.process import parent
    if g.systemd_cgroup:
        from runtime.errors import Unsupported
        raise Unsupported("--systemd-cgroup: pyrun has no systemd cgroup driver; "
                          "use the cgroupfs driver (drop the flag, as with runc's default)")
    if opts.bundle and not os.path.isdir(opts.bundle):
        # runc's first step is a chdir into the bundle, and that is what it says fails
        from runtime.errors import PyrunError
        reason = "not a directory" if os.path.exists(opts.bundle) else "no such file or directory"
        raise PyrunError(f"chdir {opts.bundle}: {reason}")
    bundle, config = parent.load_bundle(opts.bundle)
    from runtime import sealed_exe
    sealed_exe.ensure()   # the init is a fork of this process: see the module
    count, extra_env = preserve_fds(opts, os.environ)
    if extra_env:
        config["process"]["env"] = list(config["process"].get("env") or []) + extra_env
    if not opts.no_new_keyring:
        from runtime import linux
        try:
            linux.join_session_keyring(None)
        except OSError:
            pass  # keyrings may be unavailable (e.g. restricted by seccomp); runc ignores that too
    ours = theirs = None
    swapped = {}
    if foreground and opts.console_socket is None and config["process"].get("terminal"):
        import socket
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    elif foreground and not config["process"].get("terminal"):
        from runtime import terminal
        swapped = terminal.pipes_for_terminals()
    try:
        created = parent.create(g, container_id, bundle, config, pid_file=opts.pid_file,
                                console_socket=opts.console_socket, console_sock=theirs,
                                no_pivot=opts.no_pivot, preserve_fds=count)
    except BaseException:
        if ours is not None:
            ours.close()
        for _, pipe in swapped.values():
            os.close(pipe)
        raise
    finally:
        if theirs is not None:
            theirs.close()
        if swapped:
            terminal.restore_terminals(swapped)
    return created, ours, swapped
