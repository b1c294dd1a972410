"""Linux security modules: the AppArmor profile and SELinux labels a config asks for.

check() refuses, before anything is created, a profile or label the host cannot honour;
apply_apparmor() and apply_selinux_label() set the exec-time attribute of the calling thread
(it takes effect at the next execve, so call them just before it), as runc does;
mount_label() gives the mount data with the SELinux context option.
"""

import os

from runtime.errors import ConfigError, SetupError, Unsupported


def apparmor_enabled():
    """AppArmor is enforcing on this host (runc's test: securityfs dir and the module parameter)."""
    if not os.path.isdir("/sys/kernel/security/apparmor"):
        return False
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return f.read(1) == "Y"
    except OSError:
        return False


def selinux_enabled():
    """SELinux is active on this host: selinuxfs is mounted and the process has a real context."""
    if not os.path.exists("/sys/fs/selinux/enforce"):
        return False
    try:
        with open("/proc/self/attr/current") as f:
            current = f.read().strip("\0\n ")
    except OSError:
        return False
    return current not in ("", "kernel")


def check(config):
    """Raise Unsupported when config asks for an LSM this host does not have.

    Looks at process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
    """
    process = config.get("process") or {}
    linux_cfg = config.get("linux") or {}
    profile = process.get("apparmorProfile")
    if profile is not None and not isinstance(profile, str):
        raise ConfigError("process.apparmorProfile: must be a string")
    label = process.get("selinuxLabel")
    if label is not None and not isinstance(label, str):
        raise ConfigError("process.selinuxLabel: must be a string")
    mount = linux_cfg.get("mountLabel")
    if mount is not None and not isinstance(mount, str):
        raise ConfigError("linux.mountLabel: must be a string")
    if profile and not apparmor_enabled():
        raise Unsupported(f'apparmor profile "{profile}" requested but AppArmor is not enabled on this host')
    if label and not selinux_enabled():
        raise Unsupported(f'selinux label "{label}" requested but SELinux is not enabled on this host')
    if mount and not selinux_enabled():
        raise Unsupported(f'selinux mount label "{mount}" requested but SELinux is not enabled on this host')


def _write_attr(names, value, what):
    """Write value to the first of names (under /proc/thread-self/attr/) this kernel has, through
    runtime.procfs: a mount over it must not take the label (CVE-2025-52881)."""
    from runtime import procfs   # imported up front by runtime.process.setup.prepare
    last = None
    for name in names:
        relative = f"thread-self/attr/{name}"
        path = "/proc/" + relative
        try:
            fd = procfs.open_for_write(relative)
        except FileNotFoundError as err:
            last = err
            continue
        except SetupError as err:
            raise SetupError(f"{what}: {err.message}") from None
        except OSError as err:
            raise SetupError(f"{what}: open {path}: {err.strerror}") from None
        try:
            os.write(fd, value.encode())
            return
        except OSError as err:
            raise SetupError(f"{what}: write {path}: {err.strerror}") from None
        finally:
            os.close(fd)
    raise SetupError(f"{what}: {last.filename}: {last.strerror}")


# The apply functions run in the container's init (after pivot_root) or an exec's process (after
# setns): there /sys is the container's, without securityfs or selinuxfs as a rule, so they do not
# ask apparmor_enabled()/selinux_enabled() again. check() asked the host, in the runtime, before
# anything was made; a write the kernel still refuses fails here with its reason.

def apply_apparmor(profile):
    """Switch to AppArmor profile at the next execve (aa_change_onexec, as runc writes it)."""
    if not profile:
        return
    # Newer kernels have an AppArmor-specific attr directory (LSM stacking); the generic file is the fallback.
    _write_attr(("apparmor/exec", "exec"),
                "exec " + profile, "apparmor failed to apply profile")


def apply_selinux_label(label):
    """Run the next execve under SELinux label (the exec context)."""
    if not label:
        return
    _write_attr(("exec",), label, "selinux failed to set exec label")


def mount_label(label, data=""):
    """Mount data with context="label" added (runc's FormatMountLabel); data unchanged without a label."""
    if not label:
        return data
    if not selinux_enabled():
        raise Unsupported(f'selinux mount label "{label}" requested but SELinux is not enabled on this host')
    option = f'context="{label}"'
    return f"{data},{option}" if data else option
