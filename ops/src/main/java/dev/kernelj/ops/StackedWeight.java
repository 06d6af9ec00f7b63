package dev.kernelj.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * A fused projection whose row blocks cannot share one kernel call: parts quantized with different
 * input orders (act-order weights of different {@code g_idx}), or some parts quantized and others
 * not. {@link Ops#linear} runs each part into its columns of the output.
 *
 * @param parts row blocks in order, all with the same inputs
 */
public record StackedWeight(List<LinearWeight> parts) implements LinearWeight {
  public StackedWeight {
    parts = List.copyOf(parts);
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a stacked weight needs parts");
    }
    for (LinearWeight p : parts) {
      if (p.inFeatures() != parts.get(0).inFeatures()) {
        throw new IllegalArgumentException(
            "stacked parts must share their inputs: "
                + p.inFeatures()
                + " vs "
                + parts.get(0).inFeatures());
      }
    }
  }

  @Override
  public int outFeatures() {
    return parts.stream().mapToInt(LinearWeight::outFeatures).sum();
  }

  @Override
  public int inFeatures() {
    return parts.get(0).inFeatures();
  }

  /** Rows {@code [from, to)}: views of the overlapped parts, cut where the range cuts them. */
  @Override
  public LinearWeight rows(int from, int to) {
    if (from < 0 || to > outFeatures() || from >= to) {
      throw new IllegalArgumentException(
          "rows [" + from + ", " + to + ") of a " + outFeatures() + "-row weight");
    }
    List<LinearWeight> cut = new ArrayList<>();
    int start = 0;
    for (LinearWeight p : parts) {
      int end = start + p.outFeatures();
      int a = Math.max(from, start);
      int b = Math.min(to, end);
      if (a < b) {
        cut.add(p.rows(a - start, b - start)); // views even when whole: closing one frees nothing
      }
      start = end;
    }
    return cut.size() == 1 ? cut.get(0) : new StackedWeight(cut);
  }

  @Override
  public long bytes() {
    return parts.stream().mapToLong(LinearWeight::bytes).sum();
  }

  @Override
  public void close() {
    parts.forEach(LinearWeight::close);
  }
}
