"""F.interpolate(mode='bilinear', align_corners=False) on fixed inputs, for the Resize tests.

usage: resize_oracle.py OUT_DIR SIZES_JSON

SIZES_JSON: [[h, w], ...]. For each size i this writes input_i.npy (a [1, 2, h, w] tensor of
distinct values) and expected_i_<case>.npy for the cases the test builds in netforge:
  down1   size (1, 1)              (downsampling to one pixel: where ONNX's pytorch_half_pixel differs)
  odd     size (5, 3)
  up2     scale_factor 2
  half    scale_factor 0.5
  mixed   scale_factor (1.5, 0.75)
  back    odd, resized back to (h, w)
Also writes resize_<mode>.onnx for mode in half_pixel and pytorch_half_pixel: one Resize of
a [1, 2, 4, 5] input to [1, 2, 1, 1] (made with onnx.helper), and down1_4x5.npy, torch's
result for that input.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper


def cases(x):
    odd = F.interpolate(x, size=(5, 3), mode="bilinear", align_corners=False)
    return {
        "down1": F.interpolate(x, size=(1, 1), mode="bilinear", align_corners=False),
        "odd": odd,
        "up2": F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
        "half": F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False),
        "mixed": F.interpolate(x, scale_factor=(1.5, 0.75), mode="bilinear", align_corners=False),
        "back": F.interpolate(odd, size=x.shape[-2:], mode="bilinear", align_corners=False),
    }


def main():
    out, sizes = sys.argv[1], json.loads(sys.argv[2])
    for i, (h, w) in enumerate(sizes):
        x = (torch.arange(2 * h * w, dtype=torch.float32).reshape(1, 2, h, w) * 0.37) % 5.0
        np.save(os.path.join(out, f"input_{i}.npy"), x.numpy())
        for k, v in cases(x).items():
            np.save(os.path.join(out, f"expected_{i}_{k}.npy"), v.numpy())
    x = torch.arange(20, dtype=torch.float32).reshape(1, 1, 4, 5).repeat(1, 2, 1, 1)
    np.save(os.path.join(out, "down1_4x5.npy"), F.interpolate(x, size=(1, 1), mode="bilinear", align_corners=False).numpy())
    np.save(os.path.join(out, "input_4x5.npy"), x.numpy())
    sizes_t = numpy_helper.from_array(np.array([1, 2, 1, 1], dtype=np.int64), name="sizes")
    for mode in ["half_pixel", "pytorch_half_pixel"]:
        node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear", coordinate_transformation_mode=mode)
        g = helper.make_graph([node], "r", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 5])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 1, 1])], [sizes_t])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(out, f"resize_{mode}.onnx"))


if __name__ == "__main__":
    main()
