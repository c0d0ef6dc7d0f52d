package dev.ember;

import dev.ember.data.transforms.Compose;
import dev.ember.data.transforms.Interpolation;
import dev.ember.data.transforms.Normalize;
import dev.ember.data.transforms.RandomCrop;
import dev.ember.data.transforms.RandomHorizontalFlip;
import dev.ember.data.transforms.RandomResizedCrop;
import dev.ember.data.transforms.Resize;
import dev.ember.data.transforms.ToTensor;
import dev.ember.data.transforms.Transforms;
import dev.ember.data.transforms.Transforms.PaddingMode;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image transforms of {@code dev.ember.data.transforms} against references computed by
 * {@code data/make_expected.py} (torchvision's algorithms mirrored with PyTorch ops; torchvision is not installed for
 * the script's Python), and the random transforms' draws (seeded, checked by their distribution).
 */
class DataTransformsTest {
    private static final PyTorchCases CASES = new PyTorchCases("/data/expected.txt");

    /** The script's fimg: ((arange(n) * 37) % 101) / 100 as float32. */
    static Tensor fimg(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((i * 37L) % 101) / 100f;
        }
        return Tensor.tensor(v, DType.FLOAT32).reshape(shape);
    }

    /** The script's uimg: (arange(n) * 37 + 11) % 256 as uint8. */
    static Tensor uimg(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) ((i * 37L + 11) % 256);
        }
        return Tensor.tensor(v, DType.UINT8).reshape(shape);
    }

    /** Shape, type and values (within {@code tol}) against a case of the script. */
    static void check(String key, Tensor actual, double tol) {
        assertEquals(CASES.field(key, "shape"), Arrays.toString(actual.shape()), key + ": shape");
        assertEquals(CASES.field(key, "dtype"), actual.dtype().torchName(), key + ": dtype");
        double[] want = PyTorchCases.numbers(CASES.field(key, "values"));
        double[] got = actual.toDoubleArray();
        assertEquals(want.length, got.length, key);
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(want[i] - got[i]);
            if (!(d <= tol * Math.max(1, Math.abs(want[i])))) {
                throw new AssertionError(key + ": element " + i + " is " + got[i] + ", PyTorch " + want[i]);
            }
        }
    }

    private static void fails(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, key);
        assertEquals(CASES.error(key), e.getMessage(), key);
    }

    @Test
    void toTensorAndNormalize() {
        check("to_tensor_hw", new ToTensor().apply(uimg(5, 6)), 0);
        check("to_tensor_hwc", new ToTensor().apply(uimg(5, 6, 3)), 0);
        // already CHW: only the scaling
        Tensor chw = uimg(3, 5, 6);
        assertArrayEquals(chw.toFloat().div(255.0).toFloatArray(), ToTensor.chw().apply(chw).toFloatArray());
        // other types keep their values, as torchvision's ToTensor of a float array
        Tensor f = fimg(4, 5);
        assertArrayEquals(f.toFloatArray(), new ToTensor().apply(f).toFloatArray());
        assertEquals("pic should be 2/3 dimensional. Got 4 dimensions.", assertThrows(IllegalArgumentException.class,
                () -> new ToTensor().apply(uimg(1, 2, 3, 4))).getMessage());

        check("normalize", new Normalize(new double[] {0.5, 0.25, 0.1}, new double[] {0.2, 0.5, 2.0}).apply(fimg(3, 4, 5)), 1e-6);
        check("normalize_one", new Normalize(new double[] {0.5}, new double[] {0.3}).apply(fimg(2, 3, 4).to(DType.FLOAT64)), 1e-12);
        Tensor u = uimg(3, 4, 5);
        fails("normalize_uint8", () -> Transforms.normalize(u, new double[] {0.5}, new double[] {0.5}, false));
        fails("normalize_2d", () -> Transforms.normalize(fimg(4, 5), new double[] {0.5}, new double[] {0.5}, false));
        Tensor img = fimg(3, 4, 5);
        float[] before = img.toFloatArray();
        fails("normalize_zero_std", () -> Transforms.normalize(img, new double[] {0.5}, new double[] {1e-50}, true));
        // 1e-8 is zero only once converted to float16: PyTorch checks the converted std
        Tensor half = fimg(3, 4, 5).to(DType.FLOAT16);
        fails("normalize_zero_std_half", () -> Transforms.normalize(half, new double[] {0.5}, new double[] {1e-8}, false));
        check("normalize_half", Transforms.normalize(half, new double[] {0.5, 0.25, 0.1}, new double[] {0.2, 0.5, 2.0},
                false), 0);
        fails("normalize_channels", () -> Transforms.normalize(img, new double[] {0.5, 0.2}, new double[] {1, 1}, true));
        assertArrayEquals(before, img.toFloatArray(), "an error leaves the image as it was");
        assertEquals(0, img.version());
        // in place: the same tensor, written
        Tensor out = new Normalize(new double[] {0.5}, new double[] {2}, true).apply(img);
        assertSame(img, out);
        assertEquals((before[7] - 0.5f) / 2f, img.toFloatArray()[7], 1e-7);
    }

    @Test
    void resizeMatchesTorchvision() {
        Object[][] images = {{"f", fimg(3, 10, 12), 1e-5}, {"d", fimg(2, 9, 11).to(DType.FLOAT64), 1e-12},
            // torchvision's native uint8 kernel (AVX2 CPUs) rounds differently by at most 1 from its float path
            {"u", uimg(3, 10, 12), 1.0}};
        int[][] sizes = {{4, 5}, {13, 17}, {7}, {10, 5}, {3, 12}};
        for (Object[] im : images) {
            for (int[] size : sizes) {
                for (boolean aa : new boolean[] {true, false}) {
                    String key = "resize_" + im[0] + "_" + String.join("x", Arrays.stream(size).mapToObj(String::valueOf)
                            .toArray(String[]::new)) + (aa ? "_aa" : "_plain");
                    Tensor got = new Resize(size, Interpolation.BILINEAR, null, aa).apply((Tensor) im[1]);
                    check(key, got, (double) im[2]);
                }
            }
        }
        // half images: resized in float32 and rounded to their type only (they were rounded to integers before);
        // a tolerance of one unit in the last place of the type at 1
        for (boolean aa : new boolean[] {true, false}) {
            String suffix = aa ? "_aa" : "_plain";
            check("resize_h_4x5" + suffix, new Resize(new int[] {4, 5}, Interpolation.BILINEAR, null, aa)
                    .apply(fimg(3, 10, 12).to(DType.FLOAT16)), 1e-3);
            check("resize_b_4x5" + suffix, new Resize(new int[] {4, 5}, Interpolation.BILINEAR, null, aa)
                    .apply(fimg(3, 10, 12).to(DType.BFLOAT16)), 8e-3);
        }
        for (Object[] im : images) {
            for (int[] size : new int[][] {{4, 5}, {13, 17}, {3, 12}}) {
                for (boolean aa : new boolean[] {true, false}) {
                    String key = "resize_bicubic_" + im[0] + "_" + size[0] + "x" + size[1] + (aa ? "_aa" : "_plain");
                    check(key, new Resize(size, Interpolation.BICUBIC, null, aa).apply((Tensor) im[1]), (double) im[2]);
                }
            }
        }
        // non-contiguous input, [H, W] input (torchvision wants 3-D: the script resizes it as [1, 1, H, W])
        check("resize_t_4x5_aa", new Resize(4, 5).apply(fimg(3, 12, 10).transpose(1, 2)), 1e-5);
        check("resize_2d_6x7_aa", new Resize(6, 7).apply(fimg(10, 12)), 1e-5);
        int[][] nearest = {{4, 5}, {13, 20}, {14, 18}, {7, 9}};
        for (int[] size : nearest) {
            String s = size[0] + "x" + size[1];
            check("resize_nearest_" + s, new Resize(size, Interpolation.NEAREST, null, true).apply(uimg(2, 7, 9)), 0);
            check("resize_nearest_exact_" + s, new Resize(size, Interpolation.NEAREST_EXACT, null, true).apply(uimg(2, 7, 9)), 0);
        }
        check("resize_shorter_7", new Resize(7).apply(fimg(1, 10, 15)), 1e-5);
        check("resize_shorter_7_tall", new Resize(7).apply(fimg(1, 15, 10)), 1e-5);
        // nearest copies int64 values exactly (no trip through floating point)
        Tensor big = Tensor.tensor(new long[] {Long.MAX_VALUE, -3, 1L << 60, 7}).reshape(2, 2);
        assertArrayEquals(new long[] {Long.MAX_VALUE, Long.MAX_VALUE, -3, -3, 1L << 60, 1L << 60, 7, 7},
                new Resize(new int[] {2, 4}, Interpolation.NEAREST, null, false).apply(big).toLongArray());
        // the same size: the image itself
        Tensor same = fimg(1, 4, 4);
        assertSame(same, new Resize(4).apply(same));
        // an empty batch of images
        assertArrayEquals(new int[] {0, 3, 2, 2}, new Resize(2, 2).apply(Tensor.zeros(0, 3, 5, 5)).shape());
        // max_size bounds the longer edge
        assertArrayEquals(new int[] {1, 6, 9}, new Resize(new int[] {7}, Interpolation.BILINEAR, 9, true)
                .apply(fimg(1, 10, 15)).shape());
        assertEquals("max_size = 7 must be strictly greater than the requested size for the smaller edge size = [7]",
                assertThrows(IllegalArgumentException.class, () -> new Resize(new int[] {7}, Interpolation.BILINEAR, 7, true))
                        .getMessage());
        assertEquals("max_size should only be passed if size specifies the length of the smaller edge, i.e. size should be "
                + "an int or a sequence of length 1 in torchscript mode.", assertThrows(IllegalArgumentException.class,
                        () -> new Resize(new int[] {7, 8}, Interpolation.BILINEAR, 9, true)).getMessage());
        assertEquals("If size is a sequence, it should have 1 or 2 values", assertThrows(IllegalArgumentException.class,
                () -> new Resize(new int[] {1, 2, 3}, Interpolation.BILINEAR, null, true)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Resize(0));
        assertThrows(IllegalArgumentException.class, () -> new Resize(3).apply(Tensor.zeros(5)));
    }

    @Test
    void padCropFlip() {
        Tensor u = uimg(2, 4, 5);
        for (PaddingMode mode : PaddingMode.values()) {
            String m = mode.name().toLowerCase(java.util.Locale.ROOT);
            check("pad_" + m + "_1", Transforms.pad(u, new int[] {1}, 7, mode), 0);
            check("pad_" + m + "_2", Transforms.pad(u, new int[] {2, 1}, 7, mode), 0);
            check("pad_" + m + "_4", Transforms.pad(u, new int[] {1, 2, 3, 0}, 7, mode), 0);
            check("pad_" + m + "_neg", Transforms.pad(u, new int[] {-1, 2, 1, -2}, 7, mode), 0);
        }
        check("pad_float_constant", Transforms.pad(fimg(1, 3, 3), new int[] {2}, 0.5, PaddingMode.CONSTANT), 0);
        assertThrows(IllegalArgumentException.class, () -> Transforms.pad(u, new int[] {1, 2, 3}, 0, PaddingMode.EDGE));
        assertThrows(IllegalArgumentException.class, () -> Transforms.pad(u, new int[] {4}, 0, PaddingMode.REFLECT));
        Tensor inside = Transforms.crop(u, 1, 2, 2, 3);
        check("crop_inside", inside, 0);
        check("crop_outside", Transforms.crop(u, -1, 3, 4, 4), 0);
        check("hflip", Transforms.hflip(fimg(2, 3, 4)), 0);
        check("resized_crop", Transforms.resizedCrop(fimg(3, 16, 16), 2, 3, 10, 9, new int[] {8, 8}, Interpolation.BILINEAR,
                true), 1e-5);
    }

    @Test
    void randomCropDrawsEveryOffsetAndPads() {
        Generator g = new Generator(3);
        Tensor img = fimg(1, 6, 7);
        int[][] counts = new int[3][4];
        for (int k = 0; k < 1200; k++) {
            int[] p = RandomCrop.params(6, 7, 4, 4, g);
            assertEquals(4, p[2]);
            assertEquals(4, p[3]);
            counts[p[0]][p[1]]++;
        }
        for (int[] row : counts) {
            for (int c : row) {
                // 12 offsets, 100 expected each; a binomial's 6 standard deviations is about 57
                assertTrue(c > 40 && c < 160, Arrays.deepToString(counts));
            }
        }
        // a crop is the window at the drawn offset: the same generator state gives the same window
        Generator a = new Generator(11);
        Generator b = new Generator(11);
        Tensor crop = new RandomCrop(4).apply(img, a);
        int[] p = RandomCrop.params(6, 7, 4, 4, b);
        assertArrayEquals(Transforms.crop(img, p[0], p[1], 4, 4).toFloatArray(), crop.toFloatArray());
        // padding 2 on every side, then a 6x7 crop of the 10x11 image: the crop holds the padded border somewhere
        Tensor padded = new RandomCrop(6, 7, new int[] {2}, false, 0, PaddingMode.CONSTANT).apply(img, new Generator(5));
        assertArrayEquals(new int[] {1, 6, 7}, padded.shape());
        // the whole image is the crop: no draw
        assertArrayEquals(img.toFloatArray(), new RandomCrop(6, 7, null, false, 0, PaddingMode.CONSTANT).apply(img).toFloatArray());
        // pad_if_needed pads both sides by the shortfall (torchvision's [size - width, 0] padding), then crops (fill 9)
        Tensor small = uimg(1, 2, 3);
        Tensor needed = new RandomCrop(4, 5, null, true, 9, PaddingMode.CONSTANT).apply(small, new Generator(0));
        Tensor both = Transforms.pad(small, new int[] {2, 2}, 9, PaddingMode.CONSTANT);
        assertArrayEquals(new int[] {1, 6, 7}, both.shape());
        int[] q = RandomCrop.params(6, 7, 4, 5, new Generator(0));
        assertArrayEquals(Transforms.crop(both, q[0], q[1], 4, 5).toLongArray(), needed.toLongArray());
        assertEquals("Required crop size (8, 8) is larger than input image size (6, 7)", assertThrows(
                IllegalArgumentException.class, () -> new RandomCrop(8).apply(img)).getMessage());
        // uint8 stays uint8 (no widening)
        assertEquals(DType.UINT8, new RandomCrop(2).apply(uimg(3, 3)).dtype());
    }

    @Test
    void randomHorizontalFlipFollowsP() {
        Tensor img = fimg(1, 2, 3);
        Tensor flipped = Transforms.hflip(img);
        Generator g = new Generator(7);
        RandomHorizontalFlip t = new RandomHorizontalFlip(0.3);
        int flips = 0;
        for (int k = 0; k < 2000; k++) {
            Tensor out = t.apply(img, g);
            if (out != img) {
                assertArrayEquals(flipped.toFloatArray(), out.toFloatArray());
                flips++;
            }
        }
        // 600 expected, standard deviation about 20.5
        assertTrue(flips > 480 && flips < 720, "flips " + flips);
        assertSame(img, new RandomHorizontalFlip(0).apply(img));
        assertArrayEquals(flipped.toFloatArray(), new RandomHorizontalFlip(1).apply(img).toFloatArray());
        assertEquals("`p` should be a floating point value in the interval [0.0, 1.0].", assertThrows(
                IllegalArgumentException.class, () -> new RandomHorizontalFlip(1.5)).getMessage());
    }

    @Test
    void randomResizedCropDrawsWithinItsRanges() {
        Generator g = new Generator(21);
        double[] scale = {0.08, 1.0};
        double[] ratio = {3.0 / 4.0, 4.0 / 3.0};
        double areaSum = 0;
        for (int k = 0; k < 500; k++) {
            int[] p = RandomResizedCrop.params(32, 40, scale, ratio, g);
            int top = p[0];
            int left = p[1];
            int h = p[2];
            int w = p[3];
            assertTrue(h > 0 && w > 0 && top >= 0 && left >= 0 && top + h <= 32 && left + w <= 40, Arrays.toString(p));
            double area = (double) h * w / (32 * 40);
            assertTrue(area >= 0.05 && area <= 1.0, Arrays.toString(p));
            double r = (double) w / h;
            // rounding of the sides widens the ratio's range a little for small crops
            assertTrue(r > 0.5 && r < 2.0, Arrays.toString(p));
            areaSum += area;
        }
        // the area fraction is uniform on [0.08, 1] when the window fits: a mean near 0.54, less for the misses
        assertTrue(areaSum / 500 > 0.4 && areaSum / 500 < 0.6, "mean area " + areaSum / 500);
        // scale (1, 1) and ratio (1, 1) on a square image: the whole image, resized (a case against torchvision)
        Tensor img = fimg(3, 10, 10);
        check("resized_crop_full", new RandomResizedCrop(new int[] {6}, new double[] {1, 1}, new double[] {1, 1},
                Interpolation.BILINEAR, true).apply(img, new Generator(0)), 1e-5);
        // no window fits a 1:10 image at ratios near 1: the central crop at the ratio's bound (torchvision's fallback)
        assertArrayEquals(new int[] {0, 4, 1, 1}, RandomResizedCrop.params(1, 10, new double[] {0.9, 1}, new double[] {1, 1},
                new Generator(1)));
        int[] fallback = RandomResizedCrop.params(2, 40, new double[] {0.99, 1}, new double[] {1, 1}, new Generator(1));
        assertArrayEquals(new int[] {0, 19, 2, 2}, fallback);
        assertArrayEquals(new int[] {3, 6, 6}, new RandomResizedCrop(6).apply(fimg(3, 20, 30)).shape());
    }

    @Test
    void composeAppliesInOrder() {
        Compose c = new Compose(new ToTensor(), new Normalize(new double[] {0.5}, new double[] {0.5}));
        Tensor out = c.apply(uimg(4, 4));
        assertArrayEquals(new int[] {1, 4, 4}, out.shape());
        assertEquals(DType.FLOAT32, out.dtype());
        float[] u = uimg(4, 4).toFloat().div(255.0).sub(0.5).div(0.5).toFloatArray();
        assertArrayEquals(u, out.toFloatArray(), 1e-6f);
        assertEquals(2, c.transforms().size());
        assertThrows(IllegalArgumentException.class, () -> new Compose((dev.ember.data.transforms.Transform) null));
    }
}
