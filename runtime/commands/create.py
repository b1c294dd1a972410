"""pyrun create: set the container up and leave its init waiting for `start`."""


from runtime.cli import Option, one_id

USAGE = "pyrun create [command options] <container-id>"
DESCRIPTION = """   The create command creates an instance of a container for a bundle. The bundle is a
   directory with a specification file named "config.json" and a root filesystem."""
OPTIONS = [
    Option("--bundle", "-b", kind="value", default=".", help="path to the root of the bundle directory"),
    Option("--console-socket", kind="value", help="path to an AF_UNIX socket which will receive the pty master"),
    Option("--pid-file", kind="value", help="specify the file to write the process id to"),
    Option("--no-pivot", help="do not use pivot root to jail process inside rootfs"),
    Option("--no-new-keyring", help="do not create a new session keyring for the container"),
    Option("--preserve-fds", kind="int", default=0, help="pass N additional file descriptors to the container"),
]


def main(g, opts, args):
    from runtime.commands import common
    container_id = one_id(args, "create")
    common.create_from_options(g, opts, container_id)   # returns (created, None, {}) here
    return 0
