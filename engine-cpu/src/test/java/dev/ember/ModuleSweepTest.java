package dev.ember;

import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.AdaptiveMaxPool2d;
import dev.ember.nn.AvgPool2d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.CELU;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.ELU;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Flatten;
import dev.ember.nn.GELU;
import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.GroupNorm;
import dev.ember.nn.Hardswish;
import dev.ember.nn.Hardtanh;
import dev.ember.nn.Identity;
import dev.ember.nn.InstanceNorm2d;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.LogSoftmax;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Mish;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.PixelShuffle;
import dev.ember.nn.PixelUnshuffle;
import dev.ember.nn.RMSNorm;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.SELU;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Softmax;
import dev.ember.nn.Softplus;
import dev.ember.nn.Tanh;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.Upsample;
import dev.ember.nn.UpsamplingBilinear2d;
import dev.ember.nn.UpsamplingNearest2d;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sweep of nn modules against PyTorch (modulesweep/make_expected.py): per configuration the printout, parameters,
 * buffers and state dict (names, shapes, dtypes, order); with every floating parameter and buffer filled from
 * {@code fill(name, i)} in float64, the outputs, input and parameter gradients of {@code sum_k sum(out_k * gout_k)}
 * and the state after the forward; statistics of the default initialization (float32); and the errors PyTorch raises
 * (their type; their wording in separate "_msg" tests).
 */
class ModuleSweepTest {
    interface Fwd {
        List<Tensor> run(Module m, List<Tensor> in);
    }

    record Spec(Supplier<Module> ctor, Fwd fwd) {
    }

    static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    private static void c(String name, Supplier<Module> ctor) {
        SPECS.put(name, new Spec(ctor, (m, in) -> List.of(m.forward(in.get(0)))));
    }

    private static void c(String name, Supplier<Module> ctor, Fwd fwd) {
        SPECS.put(name, new Spec(ctor, fwd));
    }

    private static int[] a(int... v) {
        return v;
    }

    private static final Fwd LSTM_OUT = (m, in) -> {
        RnnOutput r = in.size() == 3 ? ((LSTM) m).forward(in.get(0), new LstmState(in.get(1), in.get(2)))
                : ((LSTM) m).forward(in.get(0), null);
        return List.of(r.output(), r.h(), r.c());
    };
    private static final Fwd GRU_OUT = (m, in) -> {
        RnnOutput r = ((GRU) m).forward(in.get(0), in.size() > 1 ? in.get(1) : null);
        return List.of(r.output(), r.h());
    };

    /** MHA: q, k, v, then a key padding mask (kpm) or attention mask (am). */
    private static Fwd mha(boolean self, boolean kpm, boolean am, boolean needWeights, boolean avg) {
        return (m, in) -> {
            Tensor q = in.get(0);
            Tensor k = self ? q : in.get(1);
            Tensor v = self ? q : in.get(2);
            int i = self ? 1 : 3;
            Tensor pad = kpm ? in.get(i++) : null;
            Tensor mask = am ? in.get(i) : null;
            MultiheadAttention.Output o = ((MultiheadAttention) m).forward(q, k, v, pad, needWeights, mask, avg, false);
            return o.weights() == null ? List.of(o.output()) : List.of(o.output(), o.weights());
        };
    }

    private static Fwd mha() {
        return mha(false, false, false, true, true);
    }

    static {
        c("linear_bias", () -> new Linear(4, 3));
        c("linear_nobias", () -> new Linear(4, 3, false));
        c("linear_3d", () -> new Linear(4, 3));
        c("linear_1d", () -> new Linear(4, 3));
        c("linear_out1", () -> new Linear(5, 1));
        c("conv1d_basic", () -> new Conv1d(2, 4, 3));
        c("conv1d_stride2_pad1", () -> new Conv1d(2, 4, a(3), a(2), a(1), a(1), 1, true));
        c("conv1d_dil2", () -> new Conv1d(2, 3, a(3), a(1), a(0), a(2), 1, true));
        c("conv1d_groups2", () -> new Conv1d(4, 6, a(3), a(1), a(0), a(1), 2, true));
        c("conv1d_nobias", () -> new Conv1d(2, 4, a(3), a(1), a(0), a(1), 1, false));
        c("conv1d_unbatched", () -> new Conv1d(2, 4, a(3), a(1), a(2), a(1), 1, true));
        c("conv1d_depthwise", () -> new Conv1d(3, 3, a(2), a(1), a(0), a(1), 3, true));
        c("conv2d_basic", () -> new Conv2d(2, 3, 3));
        c("conv2d_stride_pad", () -> new Conv2d(2, 3, a(3), a(2, 1), a(1, 2), a(1), 1, true));
        c("conv2d_dil2", () -> new Conv2d(2, 3, a(3), a(1), a(0), a(2), 1, true));
        c("conv2d_groups2", () -> new Conv2d(4, 6, a(3), a(1), a(0), a(1), 2, true));
        c("conv2d_nobias", () -> new Conv2d(2, 3, a(3), a(1), a(0), a(1), 1, false));
        c("conv2d_unbatched", () -> new Conv2d(2, 3, a(3), a(1), a(1), a(1), 1, true));
        c("conv2d_rect", () -> new Conv2d(2, 3, a(2, 3), a(2), a(0), a(1), 1, true));
        c("conv2d_1x1", () -> new Conv2d(3, 2, 1));
        c("convt_basic", () -> new ConvTranspose2d(2, 3, 3));
        c("convt_stride2_pad1_outpad1", () -> new ConvTranspose2d(2, 3, a(3), a(2), a(1), a(1), 1, true, a(1)));
        c("convt_groups2", () -> new ConvTranspose2d(4, 6, a(3), a(1), a(0), a(0), 2, true, a(1)));
        c("convt_dil2", () -> new ConvTranspose2d(2, 3, a(3), a(1), a(0), a(0), 1, true, a(2)));
        c("convt_nobias", () -> new ConvTranspose2d(2, 3, a(2), a(1), a(0), a(0), 1, false, a(1)));
        c("convt_unbatched", () -> new ConvTranspose2d(2, 3, a(3), a(2), a(0), a(0), 1, true, a(1)));
        c("convt_output_size", () -> new ConvTranspose2d(2, 3, a(3), a(2), a(1), a(0), 1, true, a(1)),
                (m, in) -> List.of(((ConvTranspose2d) m).forward(in.get(0), a(6, 6))));
        c("convt_rect", () -> new ConvTranspose2d(2, 2, a(2, 3), a(1, 2), a(0), a(0), 1, true, a(1)));
        c("maxpool_2", () -> new MaxPool2d(2));
        c("maxpool_k3_s2_p1", () -> new MaxPool2d(a(3), a(2), a(1), a(1), false));
        c("maxpool_ceil", () -> new MaxPool2d(a(2), null, a(0), a(1), true));
        c("maxpool_dil2", () -> new MaxPool2d(a(2), a(1), a(0), a(2), false));
        c("maxpool_rect", () -> new MaxPool2d(a(2, 3), a(1, 2), a(0), a(1), false));
        c("maxpool_3d", () -> new MaxPool2d(2));
        c("avgpool_2", () -> new AvgPool2d(2));
        c("avgpool_k3_s2_p1", () -> new AvgPool2d(a(3), a(2), a(1), false, true));
        c("avgpool_ceil", () -> new AvgPool2d(a(2), null, a(0), true, true));
        c("avgpool_nocountpad", () -> new AvgPool2d(a(3), a(2), a(1), false, false));
        c("avgpool_ceil_pad", () -> new AvgPool2d(a(3), a(2), a(1), true, true));
        c("avgpool_3d", () -> new AvgPool2d(2));
        c("adaptiveavg_3", () -> new AdaptiveAvgPool2d(3));
        c("adaptiveavg_2_none", () -> new AdaptiveAvgPool2d(2, null));
        c("adaptiveavg_1", () -> new AdaptiveAvgPool2d(1));
        c("adaptivemax_3", () -> new AdaptiveMaxPool2d(3));
        c("adaptivemax_none_2", () -> new AdaptiveMaxPool2d(null, 2));
        c("adaptivemax_indices", () -> new AdaptiveMaxPool2d(2, 3, true), (m, in) -> {
            Tensor.ValuesIndices r = ((AdaptiveMaxPool2d) m).forwardWithIndices(in.get(0));
            return List.of(r.values(), r.indices());
        });
        c("bn1d_train_2d", () -> new BatchNorm1d(3));
        c("bn1d_train_3d", () -> new BatchNorm1d(3));
        c("bn1d_eval", () -> new BatchNorm1d(3));
        c("bn1d_eval_3d", () -> new BatchNorm1d(3));
        c("bn1d_noaffine_train", () -> new BatchNorm1d(3, 1e-5, 0.1, false, true));
        c("bn1d_notrack_train", () -> new BatchNorm1d(3, 1e-5, 0.1, true, false));
        c("bn1d_notrack_eval", () -> new BatchNorm1d(3, 1e-5, 0.1, true, false));
        c("bn1d_mom_none_train", () -> new BatchNorm1d(3, 1e-5, null, true, true),
                (m, in) -> List.of(m.forward(in.get(0)), m.forward(in.get(1))));
        c("bn1d_mom03_eps", () -> new BatchNorm1d(3, 1e-3, 0.3, true, true));
        c("bn2d_train", () -> new BatchNorm2d(3));
        c("bn2d_eval", () -> new BatchNorm2d(3));
        c("bn2d_eps_mom", () -> new BatchNorm2d(2, 0.01, 0.5));
        c("instnorm_default", () -> new InstanceNorm2d(3));
        c("instnorm_affine", () -> new InstanceNorm2d(3, 1e-5, 0.1, true, false));
        c("instnorm_track_train", () -> new InstanceNorm2d(3, 1e-5, 0.1, false, true));
        c("instnorm_track_eval", () -> new InstanceNorm2d(3, 1e-5, 0.1, true, true));
        c("instnorm_unbatched", () -> new InstanceNorm2d(3, 1e-5, 0.1, true, false));
        c("layernorm_basic", () -> new LayerNorm(4));
        c("layernorm_2dshape", () -> new LayerNorm(a(3, 4)));
        c("layernorm_noaffine", () -> new LayerNorm(a(4), 1e-5, false, true));
        c("layernorm_nobias", () -> new LayerNorm(a(4), 1e-5, true, false));
        c("layernorm_eps", () -> new LayerNorm(a(5), 0.1, true, true));
        c("groupnorm_2_4", () -> new GroupNorm(2, 4));
        c("groupnorm_noaffine", () -> new GroupNorm(2, 4, 1e-5, false));
        c("groupnorm_1", () -> new GroupNorm(1, 4));
        c("groupnorm_4_4_eps", () -> new GroupNorm(4, 4, 0.01, true));
        c("rmsnorm_default", () -> new RMSNorm(4));
        c("rmsnorm_eps", () -> new RMSNorm(a(2, 3), 1e-3, true));
        c("rmsnorm_noaffine", () -> new RMSNorm(a(4), null, false));
        c("embedding_basic", () -> new Embedding(6, 3));
        c("embedding_2d", () -> new Embedding(6, 3));
        c("embedding_padidx", () -> new Embedding(6, 3, 1L, null, 2.0, false));
        c("embedding_padidx_neg", () -> new Embedding(6, 3, -1L, null, 2.0, false));
        c("embedding_maxnorm", () -> new Embedding(6, 3, null, 0.3, 2.0, false));
        c("embedding_maxnorm_p1", () -> new Embedding(6, 3, null, 0.4, 1.0, false));
        c("embedding_scalefreq", () -> new Embedding(6, 3, null, null, 2.0, true));
        Fwd bag = (m, in) -> List.of(((EmbeddingBag) m).forward(in.get(0), in.size() > 1 ? in.get(1) : null,
                in.size() > 2 ? in.get(2) : null));
        c("bag_mean_2d", () -> new EmbeddingBag(6, 3), bag);
        c("bag_sum_offsets", () -> new EmbeddingBag(6, 3, "sum"), bag);
        c("bag_max_offsets", () -> new EmbeddingBag(6, 3, "max"), bag);
        c("bag_sum_psw", () -> new EmbeddingBag(6, 3, "sum"), bag);
        c("bag_padidx", () -> new EmbeddingBag(6, 3, null, 2.0, false, "mean", false, 2L), bag);
        c("bag_last_offset", () -> new EmbeddingBag(6, 3, null, 2.0, false, "sum", true, null), bag);
        c("dropout_eval", () -> new Dropout(0.5));
        c("dropout_p0_train", () -> new Dropout(0.0));
        c("identity", Identity::new);
        c("flatten_default", Flatten::new);
        c("flatten_0_1", () -> new Flatten(0, 1));
        c("flatten_1_2", () -> new Flatten(1, 2));
        c("act_relu", ReLU::new);
        c("act_relu6", ReLU6::new);
        c("act_leakyrelu_default", LeakyReLU::new);
        c("act_leakyrelu_02", () -> new LeakyReLU(0.2));
        c("act_elu_default", ELU::new);
        c("act_elu_05", () -> new ELU(0.5));
        c("act_celu_default", CELU::new);
        c("act_celu_2", () -> new CELU(2.0));
        c("act_selu", SELU::new);
        c("act_gelu_none", GELU::new);
        c("act_gelu_tanh", () -> new GELU("tanh"));
        c("act_silu", SiLU::new);
        c("act_mish", Mish::new);
        c("act_sigmoid", Sigmoid::new);
        c("act_tanh", Tanh::new);
        c("act_hardswish", Hardswish::new);
        c("act_hardtanh_default", Hardtanh::new);
        c("act_hardtanh_m2_3", () -> new Hardtanh(-2.0, 3.0));
        c("act_softplus_default", Softplus::new);
        c("act_softplus_b2_t1", () -> new Softplus(2.0, 1.0));
        c("act_softplus_b05_t3", () -> new Softplus(0.5, 3.0));
        c("act_softmax_1", () -> new Softmax(1));
        c("act_softmax_m1", () -> new Softmax(-1));
        c("act_softmax_0", () -> new Softmax(0));
        c("act_logsoftmax_1", () -> new LogSoftmax(1));
        c("act_logsoftmax_m1", () -> new LogSoftmax(-1));
        c("lstm_basic", () -> new LSTM(3, 4), LSTM_OUT);
        c("lstm_2layers", () -> new LSTM(3, 4, 2), LSTM_OUT);
        c("lstm_bidir", () -> new LSTM(3, 4, 1, true, false, 0, true, 0), LSTM_OUT);
        c("lstm_2layers_bidir", () -> new LSTM(3, 4, 2, true, false, 0, true, 0), LSTM_OUT);
        c("lstm_batch_first", () -> new LSTM(3, 4, 1, true, true, 0, false, 0), LSTM_OUT);
        c("lstm_nobias", () -> new LSTM(3, 4, 1, false, false, 0, false, 0), LSTM_OUT);
        c("lstm_proj", () -> new LSTM(3, 5, 1, true, false, 0, false, 2), LSTM_OUT);
        c("lstm_proj_bidir_2l", () -> new LSTM(3, 5, 2, true, false, 0, true, 2), LSTM_OUT);
        c("lstm_dropout_eval", () -> new LSTM(3, 4, 2, true, false, 0.3, false, 0), LSTM_OUT);
        c("lstm_unbatched", () -> new LSTM(3, 4), LSTM_OUT);
        c("lstm_hx", () -> new LSTM(3, 4, 1, true, true, 0, false, 0), LSTM_OUT);
        c("gru_basic", () -> new GRU(3, 4), GRU_OUT);
        c("gru_2layers_bidir", () -> new GRU(3, 4, 2, true, false, 0, true), GRU_OUT);
        c("gru_batch_first", () -> new GRU(3, 4, 1, true, true, 0, false), GRU_OUT);
        c("gru_nobias", () -> new GRU(3, 4, 1, false, false, 0, false), GRU_OUT);
        c("gru_unbatched", () -> new GRU(3, 4), GRU_OUT);
        c("gru_hx", () -> new GRU(3, 4, 2), GRU_OUT);
        c("gru_dropout_eval", () -> new GRU(3, 4, 2, true, false, 0.5, false), GRU_OUT);
        Fwd lstmCell = (m, in) -> {
            LstmState s = ((LSTMCell) m).forward(in.get(0), in.size() == 3 ? new LstmState(in.get(1), in.get(2)) : null);
            return List.of(s.h(), s.c());
        };
        Fwd gruCell = (m, in) -> List.of(((GRUCell) m).forward(in.get(0), in.size() > 1 ? in.get(1) : null));
        c("lstmcell_basic", () -> new LSTMCell(3, 4), lstmCell);
        c("lstmcell_nobias_hx", () -> new LSTMCell(3, 4, false), lstmCell);
        c("lstmcell_unbatched", () -> new LSTMCell(3, 4), lstmCell);
        c("grucell_basic", () -> new GRUCell(3, 4), gruCell);
        c("grucell_nobias_hx", () -> new GRUCell(3, 4, false), gruCell);
        c("grucell_unbatched", () -> new GRUCell(3, 4), gruCell);
        c("mha_self", () -> new MultiheadAttention(4, 2), mha(true, false, false, true, true));
        c("mha_qkv", () -> new MultiheadAttention(4, 2), mha());
        c("mha_kv_same", () -> new MultiheadAttention(4, 1), (m, in) -> {
            MultiheadAttention.Output o = ((MultiheadAttention) m).forward(in.get(0), in.get(1), in.get(1));
            return List.of(o.output(), o.weights());
        });
        c("mha_batch_first", () -> new MultiheadAttention(4, 2, 0.0, true, null, null, true), mha());
        c("mha_kdim_vdim", () -> new MultiheadAttention(4, 2, 0.0, true, 3, 5, false), mha());
        c("mha_nobias", () -> new MultiheadAttention(4, 2, 0.0, false, null, null, false), mha());
        c("mha_bias_kv", () -> new MultiheadAttention(4, 2, 0.0, true, true, false, null, null, false), mha());
        c("mha_zero_attn", () -> new MultiheadAttention(4, 2, 0.0, true, false, true, null, null, false), mha());
        c("mha_bias_kv_zero_attn_kpm", () -> new MultiheadAttention(4, 2, 0.0, true, true, true, null, null, false),
                mha(false, true, false, true, true));
        c("mha_no_weights", () -> new MultiheadAttention(4, 2), mha(false, false, false, false, true));
        c("mha_no_avg", () -> new MultiheadAttention(4, 2), mha(false, false, false, true, false));
        c("mha_kpm_bool", () -> new MultiheadAttention(4, 2), mha(false, true, false, true, true));
        c("mha_attn_mask_float", () -> new MultiheadAttention(4, 2), mha(false, false, true, true, true));
        c("mha_attn_mask_bool", () -> new MultiheadAttention(4, 2), mha(false, false, true, true, true));
        c("mha_attn_mask_3d", () -> new MultiheadAttention(4, 2), mha(false, false, true, true, true));
        c("mha_unbatched", () -> new MultiheadAttention(4, 2), mha());
        c("mha_batch_first_self", () -> new MultiheadAttention(6, 3, 0.0, true, null, null, true),
                mha(true, false, false, true, true));
        c("tel_default", () -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true));
        c("tel_norm_first", () -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, true, true));
        c("tel_gelu_batch_first", () -> new TransformerEncoderLayer(4, 2, 8, 0.1, "gelu", 1e-5, true, false, true));
        c("tel_mask", () -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true),
                (m, in) -> List.of(((TransformerEncoderLayer) m).forward(in.get(0), in.get(1), null, false)));
        Fwd dec = (m, in) -> List.of(((TransformerDecoderLayer) m).forward(in.get(0), in.get(1)));
        c("tdl_default", () -> new TransformerDecoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true), dec);
        c("tdl_norm_first", () -> new TransformerDecoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, true, true), dec);
        c("tdl_gelu_batch_first", () -> new TransformerDecoderLayer(4, 2, 8, 0.1, "gelu", 1e-5, true, false, true), dec);
        c("sequential", () -> new Sequential(new Linear(4, 5), new ReLU(), new Linear(5, 2)));
        c("sequential_nested", () -> new Sequential(new Sequential(new Linear(3, 3), new Tanh()), new LayerNorm(3)));
        c("modulelist_repr", () -> new ModuleList<Module>(new Linear(2, 3), new ReLU(), new Linear(3, 2)), (m, in) -> List.of());
        c("moduledict_repr", () -> {
            Map<String, Module> d = new LinkedHashMap<>();
            d.put("b", new Linear(2, 3));
            d.put("a", new BatchNorm1d(3));
            return new ModuleDict<Module>(d);
        }, (m, in) -> List.of());
        c("upsample_nearest_2", () -> new Upsample(2.0));
        c("upsample_bilinear_2", () -> new Upsample(2.0, "bilinear"));
        c("upsample_bilinear_ac", () -> new Upsample(a(5, 4), null, "bilinear", true, null));
        c("upsample_nearest_size", () -> Upsample.ofSize(5, "nearest"));
        c("upsample_bicubic", () -> new Upsample(2.0, "bicubic"));
        c("upsampling_bilinear2d", () -> new UpsamplingBilinear2d(2.0));
        c("upsampling_nearest2d", () -> new UpsamplingNearest2d(2.0));
        c("pixelshuffle_2", () -> new PixelShuffle(2));
        c("pixelunshuffle_2", () -> new PixelUnshuffle(2));
        // init
        c("init_linear", () -> new Linear(64, 256));
        c("init_linear_nobias", () -> new Linear(100, 50, false));
        c("init_conv1d", () -> new Conv1d(8, 128, 5));
        c("init_conv2d", () -> new Conv2d(8, 128, 3));
        c("init_conv2d_groups", () -> new Conv2d(8, 128, a(3), a(1), a(0), a(1), 4, true));
        c("init_convt", () -> new ConvTranspose2d(16, 128, 3));
        c("init_convt_groups", () -> new ConvTranspose2d(16, 128, a(3), a(1), a(0), a(0), 2, true, a(1)));
        c("init_embedding", () -> new Embedding(100, 16));
        c("init_embedding_pad", () -> new Embedding(100, 16, 3L, null, 2.0, false));
        c("init_bag", () -> new EmbeddingBag(100, 16));
        c("init_lstm", () -> new LSTM(16, 64));
        c("init_lstm_proj", () -> new LSTM(16, 64, 1, true, false, 0, false, 32));
        c("init_gru", () -> new GRU(16, 64));
        c("init_lstmcell", () -> new LSTMCell(16, 64));
        c("init_grucell", () -> new GRUCell(16, 64));
        c("init_mha", () -> new MultiheadAttention(64, 4));
        c("init_mha_kdim", () -> new MultiheadAttention(64, 4, 0.0, true, 32, 48, false));
        c("init_mha_biaskv", () -> new MultiheadAttention(128, 4, 0.0, true, true, false, null, null, false));
        c("init_bn1d", () -> new BatchNorm1d(8));
        c("init_bn2d", () -> new BatchNorm2d(8));
        c("init_instnorm_affine", () -> new InstanceNorm2d(8, 1e-5, 0.1, true, true));
        c("init_layernorm", () -> new LayerNorm(8));
        c("init_groupnorm", () -> new GroupNorm(2, 8));
        c("init_rmsnorm", () -> new RMSNorm(8));
        c("init_tel", () -> new TransformerEncoderLayer(64, 4, 128, 0.1, "relu", 1e-5, false, false, true));
        // errors (eval, float64)
        c("err_linear_features", () -> new Linear(4, 3));
        c("err_conv1d_channels", () -> new Conv1d(2, 3, 3));
        c("err_conv1d_dim", () -> new Conv1d(2, 3, 3));
        c("err_conv2d_channels", () -> new Conv2d(2, 3, 3));
        c("err_conv2d_dim", () -> new Conv2d(2, 3, 3));
        c("err_conv2d_small", () -> new Conv2d(2, 3, 3));
        c("err_convt_channels", () -> new ConvTranspose2d(2, 3, 3));
        c("err_bn1d_dim", () -> new BatchNorm1d(3));
        c("err_bn1d_channels", () -> new BatchNorm1d(3));
        c("err_bn2d_dim", () -> new BatchNorm2d(3));
        c("err_layernorm_shape", () -> new LayerNorm(4));
        c("err_groupnorm_channels", () -> new GroupNorm(2, 4));
        c("err_embedding_float", () -> new Embedding(5, 3));
        c("err_embedding_range", () -> new Embedding(5, 3));
        c("err_lstm_inputsize", () -> new LSTM(3, 4), LSTM_OUT);
        c("err_lstm_dim", () -> new LSTM(3, 4), LSTM_OUT);
        c("err_gru_hx", () -> new GRU(3, 4), GRU_OUT);
        c("err_mha_embed", () -> new MultiheadAttention(4, 2), mha());
        c("err_maxpool_dim", () -> new MaxPool2d(2));
        c("err_pixelshuffle", () -> new PixelShuffle(2));
        c("err_softmax_dim", () -> new Softmax(3));
        c("err_rnn_dtype", () -> new LSTM(3, 4), LSTM_OUT);
    }

    /** PyTorch 2.x's messages where 1.13 words them differently (torch/nn/modules/rnn.py of 2.x). */
    private static final Map<String, String> ERR_2X = Map.of(
            "err_lstm_dim", "ValueError LSTM: Expected input to be 2D or 3D, got 4D instead",
            "err_rnn_dtype", "ValueError input must have the type torch.float64, got type torch.float32");

    // ------------------------------------------------------------------ expected file

    static Map<String, Map<String, String>> load() {
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        try (InputStream in = ModuleSweepTest.class.getResourceAsStream("/modulesweep/expected.txt")) {
            assertNotNull(in, "missing modulesweep/expected.txt");
            Map<String, String> cur = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    cur = new LinkedHashMap<>();
                    cases.put(line.substring(4), cur);
                } else if (cur != null && !line.isEmpty()) {
                    int sp = line.indexOf(' ');
                    cur.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return cases;
    }

    static int[] shapeOf(String f) {
        String s = f.substring(f.indexOf('[') + 1, f.indexOf(']'));
        return s.isBlank() ? new int[0] : Arrays.stream(s.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }

    private static double[] valuesOf(String f) {
        int c = f.indexOf(" : ");
        return c < 0 ? new double[0] : PyTorchCases.numbers(f.substring(c + 3));
    }

    static Tensor parse(String f, boolean grad) {
        Tensor t = PyTorchCases.tensor(f);
        return grad ? t.requiresGrad_(true) : t;
    }

    static double fill(String name, int i) {
        int s = 0;
        for (char ch : name.toCharArray()) {
            s += ch;
        }
        double v = 0.4 * Math.sin(0.7 * i + 0.05 * s + 0.3);
        return name.endsWith("running_var") ? 0.6 + Math.abs(v) : v;
    }

    private static Tensor gout(int k, Tensor t) {
        int n = (int) t.numel();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.cos(0.5 * i + 0.1 + k);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(t.shape());
    }

    private static String sig(Map<String, Tensor> named) {
        List<String> parts = new ArrayList<>();
        named.forEach((k, v) -> parts.add(k + "|" + Arrays.toString(v.shape()) + "|" + v.dtype().torchName().replace("torch.", "")));
        return String.join(" ; ", parts);
    }

    private static void assertClose(String what, String expected, Tensor actual) {
        assertNotNull(actual, what + ": Ember gave null, PyTorch " + expected.substring(0, Math.min(60, expected.length())));
        String dtype = expected.substring(0, expected.indexOf(' '));
        assertEquals(Arrays.toString(shapeOf(expected)), Arrays.toString(actual.shape()), what + " shape");
        assertEquals(dtype, actual.dtype().torchName().replace("torch.", ""), what + " dtype");
        double[] e = valuesOf(expected);
        double[] a = actual.dtype() == DType.BOOL ? actual.to(DType.FLOAT64).toDoubleArray() : actual.detach().to(DType.FLOAT64)
                .toDoubleArray();
        assertEquals(e.length, a.length, what + " numel");
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(e[i] - a[i]) <= 1e-9 + 1e-6 * Math.abs(e[i]);
            if (!ok) {
                fail(what + " differs at flat index " + i + ": PyTorch " + e[i] + ", Ember " + a[i]);
            }
        }
    }

    @TestFactory
    List<DynamicTest> sweep() {
        Map<String, Map<String, String>> cases = load();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> en : cases.entrySet()) {
            String name = en.getKey();
            Map<String, String> f = en.getValue();
            Spec spec = SPECS.get(name);
            if (name.startsWith("init_")) {
                tests.add(t(name + "_repr", () -> assertEquals(f.get("repr").replace("\\n", "\n"),
                        SPECS.get(name).ctor().get().toString())));
                tests.add(t(name, () -> checkInit(name, f)));
            } else if (name.startsWith("err_")) {
                tests.add(t(name, () -> checkError(name, f, false)));
                tests.add(t(name + "_msg", () -> checkError(name, f, true)));
            } else {
                tests.add(t(name + "_repr", () -> assertEquals(f.get("repr").replace("\\n", "\n"),
                        spec.ctor().get().toString())));
                tests.add(t(name + "_state", () -> {
                    Module m = spec.ctor().get();
                    assertEquals(f.get("params"), sig(m.namedParameters()), "named_parameters");
                    assertEquals(f.get("buffers"), sig(m.namedBuffers()), "named_buffers");
                    assertEquals(f.get("state"), sig(m.stateDict()), "state_dict");
                }));
                if (f.containsKey("in0") || f.containsKey("out0")) {
                    tests.add(t(name + "_forward", () -> checkForward(name, f, spec)));
                }
            }
        }
        for (String k : SPECS.keySet()) {
            assertTrue(cases.containsKey(k), "no expected case " + k);
        }
        return tests;
    }

    private static DynamicTest t(String name, org.junit.jupiter.api.function.Executable body) {
        return DynamicTest.dynamicTest(name, () -> {
            try {
                body.execute();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("[" + name + "] " + e, e);
            }
        });
    }

    static boolean trainCase(String name) {
        return name.contains("_train") || name.equals("bn1d_mom03_eps") || name.equals("bn2d_eps_mom");
    }

    private static void checkForward(String name, Map<String, String> f, Spec spec) {
        Module m = spec.ctor().get();
        m.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                Tensor v = e.getValue();
                if (v.dtype().isFloatingPoint()) {
                    int n = (int) v.numel();
                    double[] d = new double[n];
                    for (int i = 0; i < n; i++) {
                        d[i] = fill(e.getKey(), i);
                    }
                    v.copy_(Tensor.tensor(d, DType.FLOAT64, Device.CPU).reshape(v.shape()));
                }
            }
        }
        m.train(trainCase(name));
        List<Tensor> ins = new ArrayList<>();
        for (int k = 0; f.containsKey("in" + k); k++) {
            String s = f.get("in" + k);
            ins.add(parse(s, s.startsWith("float")));
        }
        List<Tensor> outs = spec.fwd().run(m, ins);
        int nOut = 0;
        while (f.containsKey("out" + nOut)) {
            nOut++;
        }
        assertEquals(nOut, outs.size(), "number of outputs");
        Tensor loss = null;
        for (int k = 0; k < nOut; k++) {
            assertClose("out" + k, f.get("out" + k), outs.get(k));
            Tensor o = outs.get(k);
            if (o.dtype().isFloatingPoint() && o.requiresGrad()) {
                Tensor l = o.mul(gout(k, o)).sum();
                loss = loss == null ? l : loss.add(l);
            }
        }
        if (loss != null) {
            loss.backward();
        }
        for (int k = 0; k < ins.size(); k++) {
            String g = f.get("gin" + k);
            if (g != null) {
                assertClose("grad of input " + k, g, ins.get(k).grad());
            }
        }
        Map<String, Tensor> params = m.namedParameters();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getKey().startsWith("gp:")) {
                String p = e.getKey().substring(3);
                assertClose("grad of " + p, e.getValue(), params.get(p).grad());
            }
        }
        Map<String, Tensor> state = m.stateDict();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getKey().startsWith("post:")) {
                String p = e.getKey().substring(5);
                assertClose("state " + p + " after forward", e.getValue(), state.get(p));
            }
        }
    }

    private static void checkInit(String name, Map<String, String> f) {
        Module m = SPECS.get(name).ctor().get();
        assertEquals(f.get("state"), sig(m.stateDict()), "state_dict");
        Map<String, Tensor> state = m.stateDict();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (!e.getKey().startsWith("init:")) {
                continue;
            }
            String p = e.getKey().substring(5);
            String[] w = e.getValue().split(" ");
            double[] v = state.get(p).to(DType.FLOAT64).toDoubleArray();
            if (w[0].equals("const")) {
                double c = Double.parseDouble(w[1]);
                for (double x : v) {
                    if (x != c) {
                        problems.add(p + ": expected every value " + c + ", got " + x);
                        break;
                    }
                }
                continue;
            }
            double pmin = Double.parseDouble(w[1]);
            double pmax = Double.parseDouble(w[2]);
            double pstd = Double.parseDouble(w[4]);
            int n = v.length;
            double mean = Arrays.stream(v).sum() / n;
            double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (n - 1);
            double std = Math.sqrt(var);
            double min = Arrays.stream(v).min().orElse(0);
            double max = Arrays.stream(v).max().orElse(0);
            // six standard errors of a sample std (about 1 / sqrt(2 (n - 1))), so a check fails by chance about once
            // in a billion runs, not once in a few for the small tensors (a bias of three)
            double loose = Math.max(0.15, 6 / Math.sqrt(2.0 * Math.max(1, n - 1)));
            double pabs = Math.max(-pmin, pmax);
            double eabs = Math.max(-min, max);
            if (Math.abs(std / pstd - 1) > loose) {
                problems.add(String.format("%s: std %.5g, PyTorch %.5g", p, std, pstd));
            }
            if (Math.abs(mean) > 6 * pstd / Math.sqrt(n)) {
                problems.add(String.format("%s: mean %.5g, PyTorch std/sqrt(n) %.5g", p, mean, pstd / Math.sqrt(n)));
            }
            // a uniform init (max |x| about sqrt(3) std) must reach near its bound and not past it; a normal one's
            // largest sample is itself random (max |x| of n draws), so it is only held below eight std
            boolean uniform = pabs / pstd < 2.0;
            // (n uniform draws all fall below q times the bound with probability q^n: q = 1e-9^(1/n))
            if (uniform ? eabs > pabs * 1.05 || eabs < pabs * Math.pow(1e-9, 1.0 / n) : eabs > 8 * pstd) {
                problems.add(String.format("%s: max |x| %.5g, PyTorch %.5g (std %.5g)", p, eabs, pabs, pstd));
            }
        }
        if (f.containsKey("padrow")) {
            int r = Integer.parseInt(f.get("padrow"));
            double[] row = state.get("weight").select(0, r).to(DType.FLOAT64).toDoubleArray();
            if (Arrays.stream(row).anyMatch(x -> x != 0)) {
                problems.add("padding row " + r + " not zero");
            }
        }
        assertTrue(problems.isEmpty(), String.join("; ", problems));
    }

    private static void checkError(String name, Map<String, String> f, boolean wording) {
        Spec spec = SPECS.get(name);
        Module m = spec.ctor().get();
        m.to(DType.FLOAT64);
        m.eval();
        List<Tensor> ins = new ArrayList<>();
        for (int k = 0; f.containsKey("in" + k); k++) {
            ins.add(parse(f.get("in" + k), false));
        }
        String expected = ERR_2X.getOrDefault(name, f.get("error"));
        assertNotNull(expected, "PyTorch raised nothing");
        String msg = expected.substring(expected.indexOf(' ') + 1);
        Throwable thrown = null;
        try {
            spec.fwd().run(m, ins);
        } catch (RuntimeException e) {
            thrown = e;
        }
        if (thrown == null) {
            fail("Ember raised nothing; PyTorch: " + expected);
        }
        if (wording) {
            String got = thrown.getMessage() == null ? "" : thrown.getMessage();
            if (!got.endsWith(msg)) {
                fail("wording: PyTorch '" + msg + "', Ember " + thrown.getClass().getSimpleName() + " '" + got + "'");
            }
        }
    }
}
