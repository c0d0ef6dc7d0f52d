package dev.ember;

import java.util.ArrayList;
import java.util.List;

/**
 * Spatial transformers: {@code affine_grid_generator} (2-D) and {@code grid_sampler_2d} (modes bilinear and nearest;
 * padding zeros, border and reflection; both corner conventions), PyTorch's formulas from {@code GridSampler.h} and
 * {@code AffineGridGenerator.cpp}.
 *
 * <p>No kernels of their own: the sample is a gather of the input's four (or one) neighbouring pixels, weighted, so it
 * runs on every backend; each op records one node ({@code GridSampler2DBackward0}, {@code AffineGridGeneratorBackward0})
 * whose backward is PyTorch's: the gradient scattered back to the input pixels with the same weights, and the
 * gradient of the weights with respect to the sampling position times the position's derivative with respect to the
 * grid (zero where a coordinate was clipped, sign-flipped where it was reflected, zero for nearest). The backward is
 * written in tensor ops, so it differentiates again.
 */
final class GridSampleOps {
    private GridSampleOps() {
    }

    /** PyTorch's {@code GridSamplerInterpolation} and {@code GridSamplerPadding} enums, by name. */
    static int mode(String mode) {
        switch (mode) {
            case "bilinear": return 0;
            case "nearest": return 1;
            case "bicubic": return 2;
            default:
                throw new IllegalArgumentException("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                        + "'nearest' or 'bicubic', but got: '" + mode + "'");
        }
    }

    static int padding(String padding) {
        switch (padding) {
            case "zeros": return 0;
            case "border": return 1;
            case "reflection": return 2;
            default:
                throw new IllegalArgumentException("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                        + "'border', or 'reflection', but got: '" + padding + "'");
        }
    }

    /** Source coordinate along one axis and its derivative with respect to the normalized grid coordinate. */
    private record Source(Tensor coord, Tensor mult, Tensor finite) {
    }

    /**
     * {@code grid_sampler_compute_source_index_set_grad}: unnormalize from [-1, 1], then clip (border) or reflect and
     * clip (reflection); non-finite coordinates become -100 (out of range), as {@code safe_downgrade_to_int_range}.
     */
    private static Source source(Tensor g, int size, int padding, boolean alignCorners) {
        double scale = alignCorners ? (size - 1) / 2.0 : size / 2.0;
        Tensor coord = alignCorners ? g.add(1.0).div(2.0).mul((double) (size - 1))
                : g.add(1.0).mul((double) size).sub(1.0).div(2.0);
        Tensor mult = g.fullLike(scale);
        if (padding == 2) {
            // reflect_coordinates_set_grad over [twice_low, twice_high] / 2
            double low = alignCorners ? 0 : -0.5;
            double span = alignCorners ? size - 1 : size;
            if (span <= 0) {
                coord = coord.mul(0.0);
                mult = mult.mul(0.0);
            } else {
                Tensor shifted = coord.sub(low);
                Tensor negative = shifted.lt(0L);
                Tensor in = shifted.abs();
                mult = Tensor.where(negative, mult.neg(), mult);
                Tensor extra = in.fmod(span);
                Tensor flips = in.div(span).floor();
                Tensor odd = flips.remainder(2.0).ne(0L);
                coord = Tensor.where(odd, extra.neg().add(span + low), extra.add(low));
                mult = Tensor.where(odd, mult.neg(), mult);
            }
        }
        if (padding == 1 || padding == 2) {
            // clip_coordinates_set_grad: the derivative is 0 where the coordinate was clipped (at the limits too)
            Tensor inside = coord.gt(0L).logicalAnd(coord.lt((long) (size - 1)));
            mult = Tensor.where(inside, mult, 0.0);
            coord = coord.clamp(0.0, size - 1.0);
        }
        Tensor finite = coord.isfinite();
        return new Source(Tensor.where(finite, coord, -100.0), Tensor.where(finite, mult, 0.0), finite);
    }

    /** One neighbour: its flat pixel index (clamped into range) and whether it lies inside the image. */
    private record Corner(Tensor index, Tensor inside) {
    }

    private static Corner corner(Tensor x, Tensor y, int h, int w) {
        Tensor inside = x.ge(0L).logicalAnd(x.lt((long) w)).logicalAnd(y.ge(0L)).logicalAnd(y.lt((long) h));
        Tensor index = y.clamp(0.0, h - 1.0).mul((double) w).add(x.clamp(0.0, w - 1.0)).toLong();
        return new Corner(index, inside);
    }

    /** The input's values at a corner, {@code [N, C, Ho * Wo]}: a gather over the flattened plane. */
    private static Tensor gather(Tensor flat, Corner c) {
        int n = flat.size(0);
        int ch = flat.size(1);
        int points = c.index().size(1);
        Tensor idx = c.index().reshape(n, 1, points).expand(n, ch, points);
        return flat.gather(2, idx);
    }

    /** The interpolation geometry of a grid: for bilinear four corners and weights, for nearest one corner. */
    private static final class Geometry {
        final List<Corner> corners = new ArrayList<>();
        final List<Tensor> weights = new ArrayList<>();
        /** Derivatives of each weight with respect to the source x and y (bilinear only). */
        final List<Tensor> dx = new ArrayList<>();
        final List<Tensor> dy = new ArrayList<>();
        Source sx;
        Source sy;
    }

    private static Geometry geometry(Tensor grid, int h, int w, int mode, int padding, boolean alignCorners) {
        Geometry geo = new Geometry();
        int n = grid.size(0);
        int points = grid.size(1) * grid.size(2);
        Tensor gx = grid.select(3, 0).reshape(n, points);
        Tensor gy = grid.select(3, 1).reshape(n, points);
        geo.sx = source(gx, w, padding, alignCorners);
        geo.sy = source(gy, h, padding, alignCorners);
        Tensor ix = geo.sx.coord();
        Tensor iy = geo.sy.coord();
        if (mode == 1) {
            Tensor x = ix.round();
            Tensor y = iy.round();
            geo.corners.add(corner(x, y, h, w));
            geo.weights.add(ix.onesLike());
            return geo;
        }
        Tensor x0 = ix.floor();
        Tensor y0 = iy.floor();
        Tensor x1 = x0.add(1.0);
        Tensor y1 = y0.add(1.0);
        Tensor east = ix.sub(x0); // ix - ix_nw
        Tensor west = x1.sub(ix); // ix_se - ix
        Tensor south = iy.sub(y0);
        Tensor north = y1.sub(iy);
        // nw, ne, sw, se, as PyTorch's weights
        geo.corners.add(corner(x0, y0, h, w));
        geo.weights.add(west.mul(north));
        geo.dx.add(north.neg());
        geo.dy.add(west.neg());
        geo.corners.add(corner(x1, y0, h, w));
        geo.weights.add(east.mul(north));
        geo.dx.add(north);
        geo.dy.add(east.neg());
        geo.corners.add(corner(x0, y1, h, w));
        geo.weights.add(west.mul(south));
        geo.dx.add(south.neg());
        geo.dy.add(west);
        geo.corners.add(corner(x1, y1, h, w));
        geo.weights.add(east.mul(south));
        geo.dx.add(south);
        geo.dy.add(east);
        return geo;
    }

    /** {@code grid_sampler_2d(input, grid, mode, padding, align_corners)} after PyTorch's checks. */
    static Tensor gridSample(Tensor input, Tensor grid, String modeName, String paddingName, boolean alignCorners) {
        int mode = mode(modeName);
        int padding = padding(paddingName);
        check(input, grid);
        if (mode == 2) {
            throw new UnsupportedOperationException("grid_sample: mode 'bicubic' is not implemented in Ember (bilinear and "
                    + "nearest are)");
        }
        int n = input.size(0);
        int c = input.size(1);
        int h = input.size(2);
        int w = input.size(3);
        int ho = grid.size(1);
        int wo = grid.size(2);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = sample(input, grid, mode, padding, alignCorners).reshape(n, c, ho, wo);
        }
        return ArithmeticOps.record(out, "GridSampler2DBackward0", new Tensor[] {input, grid}, node -> {
            SavedTensor si = node.save(input);
            SavedTensor sg = node.save(grid);
            return g -> backward(g, si.get(), sg.get(), mode, padding, alignCorners, h, w);
        });
    }

    private static Tensor sample(Tensor input, Tensor grid, int mode, int padding, boolean alignCorners) {
        int n = input.size(0);
        int c = input.size(1);
        Geometry geo = geometry(grid, input.size(2), input.size(3), mode, padding, alignCorners);
        Tensor flat = input.reshape(n, c, input.size(2) * input.size(3));
        Tensor out = null;
        for (int k = 0; k < geo.corners.size(); k++) {
            Corner corner = geo.corners.get(k);
            Tensor weight = Tensor.where(corner.inside(), geo.weights.get(k), 0.0).unsqueeze(1);
            Tensor term = Tensor.where(corner.inside().unsqueeze(1), gather(flat, corner), 0.0).mul(weight);
            out = out == null ? term : out.add(term);
        }
        // PyTorch's CPU kernel gives NaN where a coordinate is not finite (its vectorized weights carry it); the
        // backward (and PyTorch's CUDA kernel) treat such a point as outside the image
        Tensor finite = geo.sx.finite().logicalAnd(geo.sy.finite()).unsqueeze(1);
        return Tensor.where(finite, out, Double.NaN);
    }

    private static Tensor[] backward(Tensor g, Tensor input, Tensor grid, int mode, int padding, boolean alignCorners,
            int h, int w) {
        int n = input.size(0);
        int c = input.size(1);
        Geometry geo = geometry(grid, h, w, mode, padding, alignCorners);
        int points = grid.size(1) * grid.size(2);
        Tensor gOut = g.reshape(n, c, points);
        Tensor flat = input.reshape(n, c, h * w);
        Tensor gInput = Tensor.zeros(input.dtype(), n, c, h * w).to(input.device());
        Tensor gx = null;
        Tensor gy = null;
        for (int k = 0; k < geo.corners.size(); k++) {
            Corner corner = geo.corners.get(k);
            Tensor inside = corner.inside().unsqueeze(1);
            Tensor weight = Tensor.where(inside, geo.weights.get(k).unsqueeze(1), 0.0);
            Tensor idx = corner.index().reshape(n, 1, points).expand(n, c, points);
            gInput = gInput.scatterAdd(2, idx, gOut.mul(weight));
            if (mode == 0) {
                // d out / d (ix, iy) = sum over channels of g * value * d weight
                Tensor v = Tensor.where(inside, gather(flat, corner), 0.0).mul(gOut).sum(new int[] {1}, false);
                Tensor tx = v.mul(geo.dx.get(k));
                Tensor ty = v.mul(geo.dy.get(k));
                gx = gx == null ? tx : gx.add(tx);
                gy = gy == null ? ty : gy.add(ty);
            }
        }
        Tensor gGrid;
        if (mode == 0) {
            gGrid = Tensor.stack(List.of(gx.mul(geo.sx.mult()), gy.mul(geo.sy.mult())), 2).reshape(grid.shape());
        } else {
            gGrid = grid.zerosLike();
        }
        return new Tensor[] {gInput.reshape(input.shape()), gGrid};
    }

    /** PyTorch's {@code check_grid_sampler_common} and {@code check_grid_sampler_2d}, in order. */
    private static void check(Tensor input, Tensor grid) {
        if (!input.device().equals(grid.device())) {
            throw new IllegalArgumentException("grid_sampler(): expected input and grid to be on same device, but input "
                    + "is on " + input.device() + " and grid is on " + grid.device());
        }
        if (input.dtype() != grid.dtype()) {
            throw new IllegalArgumentException("grid_sampler(): expected input and grid to have same dtype, but input has "
                    + typeMeta(input.dtype()) + " and grid has " + typeMeta(grid.dtype()));
        }
        if (input.dim() == 5 && grid.dim() == 5) {
            throw new UnsupportedOperationException("grid_sample: 5-D (volumetric) input is not implemented in Ember "
                    + "(4-D is)");
        }
        if (input.dim() != 4 || grid.dim() != 4) {
            throw new IllegalArgumentException("grid_sampler(): expected 4D input and grid with same number of "
                    + "dimensions, but got input with sizes " + Shapes.str(input.shape()) + " and grid with sizes "
                    + Shapes.str(grid.shape()));
        }
        if (input.size(0) != grid.size(0)) {
            throw new IllegalArgumentException("grid_sampler(): expected grid and input to have same batch size, but got "
                    + "input with sizes " + Shapes.str(input.shape()) + " and grid with sizes " + Shapes.str(grid.shape()));
        }
        if (grid.size(3) != 2) {
            throw new IllegalArgumentException("grid_sampler(): expected grid to have size 2 in last dimension, but got "
                    + "grid with sizes " + Shapes.str(grid.shape()));
        }
        for (int i = 2; i < 4; i++) {
            if (input.size(i) <= 0) {
                throw new IllegalArgumentException("grid_sampler(): expected input to have non-empty spatial dimensions, "
                        + "but input has sizes " + Shapes.str(input.shape()) + " with dimension " + i + " being empty");
            }
        }
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"grid_sampler_2d_cpu\" not implemented for '"
                    + Format.scalarType(input.dtype()) + "'");
        }
    }

    /** PyTorch's {@code linspace_from_neg_one}: -1..1 over {@code steps}, scaled by (steps - 1) / steps without corners. */
    private static Tensor axis(int steps, boolean alignCorners, DType dtype, Device device) {
        if (steps <= 1) {
            return Tensor.zeros(dtype, steps).to(device);
        }
        Tensor range = Creation.linspace(-1, 1, steps, dtype).to(device);
        return alignCorners ? range : range.mul((double) (steps - 1) / steps);
    }

    /**
     * {@code affine_grid_generator(theta, size, align_corners)} for 2-D: the base grid {@code [N, H, W, 3]} (x, y, 1)
     * times theta transposed ({@code AffineGridGeneratorBackward0}, whose backward is the base grid's product with the
     * gradient).
     */
    static Tensor affineGrid(Tensor theta, int[] size, boolean alignCorners) {
        if (!theta.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Expected theta to have floating point type, but got " + theta.dtype());
        }
        if (size.length != 4) {
            if (size.length == 5) {
                throw new UnsupportedOperationException("affine_grid: 3-D (5-D size) affine grids are not implemented in "
                        + "Ember (2-D are)");
            }
            throw new UnsupportedOperationException("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                    + "transforms, respectively. Got size " + Shapes.str(size) + ".");
        }
        if (theta.dim() != 3 || theta.size(-2) != 2 || theta.size(-1) != 3) {
            throw new IllegalArgumentException("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                    + Shapes.str(size) + ". Got " + torchSize(theta.shape()) + ".");
        }
        int min = Integer.MAX_VALUE;
        for (int s : size) {
            min = Math.min(min, s);
        }
        if (min <= 0) {
            throw new IllegalArgumentException("Expected non-zero, positive output size. Got " + Shapes.str(size));
        }
        int n = size[0];
        int h = size[2];
        int w = size[3];
        Tensor base;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor xs = axis(w, alignCorners, theta.dtype(), theta.device()).reshape(1, 1, w, 1).expand(1, h, w, 1);
            Tensor ys = axis(h, alignCorners, theta.dtype(), theta.device()).reshape(1, h, 1, 1).expand(1, h, w, 1);
            Tensor ones = Tensor.ones(theta.dtype(), 1, h, w, 1).to(theta.device());
            base = Tensor.cat(List.of(xs, ys, ones), 3).expand(n, h, w, 3);
            out = base.reshape(n, h * w, 3).bmm(theta.transpose(1, 2)).reshape(n, h, w, 2);
        }
        Tensor b = base;
        return ArithmeticOps.record(out, "AffineGridGeneratorBackward0", new Tensor[] {theta},
                node -> g -> new Tensor[] {b.reshape(n, h * w, 3).transpose(1, 2).bmm(g.reshape(n, h * w, 2))
                        .transpose(1, 2)});
    }

    /** The C++ type name PyTorch prints for a dtype ({@code caffe2::TypeMeta}). */
    private static String typeMeta(DType t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case FLOAT16: return "c10::Half";
            case BFLOAT16: return "c10::BFloat16";
            case INT64: return "long int";
            case INT32: return "int";
            case INT16: return "short int";
            case INT8: return "signed char";
            case UINT8: return "unsigned char";
            default: return "bool";
        }
    }

    private static String torchSize(int[] size) {
        StringBuilder sb = new StringBuilder("torch.Size([");
        for (int i = 0; i < size.length; i++) {
            sb.append(i > 0 ? ", " : "").append(size[i]);
        }
        return sb.append("])").toString();
    }
}
