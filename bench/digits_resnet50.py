"""
A trained resnet50 for bench/quantize.mjs: torchvision's resnet50 architecture (10 classes),
trained with torch on scikit-learn's 8x8 digits scaled up to 32x32 and repeated over three
channels (the split and normalization of test/parity/digits_train.py), seeded, on the CPU.
Real labels, held-out data, a net whose signal propagation training has shaped: the int8
accuracy question asked of a trained model. (ImageNet weights and images are not reachable
offline here.)

usage: digits_resnet50.py OUT_DIR [EPOCHS]
writes OUT_DIR/weights.pth, OUT_DIR/cal/000.npy (256 training images), OUT_DIR/held/*.npy
(the 540 held-out images in batches of 32), OUT_DIR/held_y.npy, OUT_DIR/torch.json
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 20261130
MEAN, STD = 0.3, 0.4


def images(x):
    """[n, 8, 8] pixels 0..16 -> [n, 3, 32, 32] float32, normalized."""
    t = torch.from_numpy(((x.astype(np.float32) / 16.0 - MEAN) / STD)[:, None])
    return F.interpolate(t, size=(32, 32), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1).numpy()


def main():
    out = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    d = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(d.images, d.target.astype(np.int64), test_size=0.3, random_state=0, stratify=d.target)
    x_tr, x_te = images(x_tr), images(x_te)
    model = torchvision.models.resnet50(num_classes=10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * ((len(x_tr) + 63) // 64))
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    g = torch.Generator().manual_seed(SEED)
    t0 = time.time()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=g).split(64):
            opt.zero_grad()
            F.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        right = sum(int((model(torch.from_numpy(x_te[k : k + 64])).argmax(1).numpy() == y_te[k : k + 64]).sum()) for k in range(0, len(x_te), 64))
    acc = right / len(x_te)
    os.makedirs(os.path.join(out, "cal"), exist_ok=True)
    os.makedirs(os.path.join(out, "held"), exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out, "weights.pth"))
    np.save(os.path.join(out, "cal", "000.npy"), np.ascontiguousarray(x_tr[:256]))
    for k in range(0, len(x_te), 32):
        np.save(os.path.join(out, "held", f"{k // 32:03d}.npy"), np.ascontiguousarray(x_te[k : k + 32]))
    np.save(os.path.join(out, "held_y.npy"), y_te)
    with open(os.path.join(out, "torch.json"), "w") as f:
        json.dump({"accuracy": acc, "train": int(len(x_tr)), "test": int(len(x_te)), "epochs": epochs, "trainSeconds": time.time() - t0}, f)


if __name__ == "__main__":
    main()
