"""process.json validator precompiled from spec/schema/process-schema.json by spec/build_validator.py. DO NOT EDIT.

validate(config) returns config or raises JsonSchemaValueException at the first problem. The
message is terse on purpose: spec.validate re-runs jsonschema on failure for a message naming the field.
"""
# fastjsonschema 2.22.3, draft-04, detailed_exceptions=False, use_default=False.
# schema sha256 108e812aed672c0cea67ad1368835a747edd0613eefcb28957d04afc8a7250f7

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
    '^RLIMIT_[A-Z]+$': _LazyPattern('^RLIMIT_[A-Z]+\\Z'),
    '^[0-9, -]*$': _LazyPattern('^[0-9, -]*\\Z')
}

NoneType = type(None)

def validate(data, custom_formats={}, name_prefix=None):
    validate___definitions_process(data, custom_formats, (name_prefix or "data") + "")
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

def validate___definitions_uint32(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer")
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0")
        if data > 4294967295:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be smaller than or equal to 4294967295")
    return data

def validate___definitions_gid(data, custom_formats={}, name_prefix=None):
    validate___definitions_uint32(data, custom_formats, (name_prefix or "data") + "")
    return data

def validate___definitions_uid(data, custom_formats={}, name_prefix=None):
    validate___definitions_uint32(data, custom_formats, (name_prefix or "data") + "")
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

def validate___definitions_env(data, custom_formats={}, name_prefix=None):
    validate___definitions_arrayofstrings(data, custom_formats, (name_prefix or "data") + "")
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
