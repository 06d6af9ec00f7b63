package dev.kernelj.runtime.dynamic;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.check.JavaParam;
import dev.kernelj.dsl.check.ParamLayout;
import dev.kernelj.dsl.check.Problem;
import dev.kernelj.dsl.check.SignatureCheck;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A kernel compiled at run time from a CUDA C string (for jshell and notebooks), launched with
 * plain Java values checked by the same rules the annotation processor applies at compile time
 * ({@link SignatureCheck}).
 *
 * <pre>{@code
 * DynamicKernel saxpy = ctx.compile(source, "saxpy");
 * saxpy.launch(Launch.grid(Launch.blocksFor(n, 256)).block(256), n, 2.0f, x, y);
 * }</pre>
 *
 * Arguments map to C types as {@link ArgumentMapping#toJavaParam} says: {@code Integer} is {@code
 * int}, {@code Long} is {@code long long}, {@code Float} is {@code float}, a {@code ConstPtr<F32>}
 * is {@code const float*}, a {@code Ptr<F32>} is {@code float*}, and {@link Args} wraps unsigned
 * values. All problems of one launch are reported together in one {@link IllegalArgumentException}.
 */
public final class DynamicKernel {
  /** The loaded function the kernel launches; a fake in tests. */
  public interface Target {
    /** Launches with the arguments now in {@code params}. */
    void launch(Launch launch, ParamBlock params);

    /**
     * Disagreements between {@code javaSizes} and the loaded function's parameters; empty when none
     * or unknown.
     */
    List<String> checkParamSizes(int[] javaSizes);
  }

  /** The matching rules; {@link SignatureCheck#check} unless a test substitutes one. */
  @FunctionalInterface
  public interface Checker {
    SignatureCheck check(List<JavaParam> params, NameExpression name, CudaSource source);
  }

  private final CudaSource source;
  private final NameExpression name;
  private final Target target;
  private final Checker checker;

  /** Parameter lists that passed the check, with their blocks; the common case is one entry. */
  private final Map<List<JavaParam>, ParamBlock> checked = new HashMap<>();

  public DynamicKernel(CudaSource source, NameExpression name, Target target, Checker checker) {
    this.source = Objects.requireNonNull(source, "source");
    this.name = Objects.requireNonNull(name, "name");
    this.target = Objects.requireNonNull(target, "target");
    this.checker = Objects.requireNonNull(checker, "checker");
  }

  /** A kernel checked with the shared {@link SignatureCheck} rules. */
  public DynamicKernel(CudaSource source, NameExpression name, Target target) {
    this(source, name, target, SignatureCheck::check);
  }

  /** The name expression this kernel was compiled for, e.g. {@code scale<float>}. */
  public String nameExpression() {
    return name.text();
  }

  /**
   * Checks {@code args} against the kernel's CUDA declaration, writes them into the native
   * parameter block and launches.
   *
   * @throws IllegalArgumentException listing every problem when the arguments do not fit
   */
  public void launch(Launch launch, Object... args) {
    Objects.requireNonNull(launch, "launch");
    List<JavaParam> params = new ArrayList<>(args.length);
    for (Object a : args) {
      params.add(ArgumentMapping.toJavaParam(a));
    }
    ParamBlock block = blockFor(params, args);
    synchronized (block) {
      ArgumentMapping.write(block, args);
      target.launch(launch, block);
    }
  }

  private synchronized ParamBlock blockFor(List<JavaParam> params, Object[] args) {
    ParamBlock block = checked.get(params);
    if (block != null) {
      return block;
    }
    List<String> problems = new ArrayList<>();
    boolean[] reported = new boolean[params.size()];
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i) instanceof JavaParam.Unsupported) {
        reported[i] = true;
        problems.add(
            "argument "
                + i
                + " ("
                + ArgumentMapping.describe(args[i])
                + "): "
                + (args[i] == null
                    ? "is null; a kernel argument needs a value or a device pointer"
                    : "a "
                        + args[i].getClass().getName()
                        + " cannot be passed to a kernel; use a boxed number, a Boolean, "
                        + "a device pointer (Ptr/ConstPtr) or an Args wrapper"));
      }
    }
    SignatureCheck check = checker.check(List.copyOf(params), name, source);
    for (Problem p : check.problems()) {
      if (!p.error()
          || (p.paramIndex() >= 0
              && p.paramIndex() < reported.length
              && reported[p.paramIndex()])) {
        continue;
      }
      String where =
          p.paramIndex() >= 0 && p.paramIndex() < args.length
              ? "argument "
                  + p.paramIndex()
                  + " ("
                  + ArgumentMapping.describe(args[p.paramIndex()])
                  + "): "
              : "";
      problems.add(where + p.formatted());
    }
    if (problems.isEmpty()) {
      ParamLayout layout = ParamLayout.of(params);
      int[] sizes = new int[layout.count()];
      Arrays.setAll(sizes, layout::size);
      problems.addAll(target.checkParamSizes(sizes));
      if (problems.isEmpty()) {
        block = new ParamBlock(layout);
        checked.put(List.copyOf(params), block);
        return block;
      }
    }
    throw new IllegalArgumentException(
        "cannot launch "
            + name.text()
            + " with "
            + args.length
            + " argument"
            + (args.length == 1 ? "" : "s")
            + ":\n  - "
            + String.join("\n  - ", problems));
  }
}
