package dev.kernelj.processor;

import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.cuda.CudaVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.processing.Filer;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic.Kind;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Runs the {@link NvccPrecompiler} for each checked interface and writes {@code
 * <Name>.kernelj.fatbin} and {@code <Name>.kernelj.properties} beside its class files, where {@code
 * <Name>} is the interface's binary name without its package ({@code Outer$Inner}). Reports a
 * source nvcc rejects as a {@code [KernelCompile]} error at the interface.
 */
final class PrecompiledKernelWriter {
  static final String FATBIN_SUFFIX = ".kernelj.fatbin";
  static final String PROPERTIES_SUFFIX = ".kernelj.properties";

  /**
   * What the processor reads from outside javac's options: the process environment and the places
   * nvcc usually lives. Tests pass their own, to see what happens where nvcc is absent.
   */
  record Environment(Map<String, String> variables, List<Path> wellKnownNvcc) {
    static Environment ofProcess() {
      return new Environment(System.getenv(), NvccLocator.WELL_KNOWN);
    }
  }

  private final Optional<NvccPrecompiler> precompiler;
  private final Filer filer;
  private final DiagnosticReporter reporter;
  private final String missingNote;
  private boolean noted;
  private CudaVersion cudaVersion;

  private PrecompiledKernelWriter(
      Optional<NvccPrecompiler> precompiler,
      Filer filer,
      DiagnosticReporter reporter,
      String missingNote) {
    this.precompiler = precompiler;
    this.filer = filer;
    this.reporter = reporter;
    this.missingNote = missingNote;
  }

  /** A writer for these options; it notes once, at the first interface, when nvcc is missing. */
  static PrecompiledKernelWriter create(
      ProcessorOptions options, Environment environment, Filer filer, DiagnosticReporter reporter) {
    if (!options.precompile()) {
      return disabled(filer, reporter);
    }
    NvccLocator.Found found =
        NvccLocator.locate(options.nvcc(), environment.variables(), environment.wellKnownNvcc());
    if (found.nvcc().isEmpty()) {
      return new PrecompiledKernelWriter(
          Optional.empty(),
          filer,
          reporter,
          "[KernelCompile] nvcc not found (looked at "
              + String.join(", ", found.tried())
              + "): @Kernel"
              + " sources are not compiled at build time; kernels will be compiled at run time with NVRTC."
              + " Set -A"
              + ProcessorOptions.NVCC
              + "=<path> or "
              + NvccLocator.ENV
              + " to precompile them.");
    }
    Path nvcc = found.nvcc().get();
    return new PrecompiledKernelWriter(
        Optional.of(new NvccPrecompiler(nvcc, options.archs())), filer, reporter, null);
  }

  /** A writer that writes nothing and says nothing ({@code -Akernelj.precompile=off}). */
  static PrecompiledKernelWriter disabled(Filer filer, DiagnosticReporter reporter) {
    return new PrecompiledKernelWriter(Optional.empty(), filer, reporter, null);
  }

  /**
   * The toolkit version of the nvcc this writer compiles with, or the version KernelJ targets when
   * there is none (or it cannot be run).
   */
  CudaVersion cudaVersion() {
    if (cudaVersion == null) {
      cudaVersion = precompiler.map(NvccPrecompiler::cudaVersion).orElse(CudaVersion.DEFAULT);
    }
    return cudaVersion;
  }

  void write(KernelInterfaceModel model, TypeElement origin) {
    if (precompiler.isEmpty()) {
      if (missingNote != null && !noted) {
        noted = true;
        reporter.printGlobal(Kind.NOTE, missingNote);
      }
      return;
    }
    NvccPrecompiler.Outcome outcome;
    try {
      outcome = precompiler.get().compile(model);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while nvcc compiled " + model.qualifiedName(), e);
    }
    AnnotationMirror kernelMirror = Annotations.find(origin, Annotations.KERNEL).orElse(null);
    String sourceMember = hasExplicit(kernelMirror, "resource") ? "resource" : "source";
    if (outcome instanceof NvccPrecompiler.Compiled compiled) {
      writeResources(model, origin, compiled);
    } else if (outcome instanceof NvccPrecompiler.Rejected rejected) {
      reporter.error(Diagnostic.COMPILE, rejected.message(), origin, kernelMirror, sourceMember);
    } else if (outcome instanceof NvccPrecompiler.Unbound unbound) {
      reporter.error(unbound.diagnostic(), unbound.message(), origin, kernelMirror, sourceMember);
    } else if (outcome instanceof NvccPrecompiler.Unavailable unavailable) {
      reporter.print(
          Kind.WARNING,
          Diagnostic.COMPILE.format(
              unavailable.reason()
                  + "; the kernels of "
                  + model.qualifiedName()
                  + " will be compiled at run time (a warning:"
                  + " nothing is wrong with the source, but this build did not prove that it compiles)"),
          origin,
          kernelMirror,
          sourceMember);
    }
  }

  private static boolean hasExplicit(AnnotationMirror mirror, String member) {
    return mirror != null
        && mirror.getElementValues().keySet().stream()
            .anyMatch(e -> e.getSimpleName().contentEquals(member));
  }

  private void writeResources(
      KernelInterfaceModel model, TypeElement origin, NvccPrecompiler.Compiled compiled) {
    String name = model.binarySimpleName();
    try {
      FileObject fatbin =
          filer.createResource(
              StandardLocation.CLASS_OUTPUT, model.packageName(), name + FATBIN_SUFFIX, origin);
      try (OutputStream out = fatbin.openOutputStream()) {
        out.write(compiled.fatbin());
      }
      FileObject properties =
          filer.createResource(
              StandardLocation.CLASS_OUTPUT, model.packageName(), name + PROPERTIES_SUFFIX, origin);
      try (Writer out = properties.openWriter()) {
        out.write(
            PrecompiledProperties.format(
                model.qualifiedName(),
                model.sha256(),
                precompiler.orElseThrow().archs(),
                compiled.nvccVersion(),
                compiled.lowered()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "writing the precompiled kernels of " + model.qualifiedName(), e);
    }
  }
}
