"""Benchmark: `pyrun-image unpack` against `umoci unpack` on the same multi-layer image, in the same
run, alternated; and the --overlay path (first bundle unpacks the layers once, a second bundle
only mounts). Run as root: .venv/bin/python3 bench/bench_images.py [--runs N]

The image (built here with umoci, gzip layers): a busybox-static rootfs; /usr/lib/python3.11
(~1.4k files, ~50 MB); /usr/share/zoneinfo (~1.3k small files and symlinks); a layer of changes
with whiteouts. Prints medians and the paired ratio (pyrun-image / umoci) per run.
"""

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYRUN_IMAGE = os.path.join(ROOT, ".venv", "bin", "pyrun-image")


def umoci(*args):
    subprocess.run(["umoci", *args], check=True, capture_output=True)


def build_image(work):
    spec = importlib.util.spec_from_file_location("shared_conftest", os.path.join(ROOT, "tests", "conftest.py"))
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    layout = os.path.join(work, "layout")
    umoci("init", "--layout", layout)
    umoci("new", "--image", f"{layout}:v1")
    steps = [
        lambda r: shared.build_busybox_rootfs(r),
        lambda r: shutil.copytree("/usr/lib/python3.11", os.path.join(r, "usr/lib/python3.11"), symlinks=True),
        lambda r: shutil.copytree("/usr/share/zoneinfo", os.path.join(r, "usr/share/zoneinfo"), symlinks=True),
        lambda r: (shutil.rmtree(os.path.join(r, "usr/lib/python3.11/email")),
                   os.remove(os.path.join(r, "bin/vi")),
                   open(os.path.join(r, "etc/motd"), "w").write("changed\n")),
    ]
    for i, step in enumerate(steps):
        bundle = os.path.join(work, f"build{i}")
        umoci("unpack", "--image", f"{layout}:v1", bundle)
        step(os.path.join(bundle, "rootfs"))
        umoci("repack", "--image", f"{layout}:v1", bundle)
        shutil.rmtree(bundle)
    umoci("config", "--image", f"{layout}:v1", "--config.cmd", "/bin/sh")
    return layout


def _same_tree(a, b):
    """Compare two unpacked trees file by file with the tests' comparison (tests/images/imagelib.py)."""
    spec = importlib.util.spec_from_file_location("imagelib", os.path.join(ROOT, "tests", "images", "imagelib.py"))
    imagelib = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(imagelib)
    problems = imagelib.diff_trees(a, b)
    for line in problems[:5]:
        print("  " + line, file=sys.stderr)
    return not problems


def timed(cmd, cpu=None):
    """Wall seconds of cmd; appends its CPU seconds (user + sys) to cpu when given."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_images: run as root (owners, device nodes, overlayfs)")
    work = tempfile.mkdtemp(prefix="pyrun-image-bench-")
    mounted = []
    try:
        layout = build_image(work)
        store = os.path.join(work, "store")
        subprocess.run([PYRUN_IMAGE, "--store", store, "import", layout, "--name", "bench:v1"], check=True,
                       capture_output=True)
        manifest = json.loads(subprocess.run([PYRUN_IMAGE, "--store", store, "inspect", "bench:v1"], check=True,
                                             capture_output=True, text=True).stdout)["manifest"]
        ours, theirs, ratios, ours_cpu, theirs_cpu = [], [], [], [], []
        for i in range(args.runs):
            a = timed([PYRUN_IMAGE, "--store", store, "unpack", "bench:v1", os.path.join(work, f"p{i}")], ours_cpu)
            b = timed(["umoci", "unpack", "--image", f"{layout}:v1", os.path.join(work, f"u{i}")], theirs_cpu)
            ours.append(a)
            theirs.append(b)
            ratios.append(a / b)
            if i == 0:
                same = _same_tree(os.path.join(work, "p0", "rootfs"), os.path.join(work, "u0", "rootfs"))
            shutil.rmtree(os.path.join(work, f"p{i}"))
            shutil.rmtree(os.path.join(work, f"u{i}"))
        first = timed([PYRUN_IMAGE, "--store", store, "unpack", "--overlay", "bench:v1", os.path.join(work, "o0")])
        mounted.append(os.path.join(work, "o0"))
        second = []
        for i in range(1, args.runs + 1):
            b = os.path.join(work, f"o{i}")
            second.append(timed([PYRUN_IMAGE, "--store", store, "unpack", "--overlay", "bench:v1", b]))
            mounted.append(b)
        result = {
            "layers": len(manifest["layers"]),
            "same_tree_as_umoci": same,
            "compressed_bytes": sum(layer["size"] for layer in manifest["layers"]),
            "runs": args.runs,
            "pyrun_image_unpack_median_s": round(statistics.median(ours), 3),
            "umoci_unpack_median_s": round(statistics.median(theirs), 3),
            "ratio_median": round(statistics.median(ratios), 2),
            "ratios": [round(r, 2) for r in ratios],
            "pyrun_image_cpu_median_s": round(statistics.median(ours_cpu), 3),
            "umoci_cpu_median_s": round(statistics.median(theirs_cpu), 3),
            "overlay_first_bundle_s": round(first, 3),
            "overlay_second_bundle_median_s": round(statistics.median(second), 3),
        }
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"image: {result['layers']} gzip layers, {result['compressed_bytes'] / 1e6:.1f} MB compressed; "
                  f"pyrun-image's tree is {'the same as' if same else 'DIFFERENT from'} umoci's")
            print(f"unpack, median of {args.runs}: pyrun-image {result['pyrun_image_unpack_median_s']:.3f} s, "
                  f"umoci {result['umoci_unpack_median_s']:.3f} s, ratio (pyrun-image/umoci) "
                  f"{result['ratio_median']:.2f} (per run: {result['ratios']})")
            print(f"CPU (user+sys), median: pyrun-image {result['pyrun_image_cpu_median_s']:.3f} s, "
                  f"umoci {result['umoci_cpu_median_s']:.3f} s")
            print(f"overlay: first bundle {result['overlay_first_bundle_s']:.3f} s (unpacks the layers once), "
                  f"second bundle median {result['overlay_second_bundle_median_s']:.3f} s")
    finally:
        for b in mounted:
            subprocess.run([PYRUN_IMAGE, "delete", b], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
