# PyTorch's state dicts of dynamically quantized LSTMs, GRUs and cells, for QuantizedRnnStateDictTest: what Ember's
# torch.load reader (PyTorch 2.x's weights-only unpickler) makes of torch.save(qmodel.state_dict()).
#  - qlstm_int8.pt: torch.save of quantize_dynamic(Sequential(LSTM(3, 4, num_layers=2, bidirectional=True)),
#    {nn.LSTM}, dtype=torch.qint8).state_dict(); qgru_int8.pt: the same with a GRU; qlstmcell_int8.pt: an LSTMCell(3, 4)
#    quantized so, whose state dict holds "0._packed_weight_ih" and "0._packed_weight_hh", torchbind objects of class
#    __torch__.torch.classes.quantized.LinearPackedParamsBase ((qint8 weight, bias)) pickled the same way.
# Each layer and direction is one entry, "0._all_weight_values.<n>.param" (n = layer * directions + direction), a
# torchbind object of class __torch__.torch.classes.rnn.CellParamsBase whose state is ("quantized_dynamic",
# [b_ih, b_hh], [], [reduce_range], [w_ih, w_hh as __torch__.torch.classes.quantized.LinearPackedParamsBase, each
# (qint8 weight, bias)]). The pickle rebuilds each such object with GLOBAL torch.ScriptObject, NEWOBJ and BUILD (the
# class's __setstate__), which neither 1.13's torch.load(weights_only=True) ("Unsupported class torch.ScriptObject")
# nor 2.x's (2.6's default: "Unsupported global: GLOBAL torch.ScriptObject was not an allowed global by default")
# reads; only weights_only=False does. A float16 layer's entries ("quantized_fp16", fp16 LinearPackedParamsBase)
# pickle the same way; this Debian build of PyTorch 1.13 has no FBGEMM, which linear_prepack_fp16 needs, so it writes
# no float16 file.
# expected.txt: per file, the keys, the _metadata versions, the pickle's globals in order, the first entry's state and
# 1.13's weights_only error.
# Run: /usr/bin/python3 make_files.py   (PyTorch 1.13)
import os
import pickletools
import sys
import zipfile

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.backends.quantized.engine = "onednn"
HERE = os.path.dirname(os.path.abspath(__file__))
lines = []
text, _, err = key_lines(lines)


def globals_in(path):
    with zipfile.ZipFile(path) as z:
        data = z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])
    return [arg.replace(" ", ".") for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"]


def state_text(obj):
    if isinstance(obj, torch.ScriptObject):
        state, name = obj.__getstate__()
        return name + state_text(state)
    if isinstance(obj, torch.Tensor):
        return "%s%s" % (str(obj.dtype).replace("torch.", ""), list(obj.shape))
    if isinstance(obj, (tuple, list)):
        inner = ", ".join(state_text(x) for x in obj)
        return "(" + inner + ")" if isinstance(obj, tuple) else "[" + inner + "]"
    return repr(obj)


for name, layer in (("qlstm_int8", nn.LSTM), ("qgru_int8", nn.GRU), ("qlstmcell_int8", nn.LSTMCell)):
    torch.manual_seed(38)
    model = nn.Sequential(layer(3, 4) if layer is nn.LSTMCell else layer(3, 4, num_layers=2, bidirectional=True))
    q = torch.ao.quantization.quantize_dynamic(model, {layer}, dtype=torch.qint8)
    sd = q.state_dict()
    path = os.path.join(HERE, name + ".pt")
    torch.save(sd, path)
    text(name + ".keys", " ".join(sd.keys()))
    text(name + ".versions", " ".join("%s=%s" % (k or "''", v.get("version")) for k, v in sd._metadata.items()))
    text(name + ".globals", " ".join(globals_in(path)))
    text(name + ".state0", state_text(sd[[k for k in sd if k.endswith("param") or k.endswith("_packed_weight_ih")][0]]))
    err(name + ".weights_only", lambda: torch.load(path, weights_only=True))
    err(name + ".full", lambda: torch.load(path, weights_only=False))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
