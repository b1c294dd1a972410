"""Annotations (config.md#annotations)."""

from conformance.registry import area, case

area("annotations", "annotations")


@case("annotations.accepted", "config.md#annotations", "MUST",
      "a config with annotations (reverse-domain keys, string values) is accepted and runs")
def accepted(t):
    b = t.bundle("echo ok")
    b.config["annotations"] = {"org.opencontainers.image.title": "probe", "com.example.empty": ""}
    c = t.run(b)
    t.eq(c.output().strip(), "ok", "program output")


@case("annotations.unknown_ignored", "config.md#annotations", "MUST",
      "unknown annotation keys do not change behaviour (implementations MUST ignore unknown keys)")
def unknown_ignored(t):
    b = t.bundle("hostname")
    b.config["annotations"] = {"io.example.conformance.unknown": "whatever", "run.oci.nonsense": "1"}
    t.eq(t.run(b).output().strip(), "conformance", "hostname inside with unknown annotations")


@case("annotations.state_roundtrip", "runtime.md#state", "MUST",
      "annotations with unusual but valid strings come back unchanged in state")
def state_roundtrip(t):
    b = t.bundle("true")
    b.config["annotations"] = {"org.example.json": '{"a": [1, 2]}', "org.example.unicode": "żółć ✓",
                               "org.example.multiline": "line1\nline2"}
    t.eq(t.create(b).state().get("annotations"), b.config["annotations"], "state annotations")
