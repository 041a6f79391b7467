#!/usr/bin/env python3
"""Splits a `perf record -g` profile by the module whose code each sample was running.

Each sample goes to the innermost frame that belongs to a known Swift module (ours or a
dependency), so the C runtime, retain/release, malloc and the kernel count toward the Swift code
that called them. Async functions are split into many partial functions, which makes perf's own
inclusive view hard to read; by module they add up.

    perf record -e cpu-clock -g -a -o /tmp/perf.data -- sleep 8
    provisioning/perf-modules.py /tmp/perf.data NIO-SGLTN-1-#0,NIO-SGLTN-1-#1
"""
import collections
import re
import subprocess
import sys

MODULES = [
    "12PlatformCore", "11TenantPlane", "12ControlPlane", "12PlatformAuth", "14PlatformServer", "15VisibilityEngine",
    "11PostgresNIO", "21_ConnectionPoolModule", "11Hummingbird", "15HummingbirdCore", "6JWTKit",
    "17NIOHTTPTypesHTTP1", "8NIOHTTP1", "7NIOCore", "8NIOPosix", "20FoundationEssentials", "7Logging", "7Metrics", "10Prometheus",
]
PATTERN = re.compile(r"\$s(" + "|".join(MODULES) + ")")


def main(data, threads):
    script = subprocess.run(["perf", "script", "-i", data, "--comm", threads, "-F", "ip,sym"], capture_output=True, text=True, check=True)
    counts, total = collections.Counter(), 0
    for sample in script.stdout.split("\n\n"):
        frames = [line.split(None, 1)[1] for line in sample.strip().split("\n") if len(line.split(None, 1)) > 1]
        if not frames:
            continue
        total += 1
        module = "(no Swift module: runtime, libc or kernel only)"
        for frame in frames:
            match = PATTERN.search(frame)
            if match:
                module = match.group(1).lstrip("0123456789")
                break
            if "runJobInEstablishedExecutorContext" in frame or frame.startswith("swift_task_switch"):
                module = "(Swift concurrency runtime)"
                break
        counts[module] += 1
    for module, count in counts.most_common():
        print(f"{100 * count / total:5.1f}%  {module}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
