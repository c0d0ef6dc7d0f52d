# Sharded checkpoints as Hugging Face's tools write them, for ShardedCheckpointTest. Debian's python3-torch comes
# without the safetensors, huggingface_hub and transformers packages, so this writes what they write, by their rules:
#  - transformers' save_pretrained(safe_serialization=True, max_shard_size=300): the tied lm head (4.weight, the
#    embedding's tensor) left out, huggingface_hub's split_state_dict_into_shards_factory (state dict order; a
#    tensor over the limit in a shard of its own; a shard closed when the next tensor would tip it over), shards
#    named model-00001-of-00003.safetensors, each written as safetensors' reference writer lays a file out (tensors
#    by dtype, then name; compact JSON header with {"format": "pt"} metadata first, padded with spaces to 8 bytes),
#    and model.safetensors.index.json = json.dumps({"metadata": {"total_size": N}, "weight_map": ...}, indent=2,
#    sort_keys=True) + "\n";
#  - the same split written with torch.save as pytorch_model-0000k-of-00003.bin and pytorch_model.bin.index.json;
#  - the same model's state in bfloat16 as a second safetensors checkpoint (bf16/), the form most checkpoints on
#    the Hub take;
# and the model's output on fixed tokens after loading each (expected.txt).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13)
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pin_cpu_kernels  # noqa: E402,F401  (before torch: see pin_cpu_kernels.py)

import torch
import torch.nn as nn

from refcases import fmt_tensor, reference_order, safetensors_entries, write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def save_file(tensors, path):
    header, blobs = safetensors_entries(tensors, reference_order(tensors))
    header = {"__metadata__": {"format": "pt"}, **header}
    write_safetensors(path, json.dumps(header, separators=(",", ":"), ensure_ascii=False), blobs)


def split(state_dict, max_shard_size):
    """huggingface_hub's split_state_dict_into_shards_factory, no storage sharing (the tied key is gone)."""
    shard_list, current, current_size, total = [], {}, 0, 0
    for key, tensor in state_dict.items():
        size = tensor.numel() * tensor.element_size()
        if size > max_shard_size:
            total += size
            shard_list.append({key: tensor})
            continue
        if current_size + size > max_shard_size:
            shard_list.append(current)
            current, current_size = {}, 0
        current[key] = tensor
        current_size += size
        total += size
    if current:
        shard_list.append(current)
    return shard_list, total


def save_sharded(state_dict, folder, max_shard_size, prefix, ext, writer):
    os.makedirs(folder, exist_ok=True)
    shards, total = split(state_dict, max_shard_size)
    weight_map = {}
    for i, shard in enumerate(shards):
        name = "%s-%05d-of-%05d.%s" % (prefix, i + 1, len(shards), ext)
        writer(shard, os.path.join(folder, name))
        for k in shard:
            weight_map[k] = name
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(folder, "%s.%s.index.json" % (prefix, ext)), "w") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return shards


def model():
    m = nn.Sequential(nn.Embedding(20, 8), nn.Linear(8, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 20, bias=False))
    m[4].weight = m[0].weight  # the lm head tied to the embedding, as GPT-2's
    return m


torch.manual_seed(0)
m = model()
with torch.no_grad():
    m[3].weight.copy_(torch.rand(8) + 0.5)
    m[3].bias.copy_(torch.randn(8) * 0.1)
state = {k: v for k, v in m.state_dict().items() if k != "4.weight"}  # save_pretrained leaves the tied key out
tokens = torch.tensor([[1, 5, 19, 0], [7, 7, 3, 12]])
lines = ["tokens " + fmt_tensor(tokens), "out " + fmt_tensor(m(tokens))]

shards = save_sharded(state, os.path.join(HERE, "f32"), 300, "model", "safetensors", save_file)
lines.append("f32.shards %d" % len(shards))
save_sharded(state, os.path.join(HERE, "bin"), 300, "pytorch_model", "bin", lambda s, p: torch.save(s, p))

bf16 = {k: v.to(torch.bfloat16) for k, v in state.items()}
save_sharded(bf16, os.path.join(HERE, "bf16"), 300, "model", "safetensors", save_file)
mb = model()
mb.load_state_dict({k: v.float() for k, v in bf16.items()}, strict=False)
lines.append("bf16.out " + fmt_tensor(mb(tokens)))

# names beyond ASCII: json.dumps escapes them (and DEL) in the index; the shards' headers hold them as UTF-8
from collections import OrderedDict  # noqa: E402
named = nn.Sequential(OrderedDict([("caf\u00e9", nn.Linear(2, 2)), ("x\x7f\U0001F600", nn.Linear(2, 1))]))
for k, v in named.state_dict().items():
    lines.append("named." + k.encode().hex() + " " + fmt_tensor(v))
save_sharded(named.state_dict(), os.path.join(HERE, "named"), 16, "model", "safetensors", save_file)

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
