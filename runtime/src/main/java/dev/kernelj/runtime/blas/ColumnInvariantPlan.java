package dev.kernelj.runtime.blas;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.DType;
import java.util.HashMap;
import java.util.Map;

/**
 * One cuBLASLt algorithm pinned for a {@link ColumnInvariantGemm}, and the layouts of every column
 * count it has run.
 *
 * <p>Why a row of the output can change with the batch in the first place: cuBLASLt's heuristic
 * picks a kernel, a tile and a split of the k loop from the whole shape, so the order in which a
 * dot product is summed changes with the column count (measured on an H200 for 4096x4096 and
 * 4096x14336: rows differ between M = 1, 64 and 256). A kernel without a k split sums each dot
 * product in one sequence — k tiles in order, each through the same tensor-core instruction — and
 * which column a CTA computes, or how many CTAs there are, does not enter that sum. So the plan:
 *
 * <ol>
 *   <li>asks the heuristic once, at a representative column count, with a workspace too small for
 *       partial sums (split-K reductions and stream-K fix-ups keep theirs there, so no such
 *       algorithm can be offered) and only the reduction scheme {@code NONE};
 *   <li>keeps the first result whose configuration says one k split and no reduction, and which
 *       {@code cublasLtMatmulAlgoCheck} accepts at one column as well — or, when the heuristic
 *       offers none, the first result forced to one split;
 *   <li>checks the pinned algorithm again for every new column count before its first run (the
 *       layouts and the check are cached per count), and refuses with the reason if it cannot run.
 * </ol>
 *
 * <p>The heuristic is never asked again, so the choice cannot drift with the batch.
 */
final class ColumnInvariantPlan implements AutoCloseable {
  private static final int CANDIDATES = 16;

  /**
   * The workspace a pinned algorithm may use: 1 KiB, room for a kernel's small bookkeeping but far
   * too little for partial sums (one 64x64 f32 tile is 16 KiB), so split-K and stream-K kernels are
   * never offered. (vLLM's batch-invariant mode on Hopper caps cuBLASLt's workspace the same way.)
   */
  static final long SMALL_WORKSPACE_BYTES = 1024;

  private final ColumnInvariantGemm shape;
  private final long desc;
  private final long aLayout;
  private final Memory algo;
  private final Map<Integer, long[]> columnLayouts = new HashMap<>();

  private ColumnInvariantPlan(ColumnInvariantGemm shape, long desc, long aLayout, Memory algo) {
    this.shape = shape;
    this.desc = desc;
    this.aLayout = aLayout;
    this.algo = algo;
  }

  /**
   * Whether a heuristic result computes each dot product in one sequence: one k split (0 or 1; -1,
   * an attribute the library did not report, is no), reduction scheme {@code NONE}, and no more
   * than {@link #SMALL_WORKSPACE_BYTES} of workspace.
   */
  static boolean sumsInOneSequence(int splitK, int reductionScheme, long workspaceBytes) {
    return (splitK == 0 || splitK == 1)
        && reductionScheme == BlasConstants.CUBLASLT_REDUCTION_SCHEME_NONE
        && workspaceBytes >= 0
        && workspaceBytes <= SMALL_WORKSPACE_BYTES;
  }

  /** Chooses and pins the algorithm, asking the heuristic at {@code planColumns} columns. */
  static ColumnInvariantPlan create(
      long handle, ColumnInvariantGemm shape, int alignment, int planColumns) {
    CublasLtLibrary lt = BlasLibraries.lt();
    LongByReference ref = new LongByReference();
    BlasLibraries.checkLt(
        lt.cublasLtMatmulDescCreate(ref, shape.computeType(), BlasConstants.CUDA_R_32F),
        "cublasLtMatmulDescCreate");
    long desc = ref.getValue();
    long aLayout = 0;
    Memory algo = null;
    try (Memory op = new Memory(4)) {
      op.setInt(0, shape.transA().op());
      BlasLibraries.checkLt(
          lt.cublasLtMatmulDescSetAttribute(desc, BlasConstants.CUBLASLT_MATMUL_DESC_TRANSA, op, 4),
          "cublasLtMatmulDescSetAttribute(TRANSA)");
      op.setInt(0, shape.transB().op());
      BlasLibraries.checkLt(
          lt.cublasLtMatmulDescSetAttribute(desc, BlasConstants.CUBLASLT_MATMUL_DESC_TRANSB, op, 4),
          "cublasLtMatmulDescSetAttribute(TRANSB)");
      long[] a = shape.storedA();
      aLayout = layout(lt, shape.abType(), a[0], a[1], shape.lda());
      algo = choose(handle, shape, alignment, desc, aLayout, planColumns);
      return new ColumnInvariantPlan(shape, desc, aLayout, algo);
    } catch (RuntimeException e) {
      if (aLayout != 0) {
        lt.cublasLtMatrixLayoutDestroy(aLayout);
      }
      lt.cublasLtMatmulDescDestroy(desc);
      throw e;
    }
  }

  private static Memory choose(
      long handle,
      ColumnInvariantGemm shape,
      int alignment,
      long desc,
      long aLayout,
      int planColumns) {
    CublasLtLibrary lt = BlasLibraries.lt();
    long[] probe = columns(lt, shape, planColumns);
    long[] one = columns(lt, shape, 1);
    try (Memory results = new Memory((long) CANDIDATES * BlasConstants.HEURISTIC_RESULT_BYTES)) {
      // First with the reduction mask; some library versions may offer nothing under it, and the
      // configuration check below filters the unmasked list just as well.
      for (boolean masked : new boolean[] {true, false}) {
        int found = heuristic(handle, alignment, desc, aLayout, probe, masked, results);
        Memory pinned = firstInOneSequence(handle, desc, aLayout, probe, one, results, found);
        if (pinned == null && found > 0) {
          pinned = forcedToOneSplit(handle, desc, aLayout, probe, one, results);
        }
        if (pinned != null) {
          return pinned;
        }
      }
      throw new CublasException(
          15,
          "CUBLAS_STATUS_NOT_SUPPORTED",
          "cuBLASLt offers no algorithm without a k split for the batch-invariant GEMM "
              + shape
              + " with operands aligned to "
              + alignment
              + " bytes");
    } finally {
      destroy(lt, probe);
      destroy(lt, one);
    }
  }

  private static int heuristic(
      long handle,
      int alignment,
      long desc,
      long aLayout,
      long[] probe,
      boolean masked,
      Memory results) {
    CublasLtLibrary lt = BlasLibraries.lt();
    LongByReference ref = new LongByReference();
    BlasLibraries.checkLt(lt.cublasLtMatmulPreferenceCreate(ref), "cublasLtMatmulPreferenceCreate");
    long preference = ref.getValue();
    try (Memory u64 = new Memory(8);
        Memory u32 = new Memory(4)) {
      u64.setLong(0, SMALL_WORKSPACE_BYTES); // no room for split-K or stream-K partial sums
      setPreference(lt, preference, BlasConstants.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, u64, 8);
      if (masked) {
        u32.setInt(0, BlasConstants.CUBLASLT_REDUCTION_SCHEME_NONE);
        setPreference(
            lt, preference, BlasConstants.CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, u32, 4);
      }
      u32.setInt(0, alignment);
      for (int attribute :
          new int[] {
            BlasConstants.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
            BlasConstants.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
            BlasConstants.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
            BlasConstants.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES
          }) {
        setPreference(lt, preference, attribute, u32, 4);
      }
      results.clear();
      IntByReference found = new IntByReference();
      int status =
          lt.cublasLtMatmulAlgoGetHeuristic(
              handle,
              desc,
              aLayout,
              probe[0],
              probe[1],
              probe[1],
              preference,
              CANDIDATES,
              results,
              found);
      // NOT_SUPPORTED here means "no algorithm under these preferences": try the next pass.
      return status == BlasConstants.CUBLAS_STATUS_SUCCESS ? found.getValue() : 0;
    } finally {
      lt.cublasLtMatmulPreferenceDestroy(preference);
    }
  }

  private static Memory firstInOneSequence(
      long handle, long desc, long aLayout, long[] probe, long[] one, Memory results, int found) {
    for (int i = 0; i < found; i++) {
      Pointer result = results.share((long) i * BlasConstants.HEURISTIC_RESULT_BYTES);
      if (result.getInt(BlasConstants.HEURISTIC_STATE_OFFSET)
          != BlasConstants.CUBLAS_STATUS_SUCCESS) {
        continue;
      }
      int splitK = configOf(result, BlasConstants.CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
      int scheme = configOf(result, BlasConstants.CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
      long workspace = result.getLong(BlasConstants.HEURISTIC_WORKSPACE_OFFSET);
      if (sumsInOneSequence(splitK, scheme, workspace)
          && fitsSmallWorkspace(handle, desc, aLayout, probe, result)
          && fitsSmallWorkspace(handle, desc, aLayout, one, result)) {
        return copy(result);
      }
    }
    return null;
  }

  /** The heuristic's first choice with its k split set to one and no reduction, if that runs. */
  private static Memory forcedToOneSplit(
      long handle, long desc, long aLayout, long[] probe, long[] one, Memory results) {
    Memory algo = copy(results);
    CublasLtLibrary lt = BlasLibraries.lt();
    try (Memory u32 = new Memory(4)) {
      u32.setInt(0, 1);
      int s1 =
          lt.cublasLtMatmulAlgoConfigSetAttribute(
              algo, BlasConstants.CUBLASLT_ALGO_CONFIG_SPLITK_NUM, u32, 4);
      u32.setInt(0, BlasConstants.CUBLASLT_REDUCTION_SCHEME_NONE);
      int s2 =
          lt.cublasLtMatmulAlgoConfigSetAttribute(
              algo, BlasConstants.CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, u32, 4);
      if (s1 == BlasConstants.CUBLAS_STATUS_SUCCESS
          && s2 == BlasConstants.CUBLAS_STATUS_SUCCESS
          && fitsSmallWorkspace(handle, desc, aLayout, probe, algo)
          && fitsSmallWorkspace(handle, desc, aLayout, one, algo)) {
        return algo;
      }
    }
    algo.close();
    return null;
  }

  private static boolean fitsSmallWorkspace(
      long handle, long desc, long aLayout, long[] columns, Pointer algo) {
    try (Memory check = new Memory(BlasConstants.HEURISTIC_RESULT_BYTES)) {
      check.clear();
      int status =
          BlasLibraries.lt()
              .cublasLtMatmulAlgoCheck(
                  handle, desc, aLayout, columns[0], columns[1], columns[1], algo, check);
      long workspace = check.getLong(BlasConstants.HEURISTIC_WORKSPACE_OFFSET);
      return status == BlasConstants.CUBLAS_STATUS_SUCCESS
          && workspace >= 0
          && workspace <= SMALL_WORKSPACE_BYTES;
    }
  }

  /** Runs on the caller's lock ({@link BlasLt}). */
  void matmul(
      long handle,
      int n,
      Pointer alpha,
      long a,
      long b,
      Pointer beta,
      long c,
      long workspace,
      long stream) {
    long[] cols = columnLayouts.get(n);
    if (cols == null) {
      cols = columns(BlasLibraries.lt(), shape, n);
      if (!fitsSmallWorkspace(handle, desc, aLayout, cols, algo)) {
        destroy(BlasLibraries.lt(), cols);
        throw new CublasException(
            15,
            "CUBLAS_STATUS_NOT_SUPPORTED",
            "cublasLtMatmulAlgoCheck: the algorithm pinned for the batch-invariant GEMM "
                + shape
                + " cannot run n="
                + n
                + " columns within "
                + SMALL_WORKSPACE_BYTES
                + " bytes of workspace");
      }
      columnLayouts.put(n, cols);
    }
    BlasLibraries.checkLt(
        BlasLibraries.lt()
            .cublasLtMatmul(
                handle,
                desc,
                alpha,
                a,
                aLayout,
                b,
                cols[0],
                beta,
                c,
                cols[1],
                c,
                cols[1],
                algo,
                workspace,
                SMALL_WORKSPACE_BYTES,
                stream),
        "cublasLtMatmul(batch-invariant " + shape + ", n=" + n + ")");
  }

  /** The layouts of B and C (C also serves as D) for {@code n} columns. */
  private static long[] columns(CublasLtLibrary lt, ColumnInvariantGemm shape, int n) {
    long[] b = shape.storedB(n);
    long bLayout = layout(lt, shape.abType(), b[0], b[1], shape.ldb());
    try {
      return new long[] {bLayout, layout(lt, shape.cType(), shape.m(), n, shape.ldc())};
    } catch (RuntimeException e) {
      lt.cublasLtMatrixLayoutDestroy(bLayout);
      throw e;
    }
  }

  private static long layout(CublasLtLibrary lt, DType type, long rows, long cols, long ld) {
    LongByReference ref = new LongByReference();
    BlasLibraries.checkLt(
        lt.cublasLtMatrixLayoutCreate(ref, BlasConstants.dataType(type), rows, cols, ld),
        "cublasLtMatrixLayoutCreate(" + rows + "x" + cols + ", ld " + ld + ")");
    return ref.getValue();
  }

  private static void setPreference(
      CublasLtLibrary lt, long preference, int attribute, Memory value, int bytes) {
    BlasLibraries.checkLt(
        lt.cublasLtMatmulPreferenceSetAttribute(preference, attribute, value, bytes),
        "cublasLtMatmulPreferenceSetAttribute(" + attribute + ")");
  }

  private static int configOf(Pointer algo, int attribute) {
    try (Memory value = new Memory(4)) {
      value.setInt(0, 1);
      int status =
          BlasLibraries.lt()
              .cublasLtMatmulAlgoConfigGetAttribute(
                  algo, attribute, value, 4, new LongByReference());
      // An attribute the library cannot report counts as "not known to be one sequence".
      return status == BlasConstants.CUBLAS_STATUS_SUCCESS ? value.getInt(0) : -1;
    }
  }

  private static Memory copy(Pointer algo) {
    Memory m = new Memory(BlasConstants.ALGO_BYTES);
    m.write(0, algo.getByteArray(0, BlasConstants.ALGO_BYTES), 0, BlasConstants.ALGO_BYTES);
    return m;
  }

  private static void destroy(CublasLtLibrary lt, long[] layouts) {
    for (long l : layouts) {
      lt.cublasLtMatrixLayoutDestroy(l);
    }
  }

  @Override
  public void close() {
    CublasLtLibrary lt = BlasLibraries.lt();
    columnLayouts.values().forEach(cols -> destroy(lt, cols));
    columnLayouts.clear();
    lt.cublasLtMatrixLayoutDestroy(aLayout);
    lt.cublasLtMatmulDescDestroy(desc);
    algo.close();
  }
}
