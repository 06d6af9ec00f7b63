package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import java.util.ArrayList;
import java.util.List;

/** Fakes of the attention kernel interfaces that record each call instead of launching. */
final class RecordingKernels {
  private RecordingKernels() {}

  record Call(String kernel, Launch launch, List<Object> args) {}

  static final class Prefill implements PrefillAttentionKernels {
    final List<Call> calls = new ArrayList<>();

    @Override
    public void prefillD64(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> k,
        ConstPtr<BF16> v,
        Ptr<BF16> o,
        int seqQ,
        int seqKv,
        int nHeads,
        int nKvHeads,
        float scaleLog2,
        int causal,
        int window) {
      calls.add(
          new Call(
              "d64",
              launch,
              List.of(q, k, v, o, seqQ, seqKv, nHeads, nKvHeads, scaleLog2, causal, window)));
    }

    @Override
    public void prefillD128(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> k,
        ConstPtr<BF16> v,
        Ptr<BF16> o,
        int seqQ,
        int seqKv,
        int nHeads,
        int nKvHeads,
        float scaleLog2,
        int causal,
        int window) {
      calls.add(
          new Call(
              "d128",
              launch,
              List.of(q, k, v, o, seqQ, seqKv, nHeads, nKvHeads, scaleLog2, causal, window)));
    }
  }

  static final class Decode implements PagedDecodeAttentionKernels {
    final List<Call> calls = new ArrayList<>();

    @Override
    public void decodeD64(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> kCache,
        ConstPtr<BF16> vCache,
        ConstPtr<I32> blockTables,
        ConstPtr<I32> contextLens,
        Ptr<BF16> out,
        Ptr<F32> partialOut,
        Ptr<F32> partialMax,
        Ptr<F32> partialSum,
        int nHeads,
        int nKvHeads,
        int blockSize,
        int maxBlocksPerSeq,
        int partitionSize,
        int maxPartitions,
        float scaleLog2,
        int window) {
      add(
          "d64",
          launch,
          partialOut,
          nHeads,
          nKvHeads,
          blockSize,
          maxBlocksPerSeq,
          partitionSize,
          maxPartitions,
          scaleLog2,
          window);
    }

    @Override
    public void decodeD128(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> kCache,
        ConstPtr<BF16> vCache,
        ConstPtr<I32> blockTables,
        ConstPtr<I32> contextLens,
        Ptr<BF16> out,
        Ptr<F32> partialOut,
        Ptr<F32> partialMax,
        Ptr<F32> partialSum,
        int nHeads,
        int nKvHeads,
        int blockSize,
        int maxBlocksPerSeq,
        int partitionSize,
        int maxPartitions,
        float scaleLog2,
        int window) {
      add(
          "d128",
          launch,
          partialOut,
          nHeads,
          nKvHeads,
          blockSize,
          maxBlocksPerSeq,
          partitionSize,
          maxPartitions,
          scaleLog2,
          window);
    }

    @Override
    public void decodeD128Wide(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> kCache,
        ConstPtr<BF16> vCache,
        ConstPtr<I32> blockTables,
        ConstPtr<I32> contextLens,
        Ptr<BF16> out,
        Ptr<F32> partialOut,
        Ptr<F32> partialMax,
        Ptr<F32> partialSum,
        int nHeads,
        int nKvHeads,
        int blockSize,
        int maxBlocksPerSeq,
        int partitionSize,
        int maxPartitions,
        float scaleLog2,
        int window) {
      add(
          "d128w8",
          launch,
          partialOut,
          nHeads,
          nKvHeads,
          blockSize,
          maxBlocksPerSeq,
          partitionSize,
          maxPartitions,
          scaleLog2,
          window);
    }

    private void add(
        String kernel,
        Launch launch,
        Ptr<F32> partialOut,
        int nHeads,
        int nKvHeads,
        int blockSize,
        int maxBlocksPerSeq,
        int partitionSize,
        int maxPartitions,
        float scaleLog2,
        int window) {
      calls.add(
          new Call(
              kernel,
              launch,
              List.of(
                  partialOut,
                  nHeads,
                  nKvHeads,
                  blockSize,
                  maxBlocksPerSeq,
                  partitionSize,
                  maxPartitions,
                  scaleLog2,
                  window)));
    }

    @Override
    public void reduce(
        Launch launch,
        ConstPtr<F32> partialOut,
        ConstPtr<F32> partialMax,
        ConstPtr<F32> partialSum,
        ConstPtr<I32> contextLens,
        Ptr<BF16> out,
        int nHeads,
        int headDim,
        int partitionSize,
        int maxPartitions,
        int window) {
      calls.add(
          new Call(
              "reduce",
              launch,
              List.of(partialOut, nHeads, headDim, partitionSize, maxPartitions, window)));
    }
  }
}
