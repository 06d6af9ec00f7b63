package dev.kernelj.ops.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.Nvcc;
import dev.kernelj.runtime.driver.CuConstants;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every launch the attention ops make fits the shared memory the driver will allow, as the runtime
 * sets it up: a function's dynamic limit is 48 KiB minus its static shared memory unless the method
 * declares a {@code maxDynamicSharedBytes} above 48 KiB, which the runtime then sets at load,
 * capped at the card's opt-in maximum less the static part. Static sizes come from ptxas. The first
 * GPU run failed exactly here: the d64 decode kernel asked for 48 KiB of dynamic memory on top of
 * 512 static bytes and every launch was refused as an invalid value.
 */
class SharedMemoryBudgetTest {
  /**
   * Opt-in maximum of dynamic plus static shared memory per block: A100 (sm_80), the RTX 30 series
   * (sm_86), L4, L40S and the RTX 40 series (sm_89), H100 and H200 (sm_90).
   */
  private static final Map<String, Integer> OPT_IN =
      Map.of("sm_80", 163 * 1024, "sm_86", 99 * 1024, "sm_89", 99 * 1024, "sm_90", 227 * 1024);

  static Stream<Arguments> launches() {
    var d64 = PagedDecodeAttention.Shape.of(2, 14, 2, 64, 300, 16, 150);
    var d128 = PagedDecodeAttention.Shape.of(2, 32, 8, 128, 300, 16, 150);
    var plan = new PagedDecodeAttention.Plan(256, 4);
    return Stream.of(
        Arguments.of(
            PagedDecodeAttentionKernels.class,
            "decodeD64",
            PagedDecodeAttention.partitionLaunch(d64, plan, 4, StreamRef.DEFAULT)),
        Arguments.of(
            PagedDecodeAttentionKernels.class,
            "decodeD128",
            PagedDecodeAttention.partitionLaunch(d128, plan, 4, StreamRef.DEFAULT)),
        Arguments.of(
            PagedDecodeAttentionKernels.class,
            "reduce",
            PagedDecodeAttention.reduceLaunch(d128, StreamRef.DEFAULT)),
        Arguments.of(
            PrefillAttentionKernels.class,
            "prefillD64",
            PrefillAttention.launchFor(
                PrefillAttention.Shape.of(1, 300, 300, 8, 2, 64, true), StreamRef.DEFAULT)),
        Arguments.of(
            PrefillAttentionKernels.class,
            "prefillD128",
            PrefillAttention.launchFor(
                PrefillAttention.Shape.of(1, 300, 300, 8, 2, 128, true), StreamRef.DEFAULT)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("launches")
  void launchFitsTheLimitTheRuntimeSets(Class<?> kernels, String method, Launch launch)
      throws Exception {
    assertFits(kernels, method, launch, OPT_IN.keySet());
  }

  /**
   * The eight-warp decode kernel fits every GPU {@link PagedDecodeAttention#warps} takes it on: the
   * H100/H200 only (193 KiB of stages).
   */
  @Test
  void eightWarpsFitWhereTheyAreChosen() throws Exception {
    var shape = PagedDecodeAttention.Shape.of(2, 32, 8, 128, 300, 16, 150);
    var plan = new PagedDecodeAttention.Plan(256, 4);
    Set<String> wide = new TreeSet<>();
    for (Map.Entry<String, Integer> arch : OPT_IN.entrySet()) {
      if (PagedDecodeAttention.warps(shape, arch.getValue()) == 8) {
        wide.add(arch.getKey());
      }
    }
    assertEquals(Set.of("sm_90"), wide, "GPUs given eight warps");
    Launch launch = PagedDecodeAttention.partitionLaunch(shape, plan, 8, StreamRef.DEFAULT);
    assertEquals(256, launch.block().x());
    assertFits(PagedDecodeAttentionKernels.class, "decodeD128Wide", launch, wide);
  }

  private static void assertFits(Class<?> kernels, String method, Launch launch, Set<String> archs)
      throws Exception {
    Path nvcc = Nvcc.find();
    assumeTrue(
        nvcc != null, "nvcc not found (set KERNELJ_NVCC); static shared memory cannot be measured");
    Method m =
        Arrays.stream(kernels.getMethods())
            .filter(x -> x.getName().equals(method))
            .findFirst()
            .orElseThrow();
    Global global = m.getAnnotation(Global.class);
    assertNotNull(global, method + " has no @Global");
    for (String arch : archs) {
      Nvcc.Usage usage = Nvcc.resourceUsage(nvcc, kernels, arch).get(global.value());
      assertNotNull(usage, "ptxas reported no entry " + global.value() + " for " + arch);
      int declared = global.maxDynamicSharedBytes();
      boolean raised = declared > CuConstants.DEFAULT_DYNAMIC_SHARED_LIMIT;
      int limit =
          raised
              ? Math.min(declared, OPT_IN.get(arch) - usage.staticSharedBytes())
              : CuConstants.DEFAULT_DYNAMIC_SHARED_LIMIT - usage.staticSharedBytes();
      String what =
          kernels.getSimpleName()
              + "."
              + method
              + " ("
              + global.value()
              + ") on "
              + arch
              + ": launch asks "
              + launch.sharedBytes()
              + " dynamic bytes, static "
              + usage.staticSharedBytes()
              + ", declared max "
              + declared;
      assertTrue(launch.sharedBytes() <= limit, what + " exceeds the function's limit " + limit);
    }
  }
}
