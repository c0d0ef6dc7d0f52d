# Differential fuzz round 18 for DifferentialFuzzR18Test.java: seeded random PROGRAMS over the nn.Module API's
# BOOKKEEPING (registration, lookup by dotted name, the named_* walks, state dicts and their loading, modes, flags,
# dtype moves, printing and the containers' list/dict operations), run in PyTorch with everything a user observes
# recorded; FuzzR18Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr18 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed, so a second run writes the same bytes; FUZZ_SEED / FUZZ_N for a local hunt)
#
# A program: a random tree of containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, nested)
# over leaves (Linear, Conv1d, BatchNorm1d, LayerNorm, Embedding, GRU, Identity, LazyLinear (uninitialized: its tensors
# show shape and sum '?'), and Custom: a parameter 'w', a buffer 'b', persistent or not, and a submodule 'sub' =
# Linear(1, 1)); every tensor then gets known values (fill below), and
# 3-12 statements drawn against the live PyTorch state follow. After each statement its result ("r ...") or its error
# ("err <message>"), then the whole observable state where it changed ("state ...").
#
# Format: "=== <id> B <n lines>", then
#   build <tokens>     the tree, prefix form: lin I O B | conv I O K | bn N | ln N | emb N D | gru I H | id | cus P |
#                      lazy O B (LazyLinear(O, bias=B)) |
#                      seq N <N specs> | ml N <N specs> | md N <N x (key spec)> | pl N <N shapes> | pd N <N x (key shape)>
#                      (shape: dims joined by 'x'; a scalar '-')
#   s <op> <args>      a statement (below); names and paths are written n:<name> and p:<path> (may be empty)
#   r <text>           its result          err <message>   its error (PyTorch's message; KeyError as "KeyError: 'k'"
#                                                           for a missing key, else its text)
#   state <items ; ...> the state after it where it changed since the last one (the first after build):
#     P <name> #<id> <dtype> <shape> rg<0|1> <sum> g:<none|dtype:sum>  for named_parameters(remove_duplicate=False)
#     B <name> #<id> <dtype> <shape> <sum>                             for named_buffers(remove_duplicate=False)
#     M <name> <class> <training 0|1>                                  for named_modules(remove_duplicate=False)
#     K <state_dict keys joined by ','>
#     #id: the tensor's identity, numbered in order of first appearance over the whole program (a tied or kept
#     tensor keeps its number); sum: the float64 sum of its values (Python's repr)
# Values: fill(t, k) writes arange(numel) * 0.25 + k in row-major order (an integer tensor: k everywhere); after the
# build the unique parameters (named_parameters order) then the unique buffers get k = 0, 1, 2, ...
# Values are shown through sums only: they are exact (multiples of 0.25, small), in float16 too.
#
# Statements (V, a value: none | new:<shape>:<k>[:<dtype>] (a new Parameter / tensor, filled with k; float32 unless
# float64 or int64 is given) | tie:<param path> (that
# parameter) ; M, a module: none | <leaf spec, tokens joined by ','> | ref:<module path> (that module, shared)):
#   regp p:MOD n:NAME V      MOD.register_parameter(NAME, V)          regb p:MOD n:NAME V <pers>  register_buffer (a Custom)
#   addm p:MOD n:NAME M      MOD.add_module(NAME, M) (register_module too)   del p:MOD n:NAME  delattr(MOD, NAME)
#   getsub/getp/getb p:PATH  get_submodule / get_parameter / get_buffer -> r <class> | r T #id (the tensor)
#   setsub p:PATH M          set_submodule (2.x; emulated on 1.13, see below)
#   named <p|b|m|c> n:PREFIX <recurse 0|1> <remove_duplicate 0|1>   named_parameters / named_buffers (prefix,
#                            recurse, remove_duplicate) / named_modules (memo None, prefix, remove_duplicate) /
#                            named_children() -> r the names joined by ','
#   sd <keep_vars 0|1> n:PREFIX  state_dict(prefix=, keep_vars=) -> r key:dtype:shape:rg:<#id if the module's own
#                            tensor, else ->,...
#   load <strict 0|1> <assign 0|1> <mods, ';' separated>   load_state_dict(d, strict, assign) of d = state_dict() changed by mods:
#                            drop:<key> | extra:<key>:<shape> | shape:<key>:<shape> | add:<k> (every float value + k)
#                            -> r missing=<keys,..> unexpected=<keys,..>  or err <the message>
#   train <0|1> / eval       train(mode) / eval()      rgm p:MOD <0|1>   MOD.requires_grad_(b)
#   grads <k>                every unique parameter's .grad = fill(zeros_like, k)   zg <set_to_none 0|1>  zero_grad
#   to <float64|float32|float16>   model.to(dtype)  (double()/float()/half() are the same there)
#   apply                    model.apply(fn), fn recording the classes in visiting order -> r the classes joined by ','
#   print                    repr(model) -> r the text, newlines as '|'
#   count                    -> r len(parameters()) len(buffers()) len(modules()) len(children())
#   Containers (p:C a Sequential or ModuleList): len | idx <i> (-> r the class) | slice <a> <b> (-> r the slice's
#     (name class) items) | append M | extend M;M | insert <i> M | pop <i> (-> r the class) | delitem <i> | setitem <i> M
#   ModuleDict: mdput <k> M | mdpop <k> | mdupdate k=M;k=M | mdkeys | mddel <k> | mdclear
#   ParameterList: pladd <shape>:<k> | plidx <i> | plset <i> <shape>:<k>   ParameterDict: pdput <k> <shape>:<k> |
#     pdpop <k> | pdkeys | pddel <k> | pdupdate k=<shape>:<k>;.. | pdclear
#   trainm p:MOD <0|1> / evalm p:MOD   MOD.train(mode) / MOD.eval()
#
# 1.13 vs 2.x (Ember follows 2.x; emulated here where they differ):
# - named_parameters / named_buffers take remove_duplicate in 2.x only: emulated with 2.x's _named_members.
# - set_submodule is 2.x only: emulated with 2.5+'s (the parent by get_submodule; a last name whose getattr is not a
#   module, a parameter, a buffer or a None submodule, refused with "`name` is not an nn.Module"; then setattr).
# - ModuleList's repr: 2.x compresses runs of equal reprs ("(0-2): 3 x Linear(...)"): 2.x's __repr__ patched in.
# - zero_grad's default set_to_none differs (True in 2.x): always given.
# - load_state_dict's 1-D-into-scalar rule: 1.13 loads element 0 of any vector into a 0-d tensor, 2.x only of a
#   1-element one (a longer vector is a size mismatch): no longer vector is drawn for a scalar.
# - a BatchNorm load of a dict without num_batches_tracked and without _metadata (version None): 1.13 puts 0, 2.x keeps
#   the module's own count: the module's own tensor is put in the dict here, as 2.x does.
# - load_state_dict(assign=True) is 2.1+: emulated after 1.13's copying load succeeded (the same checks), with 2.x's
#   rules (a parameter becomes Parameter(value) with the old requires_grad, a buffer the value; every module path's
#   entries in walk order, so a tie is broken).
# Ember's rules where PyTorch differs (the standard: an error leaves everything as it was):
# - load_state_dict copies every entry that fits before it raises the errors of the others; Ember checks first and
#   copies nothing then: the generator puts the values back after an error, so the state after it is the one before.
# - Sequential.insert into a Sequential whose names are not positions moves entries before its KeyError, and extend
#   keeps the modules appended before one whose position's name a parameter takes: put back.
# - The state dict given to load_state_dict is a plain OrderedDict copy, without _metadata, as Ember's maps are.
# - requires_grad_ of a module with an uninitialized (lazy) parameter: PyTorch's loop sets the parameters before it
#   and then raises; Ember refuses first: the flags are put back.
# - to(dtype): PyTorch's _apply gives a converted buffer a new tensor object (a reference held elsewhere keeps the old
#   dtype), Ember converts it in place (layers hold their buffers): a converted buffer keeps its #id here (reported).
# Python attributes: the names every module has (PY_ATTRS, from dir(nn.Module())) are drawn for registration and
# lookup; a class's own ones ('in_features', ModuleDict's 'keys') are left out (Ember's module cannot know a Python
# class's attributes), as is their delattr (object.__delattr__: not a module's bookkeeping).
# Drawn since session 46 (built as PyTorch 2.x does them; Leftovers46Test pins each): a state dict loading any shape
# into an uninitialized parameter (materialized as given, in_features staying 0; a load that then fails leaves it
# uninitialized in Ember, which changes nothing on an error: put back here); delattr of Linear's or Conv1d's bias
# (their print and forward then raise AttributeError) and of BatchNorm1d's num_batches_tracked (a later load without
# it: 2.x raises AttributeError, emulated below by reading the module's counter); ModuleList.insert at a negative index
# (KeyError: '-1', PyTorch's moves before it put back).
# Left out: tying an uninitialized parameter into another module (PyTorch's state_dict of that module then detaches it
# and raises); registering a module into its own subtree (a cycle: PyTorch's state_dict recurses without end, Ember
# refuses).
import os
import random
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

SEED = int(os.environ.get("FUZZ_SEED", "18"))
N = int(os.environ.get("FUZZ_N", "180"))


def _addindent(s_, n):
    s = s_.split("\n")
    if len(s) == 1:
        return s_
    first = s.pop(0)
    return first + "\n" + "\n".join((n * " ") + line for line in s)


def modulelist_repr(self):  # PyTorch 2.x's ModuleList.__repr__
    reprs = [repr(item) for item in self]
    if len(reprs) == 0:
        return self._get_name() + "()"
    se = [[0, 0]]
    blocks = [reprs[0]]
    for i, r in enumerate(reprs[1:], 1):
        if r == blocks[-1]:
            se[-1][1] += 1
            continue
        se.append([i, i])
        blocks.append(r)
    lines = []
    for (a, b), blk in zip(se, blocks):
        loc = f"({a}): {blk}" if a == b else f"({a}-{b}): {b - a + 1} x {blk}"
        lines.append(_addindent(loc, 2))
    return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


nn.ModuleList.__repr__ = modulelist_repr


# attributes every module has (hasattr is true): registering them is refused, get_submodule finds a non-module
PY_ATTRS = ["training", "forward", "eval", "parameters", "to", "half", "_modules"]


class Custom(nn.Module):
    def __init__(self, persistent):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(2))
        self.register_buffer("b", torch.zeros(2), persistent=persistent)
        self.sub = nn.Linear(1, 1)

    def forward(self, x):
        return x


def tshape(t):
    return "?" if lazy(t) else shape_str(t.shape)


def shape_str(shape):
    return "x".join(str(s) for s in shape) if len(shape) else "-"


def parse_shape(s):
    return [] if s == "-" else [int(v) for v in s.split("x")]


def lazy(t):
    return torch.nn.parameter.is_lazy(t)


def fill(t, k):
    if lazy(t):
        return  # an uninitialized parameter has no values
    with torch.no_grad():
        if t.dtype.is_floating_point:
            t.copy_((torch.arange(t.numel(), dtype=torch.float64) * 0.25 + k).reshape(t.shape))
        else:
            t.fill_(k)


def fmt_sum(t):
    if lazy(t):
        return "?"
    return repr(float(t.detach().double().sum()))


class Program:
    def __init__(self, rnd):
        self.rnd = rnd
        self.ids = []  # tensors by identity number
        self.aliases = []  # (tensor, number): a buffer converted by to() keeps its number
        self.lines = []
        self.last_state = None

    def tid(self, t):
        for x, i in self.aliases:
            if x is t:
                return i
        for i, x in enumerate(self.ids):
            if x is t:
                return i
        self.ids.append(t)
        return len(self.ids) - 1

    # ---- building
    def leaf(self):
        r = self.rnd
        k = r.choice(["lin", "lin", "conv", "bn", "ln", "emb", "gru", "id", "cus", "cus", "lazy"])
        if k == "lin":
            i, o, b = r.randint(1, 3), r.randint(1, 3), r.randint(0, 1)
            return nn.Linear(i, o, bias=bool(b)), ["lin", str(i), str(o), str(b)]
        if k == "conv":
            i, o, kk = r.randint(1, 2), r.randint(1, 2), r.randint(1, 2)
            return nn.Conv1d(i, o, kk), ["conv", str(i), str(o), str(kk)]
        if k == "bn":
            n = r.randint(1, 3)
            return nn.BatchNorm1d(n), ["bn", str(n)]
        if k == "ln":
            n = r.randint(1, 3)
            return nn.LayerNorm(n), ["ln", str(n)]
        if k == "emb":
            n, d = r.randint(1, 3), r.randint(1, 2)
            return nn.Embedding(n, d), ["emb", str(n), str(d)]
        if k == "gru":
            i, h = r.randint(1, 2), r.randint(1, 2)
            return nn.GRU(i, h), ["gru", str(i), str(h)]
        if k == "id":
            return nn.Identity(), ["id"]
        if k == "lazy":
            o, b = r.randint(1, 3), r.randint(0, 1)
            return nn.LazyLinear(o, bias=bool(b)), ["lazy", str(o), str(b)]
        p = r.randint(0, 1)
        return Custom(bool(p)), ["cus", str(p)]

    def rshape(self):
        return [self.rnd.randint(1, 3) for _ in range(self.rnd.randint(0, 2))]

    def tree(self, depth):
        r = self.rnd
        if depth >= 2 or r.random() < 0.35:
            return self.leaf()
        kind = r.choice(["seq", "seq", "ml", "md", "pl", "pd"])
        n = r.randint(0 if kind in ("ml", "md") else 1, 3)
        toks = [kind, str(n)]
        if kind in ("seq", "ml", "md"):
            mods = []
            keys = []
            for i in range(n):
                m, t = self.tree(depth + 1)
                if kind == "md":
                    key = r.choice(["a", "b", "c", "d"])
                    while key in keys:
                        key = r.choice(["a", "b", "c", "d", "e"])
                    keys.append(key)
                    toks.append(key)
                mods.append(m)
                toks += t
            if kind == "seq":
                return nn.Sequential(*mods), toks
            if kind == "ml":
                return nn.ModuleList(mods), toks
            return nn.ModuleDict(OrderedDict(zip(keys, mods))), toks
        ps = []
        keys = []
        for i in range(n):
            s = self.rshape()
            if kind == "pd":
                key = r.choice(["p", "q", "r", "s"])
                while key in keys:
                    key = r.choice(["p", "q", "r", "s", "t"])
                keys.append(key)
                toks.append(key)
            toks.append(shape_str(s))
            ps.append(nn.Parameter(torch.zeros(s)))
        if kind == "pl":
            return nn.ParameterList(ps), toks
        return nn.ParameterDict(OrderedDict(zip(keys, ps))), toks

    # ---- observing
    def named_members(self, fn, prefix, recurse, remove_duplicate):  # 2.x's _named_members
        memo = set()
        mods = self.root.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self.root)]
        out = []
        for mp, m in mods:
            for k, v in fn(m):
                if v is None or v in memo:
                    continue
                if remove_duplicate:
                    memo.add(v)
                out.append((mp + ("." if mp else "") + k, v))
        return out

    def state(self):
        items = []
        for n, p in self.named_members(lambda m: m._parameters.items(), "", True, False):
            g = "none" if p.grad is None else str(p.grad.dtype)[6:] + ":" + fmt_sum(p.grad)
            items.append(f"P {n} #{self.tid(p)} {str(p.dtype)[6:]} {tshape(p)} rg{int(p.requires_grad)} "
                         f"{fmt_sum(p)} g:{g}")
        for n, b in self.named_members(lambda m: m._buffers.items(), "", True, False):
            items.append(f"B {n} #{self.tid(b)} {str(b.dtype)[6:]} {shape_str(b.shape)} {fmt_sum(b)}")
        for n, m in self.root.named_modules(remove_duplicate=False):
            items.append(f"M {n} {m._get_name()} {int(m.training)}")
        items.append("K " + ",".join(self.root.state_dict().keys()))
        return " ; ".join(items)

    def snap(self):
        s = self.state()
        if s != self.last_state:
            self.lines.append("state " + s)
            self.last_state = s

    # ---- choosing
    def mod_paths(self, pred=None):
        return [n for n, m in self.root.named_modules() if pred is None or pred(m)]

    def param_paths(self, initialized=False):
        # initialized: a lazy (uninitialized) parameter tied into another module left out (PyTorch's state_dict of that
        # module then detaches it and raises; Ember keeps it as it is)
        return [n for n, p in self.root.named_parameters() if not (initialized and lazy(p))]

    def name_for(self, m, fresh):
        r = self.rnd
        own = list(m._parameters) + list(m._buffers) + list(m._modules)
        c = r.random()
        if c < 0.08:
            return ""
        if c < 0.16:
            return "a.b"
        if c < 0.2:
            return r.choice(PY_ATTRS)
        if c < 0.5 and own:
            return r.choice(own)
        return r.choice(fresh)

    def value(self):
        r = self.rnd
        c = r.random()
        if c < 0.15:
            return "none"
        pp = self.param_paths(initialized=True)
        if c < 0.4 and pp:
            return "tie:" + r.choice(pp)
        dt = r.choice(["", "", "", ":float64", ":int64"])
        return f"new:{shape_str(self.rshape())}:{r.randint(1, 9)}{dt}"

    def make_value(self, v, param):
        if v == "none":
            return None
        if v.startswith("tie:"):
            return self.root.get_parameter(v[4:])
        parts = v.split(":")
        t = torch.zeros(parse_shape(parts[1]), dtype=getattr(torch, parts[3]) if len(parts) > 3 else torch.float32)
        fill(t, int(parts[2]))
        return nn.Parameter(t) if param else t  # an int64 Parameter: PyTorch's refusal

    def module_value(self, allow_none=True, avoid=None):
        r = self.rnd
        c = r.random()
        if c < 0.1 and allow_none:
            return "none"
        if c < 0.35:
            # a shared module: one that does not contain the module it goes into (no cycles), under any path
            parent = None if avoid is None else self.root.get_submodule(avoid)
            cands = [n for n in self.mod_paths() if n != "" and not (parent is not None and any(
                x is parent for x in self.root.get_submodule(n).modules()))]
            if cands:
                return "ref:" + r.choice(cands)
        m, toks = self.leaf()
        return ",".join(toks)

    def make_module(self, v):
        if v == "none":
            return None
        if v.startswith("ref:"):
            return self.root.get_submodule(v[4:])
        toks = v.split(",")
        m = build(toks, [0])
        self.init_new(m)
        return m

    def init_new(self, m):
        # a new leaf's tensors: k = 20, 21, ... in named_parameters then named_buffers order
        k = 20
        for _, p in m.named_parameters():
            fill(p, k)
            k += 1
        for _, b in m.named_buffers():
            fill(b, k)
            k += 1

    # ---- one program
    def run(self):
        r = self.rnd
        self.root, toks = self.tree(0)
        if r.random() < 0.5 and not isinstance(self.root, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            self.root, toks = nn.Sequential(self.root), ["seq", "1"] + toks
        self.lines.append("build " + " ".join(toks))
        k = 0
        for _, p in self.root.named_parameters():
            fill(p, k)
            k += 1
        for _, b in self.root.named_buffers():
            fill(b, k)
            k += 1
        self.snap()
        for _ in range(r.randint(3, 12)):
            self.statement()
        self.stmt(["print"])

    def statement(self):
        r = self.rnd
        seqs = self.mod_paths(lambda m: isinstance(m, (nn.Sequential, nn.ModuleList)))
        mds = self.mod_paths(lambda m: isinstance(m, nn.ModuleDict))
        pls = self.mod_paths(lambda m: isinstance(m, nn.ParameterList))
        pds = self.mod_paths(lambda m: isinstance(m, nn.ParameterDict))
        cus = self.mod_paths(lambda m: isinstance(m, Custom))
        mods = self.mod_paths()
        choices = ["regp", "addm", "del", "getsub", "getp", "getb", "named", "named", "sd", "load", "load", "load",
                   "train", "trainm", "evalm", "rgm", "grads", "zg", "to", "apply", "print", "count", "setsub"]
        if cus:
            choices += ["regb", "regb"]
        if seqs:
            choices += ["len", "idx", "slice", "append", "extend", "insert", "pop", "delitem", "setitem"]
        if mds:
            choices += ["mdput", "mdpop", "mdupdate", "mdkeys", "mddel", "mdclear"]
        if pls:
            choices += ["pladd", "plidx", "plset"]
        if pds:
            choices += ["pdput", "pdpop", "pdkeys", "pddel", "pdupdate", "pdclear"]
        op = r.choice(choices)
        fresh = ["x", "y", "z", "w2", "3", "7"]
        if op == "regp":
            mp = r.choice(mods)
            m = self.root.get_submodule(mp)
            self.stmt([op, "p:" + mp, "n:" + self.name_for(m, fresh), self.value()])
        elif op == "regb":
            mp = r.choice(cus)
            m = self.root.get_submodule(mp)
            v = self.value()
            if v.startswith("tie:"):
                v = "none"
            self.stmt([op, "p:" + mp, "n:" + self.name_for(m, fresh), v, str(r.randint(0, 1))])
        elif op == "addm":
            mp = r.choice(mods)
            m = self.root.get_submodule(mp)
            self.stmt([op, "p:" + mp, "n:" + self.name_for(m, fresh), self.module_value(avoid=mp)])
        elif op == "del":
            mp = r.choice(mods)
            m = self.root.get_submodule(mp)
            name = self.name_for(m, ["zz"])
            if name in PY_ATTRS:
                name = "zz"  # object.__delattr__ of an instance or class attribute: not a module's bookkeeping
            # delattr of Linear's/Conv1d's bias (print and forward then raise AttributeError) and of BatchNorm1d's
            # num_batches_tracked (2.x's load without it raises AttributeError: emulated below) drawn since session 46
            self.stmt([op, "p:" + mp, "n:" + name])
        elif op in ("getsub", "getp", "getb"):
            cands = [n for n, _ in self.root.named_modules()] + self.param_paths() + \
                    [n for n, _ in self.root.named_buffers()]
            path = r.choice(cands)
            c = r.random()
            if c < 0.05:
                path = path + ("." if path else "") + r.choice(PY_ATTRS)
            elif c < 0.2:
                path = path + ("." if path else "") + "zz"
            elif c < 0.3 and path:
                path = "zz." + path
            self.stmt([op, "p:" + path])
        elif op == "setsub":
            cands = [n for n in mods if n != ""]
            c = r.random()
            if cands and c < 0.6:
                path = r.choice(cands)
            elif c < 0.8:
                path = r.choice(mods)
                m = self.root.get_submodule(path)
                own = list(m._parameters) + list(m._buffers) + list(m._modules) + ["training"]
                path = path + ("." if path else "") + r.choice(own)
            else:
                path = r.choice(mods)
                path = path + ("." if path else "") + "nw"
            self.stmt([op, "p:" + path, self.module_value(allow_none=False, avoid=path.rpartition(".")[0])])
        elif op == "named":
            kind = r.choice("pbmc")
            self.stmt([op, kind, "n:" + r.choice(["", "", "pre", "a.b"]), str(r.randint(0, 1)), str(r.randint(0, 1))])
        elif op == "sd":
            self.stmt([op, str(r.randint(0, 1)), "n:" + r.choice(["", "", "pre."])])
        elif op == "load":
            sd = self.root.state_dict()
            keys = list(sd.keys())
            mods_ = []
            for _ in range(r.randint(0, 2)):
                c = r.random()
                if c < 0.3 and keys:
                    mods_.append("drop:" + r.choice(keys))
                elif c < 0.5:
                    # keys a load does not take: under None parameters, buffers and submodules, non-persistent
                    # buffers, under a tensor's name
                    odd = []
                    for mp, m in self.root.named_modules():
                        pre = mp + ("." if mp else "")
                        odd += [pre + k for k, v in m._parameters.items() if v is None]
                        odd += [pre + k for k, v in m._buffers.items() if v is None or k in m._non_persistent_buffers_set]
                        odd += [pre + k + ".weight" for k, v in m._modules.items() if v is None]
                    odd += [k + ".zz" for k in keys[:1]]
                    mods_.append("extra:" + r.choice(["zz", "0.zz", "w"] + [k + "x" for k in keys[:2]] + odd) + ":" +
                                 shape_str(self.rshape()))
                elif c < 0.7 and keys:
                    # into an uninitialized parameter too (since session 46): materialized with any shape (a LazyLinear
                    # of another out_features), in_features staying 0, as PyTorch's
                    key, sh = r.choice(keys), self.rshape()
                    if not lazy(sd[key]) and sd[key].dim() == 0 and len(sh) == 1 and sh[0] != 1:
                        sh.append(1)  # 1.13 loads element 0 of any vector into a scalar, 2.x only of a 1-element one
                    mods_.append("shape:" + key + ":" + shape_str(sh))
                else:
                    mods_.append(f"add:{r.randint(1, 5)}")
            if not any(m.startswith("add:") for m in mods_):
                mods_.append(f"add:{r.randint(1, 5)}")
            assign = int(r.random() < 0.3)
            if assign:
                # a dropped num_batches_tracked is put in from the module at its load (2.x), after the assignments of
                # the earlier paths of a shared BatchNorm: not emulated here
                mods_ = [m for m in mods_ if not (m.startswith("drop:") and m.endswith("num_batches_tracked"))]
                if not any(m.startswith("add:") for m in mods_):
                    mods_.append("add:1")
            self.stmt([op, str(r.randint(0, 1)), str(assign), ";".join(mods_)])
        elif op == "train":
            self.stmt([op, str(r.randint(0, 1))])
        elif op == "trainm":
            self.stmt([op, "p:" + r.choice(mods), str(r.randint(0, 1))])
        elif op == "evalm":
            self.stmt([op, "p:" + r.choice(mods)])
        elif op == "rgm":
            self.stmt([op, "p:" + r.choice(mods), str(r.randint(0, 1))])
        elif op == "grads":
            self.stmt([op, str(r.randint(1, 5))])
        elif op == "zg":
            self.stmt([op, str(r.randint(0, 1))])
        elif op == "to":
            self.stmt([op, r.choice(["float64", "float32", "float16"])])
        elif op in ("apply", "print", "count"):
            self.stmt([op])
        elif op in ("len", "idx", "slice", "append", "extend", "insert", "pop", "delitem", "setitem"):
            cp = r.choice(seqs)
            c = self.root.get_submodule(cp)
            n = len(c)
            idx = str(r.randint(-n - 1, n))
            if op in ("len",):
                self.stmt([op, "p:" + cp])
            elif op in ("idx", "pop", "delitem"):
                self.stmt([op, "p:" + cp, idx])
            elif op == "slice":
                self.stmt([op, "p:" + cp, str(r.randint(-n - 1, n + 1)), str(r.randint(-n - 1, n + 1))])
            elif op == "append":
                self.stmt([op, "p:" + cp, self.module_value(allow_none=False, avoid=cp)])
            elif op == "extend":
                self.stmt([op, "p:" + cp, ";".join(self.module_value(allow_none=False, avoid=cp)
                                                   for _ in range(r.randint(0, 2)))])
            elif op == "insert":
                # a negative index into a ModuleList too: 2.x's insert does not normalize it (KeyError: '-1'; drawn
                # since session 46, PyTorch's moves before the error put back as Ember moves nothing)
                self.stmt([op, "p:" + cp, idx, self.module_value(allow_none=False, avoid=cp)])
            else:
                self.stmt([op, "p:" + cp, idx, self.module_value(allow_none=False, avoid=cp)])
        elif op in ("mdput", "mdpop", "mdupdate", "mdkeys", "mddel", "mdclear"):
            cp = r.choice(mds)
            keys = ["a", "b", "c", "e", "f"]
            if op in ("mdkeys", "mdclear"):
                self.stmt([op, "p:" + cp])
            elif op in ("mdpop", "mddel"):
                self.stmt([op, "p:" + cp, r.choice(keys)])
            elif op == "mdput":
                self.stmt([op, "p:" + cp, r.choice(keys), self.module_value(allow_none=False, avoid=cp)])
            else:
                self.stmt([op, "p:" + cp, ";".join(r.choice(keys) + "=" + self.module_value(allow_none=False, avoid=cp)
                                                   for _ in range(r.randint(1, 2)))])
        elif op == "pladd":
            self.stmt([op, "p:" + r.choice(pls), f"{shape_str(self.rshape())}:{r.randint(1, 9)}"])
        elif op == "plidx":
            cp = r.choice(pls)
            n = len(self.root.get_submodule(cp))
            self.stmt([op, "p:" + cp, str(r.randint(-n - 1, n))])
        elif op == "plset":
            cp = r.choice(pls)
            n = len(self.root.get_submodule(cp))
            self.stmt([op, "p:" + cp, str(r.randint(-n - 1, n)), f"{shape_str(self.rshape())}:{r.randint(1, 9)}"])
        elif op == "pddel":
            self.stmt([op, "p:" + r.choice(pds), r.choice(["p", "q", "t"])])
        elif op == "pdupdate":
            self.stmt([op, "p:" + r.choice(pds), ";".join(r.choice(["p", "q", "t"]) + "=" +
                                                          f"{shape_str(self.rshape())}:{r.randint(1, 9)}"
                                                          for _ in range(r.randint(1, 2)))])
        elif op == "pdclear":
            self.stmt([op, "p:" + r.choice(pds)])
        elif op == "pdput":
            self.stmt([op, "p:" + r.choice(pds), r.choice(["p", "q", "t"]), f"{shape_str(self.rshape())}:{r.randint(1, 9)}"])
        elif op == "pdpop":
            self.stmt([op, "p:" + r.choice(pds), r.choice(["p", "q", "t"])])
        elif op == "pdkeys":
            self.stmt([op, "p:" + r.choice(pds)])

    def stmt(self, words):
        self.lines.append("s " + " ".join(words))
        try:
            res = self.execute(words)
            if res is not None:
                self.lines.append("r " + res)
        except (KeyError, AttributeError, IndexError, RuntimeError, TypeError, ValueError) as e:
            if isinstance(e, KeyError) and len(e.args) == 1 and " " not in str(e.args[0]):
                msg = "KeyError: " + repr(e.args[0])
            else:
                msg = str(e.args[0]) if e.args else type(e).__name__
            self.lines.append("err " + msg.replace("\n", "|"))
        self.snap()

    def assign(self, d):
        # load_state_dict(assign=True) of 2.1+, emulated after 1.13's copying load succeeded (the checks are the same):
        # each module path's own entries in walk order: a parameter becomes Parameter(value) with the old one's
        # requires_grad (value is never a Parameter here), a buffer becomes the value itself
        for mp, m in self.root.named_modules(remove_duplicate=False):
            pre = mp + ("." if mp else "")
            def given(k, v):  # 2.x takes element 0 of a 1-element vector for a scalar, as it loads it
                g = d[pre + k]
                return g[0] if v.dim() == 0 and g.dim() == 1 else g
            for k, v in list(m._parameters.items()):
                if v is not None and pre + k in d and lazy(d[pre + k]):
                    m._parameters[k] = d[pre + k]  # the uninitialized parameter itself (a Parameter: kept as it is)
                elif v is not None and pre + k in d:
                    m._parameters[k] = nn.Parameter(given(k, v), requires_grad=v.requires_grad)
            for k, v in list(m._buffers.items()):
                if v is not None and k not in m._non_persistent_buffers_set and pre + k in d:
                    m._buffers[k] = given(k, v)

    def list_op(self, op, c, w):
        if op == "len":
            return str(len(c))
        if op == "idx":
            return class_name(c[int(w[2])])
        if op == "slice":
            s = c[int(w[2]):int(w[3])]
            return s._get_name() + " " + ",".join(k + "=" + class_name(m) for k, m in s._modules.items())
        if op == "append":
            c.append(self.make_module(w[2]))
        elif op == "extend":
            c.extend([self.make_module(v) for v in w[2].split(";") if v])
        elif op == "insert":
            c.insert(int(w[2]), self.make_module(w[3]))
        elif op == "pop":
            return class_name(c.pop(int(w[2])))
        elif op == "delitem":
            del c[int(w[2])]
        else:
            c[int(w[2])] = self.make_module(w[3])

        return None

    def tensor_text(self, t):
        if t is None:
            return "None"
        return f"T #{self.tid(t)} {str(t.dtype)[6:]} {tshape(t)}"

    def execute(self, w):
        op = w[0]
        root = self.root
        arg = lambda i: w[i][2:]  # n:/p: tokens
        if op == "regp":
            root.get_submodule(arg(1)).register_parameter(arg(2), self.make_value(w[3], True))
        elif op == "regb":
            root.get_submodule(arg(1)).register_buffer(arg(2), self.make_value(w[3], False), persistent=w[4] == "1")
        elif op == "addm":
            root.get_submodule(arg(1)).add_module(arg(2), self.make_module(w[3]))
        elif op == "del":
            delattr(root.get_submodule(arg(1)), arg(2))
        elif op == "getsub":
            return class_name(root.get_submodule(arg(1)))
        elif op == "getp":
            return self.tensor_text(root.get_parameter(arg(1)))
        elif op == "getb":
            b = root.get_buffer(arg(1))
            return "None" if b is None else self.tensor_text(b)
        elif op == "setsub":
            path = arg(1)
            m = self.make_module(w[2])
            atoms = path.split(".")
            parent = root.get_submodule(".".join(atoms[:-1]))
            if hasattr(parent, atoms[-1]) and not isinstance(getattr(parent, atoms[-1]), nn.Module):
                raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")  # 2.x (2.5+)
            setattr(parent, atoms[-1], m)
        elif op == "named":
            kind, prefix, recurse, rd = w[1], arg(2), w[3] == "1", w[4] == "1"
            if kind == "p":
                out = self.named_members(lambda m: m._parameters.items(), prefix, recurse, rd)
            elif kind == "b":
                out = self.named_members(lambda m: m._buffers.items(), prefix, recurse, rd)
            elif kind == "m":
                out = list(root.named_modules(prefix=prefix, remove_duplicate=rd))
            else:
                out = list(root.named_children())
            return ",".join(n for n, _ in out)
        elif op == "sd":
            keep = w[1] == "1"
            d = root.state_dict(prefix=arg(2), keep_vars=keep)
            own = {id(t) for _, t in self.named_members(lambda m: m._parameters.items(), "", True, False)} | \
                  {id(t) for _, t in self.named_members(lambda m: m._buffers.items(), "", True, False)}
            return ",".join(f"{k}:{str(v.dtype)[6:]}:{tshape(v)}:{int(v.requires_grad)}:"
                            f"{('#' + str(self.tid(v))) if id(v) in own else '-'}" for k, v in d.items())
        elif op == "load":
            d = OrderedDict(root.state_dict())  # a plain copy: no _metadata (see the header)
            for mod in w[3].split(";"):
                parts = mod.split(":")
                if parts[0] == "drop":
                    d.pop(parts[1], None)
                elif parts[0] == "extra":
                    t = torch.zeros(parse_shape(parts[2]))
                    fill(t, 7)
                    d[parts[1]] = t
                elif parts[0] == "shape" and parts[1] in d:  # not one dropped before
                    t = torch.zeros(parse_shape(parts[2]), dtype=d[parts[1]].dtype)  # materializes a lazy one
                    fill(t, 3)
                    d[parts[1]] = t
                elif parts[0] == "add":
                    k = int(parts[1])
                    for key in list(d):
                        if d[key].dtype.is_floating_point and not lazy(d[key]):
                            d[key] = d[key] + k
            for mp, m in root.named_modules(remove_duplicate=False):
                # 2.x's BatchNorm load of a state dict without _metadata (version None) and without num_batches_tracked
                # keeps its own count (1.13 puts 0): emulated by giving it the module's own
                key = mp + ("." if mp else "") + "num_batches_tracked"
                if isinstance(m, nn.BatchNorm1d) and m.track_running_stats and key not in d:
                    d[key] = m.num_batches_tracked
            before = [(t, t.detach().clone()) for _, t in self.named_members(lambda m: m._parameters.items(), "", True, True)
                      + self.named_members(lambda m: m._buffers.items(), "", True, True) if not lazy(t)]
            lazies = [t for _, t in self.named_members(lambda m: m._parameters.items(), "", True, True) if lazy(t)]
            try:
                res = root.load_state_dict(d, strict=w[1] == "1")
                if w[2] == "1":
                    with torch.no_grad():  # assign copies nothing: undo the copying load's writes, then assign
                        for t, v in before:
                            t.copy_(v)
                    self.assign(d)
            except RuntimeError:
                with torch.no_grad():  # Ember's rule: an error changes nothing (PyTorch copied what fit: put back)
                    for t, v in before:
                        t.copy_(v)
                    for t in lazies:  # and materialized lazy parameters (its load pre-hook): uninitialized again
                        if not lazy(t):
                            t.data = torch.empty(0, dtype=t.dtype)
                            t.__class__ = nn.parameter.UninitializedParameter
                raise
            return "missing=" + ",".join(res.missing_keys) + " unexpected=" + ",".join(res.unexpected_keys)
        elif op == "train":
            root.train(w[1] == "1")
        elif op == "eval":
            root.eval()
        elif op == "trainm":
            root.get_submodule(arg(1)).train(w[2] == "1")
        elif op == "evalm":
            root.get_submodule(arg(1)).eval()
        elif op == "rgm":
            flags = [(p, p.requires_grad) for p in root.parameters()]
            try:
                root.get_submodule(arg(1)).requires_grad_(w[2] == "1")
            except ValueError:  # an uninitialized parameter: Ember changes no flag (PyTorch's loop changed those before)
                for p, f in flags:
                    p.requires_grad = f
                raise
        elif op == "grads":
            for p in root.parameters():
                if lazy(p):
                    continue
                g = torch.zeros_like(p)
                fill(g, int(w[1]))
                p.grad = g
        elif op == "zg":
            root.zero_grad(set_to_none=w[1] == "1")
        elif op == "to":
            olds = [(m, k, b) for m in root.modules() for k, b in m._buffers.items() if b is not None]
            root.to(getattr(torch, w[1]))
            for m, k, b in olds:  # a converted buffer keeps its number (see the header)
                if m._buffers.get(k) is not None and m._buffers[k] is not b:
                    self.aliases.append((m._buffers[k], self.tid(b)))
        elif op == "apply":
            seen = []
            root.apply(lambda m: seen.append(class_name(m)))
            return ",".join(seen)
        elif op == "print":
            return repr(root).replace("\n", "|")
        elif op == "count":
            return (f"{len(list(root.parameters()))} {len(list(root.buffers()))} {len(list(root.modules()))} "
                    f"{len(list(root.children()))}")
        elif op in ("len", "idx", "slice", "append", "extend", "insert", "pop", "delitem", "setitem"):
            c = root.get_submodule(arg(1))
            before = OrderedDict(c._modules)
            try:
                return self.list_op(op, c, w)
            except KeyError:
                # Ember's rule: an error changes nothing (insert moved entries before its KeyError, extend appended
                # the modules before the one whose name a parameter takes)
                c._modules = before
                raise
        elif op.startswith("md"):
            c = root.get_submodule(arg(1))
            if op == "mdput":
                c[w[2]] = self.make_module(w[3])
            elif op == "mdpop":
                return class_name(c.pop(w[2]))
            elif op == "mdupdate":
                c.update(OrderedDict((kv.split("=", 1)[0], self.make_module(kv.split("=", 1)[1]))
                                     for kv in w[2].split(";")))
            elif op == "mdkeys":
                return ",".join(c.keys())
            elif op == "mddel":
                del c[w[2]]
            else:
                c.clear()
        elif op == "pladd":
            s, k = w[2].split(":")
            t = torch.zeros(parse_shape(s))
            fill(t, int(k))
            root.get_submodule(arg(1)).append(nn.Parameter(t))
        elif op == "plidx":
            return self.tensor_text(root.get_submodule(arg(1))[int(w[2])])
        elif op == "plset":
            s, k = w[3].split(":")
            t = torch.zeros(parse_shape(s))
            fill(t, int(k))
            root.get_submodule(arg(1))[int(w[2])] = nn.Parameter(t)
        elif op == "pddel":
            c = root.get_submodule(arg(1))
            keys = dict(c._keys)
            try:
                del c[w[2]]
            except AttributeError:  # its tensor was removed by name: PyTorch dropped the key first, Ember refuses first
                c._keys = keys
                raise
        elif op == "pdupdate":
            u = OrderedDict()
            for kv in w[2].split(";"):
                key, sk = kv.split("=")
                s, k = sk.split(":")
                t = torch.zeros(parse_shape(s))
                fill(t, int(k))
                u[key] = nn.Parameter(t)
            root.get_submodule(arg(1)).update(u)
        elif op == "pdclear":
            c = root.get_submodule(arg(1))
            keys, params = dict(c._keys), OrderedDict(c._parameters)
            try:
                c.clear()
            except AttributeError:  # as pddel: put back what the loop removed before
                c._keys, c._parameters = keys, params
                raise
        elif op == "pdput":
            s, k = w[3].split(":")
            t = torch.zeros(parse_shape(s))
            fill(t, int(k))
            root.get_submodule(arg(1))[w[2]] = nn.Parameter(t)
        elif op == "pdpop":
            return self.tensor_text(root.get_submodule(arg(1)).pop(w[2]))
        elif op == "pdkeys":
            return ",".join(root.get_submodule(arg(1)).keys())
        return None


def class_name(m):
    return "None" if m is None else m._get_name()


def build(toks, pos):
    k = toks[pos[0]]
    pos[0] += 1

    def nxt():
        pos[0] += 1
        return toks[pos[0] - 1]

    if k == "lin":
        i, o, b = int(nxt()), int(nxt()), nxt() == "1"
        return nn.Linear(i, o, bias=b)
    if k == "conv":
        return nn.Conv1d(int(nxt()), int(nxt()), int(nxt()))
    if k == "bn":
        return nn.BatchNorm1d(int(nxt()))
    if k == "ln":
        return nn.LayerNorm(int(nxt()))
    if k == "emb":
        return nn.Embedding(int(nxt()), int(nxt()))
    if k == "gru":
        return nn.GRU(int(nxt()), int(nxt()))
    if k == "id":
        return nn.Identity()
    if k == "lazy":
        return nn.LazyLinear(int(nxt()), bias=nxt() == "1")
    if k == "cus":
        return Custom(nxt() == "1")
    raise ValueError(k)


def main():
    torch.manual_seed(0)
    rnd = random.Random(SEED)
    out = []
    for i in range(N):
        p = Program(rnd)
        p.run()
        out.append(f"=== r18_{i:03d} B {len(p.lines)}")
        out += p.lines
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
