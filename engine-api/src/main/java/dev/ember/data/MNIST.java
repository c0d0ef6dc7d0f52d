package dev.ember.data;

import dev.ember.Tensor;
import dev.ember.data.transforms.Transform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The MNIST handwritten digits from a directory of IDX files, as {@code torchvision.datasets.MNIST}: sample {@code i}
 * is {@code [image, target]}, the image uint8 {@code [28, 28]} as stored (a view of {@link #data()}; nothing is
 * widened until a transform does it, such as {@link dev.ember.data.transforms.ToTensor}), the target an int64 0-d
 * tensor (batched by the default collate into int64 {@code [batch]}), each through its transform when one is given.
 *
 * <p>The files are {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte} (with {@code train}) or
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, plain or gzipped ({@code .gz}), in {@code root} or in
 * torchvision's layout {@code root/<name>/raw}. They are read whole when the data set is made ({@link Idx}).
 */
public class MNIST implements Dataset<List<Tensor>> {
    /** MNIST's class names, by label. */
    public static final List<String> CLASSES = List.of("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
            "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine");

    private final Tensor data;
    private final Tensor targets;
    private final boolean train;
    private final Transform transform;
    private final Transform targetTransform;
    private final List<String> classes;

    /**
     * The training (60,000 images) or test (10,000) split in {@code root}, without transforms.
     *
     * @throws IOException              if a file is missing, unreadable or not a valid IDX file, or the image and label
     *                                  counts differ
     * @throws IllegalArgumentException for a null root
     */
    public MNIST(Path root, boolean train) throws IOException {
        this(root, train, null, null);
    }

    /**
     * A split with transforms for the image and the target (null: none).
     *
     * @throws IOException              as {@link #MNIST(Path, boolean)}
     * @throws IllegalArgumentException for a null root
     */
    public MNIST(Path root, boolean train, Transform transform, Transform targetTransform) throws IOException {
        this(root, train, transform, targetTransform, "MNIST", CLASSES);
    }

    /** For the data sets in MNIST's format ({@link FashionMNIST}): their torchvision folder name and classes. */
    MNIST(Path root, boolean train, Transform transform, Transform targetTransform, String name, List<String> classes)
            throws IOException {
        DataChecks.require(root, name, "root");
        String split = train ? "train" : "t10k";
        Path images = find(root, name, split + "-images-idx3-ubyte");
        Path labels = find(root, name, split + "-labels-idx1-ubyte");
        this.data = Idx.readRawImages(images);
        this.targets = Idx.readLabels(labels);
        if (data.size(0) != targets.size(0)) {
            throw new IOException(images + " holds " + data.size(0) + " images but " + labels + " holds " + targets.size(0)
                    + " labels");
        }
        this.train = train;
        this.transform = transform;
        this.targetTransform = targetTransform;
        this.classes = classes;
    }

    private static Path find(Path root, String name, String file) throws IOException {
        for (Path dir : new Path[] {root, root.resolve(name).resolve("raw")}) {
            for (String f : new String[] {file, file + ".gz"}) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new IOException("Dataset not found: no " + file + " or " + file + ".gz in " + root + " or "
                + root.resolve(name).resolve("raw"));
    }

    /** The images as stored, uint8 {@code [N, 28, 28]} ({@code dataset.data}). */
    public Tensor data() {
        return data;
    }

    /** The labels, int64 {@code [N]} ({@code dataset.targets}). */
    public Tensor targets() {
        return targets;
    }

    /** Whether this is the training split. */
    public boolean train() {
        return train;
    }

    /** The class names, by label. */
    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return data.size(0);
    }

    /**
     * {@code [transform(image), targetTransform(target)]} for sample {@code index} (a negative index counts from the
     * end).
     *
     * @throws IndexOutOfBoundsException for an index out of range
     */
    @Override
    public List<Tensor> get(int index) {
        int n = size();
        if (index < -n || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " is out of bounds for dimension 0 with size " + n);
        }
        Tensor image = data.select(0, index);
        Tensor target = targets.select(0, index);
        if (transform != null) {
            image = transform.apply(image);
        }
        if (targetTransform != null) {
            target = targetTransform.apply(target);
        }
        return List.of(image, target);
    }

    @Override
    public String toString() {
        return "Dataset " + getClass().getSimpleName() + "\n    Number of datapoints: " + size() + "\n    Split: "
                + (train ? "Train" : "Test") + (transform == null ? "" : "\n    StandardTransform\nTransform: " + transform);
    }
}
