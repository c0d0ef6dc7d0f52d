package dev.ember;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torch.gradient}: the derivative of sampled values along each chosen dimension by second-order central
 * differences inside, first- or second-order one-sided differences at the two ends ({@code edge_order}), with a uniform
 * spacing per dimension or the sample coordinates. PyTorch composes it from slices, arithmetic and one {@code cat} per
 * dimension (CatBackward0), and so does Ember, in PyTorch's order of operations, so values and gradients match and it
 * runs on every backend.
 */
final class NumericGradient {
    private NumericGradient() {
    }

    /**
     * {@code torch.gradient(input, spacing=scalars, dim, edge_order)}: {@code spacing} one value for every dimension in
     * {@code dims} (or of the input when {@code dims} is null), or a single value used for all of them.
     */
    static List<Tensor> gradient(Tensor input, double[] spacing, int[] dims, int edgeOrder) {
        int count = dims == null ? input.dim() : dims.length;
        double[] unit = spacing;
        if (spacing.length == 1 && count != 1) {
            unit = new double[count];
            java.util.Arrays.fill(unit, spacing[0]);
        }
        int[] directions = check(input, unit.length, dims, edgeOrder);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < directions.length; i++) {
            out.add(uniform(input, directions[i], unit[i], edgeOrder));
        }
        return out;
    }

    /**
     * {@code torch.gradient(input, spacing=coordinates, dim, edge_order)}: one 1-D tensor of sample coordinates per
     * dimension in {@code dims} (or of the input when {@code dims} is null).
     */
    static List<Tensor> gradient(Tensor input, List<Tensor> coordinates, int[] dims, int edgeOrder) {
        int[] directions = check(input, coordinates.size(), dims, edgeOrder);
        for (int i = 0; i < directions.length; i++) {
            Tensor c = coordinates.get(i);
            if (!c.device().equals(input.device())) {
                throw new IllegalArgumentException("torch.gradient expected each tensor to be on the same device, but got "
                        + "devices " + input.device() + " and " + c.device() + "!");
            }
            if (c.dim() != 1 || c.size(0) != input.size(directions[i])) {
                throw new IllegalArgumentException("torch.gradient expected the coordinates of dimension " + directions[i]
                        + " to be a 1-D tensor of " + input.size(directions[i]) + " elements, but got one of shape "
                        + Format.size(c.shape()));
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < directions.length; i++) {
            out.add(coordinates(input, directions[i], coordinates.get(i), edgeOrder));
        }
        return out;
    }

    /** PyTorch 2.x's {@code pre_check_gradient}; returns the wrapped dimensions. */
    private static int[] check(Tensor input, int spacingCount, int[] dims, int edgeOrder) {
        if (input.dtype() == DType.UINT8) {
            throw new IllegalArgumentException("torch.gradient does not support uint8 input.");
        }
        if (dims == null && spacingCount != input.dim()) {
            throw new IllegalArgumentException("torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                    + "length equal to 'self.dim() = " + input.dim() + "', since dim argument was not given, but got a list "
                    + "of length " + spacingCount);
        }
        if (dims != null && spacingCount != dims.length) {
            throw new IllegalArgumentException("torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                    + "and dim arguments to have the same length, but got a spacing argument of length " + spacingCount
                    + " and a dim argument of length " + dims.length + ".");
        }
        if (edgeOrder != 1 && edgeOrder != 2) {
            throw new IllegalArgumentException("torch.gradient only supports edge_order=1 and edge_order=2.");
        }
        int[] directions;
        if (dims == null) {
            directions = new int[input.dim()];
            for (int i = 0; i < directions.length; i++) {
                directions[i] = i;
            }
        } else {
            directions = new int[dims.length];
            boolean[] seen = new boolean[Math.max(input.dim(), 1)];
            for (int i = 0; i < dims.length; i++) {
                int d = Shapes.wrapDim(dims[i], input.dim());
                if (seen[d]) {
                    throw new IllegalArgumentException("dim " + d + " appears multiple times in the list of dims");
                }
                seen[d] = true;
                directions[i] = d;
            }
        }
        for (int d : directions) {
            if (input.size(d) < edgeOrder + 1) {
                throw new IllegalArgumentException("torch.gradient expected each dimension size to be at least edge_order+1");
            }
        }
        return directions;
    }

    /** {@code at::slice(t, dim, from, to)} with Python's negative bounds relative to the size. */
    private static Tensor slice(Tensor t, int dim, int from, int to) {
        int n = t.size(dim);
        int a = from < 0 ? n + from : from;
        int b = to <= 0 ? n + to : to;
        return t.narrow(dim, a, b - a);
    }

    /** From {@code from} to the end. */
    private static Tensor tail(Tensor t, int dim, int from) {
        return slice(t, dim, from, 0);
    }

    private static Tensor uniform(Tensor self, int dim, double dx, int edgeOrder) {
        Tensor center = tail(self, dim, 2).sub(slice(self, dim, 0, -2)).div(dx);
        Tensor prepend;
        Tensor append;
        if (edgeOrder == 1) {
            prepend = slice(self, dim, 1, 2).sub(slice(self, dim, 0, 1)).div(dx);
            append = tail(self, dim, -1).sub(slice(self, dim, -2, -1)).div(dx);
        } else {
            prepend = slice(self, dim, 0, 1).mul(-1.5).add(slice(self, dim, 1, 2).mul(2.0))
                    .sub(slice(self, dim, 2, 3).mul(0.5)).div(dx);
            append = slice(self, dim, -3, -2).mul(0.5).add(slice(self, dim, -2, -1).mul(-2.0))
                    .add(tail(self, dim, -1).mul(1.5)).div(dx);
        }
        return Tensor.cat(List.of(prepend, center.div(2.0), append), dim);
    }

    private static Tensor coordinates(Tensor self, int dim, Tensor coords, int edgeOrder) {
        int[] shape = new int[self.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[dim] = -1;
        Tensor axDx = coords.diff(1, 0, null, null);
        int m = axDx.size(0);
        Tensor dx1 = axDx.narrow(0, 0, m - 1);
        Tensor dx2 = axDx.narrow(0, 1, m - 1);
        Tensor a = dx2.neg().div(dx1.mul(dx1.add(dx2))).reshape(shape);
        Tensor b = dx2.sub(dx1).div(dx1.mul(dx2)).reshape(shape);
        Tensor c = dx1.div(dx2.mul(dx1.add(dx2))).reshape(shape);
        Tensor center = a.mul(slice(self, dim, 0, -2)).add(b.mul(slice(self, dim, 1, -1))).add(c.mul(tail(self, dim, 2)));
        Tensor first = axDx.select(0, 0);
        Tensor last = axDx.select(0, m - 1);
        Tensor prepend;
        Tensor append;
        if (edgeOrder == 1) {
            prepend = slice(self, dim, 1, 2).sub(slice(self, dim, 0, 1)).div(first);
            append = tail(self, dim, -1).sub(slice(self, dim, -2, -1)).div(last);
        } else {
            Tensor second = axDx.select(0, 1);
            Tensor beforeLast = axDx.select(0, m - 2);
            Tensor pa = first.mul(2.0).add(second).neg().div(first.mul(first.add(second)));
            Tensor pb = first.add(second).div(first.mul(second));
            Tensor pc = first.neg().div(second.mul(first.add(second)));
            prepend = pa.mul(slice(self, dim, 0, 1)).add(pb.mul(slice(self, dim, 1, 2))).add(pc.mul(slice(self, dim, 2, 3)));
            Tensor qa = last.div(beforeLast.mul(last.add(beforeLast)));
            Tensor qb = last.add(beforeLast).neg().div(last.mul(beforeLast));
            Tensor qc = last.mul(2.0).add(beforeLast).div(last.mul(last.add(beforeLast)));
            append = qa.mul(slice(self, dim, -3, -2)).add(qb.mul(slice(self, dim, -2, -1))).add(qc.mul(tail(self, dim, -1)));
        }
        return Tensor.cat(List.of(prepend, center, append), dim);
    }
}
