#!/usr/bin/env python3
"""PyTorch eager baseline for bench/gpu/run-gpu.sh: torchvision resnet50 (random init, eval mode).

Modes: fp32 (TF32 off), tf32 (TF32 on for matmul and cuDNN), fp16 (model.half()). For each
mode and batch size: first run, then `warmup` untimed runs, then `runs` timed runs;
figures in milliseconds from time.perf_counter() around the forward pass plus
torch.cuda.synchronize(), which waits for the GPU. Two input placements per mode:
  resident: the input already on the device, output left there (compute only);
  transfer: the input copied host->device and the output device->host inside each run
            (what `netforge bench` without --io-binding measures).
p90 is the nearest rank (the ceil(0.9 n)-th smallest), as in netforge bench.

Also exports the same architecture to ONNX (dynamic batch, opset 17) for
`netforge bench <file.onnx>` when --export is given; the export runs on the CPU first.

--device cpu runs everything on the CPU (to test this script on a machine without a GPU).
"""
import argparse
import inspect
import json
import math
import platform
import sys
import time


def nearest_rank(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms), max(1, math.ceil(q * len(sorted_ms)))) - 1]


def median(sorted_ms):
    n = len(sorted_ms)
    return sorted_ms[n // 2] if n % 2 else (sorted_ms[n // 2 - 1] + sorted_ms[n // 2]) / 2


def export_onnx(torch, model, path, size):
    x = torch.randn(1, 3, size, size)
    kwargs = dict(input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=17)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: no onnxscript needed, dynamic_axes honoured
    t0 = time.perf_counter()
    torch.onnx.export(model, (x,), path, **kwargs)
    return (time.perf_counter() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--modes", default="fp32,tf32,fp16")
    ap.add_argument("--export", default=None, help="write the model as ONNX here")
    ap.add_argument("--out", required=True, help="JSON results file")
    a = ap.parse_args()

    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    result = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "device": a.device,
        "gpu": torch.cuda.get_device_name(0) if a.device == "cuda" else None,
        "cudnn": torch.backends.cudnn.version() if a.device == "cuda" else None,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "model": "torchvision resnet50, random init (seed 0), eval mode",
        "input": f"torch.randn(batch, 3, {a.size}, {a.size}), seed 1",
        "timing": "time.perf_counter around model(x) and torch.cuda.synchronize(); p90 = nearest rank",
        "runs": a.runs,
        "warmup": a.warmup,
        "results": [],
        "errors": [],
    }
    if a.export:
        try:
            result["export"] = {"path": a.export, "opset": 17, "ms": export_onnx(torch, model, a.export, a.size)}
        except Exception as e:  # keep the timing results even when the export fails
            result["errors"].append(f"export: {type(e).__name__}: {e}")

    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    batches = [int(b) for b in a.batches.split(",")]
    g = torch.Generator().manual_seed(1)
    host = {b: torch.randn(b, 3, a.size, a.size, generator=g) for b in batches}
    for mode in a.modes.split(","):
        if a.device == "cpu" and mode != "fp32":
            continue
        if a.device == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
            torch.backends.cudnn.allow_tf32 = mode == "tf32"
        m = model.to(dev).half() if mode == "fp16" else model.to(dev).float()
        dtype = torch.float16 if mode == "fp16" else torch.float32
        for b in batches:
            for placement in ("resident", "transfer"):
                try:
                    x_host = host[b].to(dtype)
                    x_dev = x_host.to(dev)

                    def run():
                        if placement == "resident":
                            return m(x_dev)
                        return m(x_host.to(dev, non_blocking=False)).cpu()

                    with torch.inference_mode():
                        t0 = time.perf_counter()
                        y = run()
                        sync()
                        first = (time.perf_counter() - t0) * 1000
                        for _ in range(a.warmup):
                            run()
                        sync()
                        times = []
                        for _ in range(a.runs):
                            t0 = time.perf_counter()
                            run()
                            sync()
                            times.append((time.perf_counter() - t0) * 1000)
                    times.sort()
                    med = median(times)
                    result["results"].append({
                        "mode": mode, "batch": b, "placement": placement,
                        "firstRunMs": first, "medianMs": med, "p90Ms": nearest_rank(times, 0.9),
                        "minMs": times[0], "meanMs": sum(times) / len(times), "imagesPerSecond": b / (med / 1000),
                        "outputFinite": bool(torch.isfinite(y.float()).all()),
                    })
                except Exception as e:
                    result["errors"].append(f"{mode} batch {b} {placement}: {type(e).__name__}: {e}")
        model = model.float().cpu()
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    for r in result["results"]:
        print(f"torch {r['mode']:>4} batch {r['batch']:>3} {r['placement']:>8}: median {r['medianMs']:.2f} ms, p90 {r['p90Ms']:.2f} ms, {r['imagesPerSecond']:.1f} img/s")
    for e in result["errors"]:
        print("error:", e, file=sys.stderr)
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
