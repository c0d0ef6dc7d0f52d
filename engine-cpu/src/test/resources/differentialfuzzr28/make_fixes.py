# PyTorch's programs for FuzzRound28FixesTest (the regressions of differential fuzz round 28, sparse tensors), written
# in the round's case format (make_cases.py's header) and replayed by FuzzR28Interpreter, one labelled program each.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr28 && /usr/bin/python3 make_fixes.py > fixes.txt
import make_cases as M

PROGRAMS = [
    # torch.sparse.mm of a sparse vector: _sparse_mm reads mat1.size(-2) first (1.13 and 2.x), an IndexError
    ("mm_sparse_vector", [
        "coo 3 1x2:0,2 2:1.5,-0.5 0",
        "dense 3x2 1.0,2.0,0.5,-1.0,0.25,3.0 0",
        "mm v0 v1",
    ]),
    # ... and of a 0-dim dense operand: mat2.size(-1)
    ("mm_dense_scalar", [
        "coo 2x2 2x2:0,1,1,0 2:1.5,-0.5 0",
        "dense - 2.0 0",
        "mm v0 v1",
    ]),
    # sparse * dense: the type of the operands as given (a 0-dim dense one ranks below the dimensioned sparse one),
    # not of the elements gathered from it
    ("mul_dense_scalar_keeps_float32", [
        "coo 2x3 2x3:1,0,1,2,0,2 3:1.5,-0.5,2.0 1",
        "to v0 float32",
        "dense - -0.75 0",
        "muld v1 v2",
        "todense v3",
    ]),
    ("mul_dense_scalar_promotes_int64", [
        "coo 2x3 2x3:1,0,1,2,0,2 3:1.5,-0.5,2.0 0",
        "to v0 int64",
        "dense - -0.75 0",
        "muld v1 v2",
    ]),
    ("mul_dense_float64_promotes_float32", [
        "coo 2x3 2x3:1,0,1,2,0,2 3:1.5,-0.5,2.0 0",
        "to v0 float32",
        "dense 3 0.5,-0.75,2.0 0",
        "muld v1 v2",
    ]),
    # index_select along a dense dim out of range: gather's check, a RuntimeError (TORCH_CHECK), not an IndexError
    ("isel_dense_dim_out_of_range", [
        "coo 2x3 1x2:0,1 2x3:1.0,2.0,3.0,4.0,5.0,6.0 0",
        "isel v0 1 1,3",
    ]),
    # torch.sparse.mm of a 3-sparse-dim tensor: addmm_out_sparse_dense_cpu expands _sparse_mm's
    # zeros(mat1.size(-2), mat2.size(-1)) to [mat1.size(0), mat2.size(1)] before its 'matrices expected' check
    ("mm_expand_before_dims_3d", [
        "coo 2x4x3 3x2:0,1,1,3,2,0 2:1.5,-0.5 0",
        "dense 3x2 1.0,2.0,0.5,-1.0,0.25,3.0 0",
        "mm v0 v1",
    ]),
    # ... a hybrid tensor ([4, 2] of sparse_dim 1): the expand first too
    ("mm_expand_before_dims_hybrid", [
        "coo 4x2 1x2:0,3 2x2:1.0,2.0,3.0,4.0 0",
        "dense 2x3 1.0,2.0,0.5,-1.0,0.25,3.0 0",
        "mm v0 v1",
    ]),
    # ... a dense vector: mat2.size(1) of the expand
    ("mm_dense_vector", [
        "coo 2x2 2x2:0,1,1,0 2:1.5,-0.5 0",
        "dense 2 1.0,2.0 0",
        "mm v0 v1",
    ]),
    # torch.sparse.addmm: the input expanded first as well (a 3-sparse-dim tensor whose size(0) is not the input's)
    ("addmm_expand_before_dims", [
        "coo 2x2x2 3x1:0,1,1 1:2.0 0",
        "dense 2x3 1.0,2.0,0.5,-1.0,0.25,3.0 0",
        "dense 3x3 1.0,2.0,0.5,-1.0,0.25,3.0,1.0,1.0,1.0 0",
        "addmm v2 v0 v1 1.0 1.0",
    ]),
]


def main():
    for label, stmts in PROGRAMS:
        env = {}
        leaves = []
        out = []
        for s in stmts:
            M.record(out, s, env, leaves)
        print("=== %s P %d" % (label, len(stmts)))
        print("\n".join(out))


if __name__ == "__main__":
    main()
