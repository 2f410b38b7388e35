#!/usr/bin/env python3
"""Launches N anonymous desktops, CONCURRENCY at once, against a running deskplane.

Usage: launches.py API_URL DESKPLANE_PID DOUBLE_PID [N] [CONCURRENCY]
Prints one Markdown table row per figure: wall time, launch latency p50/p99, CPU per
launch of deskplane and of the Kubernetes double, and deskplane's RSS afterwards.
Standard library only, so the benchmark needs nothing installed.
"""

import json
import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def post(url, body, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("ABCAuthorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)


def launch(api):
    started = time.monotonic()
    login = post(f"{api}/auth/auth", {"manager": None, "provider": "anonymous"})
    token = login["result"]["jwt_user_token"]
    desktop = post(f"{api}/composer/launchdesktop", {"width": 1440, "height": 819}, token)
    if desktop.get("status") != 200:
        raise RuntimeError(f"launch failed: {desktop}")
    return time.monotonic() - started


def main():
    api, server, double = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    concurrency = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    server_cpu, double_cpu = cpu_seconds(server), cpu_seconds(double)
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(lambda _: launch(api), range(count)))
    wall = time.monotonic() - started
    server_cpu = cpu_seconds(server) - server_cpu
    double_cpu = cpu_seconds(double) - double_cpu
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"| {count} launches, {concurrency} at once: wall time | {wall:.1f} s | < 10 s |")
    print(f"| launch (login + launchdesktop) p50 / p99 | {p50:.2f} s / {p99:.2f} s | p99 < 2 s |")
    print(f"| deskplane CPU per launch (two RS256 signatures included) | {server_cpu * 1000 / count:.1f} ms | ≤ 8 ms |")
    print(f"| Kubernetes double CPU, whole run | {double_cpu:.1f} s (deskplane {server_cpu:.1f} s) | below deskplane's |")
    print(f"| deskplane RSS after the launches | {rss_mb(server):.1f} MB | < 60 MB |")


if __name__ == "__main__":
    main()
