#!/usr/bin/env python3
"""summary.md from the JSON files bench/gpu/run-gpu.sh writes into one results folder."""
import glob
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms(x):
    return "-" if x is None else (f"{x:.0f} ms" if x >= 100 else f"{x:.1f} ms" if x >= 10 else f"{x:.2f} ms")


def main(out):
    lines = []
    doctor = load(os.path.join(out, "doctor.json"))
    if doctor:
        usable = [p["name"] for p in doctor["providers"] if p["usable"]]
        lines.append(f"- onnxruntime-node {doctor['onnxruntime']['node']}, node {doctor['node']}; usable providers: {', '.join(usable)}; auto -> {doctor['auto']}")
        if doctor["gpu"].get("nvidiaSmi"):
            lines.append(f"- GPU: {'; '.join(doctor['gpu']['nvidiaSmi'])}")
    benches = []
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        j = load(path)
        if isinstance(j, dict) and j.get("command") == "bench":
            benches.append((os.path.basename(path)[:-5], j))
    batches = sorted({b["batch"] for _, j in benches for b in j["batches"]})
    torch = load(os.path.join(out, "torch_eager.json"))
    if torch:
        batches = sorted(set(batches) | {r["batch"] for r in torch["results"]})
    lines.append("")
    lines.append("Median latency per run (p90 in parentheses); 'first' = the first run of the first batch size.")
    lines.append("")
    lines.append("| runner | ran on | " + " | ".join(f"batch {b}" for b in batches) + " | session | first | timing includes |")
    lines.append("|---|---|" + "---|" * len(batches) + "---|---|---|")
    for name, j in benches:
        by = {b["batch"]: b for b in j["batches"]}
        cells = [f"{ms(by[b]['medianMs'])} ({ms(by[b]['p90Ms'])})" if b in by else "" for b in batches]
        ran = j["provider"] + (" (fell back)" if j["fellBack"] else "") + (" io-binding" if j["ioBinding"]["active"] else "")
        first = j["batches"][0]["firstRunMs"] if j["batches"] else None
        lines.append(f"| {name} ({j['model']['dtype']}) | {ran} | " + " | ".join(cells) + f" | {ms(j['sessionCreateMs'])} | {ms(first)} | {j['transfer']} |")
    if torch:
        for mode in ("fp32", "tf32", "fp16"):
            for placement in ("resident", "transfer"):
                rs = {r["batch"]: r for r in torch["results"] if r["mode"] == mode and r["placement"] == placement}
                if not rs:
                    continue
                cells = [f"{ms(rs[b]['medianMs'])} ({ms(rs[b]['p90Ms'])})" if b in rs else "" for b in batches]
                what = "compute only (input on the device)" if placement == "resident" else "host->device input, device->host output"
                lines.append(f"| torch {torch['torch']} eager {mode} | {torch['device']} | " + " | ".join(cells) + f" | - | - | {what} |")
        for e in torch.get("errors", []):
            lines.append(f"\ntorch error: {e}")
    diff = load(os.path.join(out, "diff.json"))
    if diff:
        lines.append("")
        lines.append(f"Output differences, {diff['measure']}; input {diff['input']}.")
        lines.append("")
        lines.append("| model | gpu float32 vs cpu float32 | gpu float16 vs cpu float32 | cpu float16 vs cpu float32 |")
        lines.append("|---|---|---|---|")

        def cell(d):
            if d is None:
                return "-"
            if "error" in d:
                return f"error: {d['error'][:120]}"
            strict = "" if d.get("strict", True) else " (not strict: some nodes may have run on the CPU)"
            return f"{d['maxRel']:.2e}" + (f" on {d['provider']}" if "provider" in d else "") + strict

        for r in diff["results"]:
            if "error" in r:
                lines.append(f"| {r['model']} | error: {r['error'][:160]} | | |")
                continue
            lines.append(f"| {r['model']} | {cell(r.get('gpuFloat32VsCpuFloat32'))} | {cell(r.get('gpuFloat16VsCpuFloat32'))} | {cell(r.get('cpuFloat16VsCpuFloat32'))} |")
    for name in sorted(glob.glob(os.path.join(out, "strict_*.out"))):
        j = load(name)
        label = os.path.basename(name)[:-4]
        lines.append(f"\n{label}: " + (f"ran on {j['provider']} with --strict-ep (no node on the CPU)" if j else "failed (see the .err file)"))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
