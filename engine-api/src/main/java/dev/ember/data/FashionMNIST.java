package dev.ember.data;

import dev.ember.data.transforms.Transform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Zalando's Fashion-MNIST (28x28 grey images of clothes, 10 classes) from a directory of IDX files, as
 * {@code torchvision.datasets.FashionMNIST}; the same format and samples as {@link MNIST} (torchvision's folder name:
 * {@code root/FashionMNIST/raw}). On Debian, {@code apt-get install dataset-fashion-mnist} puts the files in
 * {@code /usr/share/datasets/fashion-mnist}.
 */
public final class FashionMNIST extends MNIST {
    /** Fashion-MNIST's class names, by label. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * The training (60,000 images) or test (10,000) split in {@code root}, without transforms.
     *
     * @throws IOException              if a file is missing, unreadable or not a valid IDX file, or the counts differ
     * @throws IllegalArgumentException for a null root
     */
    public FashionMNIST(Path root, boolean train) throws IOException {
        this(root, train, null, null);
    }

    /**
     * A split with transforms for the image and the target (null: none).
     *
     * @throws IOException              as {@link #FashionMNIST(Path, boolean)}
     * @throws IllegalArgumentException for a null root
     */
    public FashionMNIST(Path root, boolean train, Transform transform, Transform targetTransform) throws IOException {
        super(root, train, transform, targetTransform, "FashionMNIST", CLASSES);
    }
}
