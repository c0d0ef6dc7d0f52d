# Shared helpers of the expected-value generators (session 27): the deterministic inputs, the one-line tensor format
# PyTorchCases.tensor reads, the gradient weights ReferenceCases uses, and the run of one ReferenceCases case.
# A generator next to its output imports it with:
#   sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
#   from refcases import seq, fmt_tensor, weights, run_case
# Older generators keep their own copies of these functions (their outputs are unchanged by this file); the "key value"
# line writers of the ExpectedLines generators are key_lines' (session 37); safetensors files written by hand use
# write_safetensors and its helpers (session 38).
import torch

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    """((7k + shift) mod 19 - 9) * scale, in row-major order: small values of both signs, exact in every type."""
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def cseq(shape, dtype=torch.complex128, shift=0):
    """A complex tensor of seq values: real parts seq(shift), imaginary parts seq(shift + 5)."""
    return torch.complex(seq(shape, shift=shift), seq(shape, shift=shift + 5)).to(dtype)


def fmt_tensor(t):
    """'dtype [shape] : [values]', the line PyTorchCases.tensor parses; a complex tensor's values are its parts,
    interleaved (view_as_real's), after its own shape."""
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = (torch.view_as_real(t.resolve_conj()) if t.is_complex() else t).reshape(-1).tolist()
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(vals))


def key_lines(lines):
    """The writers of a generator's "key value" lines (ExpectedLines reads them), each appending one line to lines:
    text(key, s): a text, its backslashes and newlines escaped; tensor(key, t): fmt_tensor's line; err(key, f): the
    first line of the error f() raises, as "Type: message", or "! no error". Returns (text, tensor, err)."""

    def text(key, s):
        lines.append(key + " " + s.replace("\\", "\\\\").replace("\n", "\\n"))

    def tensor(key, t):
        lines.append(key + " " + fmt_tensor(t))

    def err(key, f):
        try:
            f()
            lines.append(key + " ! no error")
        except Exception as e:  # noqa: BLE001
            lines.append(key + " " + type(e).__name__ + ": " + str(e).split("\n")[0])

    return text, tensor, err


def weights(shape):
    """w[k] = 1 + 0.5 * ((3k) mod 11): the output gradient of every case."""
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape)


def run_case(name, inputs, fn, messages_2x=None, node_2x=None):
    """The lines of one ReferenceCases case: inputs (float ones require grad), then the output, its node and the
    gradients of sum(out * w), or the error's type and first line. messages_2x maps a case name to the error line
    PyTorch 2.x gives where 1.13's differs; node_2x maps a 1.13 node name to 2.x's."""
    ins = [t.clone().requires_grad_(t.is_floating_point() or t.is_complex()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        first = "error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0])
        return lines + [(messages_2x or {}).get(name, first)]
    fn_name = out.grad_fn.name() if out.grad_fn is not None else "None"
    fn_name = (node_2x or {}).get(fn_name, fn_name)
    lines.append("out " + fmt_tensor(out))
    lines.append("fn " + fn_name)
    if out.requires_grad:
        # a complex output: the weighted sum of its parts, a real loss (ReferenceCases does the same)
        o = torch.view_as_real(out.resolve_conj()) if out.is_complex() else out
        (o * weights(o.shape).to(o.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad:
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


def write_cases(path, cases, messages_2x=None, node_2x=None, adjust=None):
    """Runs (name, inputs, fn) cases with run_case and writes their lines to path; adjust(name, lines), when given,
    returns a case's lines changed (a 2.x difference run_case's maps cannot say). Returns the number of cases."""
    lines = []
    names = set()
    for name, inputs, fn in cases:
        assert name not in names, name
        names.add(name)
        out = run_case(name, inputs, fn, messages_2x=messages_2x, node_2x=node_2x)
        lines += ["=== " + name] + (adjust(name, out) if adjust else out)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(cases)


def crandn_from(generator, *shape, dtype=torch.complex128):
    """A complex tensor of standard normal real and imaginary parts (float64 draws from generator, then cast)."""
    re = torch.randn(*shape, generator=generator, dtype=D)
    im = torch.randn(*shape, generator=generator, dtype=D)
    return torch.complex(re, im).to(dtype)


def complex_mats(t):
    """The matrices of a [..., n, k] tensor as lists of lists of Python complex."""
    t = t.detach().to(torch.complex128).resolve_conj()
    if t.numel() == 0:
        return []
    flat = t.reshape(-1, t.shape[-2], t.shape[-1])
    return [[[complex(v) for v in row] for row in m.tolist()] for m in flat]


def fd_complex_grad(loss, ins, k, h=1e-6):
    """Central differences of loss(args) (a Python float) in the real and imaginary parts of ins[k]: d/dx + i d/dy,
    PyTorch's convention for the gradient of a real loss with respect to a complex input."""
    x = ins[k].detach().contiguous().clone()
    g = torch.zeros(x.shape, dtype=x.dtype)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.numel()):
        parts = []
        for step in (h, 1j * h):
            vals = []
            for sgn in (1, -1):
                y = flat.clone()
                y[i] += sgn * step
                args = list(ins)
                args[k] = y.reshape(x.shape)
                vals.append(loss(args))
            parts.append((vals[0] - vals[1]) / (2 * h))
        gf[i] = complex(parts[0], parts[1])
    return g


# ---- safetensors files written by hand (Debian's python3-torch comes without the safetensors package), session 38

SAFETENSORS_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                      torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
                      torch.bool: "BOOL", torch.complex64: "C64"}
# the reference writer's order of dtypes (its Dtype enum, descending: 8-byte types before 4-, 2- and 1-byte ones)
_SAFETENSORS_RANK = {torch.int64: 0, torch.float64: 1, torch.complex64: 2, torch.float32: 3, torch.int32: 4,
                     torch.bfloat16: 5, torch.float16: 6, torch.int16: 7, torch.int8: 8, torch.uint8: 9, torch.bool: 10}


def safetensors_blob(t):
    """A tensor's bytes as safetensors stores them: contiguous, little-endian, 16-bit floats as their bit patterns,
    complex numbers as their parts, interleaved."""
    t = t.detach().contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def reference_order(tensors):
    """The names of a dict of tensors in the order the reference writer lays their data out: by dtype, then by the
    names' UTF-8 bytes."""
    return sorted(tensors, key=lambda n: (_SAFETENSORS_RANK[tensors[n].dtype], n.encode()))


def safetensors_entries(tensors, names):
    """The header entries and data of tensors[name] for each of names, in that order: ({name: {"dtype", "shape",
    "data_offsets"}}, [bytes])."""
    header, blobs, offset = {}, [], 0
    for name in names:
        t = tensors[name]
        data = safetensors_blob(t)
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    return header, blobs


def write_safetensors(path, header, blobs):
    """A safetensors file: the 8-byte little-endian length of the JSON header (header, text as the caller dumped
    it), the header padded with spaces to a multiple of 8 bytes, then the data."""
    import struct

    h = header.encode() if isinstance(header, str) else header
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
