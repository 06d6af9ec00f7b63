package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.Launch;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fake of any {@code @Kernel} interface that records each launch (method, launch shape,
 * arguments) instead of running it, so CPU tests can check which kernel the launch code picks, the
 * grid and block it computes and the order of the arguments it passes.
 */
public final class RecordingKernels<K> {
  /** One recorded launch. */
  public record Call(String kernel, Launch launch, List<Object> args) {
    /** Argument {@code i} after the {@link Launch}. */
    public Object arg(int i) {
      return args.get(i);
    }
  }

  private final List<Call> calls = new ArrayList<>();
  private final K kernels;

  private RecordingKernels(Class<K> kernelInterface, Consumer<Call> also) {
    this.kernels =
        kernelInterface.cast(
            Proxy.newProxyInstance(
                kernelInterface.getClassLoader(),
                new Class<?>[] {kernelInterface},
                (proxy, method, args) -> {
                  if (method.getDeclaringClass() == Object.class) {
                    return switch (method.getName()) {
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      default -> "RecordingKernels(" + kernelInterface.getSimpleName() + ")";
                    };
                  }
                  Call call =
                      new Call(
                          method.getName(),
                          (Launch) args[0],
                          Arrays.asList(args).subList(1, args.length));
                  calls.add(call);
                  also.accept(call);
                  return null;
                }));
  }

  public static <K> RecordingKernels<K> of(Class<K> kernelInterface) {
    return new RecordingKernels<>(kernelInterface, call -> {});
  }

  /** A recorder that also hands every call to {@code also} as it is made. */
  public static <K> RecordingKernels<K> of(Class<K> kernelInterface, Consumer<Call> also) {
    return new RecordingKernels<>(kernelInterface, also);
  }

  /** The fake to hand to the launch code. */
  public K kernels() {
    return kernels;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The only call so far; fails when there were none or several. */
  public Call single() {
    if (calls.size() != 1) {
      throw new AssertionError("expected one launch, got " + calls);
    }
    return calls.get(0);
  }
}
