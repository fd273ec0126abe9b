"""Op counts of torch.onnx.export for a torchvision model (eval mode, opset 17), Identity excluded.

usage: onnx_ops.py MODEL SIZE OUT.onnx [KWARGS_JSON] [--dynamic]
MODEL: a function of torchvision.models or torchvision.models.segmentation.
KWARGS_JSON: keyword arguments for the torchvision constructor, e.g. {"replace_stride_with_dilation": [false, true, true]}.
--dynamic: the batch, H and W are dynamic axes (what netforge's symbolic models declare).
Prints {"ops": {op: count}, "identity": n, "outputs": [names], "resize_modes": [coordinate_transformation_mode of each Resize],
"concat_axes": [axis of each Concat]} as JSON.
"""

import collections
import json
import sys

import onnx
import torch
import torchvision


def main():
    args = [a for a in sys.argv[1:] if a != "--dynamic"]
    dynamic = "--dynamic" in sys.argv
    name, size, out = args[0], int(args[1]), args[2]
    kwargs = json.loads(args[3]) if len(args) > 3 else {}
    torch.manual_seed(0)
    build = getattr(torchvision.models, name, None) or getattr(torchvision.models.segmentation, name)
    model = build(**kwargs).eval()
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        y = model(x)
    names = list(y.keys()) if isinstance(y, dict) else ["output"]
    axes = {"input": {0: "N", 2: "H", 3: "W"}, **{k: {0: "N", 2: "H", 3: "W"} for k in names}} if dynamic else None
    torch.onnx.export(model, x, out, opset_version=17, do_constant_folding=True, input_names=["input"], output_names=names, dynamic_axes=axes)
    graph = onnx.load(out).graph
    counts = collections.Counter(n.op_type for n in graph.node)
    identity = counts.pop("Identity", 0)
    modes = [onnx.helper.get_attribute_value(a).decode() for n in graph.node if n.op_type == "Resize" for a in n.attribute if a.name == "coordinate_transformation_mode"]
    axes = [onnx.helper.get_attribute_value(a) for n in graph.node if n.op_type == "Concat" for a in n.attribute if a.name == "axis"]
    print(json.dumps({"ops": dict(sorted(counts.items())), "identity": identity, "outputs": [o.name for o in graph.output], "resize_modes": modes, "concat_axes": axes}))


if __name__ == "__main__":
    main()
