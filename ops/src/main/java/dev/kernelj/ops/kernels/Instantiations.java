package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.ops.OpArgumentException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The instantiations of one templated kernel, found by the dtypes of the tensors a launch gets.
 *
 * <p>Each op file binds a template's instantiations with {@code @Global("kernel<float, __half>")}
 * and lists them here once, each as a typed entry: a record holding the element classes and the
 * launcher method ({@code Cuda::method}), whose {@code launch} makes the pointers from the tensors
 * with those element classes. So a method paired with the wrong elements is a javac error in the
 * table, a tensor of another dtype is refused by {@link dev.kernelj.ops.Tensor#ptr} before anything
 * launches, and no switch on dtype names stands between the op and its kernel. A look-up allocates
 * nothing.
 *
 * @param <E> the op's entry type
 */
public final class Instantiations<E extends Instantiations.Entry> {
  /** One instantiation: the dtypes of its typed arguments, in the order of the table's roles. */
  public interface Entry {
    List<DType> dtypes();
  }

  /** An entry of a template of one element type {@code t()} (a record component, usually). */
  public interface OfElement extends Entry {
    Class<? extends Element> t();

    @Override
    default List<DType> dtypes() {
      return List.of(DType.of(t()));
    }
  }

  private static final int TYPES = DType.values().length;

  private final String op;
  private final List<String> roles;
  private final Object[] byKey;
  private final List<E> entries;

  private Instantiations(String op, List<String> roles, List<E> entries) {
    this.op = op;
    this.roles = roles;
    this.entries = entries;
    int slots = 1;
    for (int i = 0; i < roles.size(); i++) {
      slots *= TYPES;
    }
    this.byKey = new Object[slots];
    for (E e : entries) {
      List<DType> d = e.dtypes();
      if (d.size() != roles.size()) {
        throw new IllegalStateException(
            op + ": instantiation " + d + " does not have one dtype per role " + roles);
      }
      int key = key(d.toArray(DType[]::new));
      if (byKey[key] != null) {
        throw new IllegalStateException(op + ": instantiation " + d + " listed twice");
      }
      byKey[key] = e;
    }
  }

  /**
   * The table of {@code op}'s kernel.
   *
   * @param roles the arguments whose dtypes select an instantiation, comma-separated, e.g. {@code
   *     "x,w,out"} (named in the error for a combination no kernel takes)
   */
  @SafeVarargs
  public static <E extends Entry> Instantiations<E> of(String op, String roles, E... entries) {
    return new Instantiations<>(op, List.of(roles.split(",")), List.of(entries));
  }

  /**
   * The instantiation for {@code dtypes}, one per role in order.
   *
   * @throws OpArgumentException naming the roles' dtypes and the combinations there are
   */
  @SuppressWarnings("unchecked")
  public E get(DType... dtypes) {
    Object e = dtypes.length == roles.size() ? byKey[key(dtypes)] : null;
    if (e == null) {
      throw new OpArgumentException(
          op,
          roles.get(0),
          "has "
              + String.join("/", roles)
              + " "
              + slashed(List.of(dtypes))
              + "; the CUDA kernels take "
              + entries.stream().map(x -> slashed(x.dtypes())).collect(Collectors.joining(", ")));
    }
    return (E) e;
  }

  /** Whether some instantiation takes {@code dtypes}. */
  public boolean has(DType... dtypes) {
    return dtypes.length == roles.size() && byKey[key(dtypes)] != null;
  }

  private static String slashed(List<DType> dtypes) {
    return dtypes.stream().map(DType::name).collect(Collectors.joining("/"));
  }

  private static int key(DType... dtypes) {
    int key = 0;
    for (DType d : dtypes) {
      key = key * TYPES + d.ordinal();
    }
    return key;
  }
}
