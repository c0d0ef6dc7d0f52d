/**
 * PyTorch's profiler for Ember: {@link dev.ember.profiler.Profiler} (opened by {@code Ember.profile()}) records the
 * kernels, backward nodes and user ranges ({@link dev.ember.profiler.Profiler#recordFunction}) a thread runs, and
 * reports them per name ({@link dev.ember.profiler.KeyAverages#table}) and as a Chrome trace.
 *
 * <p>Names: each Backend SPI call is recorded under PyTorch's aten operator where one maps clearly, else under the SPI
 * method's own name. The table (the SPI method, then the name):
 * <ul>
 *   <li>{@code allocate} {@code aten::empty}, {@code allocateZeroed} {@code aten::zeros}, {@code copy}
 *       {@code aten::copy_}, {@code fill} {@code aten::fill_}, {@code axpy} {@code aten::add_}, {@code where}
 *       {@code aten::where};</li>
 *   <li>{@code unary}/{@code binary}/{@code binaryScalar}: {@code aten::} and the op in lower case ({@code aten::exp},
 *       {@code aten::add}, {@code aten::mul}, {@code aten::threshold_backward}), except the divisions with a rounding
 *       mode ({@code aten::div}) and {@code LOG_SIGMOID} ({@code aten::log_sigmoid_forward});</li>
 *   <li>{@code reduce}: {@code aten::sum}, {@code aten::prod}, {@code aten::amax}, {@code aten::amin},
 *       {@code aten::argmax}, {@code aten::argmin};</li>
 *   <li>{@code matmul} (always batched): {@code aten::mm} for a batch of one, else {@code aten::bmm};</li>
 *   <li>{@code gather} {@code aten::gather}, {@code scatter} {@code aten::scatter} (no reduction) or
 *       {@code aten::scatter_reduce}, {@code nonzeroCount} {@code aten::count_nonzero}, {@code nonzero}
 *       {@code aten::nonzero}, {@code linearIndex} {@code aten::index};</li>
 *   <li>{@code random}: {@code aten::uniform_}, {@code aten::normal_}, {@code aten::random_}, {@code aten::bernoulli_},
 *       {@code aten::exponential_};</li>
 *   <li>{@code luFactor} {@code aten::linalg_lu_factor_ex}, {@code luSolve} {@code aten::linalg_lu_solve},
 *       {@code cholesky} {@code aten::linalg_cholesky_ex}, {@code qr} {@code aten::linalg_qr},
 *       {@code triangularSolve} {@code aten::linalg_solve_triangular};</li>
 *   <li>{@code conv2d} {@code aten::convolution}, {@code conv2dBackwardInput} and {@code conv2dBackwardWeight}
 *       {@code aten::convolution_backward} (one call each), {@code maxPool2d}
 *       {@code aten::max_pool2d_with_indices} (and {@code _backward}), {@code avgPool2d} {@code aten::avg_pool2d} (and
 *       {@code _backward}), {@code adaptiveAvgPool2d} {@code aten::_adaptive_avg_pool2d} (and {@code _backward}),
 *       {@code adaptiveMaxPool2d} {@code aten::adaptive_max_pool2d}, {@code upsampleBilinear2d}
 *       {@code aten::upsample_bilinear2d} (and {@code _backward});</li>
 *   <li>{@code sort} {@code aten::sort}, {@code rankSelect} {@code aten::kthvalue}/{@code aten::median}/
 *       {@code aten::nanmedian}/{@code aten::mode}, {@code scan} {@code aten::cumsum}/{@code aten::cumprod}/
 *       {@code aten::cummax}/{@code aten::cummin}/{@code aten::logcumsumexp}, {@code searchsorted}
 *       {@code aten::searchsorted}, {@code histc} {@code aten::histc}, {@code bincount} {@code aten::bincount},
 *       {@code unique} {@code aten::_unique2};</li>
 *   <li>{@code activationBackward} {@code aten::sigmoid_backward} or {@code aten::tanh_backward}, {@code siluFloat}
 *       {@code aten::silu} or {@code aten::silu_backward}, {@code leakyRelu} {@code aten::leaky_relu} or
 *       {@code aten::leaky_relu_backward}, {@code elu} {@code aten::elu} or {@code aten::elu_backward},
 *       {@code clampFloat} {@code aten::clamp} (these optional
 *       kernels leave no range where they decline);</li>
 *   <li>{@code layerNorm}/{@code groupNorm}/{@code batchNorm} {@code aten::native_layer_norm},
 *       {@code aten::native_group_norm}, {@code aten::native_batch_norm} (and their {@code _backward});</li>
 *   <li>the SPI method's own name for the rest, which have no single aten counterpart: {@code fromArray},
 *       {@code toArray}, {@code checkIndices}, {@code attention}, {@code attentionBackward}, {@code rmsNorm},
 *       {@code rmsNormBackward}, {@code toHost}, {@code fromHost}.</li>
 * </ul>
 * The autograd engine's ranges are {@code autograd::engine::evaluate_function: NAME} with the node's own range
 * {@code NAME} inside ({@code AddmmBackward0}; {@code torch::autograd::AccumulateGrad} for a leaf's accumulation),
 * and {@link Profiler#recordFunction} ranges carry the user's name.
 */
package dev.ember.profiler;
