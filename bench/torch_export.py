"""The reference contender: torch.onnx.export of a torchvision model, timed call by call.

Run by bench/run.mjs as `/usr/bin/python3 bench/torch_export.py <torchvision model> [threads]`
(threads: torch's intra-op threads, default all cores; Debian's torch starts with 1 here).
Builds the model once (random init, eval mode), then answers one JSON line per request
on stdin, so the orchestrator can interleave it with netforge's runs:

  -> {"out": "/tmp/x.onnx"}                       export to that file, time only the call
  -> {"state_dict": "/tmp/x.pth"}                 save the weights (for identical-weight runtime tests)
  <- {"ms": 4301.2, "cpu_ms": 4290.0, "maxrss_kb": 912345}

Export settings mirror `netforge compile`: opset 17, eval mode (BatchNorm folded by
constant folding), dynamic batch axis on input and output, do_constant_folding=True.
A segmentation model (torchvision.models.segmentation: deeplabv3_resnet50, ...) is built
without weights_backbone (nothing downloaded) and without its auxiliary head, as netforge's
zoo builds it by default, exported from a 520x520 input with dynamic N, H and W on the input
and on its output `out` (netforge's segmentation models take any H and W).
Peak RSS is this process's ru_maxrss (Python + torch + the built model + the exports so far).
"""
import json
import os
import resource
import sys
import time


def rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    name = sys.argv[1]
    t0 = time.perf_counter()
    import torch
    import torchvision

    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else (os.cpu_count() or 1))
    import_ms = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    segmentation = getattr(torchvision.models.segmentation, name, None)
    if segmentation is not None:
        model = segmentation(weights=None, weights_backbone=None).eval()
        dummy = torch.randn(1, 3, 520, 520)
        outputs = ["out"]
        axes = {"input": {0: "N", 2: "H", 3: "W"}, "out": {0: "N", 2: "H", 3: "W"}}
    else:
        model = getattr(torchvision.models, name)(weights=None).eval()
        dummy = torch.randn(1, 3, 224, 224)
        outputs = ["logits"]
        axes = {"input": {0: "N"}, "logits": {0: "N"}}
    build_ms = (time.perf_counter() - t1) * 1000
    reply({
        "ready": True,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "import_ms": import_ms,
        "build_ms": build_ms,
        "params": sum(p.numel() for p in model.parameters()),
        "maxrss_kb_before_export": rss_kb(),
    })
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if "state_dict" in req:
                torch.save(model.state_dict(), req["state_dict"])
                reply({"saved": req["state_dict"]})
                continue
            out = req["out"]
            with torch.no_grad():
                t = time.perf_counter()
                c = time.process_time()
                torch.onnx.export(
                    model,
                    (dummy,),
                    out,
                    opset_version=17,
                    do_constant_folding=True,
                    training=torch.onnx.TrainingMode.EVAL,
                    input_names=["input"],
                    output_names=outputs,
                    dynamic_axes=axes,
                )
                ms = (time.perf_counter() - t) * 1000
                cpu_ms = (time.process_time() - c) * 1000
            if not req.get("keep"):
                os.unlink(out)
            reply({"ms": ms, "cpu_ms": cpu_ms, "maxrss_kb": rss_kb()})
        except Exception as e:  # report and keep serving
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
