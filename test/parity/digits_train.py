"""
Train the small ResNet of test/fixtures/quant/digits_resnet.ts on scikit-learn's 8x8 digits
(Debian's python3-sklearn ships them: 1,797 labelled images, no download), seeded, on the
CPU, and write what the int8 accuracy test needs into OUT_DIR:

  weights.pth   the state dict (torchvision names), eval mode statistics
  cal.npy       calibration inputs: 256 images of the training split, float32 [256, 1, 8, 8]
  test_x.npy    the held-out split, float32 [n, 1, 8, 8]; test_y.npy its labels (int64)
  torch.json    torch's own top-1 accuracy on the held-out split, and the split sizes

usage: digits_train.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torchvision.models.resnet import BasicBlock

SEED = 20261130
MEAN, STD = 0.3, 0.4  # the model file's preprocessing
EPOCHS = 15


class DigitsResNet(nn.Module):
    """The PyTorch twin of digits_resnet.ts: same modules, same names."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        down = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False), nn.BatchNorm2d(32))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, stride=2, downsample=down), BasicBlock(32, 32))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main(out):
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # faster than 2 for a net this small (thread overhead per op)
    d = load_digits()
    x = ((d.images.astype(np.float32) / 16.0 - MEAN) / STD)[:, None, :, :]
    y = d.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    model = DigitsResNet()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    g = torch.Generator().manual_seed(SEED)
    for _ in range(EPOCHS):
        model.train()
        for idx in torch.randperm(len(xt), generator=g).split(64):
            # light augmentation: shift by up to one pixel
            xb = torch.roll(xt[idx], shifts=(int(torch.randint(-1, 2, (1,), generator=g)), int(torch.randint(-1, 2, (1,), generator=g))), dims=(2, 3))
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yt[idx]).backward()
            opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    os.makedirs(out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out, "weights.pth"))
    np.save(os.path.join(out, "cal.npy"), np.ascontiguousarray(x_tr[:256]))
    np.save(os.path.join(out, "test_x.npy"), np.ascontiguousarray(x_te))
    np.save(os.path.join(out, "test_y.npy"), y_te)
    with open(os.path.join(out, "torch.json"), "w") as f:
        json.dump({"accuracy": acc, "train": int(len(x_tr)), "test": int(len(x_te))}, f)


if __name__ == "__main__":
    main(sys.argv[1])
