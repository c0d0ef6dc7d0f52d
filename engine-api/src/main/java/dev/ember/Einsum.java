package dev.ember;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * {@code torch.einsum}, as PyTorch 2.x computes it (aten/src/ATen/native/Linear.cpp) without a contraction path (the
 * order it takes when {@code opt_einsum} is not installed): the equation is parsed (implicit or explicit output,
 * {@code ...} broadcasting), each operand has its repeated labels reduced to a diagonal, missing labels unsqueezed and
 * its dimensions permuted into one common order, then the operands are contracted left to right, two at a time,
 * through a permute, a reshape and one {@code bmm} ({@code sumproduct_pair}); dimensions that only one operand still
 * has are summed first. Every step is an Ember op, so the nodes are those PyTorch records for the same steps.
 */
final class Einsum {
    private Einsum() {
    }

    private static final int LETTERS = 26;
    private static final int TOTAL_LABELS = LETTERS * 2;
    private static final int ELLIPSIS = TOTAL_LABELS;

    private static int subscript(char c) {
        return Character.isUpperCase(c) ? c - 'A' : c - 'a' + LETTERS;
    }

    private static char label(int s) {
        return (char) (s < LETTERS ? s + 'A' : s + 'a' - LETTERS);
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static IllegalArgumentException error(String message) {
        return new IllegalArgumentException("einsum(): " + message);
    }

    /**
     * PyTorch's Python {@code einsum} for its sublist format, {@code (op1, sublist1, op2, sublist2, ...,
     * [sublistOut])}: each sublist (an {@code int[]}) becomes the operand's letters (0-25 'A'-'Z', 26-51 'a'-'z',
     * {@link Tensor#EINSUM_ELLIPSIS} "..."), an odd count of arguments ends with the output's; a first argument that is
     * a String is the equation form.
     */
    static Tensor sublist(Object[] args) {
        Args.require(args, "einsum", "args", 1, "tuple");
        if (args.length < 2) {
            throw error("must specify the equation string and at least one operand, or at least one operand and its "
                    + "subscripts list");
        }
        if (args[0] instanceof String) {
            if (args.length == 2 && args[1] instanceof List<?> list) {
                // torch.einsum's old interface, the operands as one list: einsum("nc,nc->n", [q, k])
                Object[] flat = new Object[list.size() + 1];
                flat[0] = args[0];
                for (int i = 0; i < list.size(); i++) {
                    flat[i + 1] = list.get(i);
                }
                return sublist(flat);
            }
            Tensor[] operands = new Tensor[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                operands[i - 1] = operand(args[i], i - 1);
            }
            return einsum((String) args[0], operands);
        }
        int n = args.length / 2;
        Tensor[] operands = new Tensor[n];
        StringBuilder equation = new StringBuilder();
        for (int i = 0; i < n; i++) {
            operands[i] = operand(args[2 * i], i);
            equation.append(i == 0 ? "" : ",").append(letters(args[2 * i + 1]));
        }
        if (args.length % 2 == 1) {
            equation.append("->").append(letters(args[args.length - 1]));
        }
        return einsum(equation.toString(), operands);
    }

    private static Tensor operand(Object o, int i) {
        if (!(o instanceof Tensor)) {
            throw new IllegalArgumentException("einsum(): expected a Tensor as operand " + i + ", but got "
                    + (o == null ? "null" : o.getClass().getSimpleName()));
        }
        return (Tensor) o;
    }

    /** A sublist's letters, as PyTorch's {@code parse_subscript}. */
    private static String letters(Object sublist) {
        if (!(sublist instanceof int[])) {
            throw error("a subscripts list must be an int[], but got "
                    + (sublist == null ? "null" : sublist.getClass().getSimpleName()));
        }
        StringBuilder b = new StringBuilder();
        for (int s : (int[]) sublist) {
            if (s == Tensor.EINSUM_ELLIPSIS) {
                b.append("...");
            } else if (s < 0 || s >= TOTAL_LABELS) {
                throw error("subscript in subscript list is not within the valid range [0, 52)");
            } else {
                b.append(label(s));
            }
        }
        return b.toString();
    }

    static Tensor einsum(String equation, Tensor[] operands) {
        if (Autocast.on()) return Autocast.apply("einsum", t -> einsum(equation, t), operands);
        if (operands.length == 0) {
            throw error("must provide at least one operand");
        }
        ArithmeticOps.checkSameDevice(operands);
        int numOps = operands.length;
        int arrow = equation.indexOf("->");
        String lhs = arrow < 0 ? equation : equation.substring(0, arrow);

        List<List<Integer>> opLabels = new ArrayList<>();
        for (int i = 0; i < numOps; i++) {
            opLabels.add(new ArrayList<>());
        }
        boolean ellInInput = false;
        int currOp = 0;
        for (int i = 0; i < lhs.length(); i++) {
            char c = lhs.charAt(i);
            switch (c) {
                case ' ':
                    break;
                case '.':
                    if (ellInInput) {
                        throw error("found '.' for operand " + currOp + " for which an ellipsis was already found");
                    }
                    if (!(i + 2 < lhs.length() && lhs.charAt(++i) == '.' && lhs.charAt(++i) == '.')) {
                        throw error("found '.' for operand " + currOp + " that is not part of any ellipsis");
                    }
                    opLabels.get(currOp).add(ELLIPSIS);
                    ellInInput = true;
                    break;
                case ',':
                    currOp++;
                    if (currOp >= numOps) {
                        throw error("fewer operands were provided than specified in the equation");
                    }
                    ellInInput = false;
                    break;
                default:
                    if (!isLetter(c)) {
                        throw error("invalid subscript given at index " + i
                                + " in the equation string, subscripts must be in [a-zA-Z]");
                    }
                    opLabels.get(currOp).add(subscript(c));
            }
        }
        if (currOp != numOps - 1) {
            throw error("more operands were provided than specified in the equation");
        }

        int[] labelCount = new int[TOTAL_LABELS];
        int ellNumDim = 0;
        for (int i = 0; i < numOps; i++) {
            int ndims = operands[i].dim();
            int nlabels = opLabels.get(i).size();
            boolean hasEllipsis = false;
            for (int l : opLabels.get(i)) {
                if (l == ELLIPSIS) {
                    nlabels--;
                    hasEllipsis = true;
                    ellNumDim = Math.max(ellNumDim, ndims - nlabels);
                } else {
                    labelCount[l]++;
                }
            }
            if (hasEllipsis ? nlabels > ndims : nlabels != ndims) {
                throw error("the number of subscripts in the equation (" + nlabels + (hasEllipsis
                        ? ") is more than the number of dimensions (" : ") does not match the number of dimensions (")
                        + ndims + ") for operand " + i + (hasEllipsis ? "" : " and no ellipsis was given"));
            }
        }

        int[] labelPermIndex = new int[TOTAL_LABELS];
        Arrays.fill(labelPermIndex, -1);
        int permIndex = 0;
        int ellIndex = 0;
        boolean ellInOutput = false;
        if (arrow < 0) {
            // implicit output: the ellipsis, then the labels seen once, in alphabetical order (upper case first)
            permIndex = ellNumDim;
            ellInOutput = true;
            for (int l = 0; l < TOTAL_LABELS; l++) {
                if (labelCount[l] == 1) {
                    labelPermIndex[l] = permIndex++;
                }
            }
        } else {
            String rhs = equation.substring(arrow + 2);
            for (int i = 0; i < rhs.length(); i++) {
                char c = rhs.charAt(i);
                switch (c) {
                    case ' ':
                        break;
                    case '.':
                        if (ellInOutput) {
                            throw error("found '.' for output but an ellipsis (...) was already found");
                        }
                        if (!(i + 2 < rhs.length() && rhs.charAt(++i) == '.' && rhs.charAt(++i) == '.')) {
                            throw error("found '.' for output that is not part of any ellipsis (...)");
                        }
                        ellIndex = permIndex;
                        permIndex += ellNumDim;
                        ellInOutput = true;
                        break;
                    default:
                        if (!isLetter(c)) {
                            throw error("invalid subscript given at index " + (lhs.length() + 2 + i)
                                    + " in the equation string, subscripts must be in [a-zA-Z]");
                        }
                        int index = subscript(c);
                        if (!(labelCount[index] > 0 && labelPermIndex[index] == -1)) {
                            throw error("output subscript " + c + (labelPermIndex[index] > -1
                                    ? " appears more than once in the output"
                                    : " does not appear in the equation for any input operand"));
                        }
                        labelPermIndex[index] = permIndex++;
                }
            }
        }
        int outNumDim = permIndex;
        if (!ellInOutput) {
            ellIndex = permIndex;
            permIndex += ellNumDim;
        }
        for (int l = 0; l < TOTAL_LABELS; l++) {
            if (labelCount[l] > 0 && labelPermIndex[l] == -1) {
                labelPermIndex[l] = permIndex++;
            }
        }

        // diagonals for repeated labels, unsqueezed missing dimensions, one permutation into the common order
        int[] labelSize = new int[TOTAL_LABELS];
        Arrays.fill(labelSize, 1);
        int[] ellSizes = new int[ellNumDim];
        Arrays.fill(ellSizes, 1);
        int[] dimCounts = new int[permIndex];
        Deque<Tensor> ops = new ArrayDeque<>();
        for (int i = 0; i < numOps; i++) {
            Tensor op = operands[i];
            int[] permutation = new int[permIndex];
            Arrays.fill(permutation, -1);
            int dim = 0;
            for (int s : opLabels.get(i)) {
                if (s == ELLIPSIS) {
                    int ndim = operands[i].dim() - (opLabels.get(i).size() - 1);
                    for (int j = ellNumDim - ndim; j < ellNumDim; j++) {
                        if (op.size(dim) != 1) {
                            if (!(ellSizes[j] == 1 || ellSizes[j] == op.size(dim))) {
                                throw error("dimension " + dim + " covered by ellipsis in operand " + i + "has size "
                                        + op.size(dim) + " which does not broadcast with previously seen ellipsis with size "
                                        + ellSizes[j] + " for the respective dimension");
                            }
                            ellSizes[j] = op.size(dim);
                            dimCounts[ellIndex + j]++;
                        }
                        permutation[ellIndex + j] = dim++;
                    }
                } else if (permutation[labelPermIndex[s]] == -1) {
                    if (op.size(dim) != 1) {
                        if (!(labelSize[s] == 1 || labelSize[s] == op.size(dim))) {
                            throw error("subscript " + label(s) + " has size " + op.size(dim) + " for operand " + i
                                    + " which does not broadcast with previously seen size " + labelSize[s]);
                        }
                        labelSize[s] = op.size(dim);
                        dimCounts[labelPermIndex[s]]++;
                    }
                    permutation[labelPermIndex[s]] = dim++;
                } else {
                    int prevDim = permutation[labelPermIndex[s]];
                    if (op.size(dim) != op.size(prevDim)) {
                        throw error("subscript " + label(s) + " is repeated for operand " + i
                                + " but the sizes don't match, " + op.size(dim) + " != " + op.size(prevDim));
                    }
                    op = moveLastTo(diagonal(op, prevDim, dim), prevDim);
                }
            }
            for (int p = 0; p < permutation.length; p++) {
                if (permutation[p] == -1) {
                    op = op.unsqueeze(dim);
                    permutation[p] = dim++;
                }
            }
            ops.addLast(op.permute(permutation));
        }

        // contract left to right
        while (ops.size() > 1) {
            Tensor a = ops.pollFirst();
            Tensor b = ops.pollFirst();
            List<Integer> sumDims = new ArrayList<>();
            List<Integer> aToSum = new ArrayList<>();
            List<Integer> bToSum = new ArrayList<>();
            for (int d = outNumDim; d < permIndex; d++) {
                if (a.size(d) != 1 && b.size(d) != 1) {
                    if (--dimCounts[d] == 1) {
                        sumDims.add(d);
                        dimCounts[d] = 0;
                    }
                } else if (dimCounts[d] == 1) {
                    if (a.size(d) != 1) {
                        aToSum.add(d);
                        dimCounts[d] = 0;
                    } else if (b.size(d) != 1) {
                        bToSum.add(d);
                        dimCounts[d] = 0;
                    }
                }
            }
            if (!aToSum.isEmpty()) {
                a = a.sum(toArray(aToSum), true);
            }
            if (!bToSum.isEmpty()) {
                b = b.sum(toArray(bToSum), true);
            }
            ops.addFirst(sumproductPair(a, b, toArray(sumDims)));
        }

        Tensor result = ops.peekFirst();
        if (permIndex - outNumDim > 0) {
            if (numOps > 1) {
                // the contraction dimensions are all of size 1 now: a view drops them
                return result.view(Arrays.copyOf(result.shapeRef(), outNumDim));
            }
            int[] sum = new int[permIndex - outNumDim];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = outNumDim + i;
            }
            return result.sum(sum, false);
        }
        return result;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code (left * right).sum(sumDims, keepdim=True)} through one bmm (PyTorch's {@code sumproduct_pair}): the
     * operands have equal ranks, dimensions of size 1 broadcast.
     */
    private static Tensor sumproductPair(Tensor left, Tensor right, int[] sumDims) {
        if (sumDims.length == 0) {
            return left.mul(right);
        }
        int dim = left.dim();
        boolean[] summed = new boolean[dim];
        for (int d : sumDims) {
            summed[d] = true;
        }
        List<Integer> lro = new ArrayList<>();
        List<Integer> lo = new ArrayList<>();
        List<Integer> ro = new ArrayList<>();
        long lroSize = 1;
        long loSize = 1;
        long roSize = 1;
        long sumSize = 1;
        for (int i = 0; i < dim; i++) {
            boolean sl = left.size(i) != 1;
            boolean sr = right.size(i) != 1;
            if (summed[i]) {
                if (sl && sr) {
                    if (left.size(i) != right.size(i)) {
                        throw new IllegalArgumentException("non-broadcast dimensions must match");
                    }
                    sumSize *= left.size(i);
                } else if (sl) {
                    left = left.sum(new int[] {i}, true);
                } else if (sr) {
                    right = right.sum(new int[] {i}, true);
                }
            } else if (sl && sr) {
                if (left.size(i) != right.size(i)) {
                    throw new IllegalArgumentException("non-broadcast dimensions must match");
                }
                lro.add(i);
                lroSize *= left.size(i);
            } else if (sl) {
                lo.add(i);
                loSize *= left.size(i);
            } else {
                ro.add(i);
                roSize *= right.size(i);
            }
        }
        int outNumDim = lro.size() + lo.size() + sumDims.length + ro.size();
        int[] outSize = new int[outNumDim];
        int k = 0;
        for (int d : lro) {
            outSize[k++] = left.size(d);
        }
        for (int d : lo) {
            outSize[k++] = left.size(d);
        }
        for (int d : sumDims) {
            outSize[k++] = 1;
        }
        for (int d : ro) {
            outSize[k++] = right.size(d);
        }
        int[] lperm = concat(lro, lo, sumDims, ro);
        int[] rperm = concat(lro, sumDims, ro, lo);
        int[] operm = new int[outNumDim];
        int i = 0;
        for (int d : lro) {
            operm[d] = i++;
        }
        for (int d : lo) {
            operm[d] = i++;
        }
        for (int d : sumDims) {
            operm[d] = i++;
        }
        for (int d : ro) {
            operm[d] = i++;
        }
        int lroI = Shapes.toSize(lroSize, "einsum");
        int loI = Shapes.toSize(loSize, "einsum");
        int roI = Shapes.toSize(roSize, "einsum");
        int sumI = Shapes.toSize(sumSize, "einsum");
        Tensor l = left.permute(lperm).reshape(lroI, loI, sumI);
        Tensor r = right.permute(rperm).reshape(lroI, sumI, roI);
        return l.bmm(r).view(outSize).permute(operm);
    }

    private static int[] concat(List<Integer> a, List<Integer> b, int[] c, List<Integer> d) {
        int[] out = new int[a.size() + b.size() + c.length + d.size()];
        int k = 0;
        for (int x : a) {
            out[k++] = x;
        }
        for (int x : b) {
            out[k++] = x;
        }
        for (int x : c) {
            out[k++] = x;
        }
        for (int x : d) {
            out[k++] = x;
        }
        return out;
    }

    private static int[] concat(List<Integer> a, int[] b, List<Integer> c, List<Integer> d) {
        int[] out = new int[a.size() + b.length + c.size() + d.size()];
        int k = 0;
        for (int x : a) {
            out[k++] = x;
        }
        for (int x : b) {
            out[k++] = x;
        }
        for (int x : c) {
            out[k++] = x;
        }
        for (int x : d) {
            out[k++] = x;
        }
        return out;
    }

    /** {@code t.movedim(-1, to)}, which PyTorch computes as a permute ({@code PermuteBackward0}). */
    private static Tensor moveLastTo(Tensor t, int to) {
        int n = t.dim();
        int[] perm = new int[n];
        for (int i = 0, src = 0; i < n; i++) {
            if (i == to) {
                perm[i] = n - 1;
            } else {
                perm[i] = src++;
            }
        }
        return t.permute(perm);
    }

    /**
     * {@code t.diagonal(0, d1, d2)} (d1 < d2, equal sizes): a view with both dimensions removed and the diagonal appended
     * last, {@code DiagonalBackward0}; its backward writes the gradient into the diagonal of zeros
     * ({@code DiagonalBackwardBackward0}, whose backward takes the diagonal again).
     */
    static Tensor diagonal(Tensor t, int d1, int d2) {
        int n = t.dim();
        int[] shape = new int[n - 1];
        int[] strides = new int[n - 1];
        for (int i = 0, j = 0; i < n; i++) {
            if (i != d1 && i != d2) {
                shape[j] = t.shape[i];
                strides[j] = t.layout.stride(i);
                j++;
            }
        }
        shape[n - 2] = Math.min(t.shape[d1], t.shape[d2]);
        strides[n - 2] = t.layout.stride(d1) + t.layout.stride(d2);
        Tensor out = ViewOps.makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, "DiagonalBackward0", new Tensor[] {t},
                node -> g -> new Tensor[] {diagonalBackward(g, in, d1, d2)});
    }

    private static Tensor diagonalBackward(Tensor g, int[] shape, int d1, int d2) {
        Tensor out = Creation.zeros(shape, g.dtype, g.device);
        Tensor window;
        try (GradMode off = Ember.noGrad()) {
            window = diagonal(out, d1, d2);
        }
        ComplexOps.kernelCopy(g, g.layout, out, window.layout); // a complex gradient too
        return ArithmeticOps.record(out, "DiagonalBackwardBackward0", new Tensor[] {g},
                node -> gg -> new Tensor[] {diagonal(gg, d1, d2)});
    }
}
