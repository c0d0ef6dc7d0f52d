/**
 * Image transforms for data sets, as {@code torchvision.transforms} on tensors: {@link dev.ember.data.transforms.Compose},
 * {@link dev.ember.data.transforms.ToTensor}, {@link dev.ember.data.transforms.Normalize},
 * {@link dev.ember.data.transforms.Resize}, {@link dev.ember.data.transforms.RandomCrop},
 * {@link dev.ember.data.transforms.RandomHorizontalFlip} and {@link dev.ember.data.transforms.RandomResizedCrop}, with
 * their functional forms in {@link dev.ember.data.transforms.Transforms}. Images are tensors whose last two dimensions
 * are height and width ({@code [H, W]}, {@code [C, H, W]} or {@code [..., C, H, W]}). Random transforms draw from
 * {@link dev.ember.data.WorkerInfo#currentGenerator()}: on a data loader's worker thread its seeded generator.
 */
package dev.ember.data.transforms;
