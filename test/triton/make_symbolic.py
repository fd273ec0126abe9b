"""ONNX models with symbolic H and W and several inputs and outputs, for the Triton tests
(netforge itself only makes the batch dim symbolic today). Written with onnx.helper.

  seg.onnx:   image [N, 3, H, W] float, scale [N, 1, 1, 1] float16
              -> mask [N, 2, H, W] float (1x1 conv of image, times scale), score [N] float (mean of mask)
  fixed.onnx: image [1, 3, H, W] float -> mask [1, 2, H, W] float (the same conv, batch fixed at 1)
"""
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3, 1, 1) / 10, name="w")


def model(batch, with_scale):
    nodes = [helper.make_node("Conv", ["image", "w"], ["conv"])]
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, "H", "W"])]
    outputs = [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [batch, 2, "H", "W"])]
    if with_scale:
        inputs.append(helper.make_tensor_value_info("scale", TensorProto.FLOAT16, [batch, 1, 1, 1]))
        nodes += [
            helper.make_node("Cast", ["scale"], ["scale32"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["conv", "scale32"], ["mask"]),
            helper.make_node("ReduceMean", ["mask"], ["score"], axes=[1, 2, 3], keepdims=0),
        ]
        outputs.append(helper.make_tensor_value_info("score", TensorProto.FLOAT, [batch]))
    else:
        nodes.append(helper.make_node("Identity", ["conv"], ["mask"]))
    g = helper.make_graph(nodes, "symbolic", inputs, outputs, initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


onnx.save(model("N", True), f"{out}/seg.onnx")
onnx.save(model(1, False), f"{out}/fixed.onnx")
