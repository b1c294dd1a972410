"""A minimal CRI (Kubernetes Container Runtime Interface, runtime.v1) client over grpcio, for the
test that registers pyrun as a containerd CRI runtime handler, the way kubelet uses a RuntimeClass.

No generated code: the few messages it needs are encoded by hand in protobuf's wire format
(field numbers from kubernetes/cri-api pkg/apis/runtime/v1/api.proto), and replies are decoded
into {field number: [values]}.
"""

import grpc

SERVICE = "/runtime.v1.RuntimeService/"
POD, CONTAINER, NODE = 0, 1, 2  # NamespaceMode
CONTAINER_STATES = {0: "CREATED", 1: "RUNNING", 2: "EXITED", 3: "UNKNOWN"}


def varint(n):
    if n < 0:
        n += 1 << 64  # int64 as two's complement, ten bytes
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, value):
    """One field: an int (varint), a str/bytes (length-delimited) or a list of either (repeated)."""
    if isinstance(value, list):
        return b"".join(field(number, v) for v in value)
    if isinstance(value, bool) or isinstance(value, int):
        return varint(number << 3) + varint(int(value))
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def message(*fields):
    """message((1, "x"), (2, 5), (3, b"...")) with None values left out, as proto3 does."""
    return b"".join(field(n, v) for n, v in fields if v is not None)


def decode(buf):
    """{field number: [int | bytes]} for one message; nested messages stay bytes (decode them again)."""
    fields, i = {}, 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 2:
            length, i = _read_varint(buf, i)
            value, i = bytes(buf[i:i + length]), i + length
        elif wire == 1:
            value, i = bytes(buf[i:i + 8]), i + 8
        elif wire == 5:
            value, i = bytes(buf[i:i + 4]), i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _read_varint(buf, i):
    shift = result = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def first(fields, number, default=None):
    return fields.get(number, [default])[0]


def as_int32(n):
    n &= (1 << 64) - 1
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


class RuntimeService:
    """The CRI RuntimeService of a containerd, on its unix socket."""

    def __init__(self, sock):
        self.channel = grpc.insecure_channel(f"unix://{sock}")

    def close(self):
        self.channel.close()

    def call(self, method, payload, timeout=60):
        rpc = self.channel.unary_unary(SERVICE + method, request_serializer=None, response_deserializer=None)
        return decode(rpc(payload, timeout=timeout))

    def version(self):
        reply = self.call("Version", message((1, "v1")))
        return {k: first(reply, n, b"").decode() for k, n in
                (("runtime_name", 2), ("runtime_version", 3), ("runtime_api_version", 4))}

    @staticmethod
    def sandbox_config(name, uid, log_directory, cgroup_parent):
        """A pod on the host's network (so no CNI is needed), with its own pid namespace per container."""
        namespaces = message((1, NODE), (2, CONTAINER), (3, POD))
        security = message((1, namespaces))
        linux = message((1, cgroup_parent), (2, security))
        metadata = message((1, name), (2, uid), (3, "default"), (4, 0))
        return message((1, metadata), (3, log_directory), (8, linux))

    def run_pod_sandbox(self, sandbox_config, runtime_handler):
        reply = self.call("RunPodSandbox", message((1, sandbox_config), (2, runtime_handler)))
        return first(reply, 1).decode()

    @staticmethod
    def security_context(run_as_user=None, readonly_rootfs=False, seccomp_runtime_default=False,
                         no_new_privs=False, add_caps=(), drop_caps=()):
        """A LinuxContainerConfig carrying a LinuxContainerSecurityContext, as kubelet sends for a pod's
        securityContext (runAsUser, readOnlyRootFilesystem, seccompProfile RuntimeDefault, capabilities)."""
        caps = message((1, list(add_caps)), (2, list(drop_caps)))
        security = message((1, caps), (5, None if run_as_user is None else message((1, run_as_user))),
                           (7, readonly_rootfs or None), (11, no_new_privs or None),
                           (15, message((1, 0)) if seccomp_runtime_default else None))
        return message((2, security))

    def create_container(self, pod_id, sandbox_config, name, image, command, log_path, envs=(), linux=None):
        metadata = message((1, name), (2, 0))
        env_fields = [message((1, k), (2, v)) for k, v in envs]
        config = message((1, metadata), (2, message((1, image))), (3, list(command)), (6, env_fields),
                         (11, log_path), (15, linux))
        reply = self.call("CreateContainer", message((1, pod_id), (2, config), (3, sandbox_config)))
        return first(reply, 1).decode()

    def start_container(self, container_id):
        self.call("StartContainer", message((1, container_id)))

    def container_status(self, container_id):
        status = decode(first(self.call("ContainerStatus", message((1, container_id))), 1, b""))
        return {"state": CONTAINER_STATES[first(status, 3, 0)], "exit_code": as_int32(first(status, 7, 0)),
                "reason": first(status, 10, b"").decode(), "message": first(status, 11, b"").decode(),
                "log_path": first(status, 15, b"").decode()}

    def exec_sync(self, container_id, cmd, timeout=30):
        reply = self.call("ExecSync", message((1, container_id), (2, list(cmd)), (3, timeout)), timeout=timeout + 30)
        return (first(reply, 1, b"").decode(), first(reply, 2, b"").decode(), as_int32(first(reply, 3, 0)))

    def update_container_resources(self, container_id, cpu_period, cpu_quota, memory_limit):
        """The shim turns this into the runtime's `update --resources - ID` (LinuxResources JSON on stdin)."""
        resources = message((1, cpu_period), (2, cpu_quota), (4, memory_limit))
        self.call("UpdateContainerResources", message((1, container_id), (2, resources)))

    def stop_container(self, container_id, timeout):
        self.call("StopContainer", message((1, container_id), (2, timeout)), timeout=timeout + 60)

    def remove_container(self, container_id):
        self.call("RemoveContainer", message((1, container_id)))

    def stop_pod_sandbox(self, pod_id):
        self.call("StopPodSandbox", message((1, pod_id)))

    def remove_pod_sandbox(self, pod_id):
        self.call("RemovePodSandbox", message((1, pod_id)))
