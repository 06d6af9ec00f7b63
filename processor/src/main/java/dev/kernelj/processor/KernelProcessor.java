package dev.kernelj.processor;

import com.google.auto.service.AutoService;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic.Kind;

/**
 * The javac entry point for {@code @Kernel} interfaces: checks each against its CUDA C, writes its
 * launcher and, where nvcc is at hand, its precompiled kernels. A thin shell around {@link
 * KernelInterfaceValidator}, {@link LauncherWriter} and {@link PrecompiledKernelWriter}: any
 * throwable while handling one interface becomes one {@code [KernelInternal]} error on that
 * interface, and the others are still processed.
 *
 * <p>Each source is read as the compilers read it ({@link CheckTargets}): preprocessed for nvcc's
 * device pass of every architecture the build targets, with the {@code @Kernel} options and
 * defines, and for the other architectures and NVRTC where the source tests them. Where nvcc
 * precompiles, its PTX decides last whether every bound kernel exists ({@link BoundSymbols}).
 *
 * <p>Options: {@code -Akernelj.precompile=off} skips nvcc; {@code -Akernelj.nvcc=<path>} picks the
 * compiler (else {@code KERNELJ_NVCC}, {@code PATH}, {@code /usr/local/cuda/bin/nvcc}); {@code
 * -Akernelj.archs=80,90} picks the architectures (for the precompiled binary and the check).
 */
@AutoService(Processor.class)
public final class KernelProcessor extends AbstractProcessor {
  private DiagnosticReporter reporter;
  private KernelInterfaceValidator validator;
  private PrecompiledKernelWriter precompiledWriter;

  /** Interfaces whose signatures named types not generated yet, by qualified name. */
  private final Set<String> deferred = new LinkedHashSet<>();

  private final PrecompiledKernelWriter.Environment environment;

  /** Created by javac through the {@link java.util.ServiceLoader}. */
  public KernelProcessor() {
    this(PrecompiledKernelWriter.Environment.ofProcess());
  }

  /** For tests: a processor that sees {@code environment} instead of the process's. */
  KernelProcessor(PrecompiledKernelWriter.Environment environment) {
    this.environment = environment;
  }

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(Annotations.KERNEL);
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public Set<String> getSupportedOptions() {
    return ProcessorOptions.ALL;
  }

  @Override
  public synchronized void init(ProcessingEnvironment env) {
    super.init(env);
    reporter = new DiagnosticReporter(env.getMessager());
    List<Integer> archs = ProcessorOptions.DEFAULT_ARCHS;
    try {
      ProcessorOptions options = ProcessorOptions.parse(env.getOptions());
      archs = options.archs();
      precompiledWriter =
          PrecompiledKernelWriter.create(options, environment, env.getFiler(), reporter);
    } catch (RuntimeException e) {
      reporter.printGlobal(Kind.ERROR, "[KernelCompile] " + e.getMessage());
      precompiledWriter = PrecompiledKernelWriter.disabled(env.getFiler(), reporter);
    }
    // The check reads each source as nvcc would for the build's architectures, with the version
    // of the nvcc at hand (or the toolkit KernelJ targets when there is none).
    CheckTargets targets = new CheckTargets(archs, precompiledWriter::cudaVersion);
    validator =
        new KernelInterfaceValidator(
            env.getElementUtils(), reporter, new CudaSourceReader(env.getFiler()), targets);
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    List<TypeElement> todo = new ArrayList<>();
    for (String name : deferred) {
      Optional.ofNullable(processingEnv.getElementUtils().getTypeElement(name))
          .ifPresent(todo::add);
    }
    deferred.clear();
    TypeElement kernel = processingEnv.getElementUtils().getTypeElement(Annotations.KERNEL);
    if (kernel != null) {
      for (Element element : round.getElementsAnnotatedWith(kernel)) {
        if (element instanceof TypeElement type && !todo.contains(type)) {
          todo.add(type);
        }
      }
    }
    for (TypeElement type : todo) {
      if (KernelInterfaceValidator.hasUnresolvedTypes(type)) {
        // Another processor may still generate the missing type; if none does, javac reports it
        // and a second message from here would only repeat it.
        if (!round.processingOver()) {
          deferred.add(type.getQualifiedName().toString());
        }
        continue;
      }
      processOne(type);
    }
    return false;
  }

  private void processOne(TypeElement type) {
    try {
      validator
          .validate(type)
          .ifPresent(
              model -> {
                try {
                  LauncherWriter.launcherFile(model, type).writeTo(processingEnv.getFiler());
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                precompiledWriter.write(model, type);
              });
    } catch (Throwable t) {
      reporter.print(
          Kind.ERROR,
          "[KernelInternal] processing "
              + type.getQualifiedName()
              + " failed; please report this with the interface: "
              + summary(t),
          type,
          null,
          null);
    }
  }

  /** The throwable and its first frames: enough to locate a bug without flooding the build log. */
  private static String summary(Throwable t) {
    StringWriter text = new StringWriter();
    t.printStackTrace(new PrintWriter(text));
    return text.toString().lines().limit(8).reduce((a, b) -> a + "\n" + b).orElse(t.toString());
  }
}
