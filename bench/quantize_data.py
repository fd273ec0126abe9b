"""
Inputs for bench/quantize.mjs: torchvision's resnet50 with its own random init, random
BatchNorm affine parameters and BatchNorm statistics measured on image crops (the running
mean and variance that training would have left: a train-mode pass over 128 crops, with a
cumulative average), and image-like inputs: random resized crops (scale 0.08-1, aspect
3/4-4/3, half of them flipped) of the two photographs scikit-learn ships (china.jpg,
flower.jpg), 224x224, ImageNet-normalized. The statistics crops, the calibration crops and
the held-out crops come from three separate random streams. With statistics from data, the
activations of the untrained net stay normalized down to the classifier, so its predictions
vary from input to input (with random statistics it predicts one class for every crop, and
top-1 agreement would prove nothing).

usage: quantize_data.py OUT_DIR [CAL] [HELD]   (default 64 calibration and 256 held-out inputs)
writes OUT_DIR/weights.pth, OUT_DIR/cal/*.npy, OUT_DIR/held/*.npy (batches of 32, float32)
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from sklearn.datasets import load_sample_images

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "parity"))
from make_cases import randomize_batchnorm  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]


def batchnorm_from_data(model, gen, x):
    """Random gamma and beta (as the parity fixtures draw them); running statistics measured on x in train mode (cumulative average)."""
    randomize_batchnorm(model, gen)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for k in range(0, len(x), 16):
            model(torch.from_numpy(x[k : k + 16]))
    model.eval()


def crops(images, n, rng):
    out = np.empty((n, 3, 224, 224), dtype=np.float32)
    for i in range(n):
        img = images[rng.integers(len(images))]
        h, w = img.shape[1:]
        for _ in range(100):
            area = h * w * rng.uniform(0.08, 1.0)
            ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
            cw, ch = int(round(np.sqrt(area * ratio))), int(round(np.sqrt(area / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                break
        y, x = rng.integers(h - ch + 1), rng.integers(w - cw + 1)
        c = torch.from_numpy(img[:, y : y + ch, x : x + cw])[None]
        c = F.interpolate(c, size=(224, 224), mode="bilinear", align_corners=False)[0].numpy()
        if rng.random() < 0.5:
            c = c[:, :, ::-1]
        out[i] = (c - MEAN) / STD
    return out


def save(d, x):
    os.makedirs(d, exist_ok=True)
    for k in range(0, len(x), 32):
        np.save(os.path.join(d, f"{k // 32:03d}.npy"), np.ascontiguousarray(x[k : k + 32]))


def main():
    out = sys.argv[1]
    cal = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    held = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    torch.manual_seed(50)
    torch.set_num_threads(2)
    images = [im.astype(np.float32).transpose(2, 0, 1) / 255.0 for im in load_sample_images().images]
    model = torchvision.models.resnet50()
    batchnorm_from_data(model, torch.Generator().manual_seed(51), crops(images, 128, np.random.default_rng(3)))
    os.makedirs(out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out, "weights.pth"))
    save(os.path.join(out, "cal"), crops(images, cal, np.random.default_rng(1)))
    save(os.path.join(out, "held"), crops(images, held, np.random.default_rng(2)))


if __name__ == "__main__":
    main()
