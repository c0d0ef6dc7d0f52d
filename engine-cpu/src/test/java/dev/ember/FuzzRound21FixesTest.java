package dev.ember;

import dev.ember.data.RandomSampler;
import dev.ember.data.Subset;
import dev.ember.data.TensorDataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the bugs round 21 of the differential fuzz (DifferentialFuzzR21Test: programs over the data pipeline
 * under PyTorch's CPU generator) found in {@code dev.ember.data}, each a short program of PyTorch's values, errors and
 * generator states after every statement ({@code differentialfuzzr21/make_fixes.py}, replayed by
 * {@link FuzzR21Interpreter}): BatchSampler read one batch ahead of the one asked for, so a shuffled epoch drew its last
 * {@code randperm(n)[:0]}, and a sampler with replacement its next chunk of 32, a batch early (a shared generator's
 * state after each batch differed from PyTorch's); random_split took integer lengths that add up to 1 as lengths
 * (PyTorch tests {@code math.isclose(sum, 1)} first, so {@code [1, 0]} of ten samples splits 10 and 0); ConcatDataset
 * refused an index past its end in its own words (PyTorch: "list index out of range"); a shuffled loader over an empty
 * data set with batch_size 0 refused the batch size before its sampler's num_samples (PyTorch makes the RandomSampler
 * first); a RandomSampler without replacement with num_samples over an empty data set failed with an
 * ArrayIndexOutOfBoundsException (PyTorch: its seed drawn, then "integer division or modulo by zero"); a batch of a
 * StackDataset was read sample by sample (2.x's StackDataset.__getitems__, which the fetcher calls, reads it data set
 * by data set, and so orders the draws of a data set that draws; a Subset passes a batch on to a data set that reads
 * batches its own way, every index mapped first, and otherwise reads it sample by sample, the samples before a bad
 * index read, as 2.x's {@code Subset.__getitems__}); the default collate refused a bool after an int and an int after
 * a bool (PyTorch's collate_int_fn, which a bool takes too, infers int64 from them through {@code torch.tensor}).
 */
@ExtendWith(Mt19937Default.class)
class FuzzRound21FixesTest {
    private static final Map<String, List<String>> CASES = FuzzFixes.load("/differentialfuzzr21/fixes.txt");

    /** The named program matches PyTorch after every statement. */
    private static void matches(String name) {
        List<String> program = CASES.get(name);
        assertTrue(program != null && program.size() > 4, "no program " + name);
        assertNull(FuzzR21Interpreter.run(program), name);
    }

    @Test
    void batchSamplerReadsNoBatchAhead() {
        matches("batch_sampler_reads_no_batch_ahead");
    }

    @Test
    void randomSplitTakesIntegerLengthsAddingUpToOneAsFractions() {
        matches("random_split_integer_lengths_adding_up_to_one");
    }

    @Test
    void concatDatasetPastItsEndSaysListIndexOutOfRange() {
        matches("concat_dataset_past_its_end");
    }

    @Test
    void emptyShuffledLoaderRefusesItsSamplerFirst() {
        matches("empty_shuffled_loader_refuses_its_sampler_first");
    }

    @Test
    void randomSamplerOverAnEmptyDataSet() {
        matches("random_sampler_over_an_empty_data_set");
        // the type too: an ArithmeticException (Python's ZeroDivisionError), never an index error; the seed is drawn
        Ember.manualSeed(2);
        Tensor before = Ember.getRngState();
        Subset<List<Tensor>> empty = new Subset<>(new TensorDataset(Tensor.arange(3)));
        RandomSampler s = new RandomSampler(empty, false, 3, null);
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> s.iterator().nextInt());
        assertEquals("integer division or modulo by zero", e.getMessage());
        Tensor.empty(DType.INT64).random_(); // the seed PyTorch's sampler draws
        assertArrayEquals(Ember.getRngState().toByteArray(), drawnOnce(before));
    }

    private static byte[] drawnOnce(Tensor state) {
        Generator g = new Generator(0, Generator.Algorithm.MT19937).setState(state);
        Tensor.empty(DType.INT64).random_(g);
        Tensor.empty(DType.INT64).random_(g);
        return g.getState().toByteArray();
    }

    @Test
    void stackDatasetReadsABatchDataSetByDataSet() {
        matches("stack_dataset_reads_a_batch_dataset_by_dataset");
    }

    @Test
    void subsetBatchReadsUntilABadIndex() {
        matches("subset_batch_reads_until_a_bad_index");
    }

    @Test
    void defaultCollateOfMixedNumbers() {
        matches("default_collate_of_mixed_numbers");
    }
}
