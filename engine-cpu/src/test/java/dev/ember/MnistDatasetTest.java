package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.FashionMNIST;
import dev.ember.data.Idx;
import dev.ember.data.MNIST;
import dev.ember.data.transforms.Compose;
import dev.ember.data.transforms.Normalize;
import dev.ember.data.transforms.RandomCrop;
import dev.ember.data.transforms.ToTensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MNIST and Fashion-MNIST over IDX directories: small files made here, and the real Fashion-MNIST when installed. */
class MnistDatasetTest {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    private static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    private static void write(Path p, byte[] bytes, boolean gzip) throws IOException {
        Files.createDirectories(p.getParent());
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(bytes);
        }
    }

    private static byte[] pixels(int n) {
        byte[] v = new byte[n * 3 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (i * 29 + 200);
        }
        return v;
    }

    @Test
    void readsAnIdxDirectoryWithoutWidening() throws IOException {
        // MNIST in the root (plain files), Fashion-MNIST in torchvision's layout (gzipped)
        write(dir.resolve("train-images-idx3-ubyte"), idx(8, new int[] {5, 3, 4}, pixels(5)), false);
        write(dir.resolve("train-labels-idx1-ubyte"), idx(8, new int[] {5}, new byte[] {7, 0, 9, 1, 3}), false);
        Path raw = dir.resolve("FashionMNIST").resolve("raw");
        write(raw.resolve("t10k-images-idx3-ubyte.gz"), idx(8, new int[] {2, 3, 4}, pixels(2)), true);
        write(raw.resolve("t10k-labels-idx1-ubyte.gz"), idx(8, new int[] {2}, new byte[] {4, 8}), true);

        MNIST mnist = new MNIST(dir, true);
        assertEquals(5, mnist.size());
        assertEquals(DType.UINT8, mnist.data().dtype());
        assertArrayEquals(new int[] {5, 3, 4}, mnist.data().shape());
        assertArrayEquals(new long[] {7, 0, 9, 1, 3}, mnist.targets().toLongArray());
        List<Tensor> s = mnist.get(2);
        assertEquals(DType.UINT8, s.get(0).dtype(), "an image stays uint8 until a transform widens it");
        assertArrayEquals(new int[] {3, 4}, s.get(0).shape());
        assertArrayEquals(mnist.data().select(0, 2).toLongArray(), s.get(0).toLongArray());
        assertEquals(0, s.get(1).dim());
        assertEquals(9, s.get(1).toLongArray()[0]);
        assertEquals("1 - one", mnist.classes().get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> mnist.get(5));
        assertTrue(mnist.toString().startsWith("Dataset MNIST\n    Number of datapoints: 5\n    Split: Train"));

        FashionMNIST fashion = new FashionMNIST(dir, false, new Compose(new ToTensor(),
                new Normalize(new double[] {0.5}, new double[] {0.5})), null);
        assertEquals(2, fashion.size());
        assertEquals("Ankle boot", fashion.classes().get(9));
        Tensor img = fashion.get(1).get(0);
        assertEquals(DType.FLOAT32, img.dtype());
        assertArrayEquals(new int[] {1, 3, 4}, img.shape());
        assertArrayEquals(fashion.data().select(0, 1).toFloat().div(255.0).sub(0.5).div(0.5).reshape(1, 3, 4).toFloatArray(),
                img.toFloatArray(), 1e-6f);
        // through a loader: images [B, 1, H, W] float32, targets [B] int64
        for (int workers : new int[] {0, 2}) {
            List<Tensor> b = DataLoader.builder(fashion).batchSize(2).numWorkers(workers).build().iterator().next();
            assertArrayEquals(new int[] {2, 1, 3, 4}, b.get(0).shape());
            assertEquals(DType.INT64, b.get(1).dtype());
            assertArrayEquals(new long[] {4, 8}, b.get(1).toLongArray());
        }

        IOException missing = assertThrows(IOException.class, () -> new FashionMNIST(dir.resolve("FashionMNIST"), true));
        assertTrue(missing.getMessage().startsWith("Dataset not found: no train-images-idx3-ubyte or "
                + "train-images-idx3-ubyte.gz in "), missing.getMessage());
        write(dir.resolve("t10k-images-idx3-ubyte"), idx(8, new int[] {3, 3, 4}, pixels(3)), false);
        write(dir.resolve("t10k-labels-idx1-ubyte"), idx(8, new int[] {2}, new byte[] {1, 2}), false);
        IOException counts = assertThrows(IOException.class, () -> new MNIST(dir, false));
        assertTrue(counts.getMessage().contains("holds 3 images but"), counts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MNIST(null, true));
    }

    @Test
    void fashionMnistAgainstTheRawFiles() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(FASHION.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed in " + FASHION + " (apt-get install dataset-fashion-mnist)");
        FashionMNIST train = new FashionMNIST(FASHION, true);
        FashionMNIST test = new FashionMNIST(FASHION, false);
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        assertArrayEquals(new int[] {60000, 28, 28}, train.data().shape());
        assertEquals(DType.UINT8, train.data().dtype());
        assertArrayEquals(Idx.readRawImages(FASHION.resolve("t10k-images-idx3-ubyte.gz")).toByteArray(), test.data().toByteArray());
        assertArrayEquals(Idx.readLabels(FASHION.resolve("t10k-labels-idx1-ubyte.gz")).toLongArray(), test.targets().toLongArray());
        // torchvision's FashionMNIST(train=True).targets[:10]
        assertArrayEquals(new long[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, train.targets().narrow(0, 0, 10).toLongArray());
        // the same image through the data set and through the raw file
        List<Tensor> s = train.get(59999);
        assertArrayEquals(train.data().select(0, 59999).toByteArray(), s.get(0).toByteArray());

        // an epoch of the test split with workers and a random transform: every label once, images in [-1, 1]
        FashionMNIST augmented = new FashionMNIST(FASHION, false, new Compose(new RandomCrop(28, 2), new ToTensor(),
                new Normalize(new double[] {0.5}, new double[] {0.5})), null);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(augmented).batchSize(1000).numWorkers(2)
                .generator(new Generator(0)).build();
        long labelSum = 0;
        int batches = 0;
        for (List<Tensor> b : loader) {
            try (TensorScope step = Ember.scope()) {
                assertArrayEquals(new int[] {1000, 1, 28, 28}, b.get(0).shape());
                assertTrue(b.get(0).min().item() >= -1 && b.get(0).max().item() <= 1);
                labelSum += (long) b.get(1).sum().item();
                batches++;
            }
        }
        assertEquals(10, batches);
        assertEquals((long) test.targets().sum().item(), labelSum);
    }
}
