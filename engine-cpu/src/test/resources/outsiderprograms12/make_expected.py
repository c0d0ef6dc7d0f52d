"""Expected values for OutsiderPrograms12Test (session 36's outsider pass, round 12): a Java user takes a model that
PyTorch trained (torchvision's code, written line by line as torchvision writes it, with narrower widths so that the
checkpoints stay small), saved with torch.save(model.state_dict()) or as safetensors, loads it into the same
architecture written with Ember, runs inference in eval and fine-tunes it. Random weights and random BatchNorm running
statistics stand in for "trained". Written files:
  resnet_basic.pt        torch.save(state_dict) of torchvision's ResNet(BasicBlock, [2, 1, 1, 1]) (widths 4..32)
  resnet_bottleneck.safetensors  the state dict of ResNet(Bottleneck, [1, 1, 1, 1], zero_init_residual=True) (widths
                         4..32, expansion 4) as nn.DataParallel saves it: every key under 'module.'
  shufflenet_ckpt.pt     torch.save({'model', 'optimizer', 'epoch', 'scheduler'}) of a small ShuffleNetV2 after two
                         epochs of AdamW with a no-decay group and CosineAnnealingLR
  programs12.pt          the inputs, outputs, losses, gradients, parameters and state dicts the test compares
  texts12.txt            printouts (str of load_state_dict's result, the strict error)
  rb.*   the BasicBlock ResNet: eval logits; fine-tuned with the backbone frozen but layer4, fc replaced by a new
         nn.Linear(64, 5), SGD (momentum, weight decay) with layer4 in a group of its own lr, in train mode (the frozen
         BatchNorms still update their running statistics); losses, grads after the first backward, the state dict
         after the last step, eval logits after; fuse_conv_bn_eval over every conv/bn pair: the fused eval logits
  cl.*   the loaded ResNet in channels_last under inference_mode; an inference tensor refused by autograd
  cam.*  Grad-CAM on the loaded ResNet: a forward hook on layer4 keeps its output, a tensor hook its gradient; the class
         score's backward, the channel weights by mean over (2, 3), ReLU of the weighted sum, bilinear upsampling to the
         image size, min-max normalization; feature extraction of layer1..layer4 by forward hooks
  tta.*  test-time augmentation: flips, five-crop by slicing, the mean of softmaxes, topk(3)
  rbn.*  the Bottleneck ResNet (zero_init_residual=True) from the 'module.' checkpoint: eval logits; a 5-class model
         loaded with strict=False from the checkpoint without the fc keys; one fine-tuning step
  sh.*   ShuffleNetV2 resumed from the full training checkpoint: the next two epochs' losses, parameters, lr
  dn.*   torchvision's DenseNet (features an OrderedDict Sequential grown by add_module) from a file with the
         pre-0.4 key names and no num_batches_tracked, remapped by torchvision's _load_state_dict regex: eval, a
         training forward's loss, gradients and running statistics
  densenet_old.pt        that file
  print.*, grad_fn  print(model) of the ported models (PyTorch's reprs) and the grad_fn names of the programs' ops
  zoo.*  SqueezeNet Fire modules, a DenseNet dense block and transition, a GoogLeNet Inception module, a MobileNetV2
         inverted residual, EfficientNet's MBConv with stochastic_depth ('row' and 'batch' with the noise saved):
         train-mode and eval outputs, gradients of every named parameter
Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py
"""
import copy
import json
import math
import os
import sys
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pin_cpu_kernels  # noqa: E402,F401  (before torch: see pin_cpu_kernels.py)

import torch
import torch.nn as nn
import torch.nn.functional as F

from refcases import safetensors_entries, write_safetensors  # noqa: E402

torch.manual_seed(12)
out = {}
texts = []


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + k] = p.grad.clone()


def text(name, s):
    texts.append(name + '\n' + s + '\n<<<')


def randomize_bn(model):
    """Stand-in for training: every BatchNorm's affine parameters and running statistics random."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, ())))


# torchvision/models/resnet.py -----------------------------------------------------------------------------------------
def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)
        out = self.conv3(out)
        out = self.bn3(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    # torchvision's, but the widths 64, 128, 256, 512 are a parameter (w, 2w, 4w, 8w) to keep the checkpoints small
    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, w=64):
        super().__init__()
        norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = w
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, w, layers[0])
        self.layer2 = self._make_layer(block, 2 * w, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * w, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * w, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * w * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        norm_layer = self._norm_layer
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, self.dilation,
                            norm_layer))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def _forward_impl(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x

    def forward(self, x):
        return self._forward_impl(x)


# 1. BasicBlock ResNet: eval, fine-tune, fuse ---------------------------------------------------------------------------
rb = ResNet(BasicBlock, [2, 1, 1, 1], num_classes=10, w=4)
randomize_bn(rb)
torch.save(rb.state_dict(), 'resnet_basic.pt')
x = torch.randn(4, 3, 32, 32)
out['rb.x'] = x
rb.eval()
with torch.no_grad():
    out['rb.eval'] = rb(x)

# fuse_conv_bn_eval (torch/nn/utils/fusion.py) over every conv/bn pair, the bn replaced by Identity
from torch.nn.utils.fusion import fuse_conv_bn_eval
fused = copy.deepcopy(rb)
fused.conv1 = fuse_conv_bn_eval(fused.conv1, fused.bn1)
fused.bn1 = nn.Identity()
for layer in [fused.layer1, fused.layer2, fused.layer3, fused.layer4]:
    for blk in layer:
        blk.conv1 = fuse_conv_bn_eval(blk.conv1, blk.bn1)
        blk.bn1 = nn.Identity()
        blk.conv2 = fuse_conv_bn_eval(blk.conv2, blk.bn2)
        blk.bn2 = nn.Identity()
        if blk.downsample is not None:
            blk.downsample[0] = fuse_conv_bn_eval(blk.downsample[0], blk.downsample[1])
            blk.downsample[1] = nn.Identity()
with torch.no_grad():
    out['rb.fused'] = fused(x)
save_state('rb.fused_state.', fused)

# fine-tune: new head, backbone frozen but layer4, two groups, train mode. BatchNorm in training over layer4's 1x1
# maps sees 4 values per channel: float32's rounding is amplified there (PyTorch's own float32 gradients differ from the
# float64 run of the same numbers by up to 3e-5 relative), so the program also runs in float64 ('rb64.') and the test
# judges Ember's float32 numbers by their distance from the float64 ones against PyTorch's float32 distance
y = torch.tensor([0, 3, 1, 4])
out['rb.y'] = y
head = nn.Linear(8 * 4, 5)
save_state('rb.fc0.', head)


def finetune(prefix, dtype):
    ft = ResNet(BasicBlock, [2, 1, 1, 1], num_classes=10, w=4)
    ft.load_state_dict(torch.load('resnet_basic.pt'))
    for p in ft.parameters():
        p.requires_grad = False
    ft.fc = nn.Linear(ft.fc.in_features, 5)
    ft.fc.load_state_dict(head.state_dict())
    for p in ft.layer4.parameters():
        p.requires_grad = True
    ft.to(dtype)
    opt = torch.optim.SGD([{'params': ft.layer4.parameters(), 'lr': 0.01}, {'params': ft.fc.parameters()}], lr=0.1,
                          momentum=0.9, weight_decay=1e-4)
    ft.train()
    losses = []
    for step in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(ft(x.to(dtype)), y)
        loss.backward()
        if step == 0:
            save_grads(prefix + 'grad.', ft)
        opt.step()
        losses.append(loss.item())
    out[prefix + 'losses'] = torch.tensor(losses, dtype=dtype)
    # what the steps changed: layer4 and fc, and every BatchNorm's running statistics (the frozen weights are the
    # checkpoint's)
    for k, v in ft.state_dict().items():
        if k.startswith('layer4.') or k.startswith('fc.') or 'running_' in k or 'num_batches_tracked' in k:
            out[prefix + 'final.' + k] = v.clone()
    ft.eval()
    with torch.no_grad():
        out[prefix + 'eval_after'] = ft(x.to(dtype))


finetune('rb.', torch.float32)
finetune('rb64.', torch.float64)

# channels-last inference under inference_mode: the loaded model and the images in channels_last; an inference
# tensor then used in autograd is refused
cl = ResNet(BasicBlock, [2, 1, 1, 1], num_classes=10, w=4)
cl.load_state_dict(torch.load('resnet_basic.pt'))
cl.eval()
cl = cl.to(memory_format=torch.channels_last)
fmt = {}
hcl = cl.layer4.register_forward_hook(
    lambda m, i, o: fmt.__setitem__('layer4', o.is_contiguous(memory_format=torch.channels_last)))
with torch.inference_mode():
    logits_cl = cl(x.to(memory_format=torch.channels_last))
hcl.remove()
out['cl.eval'] = logits_cl.clone()
text('cl.flags', '%s %s %s %s' % (fmt['layer4'], logits_cl.is_inference(), out['cl.eval'].is_inference(),
                                  cl.conv1.weight.is_contiguous(memory_format=torch.channels_last)))
wcl = torch.randn(10, requires_grad=True)
try:
    (logits_cl * wcl).sum()
except RuntimeError as ex:
    text('cl.inference_error', str(ex))

# 2. Grad-CAM and feature extraction on the loaded model ----------------------------------------------------------------
cam_model = ResNet(BasicBlock, [2, 1, 1, 1], num_classes=10, w=4)
cam_model.load_state_dict(torch.load('resnet_basic.pt'))
cam_model.eval()
feats = {}


def save_activation(name):
    def hook(module, inp, output):
        feats[name] = output
    return hook


handles = [getattr(cam_model, n).register_forward_hook(save_activation(n)) for n in ['layer1', 'layer2', 'layer3',
                                                                                     'layer4']]
# 64x64 images: layer4's maps are 2x2 (at 32x32 they are 1x1 and the map is a constant, whose min-max normalization
# divides float32 rounding by 1e-8)
img = torch.randn(2, 3, 64, 64)
out['cam.x'] = img
activations = {}
gradients = {}


def fwd_hook(module, inp, output):
    activations['value'] = output
    output.register_hook(lambda g: gradients.__setitem__('value', g))


h = cam_model.layer4.register_forward_hook(fwd_hook)
logits = cam_model(img)
for n in ['layer1', 'layer2', 'layer3', 'layer4']:
    out['cam.feat.' + n] = feats[n].detach().clone()
for hd in handles:
    hd.remove()
cls = logits.argmax(dim=1)
out['cam.cls'] = cls
score = logits.gather(1, cls.view(-1, 1)).sum()
cam_model.zero_grad()
score.backward()
h.remove()
acts = activations['value'].detach()
grads = gradients['value']
out['cam.grads'] = grads
weights = grads.mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * acts).sum(dim=1, keepdim=True))
cam = F.interpolate(cam, size=img.shape[-2:], mode='bilinear', align_corners=False)
b = cam.shape[0]
cmin = cam.view(b, -1).min(dim=1)[0].view(b, 1, 1, 1)
cmax = cam.view(b, -1).max(dim=1)[0].view(b, 1, 1, 1)
cam = (cam - cmin) / (cmax - cmin + 1e-8)
out['cam.cam'] = cam
out['cam.fc_grad'] = cam_model.fc.weight.grad.clone()

# 3. test-time augmentation ---------------------------------------------------------------------------------------------
big = torch.randn(2, 3, 40, 40)
out['tta.x'] = big


def five_crop(t, size):
    h, w = t.shape[-2:]
    tl = t[..., :size, :size]
    tr = t[..., :size, w - size:]
    bl = t[..., h - size:, :size]
    br = t[..., h - size:, w - size:]
    top = int(round((h - size) / 2.0))
    left = int(round((w - size) / 2.0))
    center = t[..., top:top + size, left:left + size]
    return tl, tr, bl, br, center


with torch.no_grad():
    views = list(five_crop(big, 32))
    views += [torch.flip(v, dims=[-1]) for v in views]
    views.append(torch.flip(big[..., 4:36, 4:36], dims=[-2, -1]))
    probs = torch.stack([F.softmax(cam_model(v), dim=1) for v in views]).mean(0)
    out['tta.probs'] = probs
    top = probs.topk(3, dim=1)
    out['tta.top_values'] = top.values
    out['tta.top_indices'] = top.indices

# 4. Bottleneck ResNet, zero_init_residual, DataParallel checkpoint as safetensors --------------------------------------
rbn = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=10, zero_init_residual=True, w=4)
out['rbn.init_bn3'] = rbn.layer2[0].bn3.weight.detach().clone()
randomize_bn(rbn)
dp_state = {'module.' + k: v for k, v in rbn.state_dict().items()}


def write_safetensors_file(path, tensors):
    header, blobs = safetensors_entries(tensors, sorted(tensors))
    header['__metadata__'] = {'format': 'pt'}
    write_safetensors(path, json.dumps(header, separators=(',', ':')), blobs)


write_safetensors_file('resnet_bottleneck.safetensors', dp_state)
xb = torch.randn(3, 3, 32, 32)
out['rbn.x'] = xb
rbn.eval()
with torch.no_grad():
    out['rbn.eval'] = rbn(xb)
# loading the file's dict as it is: PyTorch's error. safetensors.torch.load_file returns the keys in sorted order
# (safe_open.keys() sorts them), which the error lists the unexpected ones in
dp_file = {k: dp_state[k] for k in sorted(dp_state)}
m2 = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=10, zero_init_residual=True, w=4)
try:
    m2.load_state_dict(dp_file)
except RuntimeError as ex:
    text('rbn.strict_error', str(ex))
# the user's fix: strip 'module.', drop the head, load into a 5-class model with strict=False
state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in dp_state.items()}
state = {k: v for k, v in state.items() if not k.startswith('fc.')}
m5 = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=5, zero_init_residual=True, w=4)
save_state('rbn.fc0.', m5.fc)
res = m5.load_state_dict(state, strict=False)
text('rbn.nonstrict', str(res))
text('rbn.nonstrict_missing', repr(res.missing_keys))
text('rbn.nonstrict_unexpected', repr(res.unexpected_keys))
# the head's keys kept: a size mismatch, refused with strict=False too
full = {k[len('module.'):]: v for k, v in dp_state.items()}
for strict in [True, False]:
    try:
        ResNet(Bottleneck, [1, 1, 1, 1], num_classes=5, zero_init_residual=True, w=4).load_state_dict(full, strict=strict)
    except RuntimeError as ex:
        text('rbn.size_mismatch_' + str(strict), str(ex))
extra = dict(state)
extra['fc_old.weight'] = torch.zeros(1)
res2 = m5.load_state_dict(extra, strict=False)
text('rbn.nonstrict_extra', str(res2))
yb = torch.tensor([1, 4, 0])
out['rbn.y'] = yb


def rbn_step(prefix, dtype):
    # one AdamW step of the 5-class model in train mode; in float32 and, to judge float32's rounding (BatchNorm over
    # layer4's 1x1 maps of 3 images), in float64
    m = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=5, zero_init_residual=True, w=4)
    m.fc.load_state_dict({k[len('rbn.fc0.'):]: v for k, v in out.items() if k.startswith('rbn.fc0.')})
    m.load_state_dict(state, strict=False)
    m.to(dtype)
    m.train()
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.05)
    loss = F.cross_entropy(m(xb.to(dtype)), yb, label_smoothing=0.1)
    loss.backward()
    save_grads(prefix + 'grad.', m)
    opt.step()
    out[prefix + 'loss'] = loss.detach()
    save_state(prefix + 'final.', m)


rbn_step('rbn.', torch.float32)
rbn_step('rbn64.', torch.float64)

# 5. ShuffleNetV2 resumed from a full training checkpoint ---------------------------------------------------------------
def channel_shuffle(x, groups):
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    # reshape
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    # flatten
    x = x.view(batchsize, num_channels, height, width)
    return x


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride):
        super().__init__()
        if not (1 <= stride <= 3):
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if (self.stride == 1) and (inp != branch_features << 1):
            raise ValueError("Invalid combination of stride ...")
        if self.stride > 1:
            self.branch1 = nn.Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=self.stride, padding=1),
                nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch_features),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if (self.stride > 1) else branch_features, branch_features, kernel_size=1, stride=1,
                      padding=0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3, stride=self.stride, padding=1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(i, o, kernel_size, stride=1, padding=0, bias=False):
        return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        out = channel_shuffle(out, 2)
        return out


class ShuffleNetV2(nn.Module):
    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000, inverted_residual=InvertedResidual):
        super().__init__()
        self._stage_out_channels = stages_out_channels
        input_channels = 3
        output_channels = self._stage_out_channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stage_names = [f"stage{i}" for i in [2, 3, 4]]
        for name, repeats, output_channels in zip(stage_names, stages_repeats, self._stage_out_channels[1:]):
            seq = [inverted_residual(input_channels, output_channels, 2)]
            for i in range(repeats - 1):
                seq.append(inverted_residual(output_channels, output_channels, 1))
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = self._stage_out_channels[-1]
        self.conv5 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(output_channels, num_classes)

    def _forward_impl(self, x):
        x = self.conv1(x)
        x = self.maxpool(x)
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.conv5(x)
        x = x.mean([2, 3])  # globalpool
        x = self.fc(x)
        return x

    def forward(self, x):
        return self._forward_impl(x)


# in float64 (the checkpoint too), so that the resumed epochs are compared at rounding level
sh = ShuffleNetV2([2, 1, 1], [8, 16, 32, 64, 48], num_classes=6).double()
xs = torch.randn(4, 3, 32, 32, dtype=torch.float64)
ys = torch.tensor([0, 5, 2, 3])
out['sh.x'] = xs
out['sh.y'] = ys


def param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim <= 1:
            no_decay.append(p)
        else:
            decay.append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}]


opt = torch.optim.AdamW(param_groups(sh, 0.05), lr=3e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-4)
losses, lrs = [], []
for epoch in range(4):
    sh.train()
    opt.zero_grad()
    loss = F.cross_entropy(sh(xs), ys)
    loss.backward()
    opt.step()
    sched.step()
    losses.append(loss.item())
    lrs.append(opt.param_groups[0]['lr'])
    if epoch == 1:
        torch.save({'model': sh.state_dict(), 'optimizer': opt.state_dict(), 'epoch': epoch + 1,
                    'scheduler': sched.state_dict()}, 'shufflenet_ckpt.pt')
out['sh.losses'] = torch.tensor(losses, dtype=torch.float64)
out['sh.lrs'] = torch.tensor(lrs, dtype=torch.float64)
save_state('sh.final.', sh)
sh.eval()
with torch.no_grad():
    out['sh.eval'] = sh(xs)

# 6. Zoo blocks: SqueezeNet Fire, DenseNet, Inception, MobileNetV2, MBConv with stochastic depth --------------------------
torch.set_default_dtype(torch.float64)


class Fire(nn.Module):
    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet(nn.Module):
    # version 1_1 with fewer Fire modules and narrower widths
    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(16, 4, 8, 8),
            Fire(16, 4, 8, 8),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(16, 6, 12, 12),
        )
        final_conv = nn.Conv2d(24, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    nn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    nn.init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return torch.flatten(x, 1)


class _DenseLayer(nn.Module):
    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate, memory_efficient=False):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs):
        concated_features = torch.cat(inputs, 1)
        bottleneck_output = self.conv1(self.relu1(self.norm1(concated_features)))
        return bottleneck_output

    def forward(self, input):
        if isinstance(input, torch.Tensor):
            prev_features = [input]
        else:
            prev_features = input
        bottleneck_output = self.bn_function(prev_features)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck_output)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    _version = 2

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate, memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate=growth_rate, bn_size=bn_size,
                                drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features):
        features = [init_features]
        for name, layer in self.items():
            new_features = layer(features)
            features.append(new_features)
        return torch.cat(features, 1)


class _Transition(nn.Sequential):
    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            conv_block(in_channels, ch3x3red, kernel_size=1), conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1)
        )
        self.branch3 = nn.Sequential(
            conv_block(in_channels, ch5x5red, kernel_size=1),
            # Here, kernel_size=3 instead of kernel_size=5 is a known bug.
            conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv_block(in_channels, pool_proj, kernel_size=1),
        )

    def _forward(self, x):
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch3 = self.branch3(x)
        branch4 = self.branch4(x)
        outputs = [branch1, branch2, branch3, branch4]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Make sure that round down does not go down by more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, groups=1, norm_layer=nn.BatchNorm2d,
                 activation_layer=nn.ReLU):
        padding = (kernel_size - 1) // 2
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=False)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)
        self.out_channels = out_channels


class MobileInvertedResidual(nn.Module):
    # torchvision.models.mobilenetv2.InvertedResidual
    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
        super().__init__()
        self.stride = stride
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers.extend([
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer,
                                 activation_layer=nn.ReLU6),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        else:
            return self.conv(x)


def stochastic_depth(input, p, mode, training=True, noise=None):
    # torchvision.ops.stochastic_depth; the Bernoulli draw is passed in (saved) so that Ember draws the same mask
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    if noise is None:
        noise = torch.empty(size, dtype=input.dtype, device=input.device)
        noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, input):
        scale = self._scale(input)
        return scale * input


class MBConv(nn.Module):
    # torchvision.models.efficientnet.MBConv (expand 4, kernel 3, stride 1, SiLU, SE of input_channels // 4)
    def __init__(self, cin, expand_ratio, stochastic_depth_prob, mode):
        super().__init__()
        self.use_res_connect = True
        expanded_channels = _make_divisible(cin * expand_ratio, 8)
        layers = [
            Conv2dNormActivation(cin, expanded_channels, kernel_size=1, activation_layer=nn.SiLU),
            Conv2dNormActivation(expanded_channels, expanded_channels, kernel_size=3, groups=expanded_channels,
                                 activation_layer=nn.SiLU),
        ]
        squeeze_channels = max(1, cin // 4)
        layers.append(SqueezeExcitation(expanded_channels, squeeze_channels, activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded_channels, cin, kernel_size=1, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.p = stochastic_depth_prob
        self.mode = mode
        self.noise = None

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = stochastic_depth(result, self.p, self.mode, self.training, self.noise)
            result += input
        return result


zoo = nn.ModuleDict({
    'squeeze': SqueezeNet(num_classes=7),
    'dense': nn.Sequential(_DenseBlock(3, 8, 2, 4, 0.0), _Transition(20, 10)),
    'incep': Inception(10, 4, 3, 6, 2, 3, 3),
    'mv2': nn.Sequential(MobileInvertedResidual(10, 10, 1, 6), MobileInvertedResidual(10, 16, 2, 1)),
    'mb_row': MBConv(8, 4, 0.5, 'row'),
    'mb_batch': MBConv(8, 4, 0.5, 'batch'),
})
randomize_bn(zoo)
save_state('zoo.init.', zoo)
inputs = {'squeeze': torch.randn(2, 3, 33, 33), 'dense': torch.randn(2, 8, 6, 6), 'incep': torch.randn(2, 10, 5, 5),
          'mv2': torch.randn(2, 10, 6, 6), 'mb_row': torch.randn(4, 8, 5, 5), 'mb_batch': torch.randn(4, 8, 5, 5)}
zoo['mb_row'].noise = torch.tensor([1.0, 0.0, 1.0, 1.0]).view(4, 1, 1, 1)
zoo['mb_batch'].noise = torch.tensor([1.0]).view(1, 1, 1, 1)
out['zoo.noise.mb_row'] = zoo['mb_row'].noise.clone()
out['zoo.noise.mb_batch'] = zoo['mb_batch'].noise.clone()
zoo['squeeze'].classifier[0].p = 0.0  # the dropout draw is Philox's in Ember: p=0 in both
for name, m in zoo.items():
    xin = inputs[name].clone().requires_grad_(True)
    out['zoo.x.' + name] = inputs[name]
    m.train()
    if name.startswith('mb_'):
        m.noise = out['zoo.noise.' + name].clone()
    y_ = m(xin)
    out['zoo.train.' + name] = y_.detach().clone()
    (y_ * torch.linspace(-1, 1, y_.numel()).view(y_.shape)).sum().backward()
    save_grads('zoo.grad.' + name + '.', m)
    out['zoo.xgrad.' + name] = xin.grad.clone()
    save_state('zoo.after.' + name + '.', m)
    m.eval()
    with torch.no_grad():
        out['zoo.eval.' + name] = m(inputs[name])
out['zoo.divisible'] = torch.tensor([_make_divisible(v, 8) for v in [3, 10, 12.5, 33, 37.6, 100, 7 * 0.75]])

# 8. DenseNet from a pre-0.4-style checkpoint: torchvision's DenseNet (features an OrderedDict Sequential grown by
# add_module) and its _load_state_dict key remapping ('denselayer1.norm.1.weight' -> 'denselayer1.norm1.weight'); the
# file has no num_batches_tracked (BatchNorm fills it in on a dict without version metadata)
from collections import OrderedDict
import re


class DenseNet(nn.Module):
    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4, drop_rate=0,
                 num_classes=1000, memory_efficient=False):
        super().__init__()
        # First convolution
        self.features = nn.Sequential(
            OrderedDict(
                [
                    ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
                    ("norm0", nn.BatchNorm2d(num_init_features)),
                    ("relu0", nn.ReLU(inplace=True)),
                    ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
                ]
            )
        )
        # Each denseblock
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers=num_layers, num_input_features=num_features, bn_size=bn_size,
                                growth_rate=growth_rate, drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = _Transition(num_input_features=num_features, num_output_features=num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2
        # Final batch norm
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        # Linear layer
        self.classifier = nn.Linear(num_features, num_classes)
        # Official init from torch repo.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        out = self.classifier(out)
        return out


dn = DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=5)
randomize_bn(dn)
with torch.no_grad():
    dn.classifier.bias.uniform_(-0.1, 0.1)
old_keys = OrderedDict()
for k, v in dn.state_dict().items():
    if k.endswith('num_batches_tracked'):
        continue
    # the pre-0.4 names: norm1 -> norm.1, relu1 -> relu.1, conv2 -> conv.2
    old_keys[re.sub(r'(denselayer\d+\.)(norm|relu|conv)([12])\.', r'\1\2.\3.', k)] = v
torch.save(old_keys, 'densenet_old.pt')
pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")
state_dict = torch.load('densenet_old.pt')
for key in list(state_dict.keys()):
    res = pattern.match(key)
    if res:
        new_key = res.group(1) + res.group(2)
        state_dict[new_key] = state_dict[key]
        del state_dict[key]
dn2 = DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=5)
dn2.load_state_dict(state_dict)
xd = torch.randn(3, 3, 32, 32)
yd = torch.tensor([4, 0, 2])
out['dn.x'] = xd
out['dn.y'] = yd
dn2.eval()
with torch.no_grad():
    out['dn.eval'] = dn2(xd)
dn2.train()
loss = F.cross_entropy(dn2(xd), yd)
loss.backward()
out['dn.loss'] = loss.detach()
save_grads('dn.grad.', dn2)
save_state('dn.after.', dn2)
text('print.densenet', str(dn2))

# 7. printouts and grad_fn names -------------------------------------------------------------------------------------
torch.set_default_dtype(torch.float32)
text('print.resnet', str(ResNet(BasicBlock, [2, 1, 1, 1], num_classes=10, w=4)))
text('print.fused', str(fused))
text('print.shufflenet', str(ShuffleNetV2([2, 1, 1], [8, 16, 32, 64, 48], num_classes=6)))
text('print.zoo', str(zoo))
g = torch.randn(2, 4, 6, 6, requires_grad=True)
names = [
    ('channel_shuffle', channel_shuffle(g * 1, 2)),
    ('chunk', g.chunk(2, dim=1)[1]),
    ('cat', torch.cat([g, g], 1)),
    ('flip', torch.flip(g, dims=[-1])),
    ('five_crop', g[..., :4, 2:]),
    ('interpolate', F.interpolate(g, size=(9, 9), mode='bilinear', align_corners=False)),
    ('topk', g.flatten(1).topk(3, dim=1).values),
    ('stochastic_depth', stochastic_depth(g, 0.5, 'row', True, torch.ones(2, 1, 1, 1))),
    ('mean23', g.mean([2, 3])),
    ('hardtanh_relu6', F.relu6(g)),
    ('adaptive_avg_pool', F.adaptive_avg_pool2d(g, (1, 1))),
    ('max_pool_ceil', F.max_pool2d(g, 3, 2, ceil_mode=True)),
    ('avg_pool', F.avg_pool2d(g, 2, 2)),
]
text('grad_fn', '\n'.join(n + ' ' + t.grad_fn.name() for n, t in names))

torch.save(out, 'programs12.pt')
with open('texts12.txt', 'w') as f:
    f.write('\n'.join(texts) + '\n')
