# PyTorch 2.x's printing where 1.13's differs, installed over 1.13's torch._tensor_str by install() (shared by
# printoptions/make_expected.py and differentialfuzzr25/make_cases.py).
#
# 2.x's torch/_tensor_str.py handles edgeitems=0 (1.13 fails on it): its get_summarized_data returns
# "self.new_empty([0] * self.dim())" for a tensor of two dimensions or more when "not PRINT_OPTS.edgeitems", and
# _vector_str prints data = ["..."] when "summarize and not PRINT_OPTS.edgeitems"; the two are installed below (the
# rest of both functions is 1.13's, which 2.x keeps). Everything else 1.13's _tensor_str does is what 2.x does for the
# strided CPU tensors the tests print (2.x adds float8 types, functorch wrappers and nested/sparse layouts).
import torch._tensor_str as ts

PRINT_OPTS = ts.PRINT_OPTS
_get_summarized_data_113 = ts.get_summarized_data
_vector_str_113 = ts._vector_str


def get_summarized_data_2x(self):
    if self.dim() >= 2 and not PRINT_OPTS.edgeitems:
        return self.new_empty([0] * self.dim())
    return _get_summarized_data_113(self)


def vector_str_2x(self, indent, summarize, formatter1, formatter2=None):
    if summarize and not PRINT_OPTS.edgeitems:
        return "[" + "..." + "]"
    return _vector_str_113(self, indent, summarize, formatter1, formatter2)


def tensor_str_with_formatter_2x(self, indent, summarize, formatter1, formatter2=None):
    # 1.13's, whose slices for edgeitems=0 are [] + ["..."] + []
    dim = self.dim()
    if dim == 0:
        return ts._scalar_str(self, formatter1, formatter2)
    if dim == 1:
        return vector_str_2x(self, indent, summarize, formatter1, formatter2)
    if summarize and self.size(0) > 2 * PRINT_OPTS.edgeitems:
        slices = ([tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                   for i in range(0, PRINT_OPTS.edgeitems)]
                  + ["..."]
                  + [tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                     for i in range(len(self) - PRINT_OPTS.edgeitems, len(self))])
    else:
        slices = [tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                  for i in range(0, self.size(0))]
    tensor_str = ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices)
    return "[" + tensor_str + "]"


def install():
    ts.get_summarized_data = get_summarized_data_2x
    ts._vector_str = vector_str_2x
    ts._tensor_str_with_formatter = tensor_str_with_formatter_2x
