package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.CudaParam;
import dev.kernelj.dsl.cuda.CudaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Compares Java parameters with the CUDA parameters of a resolved kernel (template arguments
 * already substituted): count, order, then each pair.
 */
final class ParamMatcher {
  private final List<JavaParam> java;
  private final List<CudaParam> cuda;
  private final String kernelName;
  private final String quote;
  private final List<Problem> problems = new ArrayList<>();

  private ParamMatcher(
      List<JavaParam> java, List<CudaParam> cuda, String kernelName, String quote) {
    this.java = java;
    this.cuda = cuda;
    this.kernelName = kernelName;
    this.quote = quote;
  }

  /**
   * @param quote the CUDA declaration as messages quote it (see {@link Quote})
   */
  static List<Problem> match(
      List<JavaParam> java, List<CudaParam> cuda, String kernelName, String quote) {
    ParamMatcher m = new ParamMatcher(java, cuda, kernelName, quote);
    m.run();
    return m.problems;
  }

  private void run() {
    if (java.size() != cuda.size()) {
      error(Diagnostic.ARITY, -1, arity());
      return;
    }
    Optional<int[]> swap = OrderCheck.firstSwap(java, cuda);
    if (swap.isPresent()) {
      int i = swap.get()[0];
      int j = swap.get()[1];
      error(
          Diagnostic.ORDER,
          i,
          "the Java parameters match CUDA's as a set but not in order: Java parameter "
              + (i + 1)
              + " is "
              + java.get(i).javaSpelling()
              + " where CUDA has "
              + describe(i)
              + ", and Java parameter "
              + (j + 1)
              + " is "
              + java.get(j).javaSpelling()
              + " where CUDA has "
              + describe(j)
              + "; swap them");
      return;
    }
    for (int i = 0; i < java.size(); i++) {
      matchPair(i, java.get(i), cuda.get(i));
    }
  }

  /**
   * Counts differ. When Java leaves out trailing parameters that have C++ default arguments, the
   * message says defaults do not apply to a launch from Java.
   */
  private String arity() {
    String counts =
        "__global__ '"
            + kernelName
            + "' takes "
            + count(cuda.size())
            + " but the Java method declares "
            + count(java.size())
            + " after the Launch";
    if (java.size() < cuda.size()
        && cuda.subList(java.size(), cuda.size()).stream().allMatch(CudaParam::hasDefault)) {
      List<CudaParam> left = cuda.subList(java.size(), cuda.size());
      String declare =
          left.stream()
              .map(p -> JavaSuggestion.forCuda(p.type()) + " " + javaName(p))
              .reduce((a, b) -> a + ", " + b)
              .orElse("");
      String pass =
          left.stream()
              .map(p -> p.defaultValue() + " for " + javaName(p))
              .reduce((a, b) -> a + ", " + b)
              .orElse("");
      return counts
          + ", leaving out "
          + left.stream()
              .map(p -> "'" + p + " = " + p.defaultValue() + "'")
              .reduce((a, b) -> a + ", " + b)
              .orElse("")
          + ": C++ default arguments do not apply to a launch from Java, which passes every"
          + " parameter; declare "
          + declare
          + " at the end of the Java method and pass "
          + pass;
    }
    return counts;
  }

  private static String javaName(CudaParam p) {
    return p.name().isEmpty() ? "value" : p.name();
  }

  private void matchPair(int i, JavaParam jp, CudaParam cp) {
    String label = label(i, cp);
    CudaType ct = cp.type();
    if (ct.reference()) {
      error(Diagnostic.UNSUPPORTED_TYPE, i, reference(label, cp));
      return;
    }
    if (jp instanceof JavaParam.Unsupported u) {
      error(
          Diagnostic.UNSUPPORTED_TYPE,
          i,
          label
              + " is "
              + u.javaSpelling()
              + " in Java, which cannot be passed to a kernel"
              + JavaSuggestion.why(u.javaSpelling())
              + "; for CUDA's "
              + ct
              + " declare "
              + JavaSuggestion.forCuda(ct));
      return;
    }
    if (ct.pointerLevel() >= 2) {
      error(
          Diagnostic.UNSUPPORTED_TYPE,
          i,
          label
              + " is "
              + ct
              + " in CUDA, a pointer to pointers, which KernelJ"
              + " cannot pass; pass one flat buffer (and offsets) instead");
      return;
    }
    boolean voidPointer = ct.pointerLevel() == 1 && ct.base().equals("void");
    Optional<DType> cudaType = CTypes.dtypeOf(ct.base());
    if (cudaType.isEmpty() && !voidPointer) {
      error(
          Diagnostic.UNSUPPORTED_TYPE,
          i,
          label
              + " has the CUDA type "
              + ct
              + ", which KernelJ cannot pass:"
              + " only arithmetic types (float, int, int64_t, __half, ...) and pointers to them are supported");
      return;
    }
    if (ct.pointerLevel() == 0 && isHalfWidthFloat(cudaType.get())) {
      error(
          Diagnostic.UNSUPPORTED_TYPE,
          i,
          label
              + " is a "
              + ct
              + " scalar in CUDA, which KernelJ cannot pass by"
              + " value; take a float parameter and convert it in the kernel");
      return;
    }
    if (jp instanceof JavaParam.Scalar s && isHalfWidthFloat(s.type())) {
      error(
          Diagnostic.UNSUPPORTED_TYPE,
          i,
          label
              + " is a "
              + s.type()
              + " scalar in Java, which KernelJ cannot pass"
              + " by value; pass a float and convert it in the kernel");
      return;
    }
    if (jp instanceof JavaParam.Scalar s) {
      if (ct.isPointer()) {
        error(
            Diagnostic.POINTER_ELEMENT,
            i,
            label
                + " is the scalar "
                + s.javaSpelling()
                + " in Java but the pointer "
                + ct
                + " in CUDA; declare "
                + javaPointer(ct, cudaType));
      } else if (s.type() != cudaType.get()) {
        error(
            Diagnostic.SCALAR_TYPE,
            i,
            label
                + " is "
                + s.javaSpelling()
                + " in Java but "
                + ct
                + " in CUDA"
                + scalarAdvice(s.type(), cudaType.get()));
      }
      return;
    }
    JavaParam.Pointer p = (JavaParam.Pointer) jp;
    if (!ct.isPointer()) {
      error(
          Diagnostic.POINTER_ELEMENT,
          i,
          label
              + " is the pointer "
              + p.javaSpelling()
              + " in Java but the scalar "
              + ct
              + " in CUDA; declare "
              + new JavaParam.Scalar(cudaType.get()).javaSpelling());
      return;
    }
    if (!voidPointer && p.element() != cudaType.get()) {
      error(
          Diagnostic.POINTER_ELEMENT,
          i,
          label
              + " is "
              + p.javaSpelling()
              + " in Java but "
              + ct
              + " in CUDA: the"
              + " elements differ ("
              + p.element()
              + " vs "
              + cudaType.get()
              + "); declare "
              + javaPointer(ct, cudaType));
      return;
    }
    if (!ct.pointeeConst() && !p.writable()) {
      error(
          Diagnostic.CONSTNESS,
          i,
          label
              + " is "
              + p.javaSpelling()
              + " (read-only) in Java but "
              + ct
              + " (writable) in CUDA: the kernel may write through it while the caller was promised read-only; declare "
              + javaPointer(ct, cudaType)
              + ", or make the CUDA parameter const if the kernel only reads it");
    } else if (ct.pointeeConst() && p.writable()) {
      problems.add(
          new Problem(
              Diagnostic.CONSTNESS,
              false,
              i,
              label
                  + " is "
                  + p.javaSpelling()
                  + " (writable) in Java"
                  + " but "
                  + ct
                  + " in CUDA. Only a warning: the kernel cannot write through it, so the Java declaration is"
                  + " merely over-permissive; declare "
                  + javaPointer(ct, cudaType)
                  + " so read-only buffers can be passed. "
                  + quote));
    }
  }

  /**
   * A C++ reference parameter: the launch copies parameter values to the device, and a reference
   * would have to point at device memory, which Java hands over as a pointer.
   */
  private static String reference(String label, CudaParam cp) {
    CudaType ct = cp.type();
    CudaType value = new CudaType(ct.base(), ct.pointeeConst(), ct.pointerLevel(), false);
    String name = cp.name().isEmpty() ? "" : " " + cp.name();
    String fix =
        ct.pointeeConst() && ct.pointerLevel() == 0
            ? "take it by value (" + value + name + ") and pass " + JavaSuggestion.forCuda(value)
            : "declare it as a pointer ("
                + new CudaType(ct.base(), ct.pointeeConst(), ct.pointerLevel() + 1, false)
                + name
                + ") and pass "
                + JavaSuggestion.forCuda(
                    new CudaType(ct.base(), ct.pointeeConst(), ct.pointerLevel() + 1, false));
    return label
        + " is "
        + ct
        + " in CUDA, a C++ reference: a kernel launched from Java receives values and device"
        + " pointers, never references, so no Java type can match it; "
        + fix;
  }

  private static boolean isHalfWidthFloat(DType t) {
    return t == DType.F16 || t == DType.BF16;
  }

  /** ConstPtr<F32> for const float*, Ptr<F32> for float*; T for void*. */
  private static String javaPointer(CudaType ct, Optional<DType> element) {
    String marker = element.map(d -> d.marker().getSimpleName()).orElse("T");
    return (ct.pointeeConst() ? "ConstPtr<" : "Ptr<") + marker + ">";
  }

  private static String scalarAdvice(DType javaType, DType cudaType) {
    String wanted = new JavaParam.Scalar(cudaType).javaSpelling();
    if (javaType.byteSize() == cudaType.byteSize() && isInteger(javaType) && isInteger(cudaType)) {
      return ": same width, different signedness; declare " + wanted;
    }
    return "; declare " + wanted;
  }

  private static boolean isInteger(DType t) {
    return switch (t) {
      case I8, U8, I16, U16, I32, U32, I64, U64 -> true;
      default -> false;
    };
  }

  /** "parameter 2 'a'": 1-based as people count, with the CUDA name when it has one. */
  private static String label(int i, CudaParam cp) {
    return "parameter " + (i + 1) + (cp.name().isEmpty() ? "" : " '" + cp.name() + "'");
  }

  private String describe(int i) {
    CudaParam cp = cuda.get(i);
    return cp.type() + (cp.name().isEmpty() ? "" : " " + cp.name());
  }

  private static String count(int n) {
    return n + (n == 1 ? " parameter" : " parameters");
  }

  private void error(Diagnostic d, int index, String finding) {
    problems.add(new Problem(d, true, index, finding + ". " + quote));
  }
}
