"""Turns the JSON of scripts/bench.sh into the Markdown tables of BENCHMARKS.md:
the engine per stage, and the whole process with decoding.

Usage: python3 tools/bench_report.py out/bench
"""
import json
import sys
from pathlib import Path

# Multiply-adds per inference (landmark models without segmentation), from
# the models' convolutions; see BENCHMARKS.md.
MACS = {"lite": 166e6, "full": 351e6}


def main(folder: Path) -> None:
    mp = json.loads((folder / "mediapipe.json").read_text())
    gmacs = mp["single_core_gmacs"]
    print(f"Frames: {mp['frames']} of {mp['video']}; single-core float32 rate (numpy sgemm, 1 thread): {gmacs:.1f} GMAC/s\n")
    print("| model | engine | threads | fps | ratio to MediaPipe | decode p50 ms | preprocess p50 ms | detector p50 ms (runs) | landmark p50 ms | postprocess p50 ms | total p50 / p95 ms | landmark / compute floor |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in ("lite", "full"):
        ref = mp["mediapipe"][model]
        print(f"| {model} | MediaPipe 0.10.14 (Python) | 1 | {ref['fps']:.1f} | 1.00 | | | | | | {ref['latency_ms_p50']:.2f} / {ref['latency_ms_p95']:.2f} | |")
        floor_ms = MACS[model] / (gmacs * 1e9) * 1e3
        for threads in (1, 2):
            r = json.loads((folder / f"formcheck-{model}-{threads}.json").read_text())
            ratio_floor = r["landmark"]["p50_ms"] / floor_ms
            print(
                f"| {model} | formcheck | {threads} | {r['fps']:.1f} | {r['fps'] / ref['fps']:.2f} "
                f"| {r['decode']['p50_ms']:.2f} | {r['preprocess']['p50_ms']:.2f} "
                f"| {r['detector']['p50_ms']:.2f} ({r['detector_runs']}) | {r['landmark']['p50_ms']:.2f} "
                f"| {r['postprocess']['p50_ms']:.3f} | {r['total']['p50_ms']:.2f} / {r['total']['p95_ms']:.2f} "
                f"| {ratio_floor:.2f} (floor {floor_ms:.2f} ms) |"
            )
    whole_file = folder / "whole.json"
    if whole_file.exists():
        whole = json.loads(whole_file.read_text())
        print(f"\nWhole process, decoding included ({whole['rounds']} alternating rounds, load average "
              f"{whole['loadavg_1m'][0]} before, {whole['loadavg_1m'][1]} after):\n")
        print("| model | threads | formcheck pose fps (per round) | MediaPipe fps (per round) | ratio (median of rounds) |")
        print("|---|---|---|---|---|")
        for model in ("lite", "full"):
            ref = whole["mediapipe"][model]
            for threads in (1, 2):
                r = whole["formcheck"][f"{model}-{threads}"]
                rounds = lambda d: ", ".join(f"{x:.1f}" for x in d["fps_per_round"])  # noqa: E731
                print(f"| {model} | {threads} | {r['fps']:.1f} ({rounds(r)}) | {ref['fps']:.1f} ({rounds(ref)}) "
                      f"| {r['ratio']:.2f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
