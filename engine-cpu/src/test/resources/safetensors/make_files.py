# Writes a small PyTorch model's weights as safetensors (by hand, following the format's specification, since
# Debian's python3-torch comes without the safetensors package), and the model's input and output.
#   python3 make_files.py   ->  model.safetensors, io.safetensors
import json
import struct
import torch

def save(tensors, path):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype],
                        "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
x = torch.randn(2, 1, 4, 4)
save(model.state_dict(), "model.safetensors")
save({"input": x, "output": model(x), "labels": torch.tensor([2, 0])}, "io.safetensors")
