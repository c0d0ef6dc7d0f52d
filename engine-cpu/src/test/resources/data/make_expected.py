# Writes expected.txt for DataTransformsTest.java and DataPipelineTest.java: the values of the deterministic
# transforms, of default_collate, and PyTorch's messages for bad data-pipeline arguments.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 and numpy; torchvision is not installed there).
#
# torchvision is not installed for /usr/bin/python3, so the transforms' references mirror torchvision 0.28's
# algorithms on tensors with torch ops (each function below names the torchvision function it mirrors):
# - resize: torchvision.transforms.v2.functional.resize_image: F.interpolate(image[None], size, mode,
#   align_corners=False for bilinear, antialias=antialias) (antialias defaults to True since torchvision 0.17, for
#   tensors too; nearest modes ignore it); bicubic likewise; images of other types than float32/float64 are converted to
#   float32, interpolated, (integer types) rounded (torch.round, half to even; uint8 clamped to [0, 255] first after
#   bicubic) and converted back. On CPUs with AVX2 torchvision resizes uint8 bilinear images with a
#   native uint8 kernel instead, whose fixed-point rounding may differ by 1: the Java test allows 1 for uint8.
# - pad: torchvision.transforms._functional_tensor.pad: torch pad for constant/edge (replicate)/reflect, its own
#   symmetric mirror (numpy's mode="symmetric" of the image with its negative sides cropped gives the same).
# - crop: torchvision.transforms._functional_tensor.crop (a slice, zero-padded where the window leaves the image).
# - to_tensor (of a numpy array): HWC -> CHW, uint8 / 255 as float32.
# - normalize: (x - mean[:, None, None]) / std[:, None, None], with its messages.
# The same references were cross-checked against torchvision 0.28 with torch 2.13 in a scratch environment (the
# wheels on this machine's disk) when this file was written; see the helper's report.
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import BatchSampler, RandomSampler, SequentialSampler, TensorDataset, WeightedRandomSampler
from torch.utils.data import random_split, DataLoader, ConcatDataset
from torch.utils.data._utils.collate import default_collate

torch.set_printoptions(precision=10)


def fimg(*shape):
    n = int(np.prod(shape))
    return ((torch.arange(n) * 37) % 101).float().div(100).reshape(shape)


def uimg(*shape):
    n = int(np.prod(shape))
    return ((torch.arange(n) * 37 + 11) % 256).to(torch.uint8).reshape(shape)


def tensor_case(key, t):
    print("=== " + key)
    print("shape " + str(list(t.shape)))
    print("dtype " + str(t.dtype))
    v = t.double().flatten().tolist() if t.dtype != torch.bool else t.long().flatten().tolist()
    print("values " + repr([float(x) if t.is_floating_point() else int(x) for x in v]))


def err(key, fn, message=None):
    print("=== " + key)
    try:
        fn()
        # a case that 1.13 accepts and 2.x refuses: the 2.x message, given with its source
        print("error ValueError " + message if message is not None else "value none")
    except Exception as e:
        msg = message if message is not None else str(e).split("\n")[0]
        print("error", type(e).__name__, msg)


# ---- torchvision mirrors (see the header)

def resize(img, size, mode="bilinear", antialias=True):
    h, w = img.shape[-2:]
    if len(size) == 1:
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size[0], int(size[0] * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_h, new_w = size
    if (new_h, new_w) == (h, w):
        return img
    dtype = img.dtype
    x = img.reshape(-1, *img.shape[-3:]) if img.dim() >= 3 else img.reshape(1, 1, h, w)
    need_cast = dtype not in (torch.float32, torch.float64)
    if need_cast:
        x = x.float()
    if mode in ("bilinear", "bicubic"):
        x = F.interpolate(x, size=[new_h, new_w], mode=mode, align_corners=False, antialias=antialias)
    else:
        x = F.interpolate(x, size=[new_h, new_w], mode=mode)
    if need_cast:
        if mode == "bicubic" and dtype == torch.uint8:
            x = x.clamp(0, 255)
        if dtype in (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64):
            x = x.round()
        x = x.to(dtype)
    return x.reshape(img.shape[:-2] + (new_h, new_w))


def pad(img, padding, fill=0, mode="constant"):
    if len(padding) == 1:
        l = r = t = b = padding[0]
    elif len(padding) == 2:
        l = r = padding[0]
        t = b = padding[1]
    else:
        l, t, r, b = padding
    if mode == "constant":
        return F.pad(img, [l, r, t, b], mode="constant", value=float(fill))
    if mode in ("edge", "reflect"):
        # torch's replicate/reflect pads, in float32 for other types (torchvision's need_cast); a negative side crops
        # while the other sides pad relative to the whole image
        x = img if img.is_floating_point() else img.float()
        x = F.pad(x[None] if x.dim() == 2 else x, [l, r, t, b], mode="replicate" if mode == "edge" else "reflect")
        x = x[0] if img.dim() == 2 else x
        return x if img.is_floating_point() else x.to(img.dtype)
    # symmetric (torchvision's _pad_symmetric): crop the negative sides first, then mirror with the edge pixel
    a = img.numpy()
    a = a[..., max(-t, 0):a.shape[-2] - max(-b, 0), max(-l, 0):a.shape[-1] - max(-r, 0)]
    widths = [(0, 0)] * (a.ndim - 2) + [(max(t, 0), max(b, 0)), (max(l, 0), max(r, 0))]
    return torch.from_numpy(np.pad(a, widths, mode="symmetric").copy())


def crop(img, top, left, height, width):
    h, w = img.shape[-2:]
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - max(w, left), 0),
                        max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def to_tensor(arr):
    a = arr.numpy()
    if a.ndim == 2:
        a = a[:, :, None]
    t = torch.from_numpy(a.transpose((2, 0, 1))).contiguous()
    return t.float().div(255) if t.dtype == torch.uint8 else t


def normalize(t, mean, std):
    if not t.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {t.dtype}.")
    if t.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {t.size()}")
    m = torch.as_tensor(mean, dtype=t.dtype)
    s = torch.as_tensor(std, dtype=t.dtype)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {t.dtype}, leading to division by zero.")
    return t.clone().sub_(m.view(-1, 1, 1)).div_(s.view(-1, 1, 1))


# ---- transforms

tensor_case("to_tensor_hw", to_tensor(uimg(5, 6)))
tensor_case("to_tensor_hwc", to_tensor(uimg(5, 6, 3)))
tensor_case("normalize", normalize(fimg(3, 4, 5), [0.5, 0.25, 0.1], [0.2, 0.5, 2.0]))
tensor_case("normalize_one", normalize(fimg(2, 3, 4).double(), [0.5], [0.3]))
err("normalize_uint8", lambda: normalize(uimg(3, 4, 5), [0.5], [0.5]))
err("normalize_2d", lambda: normalize(fimg(4, 5), [0.5], [0.5]))
err("normalize_zero_std", lambda: normalize(fimg(3, 4, 5), [0.5], [1e-50]))
err("normalize_zero_std_half", lambda: normalize(fimg(3, 4, 5).half(), [0.5], [1e-8]))  # zero only in float16
tensor_case("normalize_half", normalize(fimg(3, 4, 5).half(), [0.5, 0.25, 0.1], [0.2, 0.5, 2.0]))
err("normalize_channels", lambda: normalize(fimg(3, 4, 5), [0.5, 0.2], [1.0, 1.0]))

for name, img in [("f", fimg(3, 10, 12)), ("d", fimg(2, 9, 11).double()), ("u", uimg(3, 10, 12))]:
    for size in ([4, 5], [13, 17], [7], [10, 5], [3, 12]):
        for aa in (True, False):
            key = "resize_%s_%s_%s" % (name, "x".join(map(str, size)), "aa" if aa else "plain")
            tensor_case(key, resize(img, size, "bilinear", aa))
# half images are resized in float32 and only rounded to their type (torchvision rounds integer types alone)
for name, img in [("h", fimg(3, 10, 12).half()), ("b", fimg(3, 10, 12).bfloat16())]:
    for aa in (True, False):
        tensor_case("resize_%s_4x5_%s" % (name, "aa" if aa else "plain"), resize(img, [4, 5], "bilinear", aa))
for name, img in [("f", fimg(3, 10, 12)), ("d", fimg(2, 9, 11).double()), ("u", uimg(3, 10, 12))]:
    for size in ([4, 5], [13, 17], [3, 12]):
        for aa in (True, False):
            key = "resize_bicubic_%s_%s_%s" % (name, "x".join(map(str, size)), "aa" if aa else "plain")
            tensor_case(key, resize(img, size, "bicubic", aa))
tensor_case("resize_t_4x5_aa", resize(fimg(3, 12, 10).transpose(1, 2), [4, 5], "bilinear", True))
tensor_case("resize_2d_6x7_aa", resize(fimg(10, 12), [6, 7], "bilinear", True))
for size in ([4, 5], [13, 20], [14, 18], [7, 9]):
    tensor_case("resize_nearest_%s" % "x".join(map(str, size)), resize(uimg(2, 7, 9), size, "nearest"))
    tensor_case("resize_nearest_exact_%s" % "x".join(map(str, size)), resize(uimg(2, 7, 9), size, "nearest-exact"))
tensor_case("resize_shorter_7", resize(fimg(1, 10, 15), [7]))
tensor_case("resize_shorter_7_tall", resize(fimg(1, 15, 10), [7]))

u = uimg(2, 4, 5)
for mode in ("constant", "edge", "reflect", "symmetric"):
    tensor_case("pad_%s_1" % mode, pad(u, [1], 7, mode))
    tensor_case("pad_%s_2" % mode, pad(u, [2, 1], 7, mode))
    tensor_case("pad_%s_4" % mode, pad(u, [1, 2, 3, 0], 7, mode))
    tensor_case("pad_%s_neg" % mode, pad(u, [-1, 2, 1, -2], 7, mode))
tensor_case("pad_float_constant", pad(fimg(1, 3, 3), [2], 0.5, "constant"))
tensor_case("crop_inside", crop(u, 1, 2, 2, 3))
tensor_case("crop_outside", crop(u, -1, 3, 4, 4))
tensor_case("hflip", fimg(2, 3, 4).flip(-1))
tensor_case("resized_crop", resize(crop(fimg(3, 16, 16), 2, 3, 10, 9), [8, 8], "bilinear", True))
tensor_case("resized_crop_full", resize(fimg(3, 10, 10), [6, 6], "bilinear", True))

# ---- default_collate (PyTorch 1.13 and 2.x agree on these)

tensor_case("collate_floats", default_collate([1.5, 2.0, -3.25]))
tensor_case("collate_ints", default_collate([1, 2, 3]))
tensor_case("collate_int_then_float", default_collate([1, 2.5]))
tensor_case("collate_bools", default_collate([True, False, True]))
tensor_case("collate_tensors", default_collate([fimg(2, 3), fimg(2, 3) * 2]))
tensor_case("collate_numpy_float32", default_collate([np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)]))
tensor_case("collate_numpy_int32", default_collate([np.arange(3, dtype=np.int32), np.ones(3, dtype=np.int32)]))
nested = default_collate([{"x": torch.tensor([1.0, 2.0]), "y": [3, 4.5]}, {"x": torch.tensor([3.0, 4.0]), "y": [5, 6.5]}])
tensor_case("collate_nested_x", nested["x"])
tensor_case("collate_nested_y0", nested["y"][0])
tensor_case("collate_nested_y1", nested["y"][1])
err("collate_unequal", lambda: default_collate([[1, 2], [1, 2, 3]]))
err("collate_none", lambda: default_collate([None, None]),
    # the message names Python's NoneType; Ember's names Java's null
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found <class 'NoneType'>")
err("collate_stack", lambda: default_collate([torch.ones(3), torch.ones(4)]))

# ---- datasets, samplers and the loader's argument errors

x = torch.arange(10.0).reshape(5, 2)
err("tensor_dataset_mismatch", lambda: TensorDataset(x, torch.arange(4)))
err("random_split_sum", lambda: random_split(TensorDataset(x), [2, 2]))
err("random_split_fraction", lambda: random_split(TensorDataset(x), [1.5, -0.5]))
err("concat_empty", lambda: ConcatDataset([]))
err("random_sampler_empty", lambda: RandomSampler(TensorDataset(torch.zeros(0, 2))))
err("random_sampler_num", lambda: RandomSampler(TensorDataset(x), num_samples=0))
err("batch_sampler_size", lambda: BatchSampler(SequentialSampler(range(5)), 0, False))
err("weighted_2d", lambda: WeightedRandomSampler(torch.ones(2, 3), 4))
err("weighted_num", lambda: WeightedRandomSampler([1.0, 2.0], -1))
ds = TensorDataset(x)
err("loader_workers", lambda: DataLoader(ds, num_workers=-1))
err("loader_timeout", lambda: DataLoader(ds, timeout=-1))
err("loader_prefetch", lambda: DataLoader(ds, prefetch_factor=2),
    # torch/utils/data/dataloader.py (2.x, checked in 2.13): the message goes on "otherwise set prefetch_factor to None."
    "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
    "multiprocessing, otherwise set prefetch_factor to None.")
err("loader_sampler_shuffle", lambda: DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True))
err("loader_batch_sampler", lambda: DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False),
                                               batch_size=2))
err("loader_none_drop_last", lambda: DataLoader(ds, batch_size=None, drop_last=True))
err("loader_batch_size", lambda: DataLoader(ds, batch_size=0))


class Stream(torch.utils.data.IterableDataset):
    def __iter__(self):
        return iter(range(3))


err("loader_iterable_shuffle", lambda: DataLoader(Stream(), shuffle=True))
print("=== loader_len")
print("value " + repr([len(DataLoader(TensorDataset(torch.zeros(n)), batch_size=b, drop_last=d))
                       for n, b, d in [(10, 3, False), (10, 3, True), (9, 3, False), (0, 3, False), (2, 5, True)]]))
print("=== split_lengths")
print("value " + repr([[len(s) for s in random_split(TensorDataset(torch.zeros(n)), f)]
                       for n, f in [(10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.6]), (3, [0.1, 0.1, 0.8])]]))
