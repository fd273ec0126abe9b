"""Op counts of torch.onnx.export for a torchvision model (eval mode, opset 17), Identity excluded.

usage: onnx_ops.py MODEL SIZE OUT.onnx [KWARGS_JSON]
KWARGS_JSON: keyword arguments for the torchvision constructor, e.g. {"replace_stride_with_dilation": [false, true, true]}.
Prints {"ops": {op: count}, "identity": n} as JSON.
"""
import collections
import json
import sys

import onnx
import torch
import torchvision


def main():
    name, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    kwargs = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(**kwargs).eval()
    x = torch.randn(1, 3, size, size)
    torch.onnx.export(model, x, out, opset_version=17, do_constant_folding=True)
    counts = collections.Counter(n.op_type for n in onnx.load(out).graph.node)
    identity = counts.pop("Identity", 0)
    print(json.dumps({"ops": dict(sorted(counts.items())), "identity": identity}))


if __name__ == "__main__":
    main()
