"""The Python oracle for examples/se-resnet50.ts and examples/resnet-d.ts.

Builds both networks independently in PyTorch, on top of torchvision's ResNet-50, and
prints, for each, its parameter count (parameters only, as torchvision counts them) and
every state_dict entry (name and shape; num_batches_tracked left out) as JSON.

- se_resnet50: Hu et al. 2018. In every Bottleneck, after bn3 and before the residual add:
  global average pool, 1x1 conv C -> C // 16 (bias), ReLU, 1x1 conv back to C (bias),
  sigmoid, multiply. Modules `se.fc1` and `se.fc2`.
- resnet50d: He et al. 2019 ("Bag of Tricks"), named like timm's resnet50d: stem
  `conv1` = Sequential(conv3x3(3, 32, s2), BN, ReLU, conv3x3(32, 32), BN, ReLU,
  conv3x3(32, 64)) then the usual bn1; `downsample` = Sequential(AvgPool2d(2, s, ceil_mode,
  count_include_pad=False) or Identity at stride 1, conv1x1, BN).
"""
import json
import sys

import torch
import torch.nn as nn
import torchvision

# weight init is irrelevant to names and counts, and dominates construction time
for name in ('kaiming_normal_', 'kaiming_uniform_', 'uniform_', 'normal_', 'constant_'):
    setattr(nn.init, name, lambda t, *a, **k: t)


class SE(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))


class SEBottleneck(torchvision.models.resnet.Bottleneck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.se = SE(self.conv3.out_channels)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.se(self.bn3(self.conv3(out)))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


def se_resnet50():
    return torchvision.models.resnet.ResNet(SEBottleneck, [3, 4, 6, 3])


def resnet50d():
    m = torchvision.models.resnet50()
    conv = lambda cin, cout, s=1: nn.Conv2d(cin, cout, 3, s, 1, bias=False)
    m.conv1 = nn.Sequential(conv(3, 32, 2), nn.BatchNorm2d(32), nn.ReLU(), conv(32, 32), nn.BatchNorm2d(32), nn.ReLU(), conv(32, 64))
    for layer in (m.layer1, m.layer2, m.layer3, m.layer4):
        ds = layer[0].downsample
        stride = ds[0].stride[0]
        pool = nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) if stride != 1 else nn.Identity()
        layer[0].downsample = nn.Sequential(pool, nn.Conv2d(ds[0].in_channels, ds[0].out_channels, 1, bias=False), ds[1])
    return m


def describe(m):
    m.eval()
    with torch.no_grad():
        y = m(torch.zeros(1, 3, 64, 64))
    return {
        'params': sum(p.numel() for p in m.parameters()),
        'state': [[k, list(v.shape)] for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked')],
        'output': list(y.shape),
    }


BUILDERS = {'se_resnet50': se_resnet50, 'resnet50d': resnet50d}
print(json.dumps({name: describe(BUILDERS[name]()) for name in sys.argv[1:]}))
