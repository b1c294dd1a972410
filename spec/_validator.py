"""config.json validator precompiled from spec/schema/config-schema.json by spec/build_validator.py. DO NOT EDIT.

validate(config) returns config or raises JsonSchemaValueException at the first problem. The
message is terse on purpose: spec.validate re-runs jsonschema on failure for a message naming the field.
"""
# fastjsonschema 2.22.3, draft-04, detailed_exceptions=False, use_default=False.
# schema sha256 6e76d657025d5376eaec8f65188278a4d60c1c94322f8368f99e89840030bf07

from spec.patterns import MATCHERS


class JsonSchemaValueException(ValueError):
    """The config does not match the schema (fastjsonschema's exception, without its import)."""


class JsonSchemaValuesException(JsonSchemaValueException):
    pass


class Decimal:
    """Stand-in for decimal.Decimal in isinstance checks: json.loads never makes one."""


class _LazyPattern:
    """A schema pattern: spec.patterns' check for it, else a regex compiled on its first search()."""

    __slots__ = ("source", "search_fn")

    def __init__(self, source):
        self.source = source
        self.search_fn = MATCHERS.get(source)

    def search(self, text):
        if self.search_fn is None:
            import re
            self.search_fn = re.compile(self.source).search
        return self.search_fn(text)


REGEX_PATTERNS = {
    '^MB:[^\\n]*$': _LazyPattern('^MB:[^\\n]*\\Z'),
    '^[rwm]*$': _LazyPattern('^[rwm]*\\Z'),
    '^RLIMIT_[A-Z]+$': _LazyPattern('^RLIMIT_[A-Z]+\\Z'),
    '^[0-9, -]*$': _LazyPattern('^[0-9, -]*\\Z'),
    '^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$': _LazyPattern('^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?\\Z')
}

NoneType = type(None)

def validate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['ociVersion', 'root']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "ociVersion" in data_keys:
            data_keys.remove("ociVersion")
            data__ociVersion = data["ociVersion"]
            validate___definitions_ociversion(data__ociVersion, custom_formats, (name_prefix or "data") + ".ociVersion")
        if "root" in data_keys:
            data_keys.remove("root")
            data__root = data["root"]
            if not isinstance(data__root, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".root must be object")
            data__root_is_dict = isinstance(data__root, dict)
            if data__root_is_dict:
                data__root__missing_keys = set(['path']) - data__root.keys()
                if data__root__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".root must contain ")
                data__root_keys = set(data__root.keys())
                if "path" in data__root_keys:
                    data__root_keys.remove("path")
                    data__root__path = data__root["path"]
                    if not isinstance(data__root__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".root.path must be string")
                    if isinstance(data__root__path, str):
                        data__root__path_len = len(data__root__path)
                        if data__root__path_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".root.path must be longer than or equal to 1 characters")
                if "readonly" in data__root_keys:
                    data__root_keys.remove("readonly")
                    data__root__readonly = data__root["readonly"]
                    if not isinstance(data__root__readonly, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".root.readonly must be boolean")
        if "mounts" in data_keys:
            data_keys.remove("mounts")
            data__mounts = data["mounts"]
            if not isinstance(data__mounts, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mounts must be array")
            data__mounts_is_list = isinstance(data__mounts, (list, tuple))
            if data__mounts_is_list:
                data__mounts_len = len(data__mounts)
                for data__mounts_x, data__mounts_item in enumerate(data__mounts):
                    validate___definitions_mount(data__mounts_item, custom_formats, (name_prefix or "data") + ".mounts[{data__mounts_x}]".format(**locals()))
        if "process" in data_keys:
            data_keys.remove("process")
            data__process = data["process"]
            validate___definitions_process(data__process, custom_formats, (name_prefix or "data") + ".process")
        if "hostname" in data_keys:
            data_keys.remove("hostname")
            data__hostname = data["hostname"]
            if not isinstance(data__hostname, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".hostname must be string")
        if "domainname" in data_keys:
            data_keys.remove("domainname")
            data__domainname = data["domainname"]
            if not isinstance(data__domainname, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".domainname must be string")
        if "hooks" in data_keys:
            data_keys.remove("hooks")
            data__hooks = data["hooks"]
            if not isinstance(data__hooks, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".hooks must be object")
            data__hooks_is_dict = isinstance(data__hooks, dict)
            if data__hooks_is_dict:
                data__hooks_keys = set(data__hooks.keys())
                if "prestart" in data__hooks_keys:
                    data__hooks_keys.remove("prestart")
                    data__hooks__prestart = data__hooks["prestart"]
                    validate___definitions_arrayofhooks(data__hooks__prestart, custom_formats, (name_prefix or "data") + ".hooks.prestart")
                if "createRuntime" in data__hooks_keys:
                    data__hooks_keys.remove("createRuntime")
                    data__hooks__createRuntime = data__hooks["createRuntime"]
                    validate___definitions_arrayofhooks(data__hooks__createRuntime, custom_formats, (name_prefix or "data") + ".hooks.createRuntime")
                if "createContainer" in data__hooks_keys:
                    data__hooks_keys.remove("createContainer")
                    data__hooks__createContainer = data__hooks["createContainer"]
                    validate___definitions_arrayofhooks(data__hooks__createContainer, custom_formats, (name_prefix or "data") + ".hooks.createContainer")
                if "startContainer" in data__hooks_keys:
                    data__hooks_keys.remove("startContainer")
                    data__hooks__startContainer = data__hooks["startContainer"]
                    validate___definitions_arrayofhooks(data__hooks__startContainer, custom_formats, (name_prefix or "data") + ".hooks.startContainer")
                if "poststart" in data__hooks_keys:
                    data__hooks_keys.remove("poststart")
                    data__hooks__poststart = data__hooks["poststart"]
                    validate___definitions_arrayofhooks(data__hooks__poststart, custom_formats, (name_prefix or "data") + ".hooks.poststart")
                if "poststop" in data__hooks_keys:
                    data__hooks_keys.remove("poststop")
                    data__hooks__poststop = data__hooks["poststop"]
                    validate___definitions_arrayofhooks(data__hooks__poststop, custom_formats, (name_prefix or "data") + ".hooks.poststop")
        if "annotations" in data_keys:
            data_keys.remove("annotations")
            data__annotations = data["annotations"]
            validate___definitions_annotations(data__annotations, custom_formats, (name_prefix or "data") + ".annotations")
        if "linux" in data_keys:
            data_keys.remove("linux")
            data__linux = data["linux"]
            if not isinstance(data__linux, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux must be object")
            data__linux_is_dict = isinstance(data__linux, dict)
            if data__linux_is_dict:
                data__linux_keys = set(data__linux.keys())
                if "namespaces" in data__linux_keys:
                    data__linux_keys.remove("namespaces")
                    data__linux__namespaces = data__linux["namespaces"]
                    if not isinstance(data__linux__namespaces, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.namespaces must be array")
                    data__linux__namespaces_is_list = isinstance(data__linux__namespaces, (list, tuple))
                    if data__linux__namespaces_is_list:
                        data__linux__namespaces_len = len(data__linux__namespaces)
                        for data__linux__namespaces_x, data__linux__namespaces_item in enumerate(data__linux__namespaces):
                            validate___definitions_namespacereference(data__linux__namespaces_item, custom_formats, (name_prefix or "data") + ".linux.namespaces[{data__linux__namespaces_x}]".format(**locals()))
                if "uidMappings" in data__linux_keys:
                    data__linux_keys.remove("uidMappings")
                    data__linux__uidMappings = data__linux["uidMappings"]
                    validate___definitions_arrayofidmappings(data__linux__uidMappings, custom_formats, (name_prefix or "data") + ".linux.uidMappings")
                if "gidMappings" in data__linux_keys:
                    data__linux_keys.remove("gidMappings")
                    data__linux__gidMappings = data__linux["gidMappings"]
                    validate___definitions_arrayofidmappings(data__linux__gidMappings, custom_formats, (name_prefix or "data") + ".linux.gidMappings")
                if "timeOffsets" in data__linux_keys:
                    data__linux_keys.remove("timeOffsets")
                    data__linux__timeOffsets = data__linux["timeOffsets"]
                    if not isinstance(data__linux__timeOffsets, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.timeOffsets must be object")
                    data__linux__timeOffsets_is_dict = isinstance(data__linux__timeOffsets, dict)
                    if data__linux__timeOffsets_is_dict:
                        data__linux__timeOffsets_keys = set(data__linux__timeOffsets.keys())
                        for data__linux__timeOffsets_key in data__linux__timeOffsets_keys:
                            if data__linux__timeOffsets_key not in []:
                                data__linux__timeOffsets_value = data__linux__timeOffsets.get(data__linux__timeOffsets_key)
                                validate___definitions_timeoffset(data__linux__timeOffsets_value, custom_formats, (name_prefix or "data") + ".linux.timeOffsets.{data__linux__timeOffsets_key}".format(**locals()))
                if "devices" in data__linux_keys:
                    data__linux_keys.remove("devices")
                    data__linux__devices = data__linux["devices"]
                    if not isinstance(data__linux__devices, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.devices must be array")
                    data__linux__devices_is_list = isinstance(data__linux__devices, (list, tuple))
                    if data__linux__devices_is_list:
                        data__linux__devices_len = len(data__linux__devices)
                        for data__linux__devices_x, data__linux__devices_item in enumerate(data__linux__devices):
                            validate___definitions_device(data__linux__devices_item, custom_formats, (name_prefix or "data") + ".linux.devices[{data__linux__devices_x}]".format(**locals()))
                if "netDevices" in data__linux_keys:
                    data__linux_keys.remove("netDevices")
                    data__linux__netDevices = data__linux["netDevices"]
                    if not isinstance(data__linux__netDevices, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.netDevices must be object")
                    data__linux__netDevices_is_dict = isinstance(data__linux__netDevices, dict)
                    if data__linux__netDevices_is_dict:
                        data__linux__netDevices_keys = set(data__linux__netDevices.keys())
                        for data__linux__netDevices_key in data__linux__netDevices_keys:
                            if data__linux__netDevices_key not in []:
                                data__linux__netDevices_value = data__linux__netDevices.get(data__linux__netDevices_key)
                                if not isinstance(data__linux__netDevices_value, (dict)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.netDevices.{data__linux__netDevices_key}".format(**locals()) + " must be object")
                                data__linux__netDevices_value_is_dict = isinstance(data__linux__netDevices_value, dict)
                                if data__linux__netDevices_value_is_dict:
                                    data__linux__netDevices_value_keys = set(data__linux__netDevices_value.keys())
                                    if "name" in data__linux__netDevices_value_keys:
                                        data__linux__netDevices_value_keys.remove("name")
                                        data__linux__netDevices_value__name = data__linux__netDevices_value["name"]
                                        if not isinstance(data__linux__netDevices_value__name, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.netDevices.{data__linux__netDevices_key}.name".format(**locals()) + " must be string")
                if "cgroupsPath" in data__linux_keys:
                    data__linux_keys.remove("cgroupsPath")
                    data__linux__cgroupsPath = data__linux["cgroupsPath"]
                    if not isinstance(data__linux__cgroupsPath, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.cgroupsPath must be string")
                if "resources" in data__linux_keys:
                    data__linux_keys.remove("resources")
                    data__linux__resources = data__linux["resources"]
                    if not isinstance(data__linux__resources, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources must be object")
                    data__linux__resources_is_dict = isinstance(data__linux__resources, dict)
                    if data__linux__resources_is_dict:
                        data__linux__resources_keys = set(data__linux__resources.keys())
                        if "devices" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("devices")
                            data__linux__resources__devices = data__linux__resources["devices"]
                            if not isinstance(data__linux__resources__devices, (list, tuple)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.devices must be array")
                            data__linux__resources__devices_is_list = isinstance(data__linux__resources__devices, (list, tuple))
                            if data__linux__resources__devices_is_list:
                                data__linux__resources__devices_len = len(data__linux__resources__devices)
                                for data__linux__resources__devices_x, data__linux__resources__devices_item in enumerate(data__linux__resources__devices):
                                    validate___definitions_devicecgroup(data__linux__resources__devices_item, custom_formats, (name_prefix or "data") + ".linux.resources.devices[{data__linux__resources__devices_x}]".format(**locals()))
                        if "memory" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("memory")
                            data__linux__resources__memory = data__linux__resources["memory"]
                            if not isinstance(data__linux__resources__memory, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.memory must be object")
                            data__linux__resources__memory_is_dict = isinstance(data__linux__resources__memory, dict)
                            if data__linux__resources__memory_is_dict:
                                data__linux__resources__memory_keys = set(data__linux__resources__memory.keys())
                                if "limit" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("limit")
                                    data__linux__resources__memory__limit = data__linux__resources__memory["limit"]
                                    validate___definitions_int64(data__linux__resources__memory__limit, custom_formats, (name_prefix or "data") + ".linux.resources.memory.limit")
                                if "reservation" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("reservation")
                                    data__linux__resources__memory__reservation = data__linux__resources__memory["reservation"]
                                    validate___definitions_int64(data__linux__resources__memory__reservation, custom_formats, (name_prefix or "data") + ".linux.resources.memory.reservation")
                                if "swap" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("swap")
                                    data__linux__resources__memory__swap = data__linux__resources__memory["swap"]
                                    validate___definitions_int64(data__linux__resources__memory__swap, custom_formats, (name_prefix or "data") + ".linux.resources.memory.swap")
                                if "kernel" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("kernel")
                                    data__linux__resources__memory__kernel = data__linux__resources__memory["kernel"]
                                    validate___definitions_int64(data__linux__resources__memory__kernel, custom_formats, (name_prefix or "data") + ".linux.resources.memory.kernel")
                                if "kernelTCP" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("kernelTCP")
                                    data__linux__resources__memory__kernelTCP = data__linux__resources__memory["kernelTCP"]
                                    validate___definitions_int64(data__linux__resources__memory__kernelTCP, custom_formats, (name_prefix or "data") + ".linux.resources.memory.kernelTCP")
                                if "swappiness" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("swappiness")
                                    data__linux__resources__memory__swappiness = data__linux__resources__memory["swappiness"]
                                    validate___definitions_percent(data__linux__resources__memory__swappiness, custom_formats, (name_prefix or "data") + ".linux.resources.memory.swappiness")
                                if "disableOOMKiller" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("disableOOMKiller")
                                    data__linux__resources__memory__disableOOMKiller = data__linux__resources__memory["disableOOMKiller"]
                                    if not isinstance(data__linux__resources__memory__disableOOMKiller, (bool)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.memory.disableOOMKiller must be boolean")
                                if "useHierarchy" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("useHierarchy")
                                    data__linux__resources__memory__useHierarchy = data__linux__resources__memory["useHierarchy"]
                                    if not isinstance(data__linux__resources__memory__useHierarchy, (bool)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.memory.useHierarchy must be boolean")
                                if "checkBeforeUpdate" in data__linux__resources__memory_keys:
                                    data__linux__resources__memory_keys.remove("checkBeforeUpdate")
                                    data__linux__resources__memory__checkBeforeUpdate = data__linux__resources__memory["checkBeforeUpdate"]
                                    if not isinstance(data__linux__resources__memory__checkBeforeUpdate, (bool)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.memory.checkBeforeUpdate must be boolean")
                        if "cpu" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("cpu")
                            data__linux__resources__cpu = data__linux__resources["cpu"]
                            if not isinstance(data__linux__resources__cpu, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.cpu must be object")
                            data__linux__resources__cpu_is_dict = isinstance(data__linux__resources__cpu, dict)
                            if data__linux__resources__cpu_is_dict:
                                data__linux__resources__cpu_keys = set(data__linux__resources__cpu.keys())
                                if "shares" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("shares")
                                    data__linux__resources__cpu__shares = data__linux__resources__cpu["shares"]
                                    validate___definitions_uint64(data__linux__resources__cpu__shares, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.shares")
                                if "quota" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("quota")
                                    data__linux__resources__cpu__quota = data__linux__resources__cpu["quota"]
                                    validate___definitions_int64(data__linux__resources__cpu__quota, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.quota")
                                if "burst" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("burst")
                                    data__linux__resources__cpu__burst = data__linux__resources__cpu["burst"]
                                    validate___definitions_uint64(data__linux__resources__cpu__burst, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.burst")
                                if "period" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("period")
                                    data__linux__resources__cpu__period = data__linux__resources__cpu["period"]
                                    validate___definitions_uint64(data__linux__resources__cpu__period, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.period")
                                if "realtimeRuntime" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("realtimeRuntime")
                                    data__linux__resources__cpu__realtimeRuntime = data__linux__resources__cpu["realtimeRuntime"]
                                    validate___definitions_int64(data__linux__resources__cpu__realtimeRuntime, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.realtimeRuntime")
                                if "realtimePeriod" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("realtimePeriod")
                                    data__linux__resources__cpu__realtimePeriod = data__linux__resources__cpu["realtimePeriod"]
                                    validate___definitions_uint64(data__linux__resources__cpu__realtimePeriod, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.realtimePeriod")
                                if "cpus" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("cpus")
                                    data__linux__resources__cpu__cpus = data__linux__resources__cpu["cpus"]
                                    if not isinstance(data__linux__resources__cpu__cpus, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.cpu.cpus must be string")
                                if "mems" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("mems")
                                    data__linux__resources__cpu__mems = data__linux__resources__cpu["mems"]
                                    if not isinstance(data__linux__resources__cpu__mems, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.cpu.mems must be string")
                                if "idle" in data__linux__resources__cpu_keys:
                                    data__linux__resources__cpu_keys.remove("idle")
                                    data__linux__resources__cpu__idle = data__linux__resources__cpu["idle"]
                                    validate___definitions_int64(data__linux__resources__cpu__idle, custom_formats, (name_prefix or "data") + ".linux.resources.cpu.idle")
                        if "blockIO" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("blockIO")
                            data__linux__resources__blockIO = data__linux__resources["blockIO"]
                            if not isinstance(data__linux__resources__blockIO, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.blockIO must be object")
                            data__linux__resources__blockIO_is_dict = isinstance(data__linux__resources__blockIO, dict)
                            if data__linux__resources__blockIO_is_dict:
                                data__linux__resources__blockIO_keys = set(data__linux__resources__blockIO.keys())
                                if "weight" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("weight")
                                    data__linux__resources__blockIO__weight = data__linux__resources__blockIO["weight"]
                                    validate___definitions_uint16(data__linux__resources__blockIO__weight, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.weight")
                                if "leafWeight" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("leafWeight")
                                    data__linux__resources__blockIO__leafWeight = data__linux__resources__blockIO["leafWeight"]
                                    validate___definitions_uint16(data__linux__resources__blockIO__leafWeight, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.leafWeight")
                                if "weightDevice" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("weightDevice")
                                    data__linux__resources__blockIO__weightDevice = data__linux__resources__blockIO["weightDevice"]
                                    if not isinstance(data__linux__resources__blockIO__weightDevice, (list, tuple)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.blockIO.weightDevice must be array")
                                    data__linux__resources__blockIO__weightDevice_is_list = isinstance(data__linux__resources__blockIO__weightDevice, (list, tuple))
                                    if data__linux__resources__blockIO__weightDevice_is_list:
                                        data__linux__resources__blockIO__weightDevice_len = len(data__linux__resources__blockIO__weightDevice)
                                        for data__linux__resources__blockIO__weightDevice_x, data__linux__resources__blockIO__weightDevice_item in enumerate(data__linux__resources__blockIO__weightDevice):
                                            validate___definitions_blockiodeviceweight(data__linux__resources__blockIO__weightDevice_item, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.weightDevice[{data__linux__resources__blockIO__weightDevice_x}]".format(**locals()))
                                if "throttleReadBpsDevice" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("throttleReadBpsDevice")
                                    data__linux__resources__blockIO__throttleReadBpsDevice = data__linux__resources__blockIO["throttleReadBpsDevice"]
                                    validate___definitions_arrayofblockiodevicethrottles(data__linux__resources__blockIO__throttleReadBpsDevice, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.throttleReadBpsDevice")
                                if "throttleWriteBpsDevice" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("throttleWriteBpsDevice")
                                    data__linux__resources__blockIO__throttleWriteBpsDevice = data__linux__resources__blockIO["throttleWriteBpsDevice"]
                                    validate___definitions_arrayofblockiodevicethrottles(data__linux__resources__blockIO__throttleWriteBpsDevice, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.throttleWriteBpsDevice")
                                if "throttleReadIOPSDevice" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("throttleReadIOPSDevice")
                                    data__linux__resources__blockIO__throttleReadIOPSDevice = data__linux__resources__blockIO["throttleReadIOPSDevice"]
                                    validate___definitions_arrayofblockiodevicethrottles(data__linux__resources__blockIO__throttleReadIOPSDevice, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.throttleReadIOPSDevice")
                                if "throttleWriteIOPSDevice" in data__linux__resources__blockIO_keys:
                                    data__linux__resources__blockIO_keys.remove("throttleWriteIOPSDevice")
                                    data__linux__resources__blockIO__throttleWriteIOPSDevice = data__linux__resources__blockIO["throttleWriteIOPSDevice"]
                                    validate___definitions_arrayofblockiodevicethrottles(data__linux__resources__blockIO__throttleWriteIOPSDevice, custom_formats, (name_prefix or "data") + ".linux.resources.blockIO.throttleWriteIOPSDevice")
                        if "hugepageLimits" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("hugepageLimits")
                            data__linux__resources__hugepageLimits = data__linux__resources["hugepageLimits"]
                            if not isinstance(data__linux__resources__hugepageLimits, (list, tuple)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.hugepageLimits must be array")
                            data__linux__resources__hugepageLimits_is_list = isinstance(data__linux__resources__hugepageLimits, (list, tuple))
                            if data__linux__resources__hugepageLimits_is_list:
                                data__linux__resources__hugepageLimits_len = len(data__linux__resources__hugepageLimits)
                                for data__linux__resources__hugepageLimits_x, data__linux__resources__hugepageLimits_item in enumerate(data__linux__resources__hugepageLimits):
                                    if not isinstance(data__linux__resources__hugepageLimits_item, (dict)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.hugepageLimits[{data__linux__resources__hugepageLimits_x}]".format(**locals()) + " must be object")
                                    data__linux__resources__hugepageLimits_item_is_dict = isinstance(data__linux__resources__hugepageLimits_item, dict)
                                    if data__linux__resources__hugepageLimits_item_is_dict:
                                        data__linux__resources__hugepageLimits_item__missing_keys = set(['pageSize', 'limit']) - data__linux__resources__hugepageLimits_item.keys()
                                        if data__linux__resources__hugepageLimits_item__missing_keys:
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.hugepageLimits[{data__linux__resources__hugepageLimits_x}]".format(**locals()) + " must contain ")
                                        data__linux__resources__hugepageLimits_item_keys = set(data__linux__resources__hugepageLimits_item.keys())
                                        if "pageSize" in data__linux__resources__hugepageLimits_item_keys:
                                            data__linux__resources__hugepageLimits_item_keys.remove("pageSize")
                                            data__linux__resources__hugepageLimits_item__pageSize = data__linux__resources__hugepageLimits_item["pageSize"]
                                            if not isinstance(data__linux__resources__hugepageLimits_item__pageSize, (str)):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.hugepageLimits[{data__linux__resources__hugepageLimits_x}].pageSize".format(**locals()) + " must be string")
                                        if "limit" in data__linux__resources__hugepageLimits_item_keys:
                                            data__linux__resources__hugepageLimits_item_keys.remove("limit")
                                            data__linux__resources__hugepageLimits_item__limit = data__linux__resources__hugepageLimits_item["limit"]
                                            validate___definitions_uint64(data__linux__resources__hugepageLimits_item__limit, custom_formats, (name_prefix or "data") + ".linux.resources.hugepageLimits[{data__linux__resources__hugepageLimits_x}].limit".format(**locals()))
                        if "network" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("network")
                            data__linux__resources__network = data__linux__resources["network"]
                            if not isinstance(data__linux__resources__network, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.network must be object")
                            data__linux__resources__network_is_dict = isinstance(data__linux__resources__network, dict)
                            if data__linux__resources__network_is_dict:
                                data__linux__resources__network_keys = set(data__linux__resources__network.keys())
                                if "classID" in data__linux__resources__network_keys:
                                    data__linux__resources__network_keys.remove("classID")
                                    data__linux__resources__network__classID = data__linux__resources__network["classID"]
                                    validate___definitions_uint32(data__linux__resources__network__classID, custom_formats, (name_prefix or "data") + ".linux.resources.network.classID")
                                if "priorities" in data__linux__resources__network_keys:
                                    data__linux__resources__network_keys.remove("priorities")
                                    data__linux__resources__network__priorities = data__linux__resources__network["priorities"]
                                    if not isinstance(data__linux__resources__network__priorities, (list, tuple)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.network.priorities must be array")
                                    data__linux__resources__network__priorities_is_list = isinstance(data__linux__resources__network__priorities, (list, tuple))
                                    if data__linux__resources__network__priorities_is_list:
                                        data__linux__resources__network__priorities_len = len(data__linux__resources__network__priorities)
                                        for data__linux__resources__network__priorities_x, data__linux__resources__network__priorities_item in enumerate(data__linux__resources__network__priorities):
                                            validate___definitions_networkinterfacepriority(data__linux__resources__network__priorities_item, custom_formats, (name_prefix or "data") + ".linux.resources.network.priorities[{data__linux__resources__network__priorities_x}]".format(**locals()))
                        if "pids" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("pids")
                            data__linux__resources__pids = data__linux__resources["pids"]
                            if not isinstance(data__linux__resources__pids, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.pids must be object")
                            data__linux__resources__pids_is_dict = isinstance(data__linux__resources__pids, dict)
                            if data__linux__resources__pids_is_dict:
                                data__linux__resources__pids__missing_keys = set(['limit']) - data__linux__resources__pids.keys()
                                if data__linux__resources__pids__missing_keys:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.pids must contain ")
                                data__linux__resources__pids_keys = set(data__linux__resources__pids.keys())
                                if "limit" in data__linux__resources__pids_keys:
                                    data__linux__resources__pids_keys.remove("limit")
                                    data__linux__resources__pids__limit = data__linux__resources__pids["limit"]
                                    validate___definitions_int64(data__linux__resources__pids__limit, custom_formats, (name_prefix or "data") + ".linux.resources.pids.limit")
                        if "rdma" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("rdma")
                            data__linux__resources__rdma = data__linux__resources["rdma"]
                            if not isinstance(data__linux__resources__rdma, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.resources.rdma must be object")
                            data__linux__resources__rdma_is_dict = isinstance(data__linux__resources__rdma, dict)
                            if data__linux__resources__rdma_is_dict:
                                data__linux__resources__rdma_keys = set(data__linux__resources__rdma.keys())
                                for data__linux__resources__rdma_key in data__linux__resources__rdma_keys:
                                    if data__linux__resources__rdma_key not in []:
                                        data__linux__resources__rdma_value = data__linux__resources__rdma.get(data__linux__resources__rdma_key)
                                        validate___definitions_rdma(data__linux__resources__rdma_value, custom_formats, (name_prefix or "data") + ".linux.resources.rdma.{data__linux__resources__rdma_key}".format(**locals()))
                        if "unified" in data__linux__resources_keys:
                            data__linux__resources_keys.remove("unified")
                            data__linux__resources__unified = data__linux__resources["unified"]
                            validate___definitions_mapstringstring(data__linux__resources__unified, custom_formats, (name_prefix or "data") + ".linux.resources.unified")
                if "intelRdt" in data__linux_keys:
                    data__linux_keys.remove("intelRdt")
                    data__linux__intelRdt = data__linux["intelRdt"]
                    if not isinstance(data__linux__intelRdt, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt must be object")
                    data__linux__intelRdt_is_dict = isinstance(data__linux__intelRdt, dict)
                    if data__linux__intelRdt_is_dict:
                        data__linux__intelRdt_keys = set(data__linux__intelRdt.keys())
                        if "closID" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("closID")
                            data__linux__intelRdt__closID = data__linux__intelRdt["closID"]
                            if not isinstance(data__linux__intelRdt__closID, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.closID must be string")
                        if "l3CacheSchema" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("l3CacheSchema")
                            data__linux__intelRdt__l3CacheSchema = data__linux__intelRdt["l3CacheSchema"]
                            if not isinstance(data__linux__intelRdt__l3CacheSchema, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.l3CacheSchema must be string")
                        if "memBwSchema" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("memBwSchema")
                            data__linux__intelRdt__memBwSchema = data__linux__intelRdt["memBwSchema"]
                            if not isinstance(data__linux__intelRdt__memBwSchema, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.memBwSchema must be string")
                            if isinstance(data__linux__intelRdt__memBwSchema, str):
                                if not REGEX_PATTERNS['^MB:[^\\n]*$'].search(data__linux__intelRdt__memBwSchema):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.memBwSchema must match pattern ^MB:[^\\n]*$")
                        if "schemata" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("schemata")
                            data__linux__intelRdt__schemata = data__linux__intelRdt["schemata"]
                            if not isinstance(data__linux__intelRdt__schemata, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.schemata must be string")
                        if "enableCMT" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("enableCMT")
                            data__linux__intelRdt__enableCMT = data__linux__intelRdt["enableCMT"]
                            if not isinstance(data__linux__intelRdt__enableCMT, (bool)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.enableCMT must be boolean")
                        if "enableMBM" in data__linux__intelRdt_keys:
                            data__linux__intelRdt_keys.remove("enableMBM")
                            data__linux__intelRdt__enableMBM = data__linux__intelRdt["enableMBM"]
                            if not isinstance(data__linux__intelRdt__enableMBM, (bool)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.intelRdt.enableMBM must be boolean")
                if "sysctl" in data__linux_keys:
                    data__linux_keys.remove("sysctl")
                    data__linux__sysctl = data__linux["sysctl"]
                    validate___definitions_mapstringstring(data__linux__sysctl, custom_formats, (name_prefix or "data") + ".linux.sysctl")
                if "seccomp" in data__linux_keys:
                    data__linux_keys.remove("seccomp")
                    data__linux__seccomp = data__linux["seccomp"]
                    validate___definitions_seccomp(data__linux__seccomp, custom_formats, (name_prefix or "data") + ".linux.seccomp")
                if "rootfsPropagation" in data__linux_keys:
                    data__linux_keys.remove("rootfsPropagation")
                    data__linux__rootfsPropagation = data__linux["rootfsPropagation"]
                    validate___definitions_rootfspropagation(data__linux__rootfsPropagation, custom_formats, (name_prefix or "data") + ".linux.rootfsPropagation")
                if "maskedPaths" in data__linux_keys:
                    data__linux_keys.remove("maskedPaths")
                    data__linux__maskedPaths = data__linux["maskedPaths"]
                    validate___definitions_arrayofstrings(data__linux__maskedPaths, custom_formats, (name_prefix or "data") + ".linux.maskedPaths")
                if "readonlyPaths" in data__linux_keys:
                    data__linux_keys.remove("readonlyPaths")
                    data__linux__readonlyPaths = data__linux["readonlyPaths"]
                    validate___definitions_arrayofstrings(data__linux__readonlyPaths, custom_formats, (name_prefix or "data") + ".linux.readonlyPaths")
                if "mountLabel" in data__linux_keys:
                    data__linux_keys.remove("mountLabel")
                    data__linux__mountLabel = data__linux["mountLabel"]
                    if not isinstance(data__linux__mountLabel, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.mountLabel must be string")
                if "personality" in data__linux_keys:
                    data__linux_keys.remove("personality")
                    data__linux__personality = data__linux["personality"]
                    if not isinstance(data__linux__personality, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.personality must be object")
                    data__linux__personality_is_dict = isinstance(data__linux__personality, dict)
                    if data__linux__personality_is_dict:
                        data__linux__personality__missing_keys = set(['domain']) - data__linux__personality.keys()
                        if data__linux__personality__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".linux.personality must contain ")
                        data__linux__personality_keys = set(data__linux__personality.keys())
                        if "domain" in data__linux__personality_keys:
                            data__linux__personality_keys.remove("domain")
                            data__linux__personality__domain = data__linux__personality["domain"]
                            validate___definitions_personalitydomain(data__linux__personality__domain, custom_formats, (name_prefix or "data") + ".linux.personality.domain")
                        if "flags" in data__linux__personality_keys:
                            data__linux__personality_keys.remove("flags")
                            data__linux__personality__flags = data__linux__personality["flags"]
                            validate___definitions_arrayofstrings(data__linux__personality__flags, custom_formats, (name_prefix or "data") + ".linux.personality.flags")
    return data

def validate___definitions_personalitydomain(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'LINUX' or isinstance(data, str) and data == 'LINUX32'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['LINUX', 'LINUX32']")
    return data

def validate___definitions_arrayofstrings(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be string")
    return data

def validate___definitions_rootfspropagation(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == '' or isinstance(data, str) and data == 'private' or isinstance(data, str) and data == 'rprivate' or isinstance(data, str) and data == 'shared' or isinstance(data, str) and data == 'rshared' or isinstance(data, str) and data == 'slave' or isinstance(data, str) and data == 'rslave' or isinstance(data, str) and data == 'unbindable' or isinstance(data, str) and data == 'runbindable'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']")
    return data

def validate___definitions_seccomp(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['defaultAction']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "defaultAction" in data_keys:
            data_keys.remove("defaultAction")
            data__defaultAction = data["defaultAction"]
            validate___definitions_seccompaction(data__defaultAction, custom_formats, (name_prefix or "data") + ".defaultAction")
        if "defaultErrnoRet" in data_keys:
            data_keys.remove("defaultErrnoRet")
            data__defaultErrnoRet = data["defaultErrnoRet"]
            validate___definitions_uint32(data__defaultErrnoRet, custom_formats, (name_prefix or "data") + ".defaultErrnoRet")
        if "architectures" in data_keys:
            data_keys.remove("architectures")
            data__architectures = data["architectures"]
            if not isinstance(data__architectures, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".architectures must be array")
            data__architectures_is_list = isinstance(data__architectures, (list, tuple))
            if data__architectures_is_list:
                data__architectures_len = len(data__architectures)
                for data__architectures_x, data__architectures_item in enumerate(data__architectures):
                    validate___definitions_seccomparch(data__architectures_item, custom_formats, (name_prefix or "data") + ".architectures[{data__architectures_x}]".format(**locals()))
        if "flags" in data_keys:
            data_keys.remove("flags")
            data__flags = data["flags"]
            if not isinstance(data__flags, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".flags must be array")
            data__flags_is_list = isinstance(data__flags, (list, tuple))
            if data__flags_is_list:
                data__flags_len = len(data__flags)
                for data__flags_x, data__flags_item in enumerate(data__flags):
                    validate___definitions_seccompflag(data__flags_item, custom_formats, (name_prefix or "data") + ".flags[{data__flags_x}]".format(**locals()))
        if "listenerPath" in data_keys:
            data_keys.remove("listenerPath")
            data__listenerPath = data["listenerPath"]
            validate___definitions_filepath(data__listenerPath, custom_formats, (name_prefix or "data") + ".listenerPath")
        if "listenerMetadata" in data_keys:
            data_keys.remove("listenerMetadata")
            data__listenerMetadata = data["listenerMetadata"]
            if not isinstance(data__listenerMetadata, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".listenerMetadata must be string")
        if "syscalls" in data_keys:
            data_keys.remove("syscalls")
            data__syscalls = data["syscalls"]
            if not isinstance(data__syscalls, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".syscalls must be array")
            data__syscalls_is_list = isinstance(data__syscalls, (list, tuple))
            if data__syscalls_is_list:
                data__syscalls_len = len(data__syscalls)
                for data__syscalls_x, data__syscalls_item in enumerate(data__syscalls):
                    validate___definitions_syscall(data__syscalls_item, custom_formats, (name_prefix or "data") + ".syscalls[{data__syscalls_x}]".format(**locals()))
    return data

def validate___definitions_syscall(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['names', 'action']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "names" in data_keys:
            data_keys.remove("names")
            data__names = data["names"]
            if not isinstance(data__names, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".names must be array")
            data__names_is_list = isinstance(data__names, (list, tuple))
            if data__names_is_list:
                data__names_len = len(data__names)
                if data__names_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".names must contain at least 1 items")
                for data__names_x, data__names_item in enumerate(data__names):
                    if not isinstance(data__names_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".names[{data__names_x}]".format(**locals()) + " must be string")
        if "action" in data_keys:
            data_keys.remove("action")
            data__action = data["action"]
            validate___definitions_seccompaction(data__action, custom_formats, (name_prefix or "data") + ".action")
        if "errnoRet" in data_keys:
            data_keys.remove("errnoRet")
            data__errnoRet = data["errnoRet"]
            validate___definitions_uint32(data__errnoRet, custom_formats, (name_prefix or "data") + ".errnoRet")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            if not isinstance(data__args, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be array")
            data__args_is_list = isinstance(data__args, (list, tuple))
            if data__args_is_list:
                data__args_len = len(data__args)
                for data__args_x, data__args_item in enumerate(data__args):
                    validate___definitions_syscallarg(data__args_item, custom_formats, (name_prefix or "data") + ".args[{data__args_x}]".format(**locals()))
    return data

def validate___definitions_syscallarg(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['index', 'value', 'op']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "index" in data_keys:
            data_keys.remove("index")
            data__index = data["index"]
            validate___definitions_uint32(data__index, custom_formats, (name_prefix or "data") + ".index")
        if "value" in data_keys:
            data_keys.remove("value")
            data__value = data["value"]
            validate___definitions_uint64(data__value, custom_formats, (name_prefix or "data") + ".value")
        if "valueTwo" in data_keys:
            data_keys.remove("valueTwo")
            data__valueTwo = data["valueTwo"]
            validate___definitions_uint64(data__valueTwo, custom_formats, (name_prefix or "data") + ".valueTwo")
        if "op" in data_keys:
            data_keys.remove("op")
            data__op = data["op"]
            validate___definitions_seccompoperators(data__op, custom_formats, (name_prefix or "data") + ".op")
    return data

def validate___definitions_seccompoperators(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SCMP_CMP_NE' or isinstance(data, str) and data == 'SCMP_CMP_LT' or isinstance(data, str) and data == 'SCMP_CMP_LE' or isinstance(data, str) and data == 'SCMP_CMP_EQ' or isinstance(data, str) and data == 'SCMP_CMP_GE' or isinstance(data, str) and data == 'SCMP_CMP_GT' or isinstance(data, str) and data == 'SCMP_CMP_MASKED_EQ'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']")
    return data

def validate___definitions_filepath(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    return data

def validate___definitions_seccompflag(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SECCOMP_FILTER_FLAG_TSYNC' or isinstance(data, str) and data == 'SECCOMP_FILTER_FLAG_LOG' or isinstance(data, str) and data == 'SECCOMP_FILTER_FLAG_SPEC_ALLOW' or isinstance(data, str) and data == 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']")
    return data

def validate___definitions_seccomparch(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SCMP_ARCH_X86' or isinstance(data, str) and data == 'SCMP_ARCH_X86_64' or isinstance(data, str) and data == 'SCMP_ARCH_X32' or isinstance(data, str) and data == 'SCMP_ARCH_ARM' or isinstance(data, str) and data == 'SCMP_ARCH_AARCH64' or isinstance(data, str) and data == 'SCMP_ARCH_MIPS' or isinstance(data, str) and data == 'SCMP_ARCH_MIPS64' or isinstance(data, str) and data == 'SCMP_ARCH_MIPS64N32' or isinstance(data, str) and data == 'SCMP_ARCH_MIPSEL' or isinstance(data, str) and data == 'SCMP_ARCH_MIPSEL64' or isinstance(data, str) and data == 'SCMP_ARCH_MIPSEL64N32' or isinstance(data, str) and data == 'SCMP_ARCH_PPC' or isinstance(data, str) and data == 'SCMP_ARCH_PPC64' or isinstance(data, str) and data == 'SCMP_ARCH_PPC64LE' or isinstance(data, str) and data == 'SCMP_ARCH_S390' or isinstance(data, str) and data == 'SCMP_ARCH_S390X' or isinstance(data, str) and data == 'SCMP_ARCH_PARISC' or isinstance(data, str) and data == 'SCMP_ARCH_PARISC64' or isinstance(data, str) and data == 'SCMP_ARCH_RISCV64' or isinstance(data, str) and data == 'SCMP_ARCH_LOONGARCH64' or isinstance(data, str) and data == 'SCMP_ARCH_M68K' or isinstance(data, str) and data == 'SCMP_ARCH_SH' or isinstance(data, str) and data == 'SCMP_ARCH_SHEB'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB']")
    return data

def validate___definitions_seccompaction(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SCMP_ACT_KILL' or isinstance(data, str) and data == 'SCMP_ACT_KILL_PROCESS' or isinstance(data, str) and data == 'SCMP_ACT_KILL_THREAD' or isinstance(data, str) and data == 'SCMP_ACT_TRAP' or isinstance(data, str) and data == 'SCMP_ACT_ERRNO' or isinstance(data, str) and data == 'SCMP_ACT_TRACE' or isinstance(data, str) and data == 'SCMP_ACT_ALLOW' or isinstance(data, str) and data == 'SCMP_ACT_LOG' or isinstance(data, str) and data == 'SCMP_ACT_NOTIFY'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']")
    return data

def validate___definitions_mapstringstring(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                if not isinstance(data_value, (str)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be string")
    return data

def validate___definitions_rdma(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "hcaHandles" in data_keys:
            data_keys.remove("hcaHandles")
            data__hcaHandles = data["hcaHandles"]
            validate___definitions_uint32(data__hcaHandles, custom_formats, (name_prefix or "data") + ".hcaHandles")
        if "hcaObjects" in data_keys:
            data_keys.remove("hcaObjects")
            data__hcaObjects = data["hcaObjects"]
            validate___definitions_uint32(data__hcaObjects, custom_formats, (name_prefix or "data") + ".hcaObjects")
    return data

def validate___definitions_networkinterfacepriority(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'priority']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
        if "priority" in data_keys:
            data_keys.remove("priority")
            data__priority = data["priority"]
            validate___definitions_uint32(data__priority, custom_formats, (name_prefix or "data") + ".priority")
    return data

def validate___definitions_uint32(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0")
        if data > 4294967295:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 4294967295")
    return data

def validate___definitions_arrayofblockiodevicethrottles(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            validate___definitions_blockiodevicethrottle(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    return data

def validate___definitions_blockiodevicethrottle(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['major', 'minor', 'rate']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "major" in data_keys:
            data_keys.remove("major")
            data__major = data["major"]
            validate___definitions_major(data__major, custom_formats, (name_prefix or "data") + ".major")
        if "minor" in data_keys:
            data_keys.remove("minor")
            data__minor = data["minor"]
            validate___definitions_minor(data__minor, custom_formats, (name_prefix or "data") + ".minor")
        if "rate" in data_keys:
            data_keys.remove("rate")
            data__rate = data["rate"]
            validate___definitions_uint64(data__rate, custom_formats, (name_prefix or "data") + ".rate")
    return data

def validate___definitions_minor(data, custom_formats={}, name_prefix=None):
    validate___definitions_int64(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_major(data, custom_formats={}, name_prefix=None):
    validate___definitions_int64(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_blockiodeviceweight(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['major', 'minor']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "major" in data_keys:
            data_keys.remove("major")
            data__major = data["major"]
            validate___definitions_major(data__major, custom_formats, (name_prefix or "data") + ".major")
        if "minor" in data_keys:
            data_keys.remove("minor")
            data__minor = data["minor"]
            validate___definitions_minor(data__minor, custom_formats, (name_prefix or "data") + ".minor")
        if "weight" in data_keys:
            data_keys.remove("weight")
            data__weight = data["weight"]
            validate___definitions_uint16(data__weight, custom_formats, (name_prefix or "data") + ".weight")
        if "leafWeight" in data_keys:
            data_keys.remove("leafWeight")
            data__leafWeight = data["leafWeight"]
            validate___definitions_uint16(data__leafWeight, custom_formats, (name_prefix or "data") + ".leafWeight")
    return data

def validate___definitions_uint16(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0")
        if data > 65535:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 65535")
    return data

def validate___definitions_uint64(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0")
        if data > 18446744073709551615:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 18446744073709551615")
    return data

def validate___definitions_percent(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0")
        if data > 100:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 100")
    return data

def validate___definitions_int64(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < -9223372036854775808:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to -9223372036854775808")
        if data > 9223372036854775807:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 9223372036854775807")
    return data

def validate___definitions_devicecgroup(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['allow']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "allow" in data_keys:
            data_keys.remove("allow")
            data__allow = data["allow"]
            if not isinstance(data__allow, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".allow must be boolean")
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            if not isinstance(data__type, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string")
            if not (isinstance(data__type, str) and data__type == 'a' or isinstance(data__type, str) and data__type == 'b' or isinstance(data__type, str) and data__type == 'c'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['a', 'b', 'c']")
        if "major" in data_keys:
            data_keys.remove("major")
            data__major = data["major"]
            validate___definitions_major(data__major, custom_formats, (name_prefix or "data") + ".major")
        if "minor" in data_keys:
            data_keys.remove("minor")
            data__minor = data["minor"]
            validate___definitions_minor(data__minor, custom_formats, (name_prefix or "data") + ".minor")
        if "access" in data_keys:
            data_keys.remove("access")
            data__access = data["access"]
            if not isinstance(data__access, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".access must be string")
            if isinstance(data__access, str):
                if not REGEX_PATTERNS['^[rwm]*$'].search(data__access):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".access must match pattern ^[rwm]*$")
    return data

def validate___definitions_device(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['type', 'path']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            if not isinstance(data__type, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string")
            if not (isinstance(data__type, str) and data__type == 'c' or isinstance(data__type, str) and data__type == 'b' or isinstance(data__type, str) and data__type == 'u' or isinstance(data__type, str) and data__type == 'p'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['c', 'b', 'u', 'p']")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            validate___definitions_filepath(data__path, custom_formats, (name_prefix or "data") + ".path")
        if "fileMode" in data_keys:
            data_keys.remove("fileMode")
            data__fileMode = data["fileMode"]
            validate___definitions_uint32(data__fileMode, custom_formats, (name_prefix or "data") + ".fileMode")
        if "major" in data_keys:
            data_keys.remove("major")
            data__major = data["major"]
            validate___definitions_major(data__major, custom_formats, (name_prefix or "data") + ".major")
        if "minor" in data_keys:
            data_keys.remove("minor")
            data__minor = data["minor"]
            validate___definitions_minor(data__minor, custom_formats, (name_prefix or "data") + ".minor")
        if "uid" in data_keys:
            data_keys.remove("uid")
            data__uid = data["uid"]
            validate___definitions_uid(data__uid, custom_formats, (name_prefix or "data") + ".uid")
        if "gid" in data_keys:
            data_keys.remove("gid")
            data__gid = data["gid"]
            validate___definitions_gid(data__gid, custom_formats, (name_prefix or "data") + ".gid")
    return data

def validate___definitions_gid(data, custom_formats={}, name_prefix=None):
    validate___definitions_uint32(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_uid(data, custom_formats={}, name_prefix=None):
    validate___definitions_uint32(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_timeoffset(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "secs" in data_keys:
            data_keys.remove("secs")
            data__secs = data["secs"]
            validate___definitions_int64(data__secs, custom_formats, (name_prefix or "data") + ".secs")
        if "nanosecs" in data_keys:
            data_keys.remove("nanosecs")
            data__nanosecs = data["nanosecs"]
            validate___definitions_uint32(data__nanosecs, custom_formats, (name_prefix or "data") + ".nanosecs")
    return data

def validate___definitions_arrayofidmappings(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            validate___definitions_idmapping(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    return data

def validate___definitions_idmapping(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['containerID', 'hostID', 'size']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "containerID" in data_keys:
            data_keys.remove("containerID")
            data__containerID = data["containerID"]
            validate___definitions_uint32(data__containerID, custom_formats, (name_prefix or "data") + ".containerID")
        if "hostID" in data_keys:
            data_keys.remove("hostID")
            data__hostID = data["hostID"]
            validate___definitions_uint32(data__hostID, custom_formats, (name_prefix or "data") + ".hostID")
        if "size" in data_keys:
            data_keys.remove("size")
            data__size = data["size"]
            validate___definitions_uint32(data__size, custom_formats, (name_prefix or "data") + ".size")
    return data

def validate___definitions_namespacereference(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['type']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            validate___definitions_namespacetype(data__type, custom_formats, (name_prefix or "data") + ".type")
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            validate___definitions_filepath(data__path, custom_formats, (name_prefix or "data") + ".path")
    return data

def validate___definitions_namespacetype(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'mount' or isinstance(data, str) and data == 'pid' or isinstance(data, str) and data == 'network' or isinstance(data, str) and data == 'uts' or isinstance(data, str) and data == 'ipc' or isinstance(data, str) and data == 'user' or isinstance(data, str) and data == 'cgroup' or isinstance(data, str) and data == 'time'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time']")
    return data

def validate___definitions_annotations(data, custom_formats={}, name_prefix=None):
    validate___definitions_mapstringstring(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_arrayofhooks(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            validate___definitions_hook(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    return data

def validate___definitions_hook(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['path']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            validate___definitions_filepath(data__path, custom_formats, (name_prefix or "data") + ".path")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            validate___definitions_arrayofstrings(data__args, custom_formats, (name_prefix or "data") + ".args")
        if "env" in data_keys:
            data_keys.remove("env")
            data__env = data["env"]
            validate___definitions_env(data__env, custom_formats, (name_prefix or "data") + ".env")
        if "timeout" in data_keys:
            data_keys.remove("timeout")
            data__timeout = data["timeout"]
            if not isinstance(data__timeout, (int)) or isinstance(data__timeout, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".timeout must be integer")
            if isinstance(data__timeout, (int, float, Decimal)) and not isinstance(data__timeout, bool):
                if data__timeout < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".timeout must be bigger than or equal to 1")
    return data

def validate___definitions_env(data, custom_formats={}, name_prefix=None):
    validate___definitions_arrayofstrings(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_process(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['cwd', 'args']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "terminal" in data_keys:
            data_keys.remove("terminal")
            data__terminal = data["terminal"]
            if not isinstance(data__terminal, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".terminal must be boolean")
        if "consoleSize" in data_keys:
            data_keys.remove("consoleSize")
            data__consoleSize = data["consoleSize"]
            if not isinstance(data__consoleSize, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".consoleSize must be object")
            data__consoleSize_is_dict = isinstance(data__consoleSize, dict)
            if data__consoleSize_is_dict:
                data__consoleSize__missing_keys = set(['height', 'width']) - data__consoleSize.keys()
                if data__consoleSize__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".consoleSize must contain ")
                data__consoleSize_keys = set(data__consoleSize.keys())
                if "height" in data__consoleSize_keys:
                    data__consoleSize_keys.remove("height")
                    data__consoleSize__height = data__consoleSize["height"]
                    validate___definitions_uint64(data__consoleSize__height, custom_formats, (name_prefix or "data") + ".consoleSize.height")
                if "width" in data__consoleSize_keys:
                    data__consoleSize_keys.remove("width")
                    data__consoleSize__width = data__consoleSize["width"]
                    validate___definitions_uint64(data__consoleSize__width, custom_formats, (name_prefix or "data") + ".consoleSize.width")
        if "cwd" in data_keys:
            data_keys.remove("cwd")
            data__cwd = data["cwd"]
            if not isinstance(data__cwd, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".cwd must be string")
        if "env" in data_keys:
            data_keys.remove("env")
            data__env = data["env"]
            validate___definitions_env(data__env, custom_formats, (name_prefix or "data") + ".env")
        if "args" in data_keys:
            data_keys.remove("args")
            data__args = data["args"]
            if not isinstance(data__args, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must be array")
            data__args_is_list = isinstance(data__args, (list, tuple))
            if data__args_is_list:
                data__args_len = len(data__args)
                if data__args_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".args must contain at least 1 items")
                for data__args_x, data__args_item in enumerate(data__args):
                    if not isinstance(data__args_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".args[{data__args_x}]".format(**locals()) + " must be string")
        if "commandLine" in data_keys:
            data_keys.remove("commandLine")
            data__commandLine = data["commandLine"]
            if not isinstance(data__commandLine, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commandLine must be string")
        if "rlimits" in data_keys:
            data_keys.remove("rlimits")
            data__rlimits = data["rlimits"]
            if not isinstance(data__rlimits, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rlimits must be array")
            data__rlimits_is_list = isinstance(data__rlimits, (list, tuple))
            if data__rlimits_is_list:
                data__rlimits_len = len(data__rlimits)
                for data__rlimits_x, data__rlimits_item in enumerate(data__rlimits):
                    if not isinstance(data__rlimits_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rlimits[{data__rlimits_x}]".format(**locals()) + " must be object")
                    data__rlimits_item_is_dict = isinstance(data__rlimits_item, dict)
                    if data__rlimits_item_is_dict:
                        data__rlimits_item__missing_keys = set(['type', 'soft', 'hard']) - data__rlimits_item.keys()
                        if data__rlimits_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".rlimits[{data__rlimits_x}]".format(**locals()) + " must contain ")
                        data__rlimits_item_keys = set(data__rlimits_item.keys())
                        if "type" in data__rlimits_item_keys:
                            data__rlimits_item_keys.remove("type")
                            data__rlimits_item__type = data__rlimits_item["type"]
                            if not isinstance(data__rlimits_item__type, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rlimits[{data__rlimits_x}].type".format(**locals()) + " must be string")
                            if isinstance(data__rlimits_item__type, str):
                                if not REGEX_PATTERNS['^RLIMIT_[A-Z]+$'].search(data__rlimits_item__type):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".rlimits[{data__rlimits_x}].type".format(**locals()) + " must match pattern ^RLIMIT_[A-Z]+$")
                        if "soft" in data__rlimits_item_keys:
                            data__rlimits_item_keys.remove("soft")
                            data__rlimits_item__soft = data__rlimits_item["soft"]
                            validate___definitions_uint64(data__rlimits_item__soft, custom_formats, (name_prefix or "data") + ".rlimits[{data__rlimits_x}].soft".format(**locals()))
                        if "hard" in data__rlimits_item_keys:
                            data__rlimits_item_keys.remove("hard")
                            data__rlimits_item__hard = data__rlimits_item["hard"]
                            validate___definitions_uint64(data__rlimits_item__hard, custom_formats, (name_prefix or "data") + ".rlimits[{data__rlimits_x}].hard".format(**locals()))
        if "apparmorProfile" in data_keys:
            data_keys.remove("apparmorProfile")
            data__apparmorProfile = data["apparmorProfile"]
            if not isinstance(data__apparmorProfile, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apparmorProfile must be string")
        if "capabilities" in data_keys:
            data_keys.remove("capabilities")
            data__capabilities = data["capabilities"]
            if not isinstance(data__capabilities, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".capabilities must be object")
            data__capabilities_is_dict = isinstance(data__capabilities, dict)
            if data__capabilities_is_dict:
                data__capabilities_keys = set(data__capabilities.keys())
                if "bounding" in data__capabilities_keys:
                    data__capabilities_keys.remove("bounding")
                    data__capabilities__bounding = data__capabilities["bounding"]
                    validate___definitions_arrayofstrings(data__capabilities__bounding, custom_formats, (name_prefix or "data") + ".capabilities.bounding")
                if "effective" in data__capabilities_keys:
                    data__capabilities_keys.remove("effective")
                    data__capabilities__effective = data__capabilities["effective"]
                    validate___definitions_arrayofstrings(data__capabilities__effective, custom_formats, (name_prefix or "data") + ".capabilities.effective")
                if "inheritable" in data__capabilities_keys:
                    data__capabilities_keys.remove("inheritable")
                    data__capabilities__inheritable = data__capabilities["inheritable"]
                    validate___definitions_arrayofstrings(data__capabilities__inheritable, custom_formats, (name_prefix or "data") + ".capabilities.inheritable")
                if "permitted" in data__capabilities_keys:
                    data__capabilities_keys.remove("permitted")
                    data__capabilities__permitted = data__capabilities["permitted"]
                    validate___definitions_arrayofstrings(data__capabilities__permitted, custom_formats, (name_prefix or "data") + ".capabilities.permitted")
                if "ambient" in data__capabilities_keys:
                    data__capabilities_keys.remove("ambient")
                    data__capabilities__ambient = data__capabilities["ambient"]
                    validate___definitions_arrayofstrings(data__capabilities__ambient, custom_formats, (name_prefix or "data") + ".capabilities.ambient")
        if "noNewPrivileges" in data_keys:
            data_keys.remove("noNewPrivileges")
            data__noNewPrivileges = data["noNewPrivileges"]
            if not isinstance(data__noNewPrivileges, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".noNewPrivileges must be boolean")
        if "oomScoreAdj" in data_keys:
            data_keys.remove("oomScoreAdj")
            data__oomScoreAdj = data["oomScoreAdj"]
            if not isinstance(data__oomScoreAdj, (int)) or isinstance(data__oomScoreAdj, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".oomScoreAdj must be integer")
            if isinstance(data__oomScoreAdj, (int, float, Decimal)) and not isinstance(data__oomScoreAdj, bool):
                if data__oomScoreAdj < -1000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".oomScoreAdj must be bigger than or equal to -1000")
                if data__oomScoreAdj > 1000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".oomScoreAdj must be smaller than or equal to 1000")
        if "scheduler" in data_keys:
            data_keys.remove("scheduler")
            data__scheduler = data["scheduler"]
            if not isinstance(data__scheduler, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheduler must be object")
            data__scheduler_is_dict = isinstance(data__scheduler, dict)
            if data__scheduler_is_dict:
                data__scheduler__missing_keys = set(['policy']) - data__scheduler.keys()
                if data__scheduler__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheduler must contain ")
                data__scheduler_keys = set(data__scheduler.keys())
                if "policy" in data__scheduler_keys:
                    data__scheduler_keys.remove("policy")
                    data__scheduler__policy = data__scheduler["policy"]
                    validate___definitions_schedulerpolicy(data__scheduler__policy, custom_formats, (name_prefix or "data") + ".scheduler.policy")
                if "nice" in data__scheduler_keys:
                    data__scheduler_keys.remove("nice")
                    data__scheduler__nice = data__scheduler["nice"]
                    validate___definitions_int32(data__scheduler__nice, custom_formats, (name_prefix or "data") + ".scheduler.nice")
                if "priority" in data__scheduler_keys:
                    data__scheduler_keys.remove("priority")
                    data__scheduler__priority = data__scheduler["priority"]
                    validate___definitions_int32(data__scheduler__priority, custom_formats, (name_prefix or "data") + ".scheduler.priority")
                if "flags" in data__scheduler_keys:
                    data__scheduler_keys.remove("flags")
                    data__scheduler__flags = data__scheduler["flags"]
                    if not isinstance(data__scheduler__flags, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scheduler.flags must be array")
                    data__scheduler__flags_is_list = isinstance(data__scheduler__flags, (list, tuple))
                    if data__scheduler__flags_is_list:
                        data__scheduler__flags_len = len(data__scheduler__flags)
                        for data__scheduler__flags_x, data__scheduler__flags_item in enumerate(data__scheduler__flags):
                            validate___definitions_schedulerflag(data__scheduler__flags_item, custom_formats, (name_prefix or "data") + ".scheduler.flags[{data__scheduler__flags_x}]".format(**locals()))
                if "runtime" in data__scheduler_keys:
                    data__scheduler_keys.remove("runtime")
                    data__scheduler__runtime = data__scheduler["runtime"]
                    validate___definitions_uint64(data__scheduler__runtime, custom_formats, (name_prefix or "data") + ".scheduler.runtime")
                if "deadline" in data__scheduler_keys:
                    data__scheduler_keys.remove("deadline")
                    data__scheduler__deadline = data__scheduler["deadline"]
                    validate___definitions_uint64(data__scheduler__deadline, custom_formats, (name_prefix or "data") + ".scheduler.deadline")
                if "period" in data__scheduler_keys:
                    data__scheduler_keys.remove("period")
                    data__scheduler__period = data__scheduler["period"]
                    validate___definitions_uint64(data__scheduler__period, custom_formats, (name_prefix or "data") + ".scheduler.period")
        if "selinuxLabel" in data_keys:
            data_keys.remove("selinuxLabel")
            data__selinuxLabel = data["selinuxLabel"]
            if not isinstance(data__selinuxLabel, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".selinuxLabel must be string")
        if "ioPriority" in data_keys:
            data_keys.remove("ioPriority")
            data__ioPriority = data["ioPriority"]
            if not isinstance(data__ioPriority, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ioPriority must be object")
            data__ioPriority_is_dict = isinstance(data__ioPriority, dict)
            if data__ioPriority_is_dict:
                data__ioPriority__missing_keys = set(['class']) - data__ioPriority.keys()
                if data__ioPriority__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".ioPriority must contain ")
                data__ioPriority_keys = set(data__ioPriority.keys())
                if "class" in data__ioPriority_keys:
                    data__ioPriority_keys.remove("class")
                    data__ioPriority__class = data__ioPriority["class"]
                    if not isinstance(data__ioPriority__class, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ioPriority.class must be string")
                    if not (isinstance(data__ioPriority__class, str) and data__ioPriority__class == 'IOPRIO_CLASS_RT' or isinstance(data__ioPriority__class, str) and data__ioPriority__class == 'IOPRIO_CLASS_BE' or isinstance(data__ioPriority__class, str) and data__ioPriority__class == 'IOPRIO_CLASS_IDLE'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ioPriority.class must be one of ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE']")
                if "priority" in data__ioPriority_keys:
                    data__ioPriority_keys.remove("priority")
                    data__ioPriority__priority = data__ioPriority["priority"]
                    validate___definitions_int32(data__ioPriority__priority, custom_formats, (name_prefix or "data") + ".ioPriority.priority")
        if "execCPUAffinity" in data_keys:
            data_keys.remove("execCPUAffinity")
            data__execCPUAffinity = data["execCPUAffinity"]
            if not isinstance(data__execCPUAffinity, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".execCPUAffinity must be object")
            data__execCPUAffinity_is_dict = isinstance(data__execCPUAffinity, dict)
            if data__execCPUAffinity_is_dict:
                data__execCPUAffinity_keys = set(data__execCPUAffinity.keys())
                if "initial" in data__execCPUAffinity_keys:
                    data__execCPUAffinity_keys.remove("initial")
                    data__execCPUAffinity__initial = data__execCPUAffinity["initial"]
                    if not isinstance(data__execCPUAffinity__initial, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".execCPUAffinity.initial must be string")
                    if isinstance(data__execCPUAffinity__initial, str):
                        if not REGEX_PATTERNS['^[0-9, -]*$'].search(data__execCPUAffinity__initial):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".execCPUAffinity.initial must match pattern ^[0-9, -]*$")
                if "final" in data__execCPUAffinity_keys:
                    data__execCPUAffinity_keys.remove("final")
                    data__execCPUAffinity__final = data__execCPUAffinity["final"]
                    if not isinstance(data__execCPUAffinity__final, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".execCPUAffinity.final must be string")
                    if isinstance(data__execCPUAffinity__final, str):
                        if not REGEX_PATTERNS['^[0-9, -]*$'].search(data__execCPUAffinity__final):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".execCPUAffinity.final must match pattern ^[0-9, -]*$")
        if "user" in data_keys:
            data_keys.remove("user")
            data__user = data["user"]
            if not isinstance(data__user, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".user must be object")
            data__user_is_dict = isinstance(data__user, dict)
            if data__user_is_dict:
                data__user_keys = set(data__user.keys())
                if "uid" in data__user_keys:
                    data__user_keys.remove("uid")
                    data__user__uid = data__user["uid"]
                    validate___definitions_uid(data__user__uid, custom_formats, (name_prefix or "data") + ".user.uid")
                if "gid" in data__user_keys:
                    data__user_keys.remove("gid")
                    data__user__gid = data__user["gid"]
                    validate___definitions_gid(data__user__gid, custom_formats, (name_prefix or "data") + ".user.gid")
                if "umask" in data__user_keys:
                    data__user_keys.remove("umask")
                    data__user__umask = data__user["umask"]
                    validate___definitions_uint32(data__user__umask, custom_formats, (name_prefix or "data") + ".user.umask")
                if "additionalGids" in data__user_keys:
                    data__user_keys.remove("additionalGids")
                    data__user__additionalGids = data__user["additionalGids"]
                    validate___definitions_arrayofgids(data__user__additionalGids, custom_formats, (name_prefix or "data") + ".user.additionalGids")
                if "username" in data__user_keys:
                    data__user_keys.remove("username")
                    data__user__username = data__user["username"]
                    if not isinstance(data__user__username, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".user.username must be string")
    return data

def validate___definitions_arrayofgids(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array")
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            validate___definitions_gid(data_item, custom_formats, (name_prefix or "data") + "[{data_x}]".format(**locals()))
    return data

def validate___definitions_schedulerflag(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SCHED_FLAG_RESET_ON_FORK' or isinstance(data, str) and data == 'SCHED_FLAG_RECLAIM' or isinstance(data, str) and data == 'SCHED_FLAG_DL_OVERRUN' or isinstance(data, str) and data == 'SCHED_FLAG_KEEP_POLICY' or isinstance(data, str) and data == 'SCHED_FLAG_KEEP_PARAMS' or isinstance(data, str) and data == 'SCHED_FLAG_UTIL_CLAMP_MIN' or isinstance(data, str) and data == 'SCHED_FLAG_UTIL_CLAMP_MAX'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX']")
    return data

def validate___definitions_int32(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < -2147483648:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to -2147483648")
        if data > 2147483647:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 2147483647")
    return data

def validate___definitions_schedulerpolicy(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if not (isinstance(data, str) and data == 'SCHED_OTHER' or isinstance(data, str) and data == 'SCHED_FIFO' or isinstance(data, str) and data == 'SCHED_RR' or isinstance(data, str) and data == 'SCHED_BATCH' or isinstance(data, str) and data == 'SCHED_ISO' or isinstance(data, str) and data == 'SCHED_IDLE' or isinstance(data, str) and data == 'SCHED_DEADLINE'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE']")
    return data

def validate___definitions_mount(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['destination']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "destination" in data_keys:
            data_keys.remove("destination")
            data__destination = data["destination"]
            validate___definitions_filepath(data__destination, custom_formats, (name_prefix or "data") + ".destination")
        if "source" in data_keys:
            data_keys.remove("source")
            data__source = data["source"]
            validate___definitions_filepath(data__source, custom_formats, (name_prefix or "data") + ".source")
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            if not isinstance(data__type, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string")
        if "options" in data_keys:
            data_keys.remove("options")
            data__options = data["options"]
            validate___definitions_arrayofstrings(data__options, custom_formats, (name_prefix or "data") + ".options")
        if "uidMappings" in data_keys:
            data_keys.remove("uidMappings")
            data__uidMappings = data["uidMappings"]
            validate___definitions_arrayofidmappings(data__uidMappings, custom_formats, (name_prefix or "data") + ".uidMappings")
        if "gidMappings" in data_keys:
            data_keys.remove("gidMappings")
            data__gidMappings = data["gidMappings"]
            validate___definitions_arrayofidmappings(data__gidMappings, custom_formats, (name_prefix or "data") + ".gidMappings")
    return data

def validate___definitions_ociversion(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")
    if isinstance(data, str):
        if not REGEX_PATTERNS['^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$")
    return data
