package dev.kernelj.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.CompilationSubject;
import com.google.testing.compile.JavaFileObjects;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;

/**
 * Compiles test sources with the {@link KernelProcessor}; nvcc stays off unless a test asks for it.
 */
final class Compilations {
  /** The line of the first method in a source built by {@link #kernel}. */
  static final int METHOD_LINE = 7;

  private Compilations() {}

  /**
   * Compiles {@code source} and asserts exactly one error, containing {@code message}, on {@code
   * line}.
   */
  static Compilation assertOneError(JavaFileObject source, String message, int line) {
    Compilation compilation = compile(source);
    CompilationSubject.assertThat(compilation).failed();
    CompilationSubject.assertThat(compilation).hadErrorCount(1);
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining(message)
        .inFile(source)
        .onLine(line);
    return compilation;
  }

  /** Compiles {@code source} and asserts it compiles without warnings. */
  static void assertClean(JavaFileObject source) {
    CompilationSubject.assertThat(compile(source)).succeededWithoutWarnings();
  }

  /** Compiles with precompilation off, as every test but the nvcc ones does. */
  static Compilation compile(JavaFileObject... sources) {
    return compileWith(List.of("-Akernelj.precompile=off"), sources);
  }

  static Compilation compileWith(List<String> options, JavaFileObject... sources) {
    List<Object> all = new ArrayList<>(options);
    return javac().withProcessors(new KernelProcessor()).withOptions(all).compile(sources);
  }

  /** A source file from lines, so that tests can name the line a message must appear on. */
  static JavaFileObject source(String qualifiedName, String... lines) {
    return JavaFileObjects.forSourceLines(qualifiedName, lines);
  }

  /**
   * {@code test.K}: a {@code @Kernel} interface whose CUDA C is the one line {@code cuda} (CUDA
   * line 1) and whose body is {@code members}, the first of them on line {@link #METHOD_LINE}.
   */
  static JavaFileObject kernel(String cuda, String... members) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    " + cuda,
                "    \"\"\")",
                "interface K {"));
    for (String member : members) {
      lines.add("  " + member);
    }
    lines.add("}");
    return source("test.K", lines.toArray(String[]::new));
  }

  /**
   * {@code test.K}: a {@code @Kernel} interface whose CUDA C is {@code cuda} (one element per line,
   * CUDA line 1 first), with {@code attributes} (such as {@code defines = {"X"}, }) written before
   * {@code source =}, and whose body is {@code members}, the first of them on line {@link
   * #firstMemberLine}.
   */
  static JavaFileObject kernel(List<String> cuda, String attributes, String... members) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(" + attributes + "source = \"\"\""));
    for (String line : cuda) {
      lines.add("    " + line);
    }
    lines.add("    \"\"\")");
    lines.add("interface K {");
    for (String member : members) {
      lines.add("  " + member);
    }
    lines.add("}");
    return source("test.K", lines.toArray(String[]::new));
  }

  /** The line of the first member of {@link #kernel(List, String, String...)} for this CUDA. */
  static int firstMemberLine(List<String> cuda) {
    return 6 + cuda.size();
  }
}
