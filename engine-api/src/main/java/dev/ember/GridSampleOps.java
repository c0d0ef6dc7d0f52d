package dev.ember;

import dev.ember.backend.CpuCapability;

import java.util.ArrayList;
import java.util.List;

/**
 * Spatial transformers: {@code affine_grid_generator} (2-D and 3-D), {@code grid_sampler_2d} (modes bilinear, nearest
 * and bicubic) and {@code grid_sampler_3d} (bilinear, that is trilinear, and nearest), with padding zeros, border and
 * reflection and both corner conventions: PyTorch's formulas from {@code GridSampler.h}, {@code GridSamplerKernel.cpp}
 * and {@code AffineGridGenerator.cpp}.
 *
 * <p>No kernels of their own: the sample is a gather of the input's neighbouring pixels (4 or 8 corners, one for
 * nearest, the 4 x 4 taps of bicubic with A = -0.75, each tap's position padded on its own as PyTorch's
 * {@code get_value_bounded}), weighted, so it runs on every backend; each op records one node
 * ({@code GridSampler2DBackward0}, {@code GridSampler3DBackward0}, {@code AffineGridGeneratorBackward0}) whose backward
 * is PyTorch's: the gradient scattered back to the input pixels with the same weights, and the gradient of the weights
 * with respect to the sampling position times the position's derivative with respect to the grid (zero where a
 * coordinate was clipped, sign-flipped where it was reflected, zero for nearest; bicubic's only through the
 * unnormalizing scale). As in PyTorch, the grid sampler's backward is not differentiable again (its gradients carry a
 * NotImplemented node that raises "derivative for aten::grid_sampler_2d_backward is not implemented"); affine_grid's
 * is.
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
     * {@code grid_sampler_compute_source_index_set_grad}: unnormalize from [-1, 1] ({@code grid_sampler_unnormalize}),
     * then {@link #pad}.
     */
    private static Source source(Tensor g, int size, int padding, boolean alignCorners, boolean twoD) {
        return pad(unnormalize(g, size, alignCorners, twoD), g.fullLike(scale(size, alignCorners)), size, padding,
                alignCorners);
    }

    /**
     * {@code grid_sampler_unnormalize}: -1 and 1 at the corner pixels' centres, or at their outer edges. On the CPU
     * a 2-D grid of float32 or float64 takes the vectorized kernel's {@code ComputeLocationBase::unnormalize} instead,
     * {@code (g + 1) * (size / 2) - 0.5} ({@code (g + 1) * ((size - 1) / 2)} with align_corners), whose product and
     * difference GCC fuses where the build has FMA (every capability but DEFAULT): the rounding decides on which side of
     * a pixel centre a point falls (the identity grid's points are centres or a rounding off them), and the floor with
     * it the neighbours, whose difference is the gradient with respect to the grid.
     */
    private static Tensor unnormalize(Tensor g, int size, boolean alignCorners, boolean twoD) {
        boolean kernel = twoD && g.device().isCpu() && (g.dtype() == DType.FLOAT64 || g.dtype() == DType.FLOAT32);
        if (!kernel) {
            return alignCorners ? g.add(1.0).div(2.0).mul((double) (size - 1))
                    : g.add(1.0).mul((double) size).sub(1.0).div(2.0);
        }
        if (alignCorners) {
            return g.add(1.0).mul((size - 1) / 2.0);
        }
        boolean fma = CpuCapability.fusesMultiplyAdd(CpuCapability.value());
        Tensor x = g.add(1.0);
        if (g.dtype() == DType.FLOAT64) {
            double s = size / 2.0;
            return x.apply_(a -> CpuCapability.mulAdd(fma, a, s, -0.5));
        }
        float s = (float) size / 2;
        return x.apply_(a -> CpuCapability.mulAdd(fma, (float) a, s, -0.5f));
    }

    /** The derivative of {@link #unnormalize} with respect to the normalized coordinate. */
    private static double scale(int size, boolean alignCorners) {
        return alignCorners ? (size - 1) / 2.0 : size / 2.0;
    }

    /**
     * {@code compute_coordinates} with its gradient: clip (border) or reflect and clip (reflection) a source
     * coordinate, carrying {@code mult}, its derivative; non-finite coordinates become -100 (out of range), as
     * {@code safe_downgrade_to_int_range}.
     */
    private static Source pad(Tensor coord, Tensor mult, int size, int padding, boolean alignCorners) {
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

    /**
     * The neighbour at integral positions {@code pos} (x, y[, z]) of an image of {@code spatial} sizes ([D,] H, W): its
     * index within the flattened plane or volume.
     */
    private static Corner corner(Tensor[] pos, int[] spatial) {
        int k = pos.length;
        Tensor inside = null;
        Tensor index = null;
        for (int i = k - 1; i >= 0; i--) {
            int size = spatial[k - 1 - i];
            Tensor in = pos[i].ge(0L).logicalAnd(pos[i].lt((long) size));
            inside = inside == null ? in : inside.logicalAnd(in);
            Tensor p = pos[i].clamp(0.0, size - 1.0);
            index = index == null ? p : index.mul((double) size).add(p);
        }
        return new Corner(index.toLong(), inside);
    }

    /** The input's values at a corner, {@code [N, C, points]}: a gather over the flattened plane. */
    private static Tensor gather(Tensor flat, Corner c) {
        int n = flat.size(0);
        int ch = flat.size(1);
        int points = c.index().size(1);
        Tensor idx = c.index().reshape(n, 1, points).expand(n, ch, points);
        return flat.gather(2, idx);
    }

    /**
     * The interpolation geometry of a grid: for bilinear (trilinear) the 2^k corners and their weights, for nearest one
     * corner, for bicubic the 16 taps and the cubic coefficients of each axis.
     */
    private static final class Geometry {
        final List<Corner> corners = new ArrayList<>();
        final List<Tensor> weights = new ArrayList<>();
        /** Derivatives of each weight with respect to each source coordinate (bilinear only). */
        final List<Tensor[]> derivs = new ArrayList<>();
        Source[] sources;
        /** Bicubic: the coefficients along x and y, their derivatives (PyTorch's signs), and the unnormalizing scales. */
        Tensor[] cx;
        Tensor[] cy;
        Tensor[] gcx;
        Tensor[] gcy;
        double multX;
        double multY;
        Tensor finite;
    }

    /** The grid's coordinate {@code i} (x, y, z) as {@code [N, points]}. */
    private static Tensor coordinate(Tensor grid, int i) {
        int k = grid.dim() - 2;
        return grid.select(k + 1, i).reshape(grid.size(0), points(grid));
    }

    /** The number of sampling points of each batch entry of a grid. */
    private static int points(Tensor grid) {
        return volume(java.util.Arrays.copyOfRange(grid.shape(), 1, grid.dim() - 1));
    }

    private static Geometry geometry(Tensor grid, int[] spatial, int mode, int padding, boolean alignCorners) {
        if (mode == 2) {
            return bicubicGeometry(grid, spatial, padding, alignCorners);
        }
        Geometry geo = new Geometry();
        int k = spatial.length;
        geo.sources = new Source[k];
        Tensor[] c = new Tensor[k];
        Tensor finite = null;
        for (int i = 0; i < k; i++) {
            geo.sources[i] = source(coordinate(grid, i), spatial[k - 1 - i], padding, alignCorners, k == 2);
            c[i] = geo.sources[i].coord();
            finite = finite == null ? geo.sources[i].finite() : finite.logicalAnd(geo.sources[i].finite());
        }
        geo.finite = finite;
        if (mode == 1) {
            Tensor[] pos = new Tensor[k];
            for (int i = 0; i < k; i++) {
                pos[i] = c[i].round();
            }
            geo.corners.add(corner(pos, spatial));
            geo.weights.add(c[0].onesLike());
            return geo;
        }
        Tensor[] lowPos = new Tensor[k];
        Tensor[] highPos = new Tensor[k];
        Tensor[] low = new Tensor[k]; // the weight of the lower neighbour: ix_se - ix
        Tensor[] high = new Tensor[k]; // of the upper: ix - ix_nw
        for (int i = 0; i < k; i++) {
            lowPos[i] = c[i].floor();
            highPos[i] = lowPos[i].add(1.0);
            low[i] = highPos[i].sub(c[i]);
            high[i] = c[i].sub(lowPos[i]);
        }
        // PyTorch's order: x fastest, then y, then z (nw, ne, sw, se; tnw .. bse)
        for (int combo = 0; combo < 1 << k; combo++) {
            Tensor[] pos = new Tensor[k];
            Tensor weight = null;
            for (int i = 0; i < k; i++) {
                boolean up = (combo >> i & 1) == 1;
                pos[i] = up ? highPos[i] : lowPos[i];
                Tensor f = up ? high[i] : low[i];
                weight = weight == null ? f : weight.mul(f);
            }
            Tensor[] d = new Tensor[k];
            for (int i = 0; i < k; i++) {
                Tensor prod = null;
                for (int j = 0; j < k; j++) {
                    if (j != i) {
                        Tensor f = (combo >> j & 1) == 1 ? high[j] : low[j];
                        prod = prod == null ? f : prod.mul(f);
                    }
                }
                d[i] = (combo >> i & 1) == 1 ? prod : prod.neg();
            }
            geo.corners.add(corner(pos, spatial));
            geo.weights.add(weight);
            geo.derivs.add(d);
        }
        return geo;
    }

    /**
     * Bicubic (4-D): the source position unnormalized without padding, its floor and fraction, and the 4 x 4 taps
     * around it, each tap's position padded by {@code compute_coordinates} ({@code get_value_bounded}); the taps are
     * stored row by row (y outer, x inner) and their cubic-convolution coefficients (A = -0.75) per axis.
     */
    private static Geometry bicubicGeometry(Tensor grid, int[] spatial, int padding, boolean alignCorners) {
        Geometry geo = new Geometry();
        int h = spatial[0];
        int w = spatial[1];
        Tensor ix = unnormalize(coordinate(grid, 0), w, alignCorners, true);
        Tensor iy = unnormalize(coordinate(grid, 1), h, alignCorners, true);
        geo.finite = ix.isfinite().logicalAnd(iy.isfinite());
        geo.multX = scale(w, alignCorners);
        geo.multY = scale(h, alignCorners);
        Tensor x0 = ix.floor();
        Tensor y0 = iy.floor();
        Tensor tx = ix.sub(x0);
        Tensor ty = iy.sub(y0);
        geo.cx = cubicCoefficients(tx);
        geo.cy = cubicCoefficients(ty);
        geo.gcx = cubicCoefficientsGrad(tx);
        geo.gcy = cubicCoefficientsGrad(ty);
        for (int i = 0; i < 4; i++) {
            Tensor py = pad(y0.add(i - 1.0), y0, h, padding, alignCorners).coord();
            for (int j = 0; j < 4; j++) {
                Tensor px = pad(x0.add(j - 1.0), x0, w, padding, alignCorners).coord();
                geo.corners.add(corner(new Tensor[] {px, py}, spatial));
            }
        }
        return geo;
    }

    /** PyTorch's vectorized {@code get_cubic_coefficients} (A = -0.75) of the fraction {@code t}. */
    private static Tensor[] cubicCoefficients(Tensor t) {
        Tensor x0 = t.add(1.0);
        Tensor x2 = t.neg().add(1.0);
        Tensor x3 = t.neg().add(2.0);
        return new Tensor[] {conv2(x0), conv1(t), conv1(x2), conv2(x3)};
    }

    /** {@code ((A + 2) x - (A + 3)) x x + 1}, for |x| at most 1. */
    private static Tensor conv1(Tensor x) {
        return x.mul(1.25).sub(2.25).mul(x).mul(x).add(1.0);
    }

    /** {@code ((A x - 5 A) x + 8 A) x - 4 A}, for |x| between 1 and 2. */
    private static Tensor conv2(Tensor x) {
        return x.mul(-0.75).sub(-3.75).mul(x).add(-6.0).mul(x).sub(-3.0);
    }

    /**
     * PyTorch's {@code get_cubic_coefficients_grad}: the coefficients' derivatives with respect to the distances
     * {@code -1 - t}, {@code -t}, {@code 1 - t}, {@code 2 - t} (so the negatives of their derivatives in {@code t}; the
     * backward subtracts them).
     */
    private static Tensor[] cubicCoefficientsGrad(Tensor t) {
        Tensor x0 = t.neg().sub(1.0);
        Tensor x1 = t.neg();
        Tensor x2 = t.neg().add(1.0);
        Tensor x3 = t.neg().add(2.0);
        return new Tensor[] {x0.mul(2.25).sub(-7.5).mul(x0).sub(-6.0), x1.mul(-3.75).sub(4.5).mul(x1),
            x2.mul(3.75).sub(4.5).mul(x2), x3.mul(-2.25).sub(-7.5).mul(x3).add(-6.0)};
    }

    private static int[] spatial(Tensor input) {
        return java.util.Arrays.copyOfRange(input.shape(), 2, input.dim());
    }

    /**
     * {@code grid_sampler_2d} / {@code grid_sampler_3d(input, grid, mode, padding, align_corners)} after PyTorch's
     * checks.
     */
    static Tensor gridSample(Tensor input, Tensor grid, String modeName, String paddingName, boolean alignCorners) {
        int mode = mode(modeName);
        int padding = padding(paddingName);
        // aten::grid_sampler is on PyTorch's autocast lists: fp32 on CPU, promote on CUDA (autocast_mode.cpp)
        if (Autocast.on()) {
            return Autocast.apply("grid_sampler", t -> gridSample(t[0], t[1], modeName, paddingName, alignCorners),
                    input, grid);
        }
        check(input, grid, mode);
        int k = input.dim() - 2;
        int[] outShape = new int[k + 2];
        outShape[0] = input.size(0);
        outShape[1] = input.size(1);
        for (int i = 0; i < k; i++) {
            outShape[i + 2] = grid.size(i + 1);
        }
        // float16 and bfloat16 are computed in float32 and rounded once, as PyTorch's CUDA kernels do (opmath_t).
        // PyTorch 1.13's CPU kernels refuse them ("grid_sampler_2d_cpu" not implemented for 'Half'); 2.x's CPU kernels
        // take them but compute in Vectorized<Half> (each step rounded): Ember follows the CUDA kernels on every device.
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = ReductionOps.narrowedBack(sample(ReductionOps.opmath(input), ReductionOps.opmath(grid), mode, padding,
                    alignCorners).reshape(outShape), input.dtype());
        }
        String name = k == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0";
        return ArithmeticOps.record(out, name, new Tensor[] {input, grid}, node -> {
            SavedTensor si = node.save(input);
            SavedTensor sg = node.save(grid);
            return g -> backward(g, si.get(), sg.get(), mode, padding, alignCorners);
        });
    }

    private static Tensor sample(Tensor input, Tensor grid, int mode, int padding, boolean alignCorners) {
        int n = input.size(0);
        int c = input.size(1);
        int[] spatial = spatial(input);
        Geometry geo = geometry(grid, spatial, mode, padding, alignCorners);
        Tensor flat = input.reshape(n, c, volume(spatial));
        Tensor out = null;
        if (mode == 2) {
            for (int i = 0; i < 4; i++) {
                Tensor row = null;
                for (int j = 0; j < 4; j++) {
                    Corner corner = geo.corners.get(4 * i + j);
                    Tensor term = Tensor.where(corner.inside().unsqueeze(1), gather(flat, corner), 0.0)
                            .mul(geo.cx[j].unsqueeze(1));
                    row = row == null ? term : row.add(term);
                }
                Tensor term = row.mul(geo.cy[i].unsqueeze(1));
                out = out == null ? term : out.add(term);
            }
        } else {
            for (int k = 0; k < geo.corners.size(); k++) {
                Corner corner = geo.corners.get(k);
                Tensor weight = Tensor.where(corner.inside(), geo.weights.get(k), 0.0).unsqueeze(1);
                Tensor term = Tensor.where(corner.inside().unsqueeze(1), gather(flat, corner), 0.0).mul(weight);
                out = out == null ? term : out.add(term);
            }
        }
        // PyTorch's 2-D CPU kernel gives NaN where a coordinate is not finite (its vectorized bilinear and bicubic
        // weights carry it; nearest takes no weights: such a point is outside the image, 0); PyTorch's CUDA kernel
        // treats such a point as outside the image, as its 3-D CPU kernel does
        return spatial.length == 2 && mode != 1 ? Tensor.where(geo.finite.unsqueeze(1), out, Double.NaN) : out;
    }

    private static int volume(int[] spatial) {
        int v = 1;
        for (int s : spatial) {
            v *= s;
        }
        return v;
    }

    /**
     * {@code grid_sampler_{2,3}d_backward}: the gradient scattered back to the input with the forward's weights, and the
     * grid's gradient from the weights' derivatives. Computed under no_grad and recorded as PyTorch's NotImplemented
     * node: differentiating it again raises PyTorch's error.
     */
    private static Tensor[] backward(Tensor g, Tensor input, Tensor grid, int mode, int padding, boolean alignCorners) {
        Tensor[] grads;
        try (GradMode off = Ember.noGrad()) {
            grads = gradients(ReductionOps.opmath(g), ReductionOps.opmath(input.detach()),
                    ReductionOps.opmath(grid.detach()), mode, padding, alignCorners);
            grads[0] = ReductionOps.narrowedBack(grads[0], input.dtype());
            grads[1] = ReductionOps.narrowedBack(grads[1], grid.dtype());
        }
        String op = input.dim() == 4 ? "grid_sampler_2d_backward" : "grid_sampler_3d_backward";
        Tensor[] in = {g, input, grid};
        for (int i = 0; i < 2; i++) {
            grads[i] = ArithmeticOps.record(grads[i], "NotImplemented", in, nd -> gg -> {
                throw new IllegalStateException("derivative for aten::" + op + " is not implemented");
            });
        }
        return grads;
    }

    private static Tensor[] gradients(Tensor g, Tensor input, Tensor grid, int mode, int padding, boolean alignCorners) {
        int n = input.size(0);
        int c = input.size(1);
        int[] spatial = spatial(input);
        int k = spatial.length;
        int vol = volume(spatial);
        Geometry geo = geometry(grid, spatial, mode, padding, alignCorners);
        int points = points(grid);
        Tensor gOut = g.reshape(n, c, points);
        Tensor flat = input.reshape(n, c, vol);
        Tensor gInput = Tensor.zeros(input.dtype(), n, c, vol).to(input.device());
        Tensor[] gc = new Tensor[k];
        for (int t = 0; t < geo.corners.size(); t++) {
            Corner corner = geo.corners.get(t);
            Tensor inside = corner.inside().unsqueeze(1);
            Tensor weight = mode == 2 ? geo.cx[t % 4].mul(geo.cy[t / 4]) : geo.weights.get(t);
            weight = Tensor.where(inside, weight.unsqueeze(1), 0.0);
            Tensor idx = corner.index().reshape(n, 1, points).expand(n, c, points);
            gInput = IndexingOps.scatterAddIntoNew(gInput, 2, idx, gOut.mul(weight)); // in place: gInput is its own
            if (mode == 1) {
                continue;
            }
            // sum over channels of g * value, times the weight's derivatives
            Tensor v = Tensor.where(inside, gather(flat, corner), 0.0).mul(gOut).sum(new int[] {1}, false);
            Tensor[] d = mode == 2 ? new Tensor[] {geo.gcx[t % 4].mul(geo.cy[t / 4]).neg(),
                geo.gcy[t / 4].mul(geo.cx[t % 4]).neg()} : geo.derivs.get(t);
            for (int i = 0; i < k; i++) {
                Tensor term = v.mul(d[i]);
                gc[i] = gc[i] == null ? term : gc[i].add(term);
            }
        }
        Tensor gGrid;
        if (mode == 1) {
            gGrid = grid.zerosLike();
        } else {
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Tensor mult = mode == 2 ? null : geo.sources[i].mult();
                parts.add(mode == 2 ? gc[i].mul(i == 0 ? geo.multX : geo.multY) : gc[i].mul(mult));
            }
            if (k == 2 && padding == 0) {
                // PyTorch's 2-D CPU backward (zeros padding) carries a non-finite coordinate into its vectorized weights'
                // distances: bilinear's x gradient takes the y distances (NaN where y is not finite) and its y gradient
                // the x distances; bicubic's both take both coefficient sets (NaN where either is not finite)
                for (int i = 0; i < 2; i++) {
                    Tensor finite = mode == 2 ? geo.finite : geo.sources[1 - i].finite();
                    parts.set(i, Tensor.where(finite, parts.get(i), Double.NaN));
                }
            }
            gGrid = Tensor.stack(parts, 2).reshape(grid.shape());
        }
        return new Tensor[] {gInput.reshape(input.shape()), gGrid};
    }

    /**
     * PyTorch's {@code check_grid_sampler_common}, then {@code check_grid_sampler_2d} (a 4-D input) or
     * {@code check_grid_sampler_3d} (any other), in order.
     */
    private static void check(Tensor input, Tensor grid, int mode) {
        if (!input.device().equals(grid.device())) {
            throw new IllegalArgumentException("grid_sampler(): expected input and grid to be on same device, but input "
                    + "is on " + input.device() + " and grid is on " + grid.device());
        }
        if (input.dtype() != grid.dtype()) {
            throw new IllegalArgumentException("grid_sampler(): expected input and grid to have same dtype, but input has "
                    + typeMeta(input.dtype()) + " and grid has " + typeMeta(grid.dtype()));
        }
        if (input.dim() < 1 || grid.dim() < 1 || input.size(0) != grid.size(0)) {
            throw new IllegalArgumentException("grid_sampler(): expected grid and input to have same batch size, but got "
                    + "input with sizes " + Shapes.str(input.shape()) + " and grid with sizes " + Shapes.str(grid.shape()));
        }
        if (grid.size(-1) != input.dim() - 2) {
            throw new IllegalArgumentException("grid_sampler(): expected grid to have size " + (input.dim() - 2) + " in last "
                    + "dimension, but got grid with sizes " + Shapes.str(grid.shape()));
        }
        for (int i = 2; i < input.dim(); i++) {
            if (input.size(i) <= 0) {
                throw new IllegalArgumentException("grid_sampler(): expected input to have non-empty spatial dimensions, "
                        + "but input has sizes " + Shapes.str(input.shape()) + " with dimension " + i + " being empty");
            }
        }
        int d = input.dim() == 4 ? 4 : 5;
        if (input.dim() != d || grid.dim() != d) {
            throw new IllegalArgumentException("grid_sampler(): expected " + d + "D input and grid with same number of "
                    + "dimensions, but got input with sizes " + Shapes.str(input.shape()) + " and grid with sizes "
                    + Shapes.str(grid.shape()));
        }
        if (d == 5 && mode == 2) {
            throw new IllegalArgumentException("grid_sampler(): bicubic interpolation only supports 4D input");
        }
        if (!input.dtype().isFloatingPoint()) {
            throw Refusals.notImplemented(d == 4 ? "grid_sampler_2d_cpu" : "grid_sampler3d_cpu", input.dtype());
        }
    }

    /** PyTorch's {@code linspace_from_neg_one}: -1..1 over {@code steps}, scaled by (steps - 1) / steps without corners. */
    private static Tensor axis(int steps, boolean alignCorners, DType dtype, Device device) {
        if (steps <= 1) {
            return Tensor.zeros(dtype, steps).to(device);
        }
        Tensor range = Creation.linspace(-1, 1, steps, dtype).to(device);
        // ATen's linspace_from_neg_one: range * (num_steps - 1) / num_steps, two roundings (not one product by the
        // rounded ratio): the identity transform's grid then lands on the pixel centres exactly where PyTorch's does,
        // and grid_sample's gradient, which jumps across a centre, follows PyTorch's
        return alignCorners ? range : range.mul(steps - 1).div(steps);
    }

    /**
     * {@code affine_grid_generator(theta, size, align_corners)}: the base grid {@code [N, H, W, 3]} (x, y, 1) or
     * {@code [N, D, H, W, 4]} (x, y, z, 1) times theta transposed ({@code AffineGridGeneratorBackward0}, whose backward
     * is the base grid's product with the gradient), after {@code F.affine_grid}'s checks.
     */
    static Tensor affineGrid(Tensor theta, int[] size, boolean alignCorners) {
        if (!theta.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Expected theta to have floating point type, but got " + theta.dtype());
        }
        if (size.length != 4 && size.length != 5) {
            throw new UnsupportedOperationException("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                    + "transforms, respectively. Got size " + Shapes.str(size) + ".");
        }
        int k = size.length - 2;
        if (theta.dim() != 3 || theta.size(-2) != k || theta.size(-1) != k + 1) {
            throw new IllegalArgumentException("Expected a batch of " + k + "D affine matrices of shape Nx" + k + "x" + (k + 1)
                    + " for size " + Shapes.str(size) + ". Got " + torchSize(theta.shape()) + ".");
        }
        int min = Integer.MAX_VALUE;
        int minSpatial = Integer.MAX_VALUE;
        for (int i = 0; i < size.length; i++) {
            min = Math.min(min, size[i]);
            if (i >= 2) {
                minSpatial = Math.min(minSpatial, size[i]);
            }
        }
        // F.affine_grid only warns (and checks nothing more) for a unit-size grid with align_corners
        if (!(alignCorners && minSpatial == 1) && min <= 0) {
            throw new IllegalArgumentException("Expected non-zero, positive output size. Got " + Shapes.str(size));
        }
        // then affine_grid_generator allocates its base grid [N, *spatial, k + 1] (the channels are not in it)
        int[] baseGrid = new int[k + 2];
        baseGrid[0] = size[0];
        System.arraycopy(size, 2, baseGrid, 1, k);
        baseGrid[k + 1] = k + 1;
        for (int v : baseGrid) {
            if (v < 0) {
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + v + ": "
                        + Shapes.str(baseGrid));
            }
        }
        int n = size[0];
        int[] sp = java.util.Arrays.copyOfRange(size, 2, size.length);
        int pts = volume(sp);
        int[] outShape = new int[k + 2];
        outShape[0] = n;
        System.arraycopy(sp, 0, outShape, 1, k);
        outShape[k + 1] = k;
        Tensor base;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // x along the last spatial axis, y the one before, z the first; then ones
            List<Tensor> cols = new ArrayList<>();
            int[] full = new int[k + 2];
            full[0] = 1;
            System.arraycopy(sp, 0, full, 1, k);
            full[k + 1] = 1;
            for (int i = 0; i < k; i++) {
                int ax = k - i; // the grid dimension this coordinate varies along
                int[] shape = new int[k + 2];
                java.util.Arrays.fill(shape, 1);
                shape[ax] = size[size.length - 1 - i];
                cols.add(axis(size[size.length - 1 - i], alignCorners, theta.dtype(), theta.device()).reshape(shape)
                        .expand(full));
            }
            cols.add(Tensor.ones(theta.dtype(), full).to(theta.device()));
            int[] baseShape = outShape.clone();
            baseShape[k + 1] = k + 1;
            base = Tensor.cat(cols, k + 1).expand(baseShape);
            out = base.reshape(n, pts, k + 1).bmm(theta.transpose(1, 2)).reshape(outShape);
        }
        Tensor b = base;
        return ArithmeticOps.record(out, "AffineGridGeneratorBackward0", new Tensor[] {theta},
                node -> g -> new Tensor[] {b.reshape(n, pts, k + 1).transpose(1, 2).bmm(g.reshape(n, pts, k))
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
