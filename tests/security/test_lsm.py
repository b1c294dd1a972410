"""LSM requests on a host without AppArmor or SELinux (these machines have neither): refused
with Unsupported naming what was asked, before anything is created."""

import pytest

from runtime import lsm
from runtime.errors import ConfigError, SetupError, Unsupported


@pytest.fixture
def no_lsm():
    if lsm.apparmor_enabled() or lsm.selinux_enabled():
        pytest.skip("this host has AppArmor or SELinux: the refusal paths do not apply")


def test_check_refuses_apparmor_profile(no_lsm):
    with pytest.raises(Unsupported) as err:
        lsm.check({"process": {"apparmorProfile": "docker-default"}})
    assert str(err.value) == ('apparmor profile "docker-default" requested but AppArmor is not '
                              'enabled on this host')


def test_check_refuses_selinux_labels(no_lsm):
    with pytest.raises(Unsupported, match='selinux label "system_u:system_r:container_t:s0" requested '
                                          'but SELinux is not enabled on this host'):
        lsm.check({"process": {"selinuxLabel": "system_u:system_r:container_t:s0"}})
    with pytest.raises(Unsupported, match='selinux mount label "system_u:object_r:container_file_t:s0"'):
        lsm.check({"linux": {"mountLabel": "system_u:object_r:container_file_t:s0"}})


def test_check_passes_when_nothing_is_asked():
    lsm.check({})
    lsm.check({"process": {"apparmorProfile": "", "selinuxLabel": ""}, "linux": {"mountLabel": ""}})


def test_check_rejects_non_strings():
    with pytest.raises(ConfigError, match="process.apparmorProfile: must be a string"):
        lsm.check({"process": {"apparmorProfile": 5}})


def test_apply_functions_write_without_asking_the_host_again(no_lsm):
    """They run inside the container, whose /sys has no securityfs as a rule: asking there whether
    the host has AppArmor would refuse every profile on an AppArmor host. check() asked before;
    here the write itself fails (no LSM takes it on this host), with its reason."""
    with pytest.raises(SetupError, match="apparmor failed to apply profile: .*(Invalid argument|No such file)"):
        lsm.apply_apparmor("docker-default")
    with pytest.raises(SetupError, match="selinux failed to set exec label: .*(Invalid argument|No such file)"):
        lsm.apply_selinux_label("system_u:system_r:container_t:s0")
    # nothing asked, nothing done
    lsm.apply_apparmor("")
    lsm.apply_selinux_label(None)


def test_mount_label(no_lsm):
    assert lsm.mount_label("", "mode=755") == "mode=755"
    with pytest.raises(Unsupported, match="SELinux is not enabled"):
        lsm.mount_label("system_u:object_r:container_file_t:s0", "mode=755")
