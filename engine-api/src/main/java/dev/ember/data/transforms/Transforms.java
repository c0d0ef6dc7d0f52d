package dev.ember.data.transforms;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.Arrays;

/**
 * The functional forms of the transforms, as {@code torchvision.transforms.functional} on tensors: images are tensors
 * whose last two dimensions are height and width; leading dimensions (channels, batch) are kept.
 */
public final class Transforms {
    private Transforms() {
    }

    // ---- conversion

    /**
     * A uint8 image as float32 in [0, 1], channels first, as {@code torchvision.transforms.functional.to_tensor} of a
     * numpy array: {@code [H, W]} gives {@code [1, H, W]}; a 3-D image is {@code [H, W, C]} and is permuted to
     * {@code [C, H, W]} unless {@code channelsFirst} says it already is. Other types keep their values (only uint8 is
     * scaled, as torchvision).
     *
     * @throws IllegalArgumentException for a null image, or one that is not 2- or 3-D (torchvision's message)
     */
    public static Tensor toTensor(Tensor image, boolean channelsFirst) {
        require(image, "toTensor", "image");
        if (image.dim() != 2 && image.dim() != 3) {
            throw new IllegalArgumentException("pic should be 2/3 dimensional. Got " + image.dim() + " dimensions.");
        }
        Tensor chw = image.dim() == 2 ? image.unsqueeze(0) : channelsFirst ? image : image.permute(2, 0, 1);
        if (image.dtype() == DType.UINT8) {
            return chw.to(dev.ember.Ember.getDefaultDtype()).div(255.0); // torchvision: the default type
        }
        return chw.contiguous();
    }

    /**
     * {@code (image - mean[c]) / std[c]} for each channel {@code c} (the third dimension from the end), as
     * {@code torchvision.transforms.functional.normalize}; a single mean or std applies to every channel.
     *
     * @throws IllegalArgumentException for a null argument, an image that is not floating point or has fewer than 3
     *     dimensions, a zero std, or means and stds that do not match the channels (torchvision's messages)
     */
    public static Tensor normalize(Tensor image, double[] mean, double[] std, boolean inplace) {
        require(image, "normalize", "image");
        require(mean, "normalize", "mean");
        require(std, "normalize", "std");
        if (!image.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Input tensor should be a float tensor. Got " + image.dtype().torchName() + ".");
        }
        if (image.dim() < 3) {
            throw new IllegalArgumentException("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                    + torchSize(image.shape()));
        }
        Tensor m = Tensor.tensor(mean, image.dtype(), image.device());
        Tensor s = Tensor.tensor(std, image.dtype(), image.device());
        boolean zero = false;
        for (double v : s.toDoubleArray()) {
            zero |= v == 0; // after conversion to the image's type (a half type underflows sooner than float32)
        }
        if (zero) {
            throw new IllegalArgumentException("std evaluated to zero after conversion to " + image.dtype().torchName()
                    + ", leading to division by zero.");
        }
        m = m.view(-1, 1, 1);
        s = s.view(-1, 1, 1);
        int channels = image.size(-3);
        for (double[] v : new double[][] {mean, std}) {
            if (v.length != 1 && v.length != channels) {
                throw new IllegalArgumentException("The size of tensor a (" + channels + ") must match the size of tensor b ("
                        + v.length + ") at non-singleton dimension " + (image.dim() - 3));
            }
        }
        return inplace ? image.sub_(m).div_(s) : image.sub(m).div(s);
    }

    // ---- geometry

    /** The image flipped left to right, as {@code hflip}. */
    public static Tensor hflip(Tensor image) {
        requireImage(image, "hflip");
        return image.flip(-1);
    }

    /**
     * The {@code height x width} window whose top-left pixel is ({@code top}, {@code left}), as {@code crop}: a view
     * when it lies inside the image; parts outside it are zeros.
     *
     * @throws IllegalArgumentException for a null or 0/1-D image, or a negative height or width
     */
    public static Tensor crop(Tensor image, int top, int left, int height, int width) {
        requireImage(image, "crop");
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("crop size must be non-negative, got (" + height + ", " + width + ")");
        }
        int h = image.size(-2);
        int w = image.size(-1);
        long right = (long) left + width;
        long bottom = (long) top + height;
        if (left < 0 || top < 0 || right > w || bottom > h) {
            int padLeft = (int) Math.max(-left + Math.min(0, right), 0);
            int padTop = (int) Math.max(-top + Math.min(0, bottom), 0);
            int padRight = (int) Math.max(right - Math.max(w, left), 0);
            int padBottom = (int) Math.max(bottom - Math.max(h, top), 0);
            Tensor inside = window(image, Math.max(top, 0), (int) Math.min(bottom, h), Math.max(left, 0), (int) Math.min(right, w));
            return pad(inside, new int[] {padLeft, padTop, padRight, padBottom}, 0, PaddingMode.CONSTANT);
        }
        return image.narrow(-2, top, height).narrow(-1, left, width);
    }

    private static Tensor window(Tensor image, int top, int bottom, int left, int right) {
        int h = Math.max(0, bottom - top);
        int w = Math.max(0, right - left);
        return image.narrow(-2, Math.min(top, image.size(-2)), Math.min(h, Math.max(0, image.size(-2) - top)))
                .narrow(-1, Math.min(left, image.size(-1)), Math.min(w, Math.max(0, image.size(-1) - left)));
    }

    /** How {@link #pad} fills the border, as torchvision's {@code padding_mode}. */
    public enum PaddingMode {
        /** The fill value. */
        CONSTANT,
        /** The last pixel of the edge repeated. */
        EDGE,
        /** The image mirrored without repeating the edge pixel ({@code [3 2 | 1 2 3 4 | 3 2]}). */
        REFLECT,
        /** The image mirrored with the edge pixel ({@code [2 1 | 1 2 3 4 | 4 3]}). */
        SYMMETRIC
    }

    /**
     * The image with a border, as {@code torchvision.transforms.functional.pad}: {@code padding} is one value for
     * every side, two (left/right, top/bottom) or four (left, top, right, bottom); a negative value crops.
     *
     * @throws IllegalArgumentException for a null argument, a padding of another length, or a reflection wider than
     *     the image
     */
    public static Tensor pad(Tensor image, int[] padding, double fill, PaddingMode mode) {
        requireImage(image, "pad");
        require(padding, "pad", "padding");
        require(mode, "pad", "padding_mode");
        int l;
        int t;
        int r;
        int b;
        switch (padding.length) {
            case 1: l = t = r = b = padding[0]; break;
            case 2: l = r = padding[0]; t = b = padding[1]; break;
            case 4: l = padding[0]; t = padding[1]; r = padding[2]; b = padding[3]; break;
            default:
                throw new IllegalArgumentException("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                        + padding.length + " element tuple");
        }
        if (mode == PaddingMode.CONSTANT) {
            return image.padNd(new int[] {l, r, t, b}, "constant", fill);
        }
        // the other modes copy pixels: an index along each dimension gives the padded image in any type, exactly
        return image.indexSelect(image.dim() - 2, borderIndex(image.size(-2), t, b, mode, image))
                .indexSelect(image.dim() - 1, borderIndex(image.size(-1), l, r, mode, image));
    }

    private static Tensor borderIndex(int n, int before, int after, PaddingMode mode, Tensor image) {
        long size = (long) n + before + after;
        if (size < 0) {
            throw new IllegalArgumentException("padding (" + before + ", " + after + ") leaves a negative size of a dimension of "
                    + n);
        }
        if (n == 0 && size > 0) {
            throw new IllegalArgumentException("cannot pad an empty dimension with " + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + " padding");
        }
        int limit = mode == PaddingMode.REFLECT ? n - 1 : n;
        if ((before > limit || after > limit) && mode != PaddingMode.EDGE) {
            throw new IllegalArgumentException("Padding size should be less than the corresponding input dimension, but got: "
                    + "padding (" + before + ", " + after + ") at a dimension of size " + n);
        }
        long[] idx = new long[(int) size];
        for (int k = 0; k < idx.length; k++) {
            int i = k - before;
            if (i < 0) {
                i = mode == PaddingMode.EDGE ? 0 : mode == PaddingMode.REFLECT ? -i : -i - 1;
            } else if (i >= n) {
                i = mode == PaddingMode.EDGE ? n - 1 : mode == PaddingMode.REFLECT ? 2 * (n - 1) - i : 2 * n - 1 - i;
            }
            idx[k] = i;
        }
        return Tensor.tensor(idx, DType.INT64, image.device());
    }

    /**
     * The crop ({@code top}, {@code left}, {@code height}, {@code width}) resized to {@code size}, as
     * {@code resized_crop}.
     */
    public static Tensor resizedCrop(Tensor image, int top, int left, int height, int width, int[] size,
            Interpolation interpolation, boolean antialias) {
        return resize(crop(image, top, left, height, width), size, interpolation, null, antialias);
    }

    /**
     * The image resized, as {@code torchvision.transforms.v2.functional.resize} on tensors: {@code size} of one value
     * resizes the shorter edge to it keeping the aspect ratio (the longer edge then at most {@code maxSize}), of two
     * values gives {@code [height, width]}. Bilinear and bicubic are PyTorch's {@code interpolate(mode=...,
     * align_corners=False, antialias=antialias)} on the image's device; torchvision's default is {@code antialias=True}
     * (from 0.17 on, for tensors as for PIL images), which matters only when shrinking. As torchvision's
     * {@code resize_image}, float32 and float64 images are resized in their type, others in float32 and converted
     * back: integer images rounded half to even (torchvision's path without its native uint8 kernel, which may round
     * a value differently by 1), uint8 clamped to [0, 255] first after bicubic, half types only rounded to their type.
     * Nearest modes copy pixels exactly in any type. The image is returned as it is when its size does not change.
     *
     * @throws IllegalArgumentException for a null argument, an image with fewer than 2 dimensions, a size of another
     *     length, a non-positive size, or a maxSize not above a one-value size (torchvision's message)
     */
    public static Tensor resize(Tensor image, int[] size, Interpolation interpolation, Integer maxSize, boolean antialias) {
        requireImage(image, "resize");
        require(size, "resize", "size");
        require(interpolation, "resize", "interpolation");
        int[] out = outputSize(image.size(-2), image.size(-1), size, maxSize);
        int h = image.size(-2);
        int w = image.size(-1);
        int oh = out[0];
        int ow = out[1];
        if (oh == h && ow == w) {
            return image;
        }
        int[] shape = image.shape();
        int[] outShape = shape.clone();
        outShape[shape.length - 2] = oh;
        outShape[shape.length - 1] = ow;
        if (image.numel() == 0) {
            return Tensor.zeros(image.dtype(), outShape).to(image.device());
        }
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("Input and output sizes should be greater than 0, but got input (H: " + h
                    + ", W: " + w + ") output (H: " + oh + ", W: " + ow + ")");
        }
        if (interpolation == Interpolation.NEAREST || interpolation == Interpolation.NEAREST_EXACT) {
            boolean exact = interpolation == Interpolation.NEAREST_EXACT;
            return image.indexSelect(shape.length - 2, nearestIndex(h, oh, exact, image))
                    .indexSelect(shape.length - 1, nearestIndex(w, ow, exact, image));
        }
        // torchvision's resize_image: interpolate float32 and float64 as they are, other types in float32, then
        // (integers) rounded half to even, uint8 clamped first after bicubic, and converted back
        String mode = interpolation == Interpolation.BICUBIC ? "bicubic" : "bilinear";
        DType dtype = image.dtype();
        boolean cast = dtype != DType.FLOAT32 && dtype != DType.FLOAT64;
        Tensor planes = (cast ? image.to(DType.FLOAT32) : image).reshape(-1, 1, h, w);
        Tensor result = Functional.interpolate(planes, new int[] {oh, ow}, null, mode, false, null, antialias)
                .reshape(outShape);
        if (cast) {
            if (interpolation == Interpolation.BICUBIC && dtype == DType.UINT8) {
                result = result.clamp(0, 255);
            }
            if (!dtype.isFloatingPoint()) {
                result = result.round();
            }
            result = result.to(dtype);
        }
        return result;
    }

    /** torchvision's {@code _compute_resized_output_size}: {@code [height, width]}. */
    static int[] outputSize(int h, int w, int[] size, Integer maxSize) {
        checkSize(size, maxSize);
        if (size.length == 2) {
            return new int[] {size[0], size[1]};
        }
        int shortSide = Math.min(h, w);
        int longSide = Math.max(h, w);
        int newShort = size[0];
        int newLong = (int) ((long) newShort * longSide / (double) shortSide);
        if (maxSize != null && newLong > maxSize) {
            newShort = (int) ((double) maxSize * newShort / newLong);
            newLong = maxSize;
        }
        return w <= h ? new int[] {newLong, newShort} : new int[] {newShort, newLong};
    }

    /** torchvision's checks of a resize's size and max_size. */
    static void checkSize(int[] size, Integer maxSize) {
        if (size.length != 1 && size.length != 2) {
            throw new IllegalArgumentException("If size is a sequence, it should have 1 or 2 values");
        }
        for (int s : size) {
            if (s <= 0) {
                throw new IllegalArgumentException("size must be positive, got " + Arrays.toString(size));
            }
        }
        if (size.length == 2 && maxSize != null) {
            throw new IllegalArgumentException("max_size should only be passed if size specifies the length of the smaller "
                    + "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.");
        }
        if (size.length == 1 && maxSize != null && maxSize <= size[0]) {
            throw new IllegalArgumentException("max_size = " + maxSize + " must be strictly greater than the requested "
                    + "size for the smaller edge size = " + Arrays.toString(size));
        }
    }

    /** PyTorch's {@code nearest_idx}: the source index of each output index, computed in float as PyTorch does. */
    private static Tensor nearestIndex(int in, int out, boolean exact, Tensor image) {
        long[] idx = new long[out];
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            if (!exact && out == in) {
                idx[i] = i;
            } else if (!exact && out == 2 * in) {
                idx[i] = i >> 1;
            } else {
                float src = exact ? (float) ((i + 0.5f) * scale) : (float) (i * scale);
                idx[i] = Math.min((long) Math.floor(src), in - 1);
            }
        }
        return Tensor.tensor(idx, DType.INT64, image.device());
    }

    // ---- checks

    static <T> T require(T value, String where, String name) {
        if (value == null) {
            throw new IllegalArgumentException(where + "(): argument '" + name + "' must not be null");
        }
        return value;
    }

    private static void requireImage(Tensor image, String where) {
        require(image, where, "image");
        if (image.dim() < 2) {
            throw new IllegalArgumentException("Expected an image tensor of 2 or more dimensions ([..., H, W]), got "
                    + image.dim());
        }
    }

    /** {@code torch.Size([2, 3])}. */
    static String torchSize(int[] shape) {
        return "torch.Size(" + Arrays.toString(shape) + ")";
    }
}
