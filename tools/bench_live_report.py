"""Markdown table of scripts/bench_live.sh's results. With the window, the
peak memory is that of the largest process under `xvfb-run` where there is no
display."""

import json
import pathlib
import sys


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    print("| input | model | threads | outline | recording | window, overlay video | frames read | dropped | fps | pose p50 / p95 ms | sinks p50 / p95 ms | latency p50 / p95 / max ms | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in sorted(out.glob("live-*.json")):
        model, threads, *tags = path.stem.split("-")[1:]
        s = json.loads(path.read_text())
        rss_kib = int((out / f"{path.stem.replace('live', 'rss', 1)}.txt").read_text().split()[-1])
        dropped = s["frames_dropped"]
        read = max(s["frames_read"], 1)
        lat, pose, sinks = s["latency_ms"], s["pose_ms"], s["sinks_ms"]
        print(
            f"| {'1768×994' if 'native' in tags else '1280×720'} "
            f"| {model} | {threads} | {'no' if 'nooutline' in tags else 'yes'} "
            f"| {'yes' if 'recorded' in tags else 'no'} | {'yes' if 'window' in tags else 'no'} "
            f"| {s['frames_read']} "
            f"| {dropped} ({100 * dropped / read:.2f}%) "
            f"| {s['fps']:.1f} | {pose['p50']:.1f} / {pose['p95']:.1f} "
            f"| {sinks['p50']:.1f} / {sinks['p95']:.1f} "
            f"| {lat['p50']:.1f} / {lat['p95']:.1f} / {lat['max']:.1f} | {rss_kib / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
