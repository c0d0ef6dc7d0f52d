# Expected values for ScalarValueTensorTest.java: ops whose value is a 0-dim TENSOR that PyTorch reads as a Scalar
# (value.item()) and converts with c10's checked Scalar::to<scalar_t>() -- fill_, masked_fill(_), index_fill(_) and
# x[mask] = value (index_put_ with one mask and a one-element value, which runs masked_fill_(mask, value.item())).
# The Scalar keeps the value tensor's kind: an integral tensor gives an integral Scalar, so uint8 takes -255..-1 (they
# wrap: c10's overflows() lets a negative int wrap into an unsigned type) where a floating -6.0 is refused, and an
# integer beyond float16's range is refused for a float16 self. Found by a hunt of fuzz round 1 (seed 6401, session 63:
# masked_fill of uint8 with a 0-dim int32 -6 gives 250 in PyTorch; Ember refused it).
#   run: cd engine-cpu/src/test/resources/scalarvaluetensor && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; c10's Scalar::to and overflows() are the same in 2.x)
# Format: op | self dtype | value dtype | value | result values (self's dtype) or ERR message
import torch

SELF = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.float16, torch.bfloat16, torch.float32, torch.bool]
VALUES = [(torch.int64, -6), (torch.int64, 300), (torch.int64, -300), (torch.int64, 70000), (torch.int32, -6),
          (torch.int16, -255), (torch.int16, -256), (torch.uint8, 200), (torch.bool, True), (torch.float32, -6.0),
          (torch.float64, 300.0), (torch.float64, 1e6), (torch.float64, 2.5)]
OPS = {
    "fill_": lambda s, v: s.fill_(v),
    "masked_fill": lambda s, v: s.masked_fill(torch.tensor([True, False, True]), v),
    "masked_fill_": lambda s, v: s.masked_fill_(torch.tensor([True, False, True]), v),
    "index_fill": lambda s, v: s.index_fill(0, torch.tensor([1]), v),
    "index_fill_": lambda s, v: s.index_fill_(0, torch.tensor([1]), v),
    "index_put_mask": lambda s, v: s.__setitem__(torch.tensor([False, True, True]), v) or s,
}


def name(d):
    return str(d).replace("torch.", "")


for op, f in OPS.items():
    for sd in SELF:
        for vd, v in VALUES:
            s = torch.tensor([1, 2, 3]).to(sd)
            val = torch.tensor(v, dtype=vd)
            try:
                r = f(s, val)
                res = "%s" % [float(x) for x in r.to(torch.float64).tolist()]
            except RuntimeError as e:
                res = "ERR " + str(e).split("\n")[0]
            print("%s | %s | %s | %r | %s" % (op, name(sd), name(vd), v, res))
