package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CompileTarget;
import dev.kernelj.dsl.cuda.CudaProgram;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Names a set of views in a message: the build's own targets one by one ({@code sm_80, sm_90}), the
 * other architectures as a range ({@code sm_100 to sm_121 (6 architectures)}), and {@code NVRTC}
 * when only NVRTC sees the source that way.
 */
final class ViewLabels {
  private ViewLabels() {}

  static String of(List<CudaProgram.View> views) {
    TreeSet<Integer> built = new TreeSet<>();
    TreeSet<Integer> others = new TreeSet<>();
    boolean nvrtcOnly = true;
    for (CudaProgram.View v : views) {
      List<CompileTarget> targets = v.targets();
      for (int i = 0; i < targets.size(); i++) {
        (i < v.buildTargets() ? built : others).add(targets.get(i).arch());
        nvrtcOnly &= targets.get(i).compiler() == CompileTarget.Compiler.NVRTC;
      }
    }
    others.removeAll(built);
    List<String> parts = new ArrayList<>();
    built.forEach(a -> parts.add("sm_" + a));
    if (others.size() == 1) {
      parts.add("sm_" + others.first());
    } else if (!others.isEmpty()) {
      parts.add(
          (built.isEmpty() ? "" : "and ")
              + "sm_"
              + others.first()
              + " to sm_"
              + others.last()
              + " ("
              + others.size()
              + " architectures"
              + (nvrtcOnly ? ", NVRTC" : "")
              + ")");
      nvrtcOnly = false;
    }
    return String.join(", ", parts) + (nvrtcOnly ? " (NVRTC)" : "");
  }

  /** Only the build's own targets among the views: {@code sm_80, sm_90}. */
  static String buildTargets(List<CudaProgram.View> views) {
    TreeSet<Integer> built = new TreeSet<>();
    for (CudaProgram.View v : views) {
      for (int i = 0; i < v.buildTargets(); i++) {
        built.add(v.targets().get(i).arch());
      }
    }
    return String.join(", ", built.stream().map(a -> "sm_" + a).toList());
  }
}
