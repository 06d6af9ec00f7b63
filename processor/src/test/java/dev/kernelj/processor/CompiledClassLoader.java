package dev.kernelj.processor;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import javax.tools.JavaFileObject;

/**
 * Loads the classes a compile-testing compilation wrote to its in-memory class output, so that a
 * test can run generated launchers. Everything else (dsl, runtime, JNA) comes from the test's own
 * class path.
 */
final class CompiledClassLoader extends ClassLoader {
  private static final String CLASS_OUTPUT_PREFIX = "/CLASS_OUTPUT/";
  private final Map<String, byte[]> classes = new HashMap<>();

  CompiledClassLoader(Compilation compilation) {
    super(CompiledClassLoader.class.getClassLoader());
    for (JavaFileObject file : compilation.generatedFiles()) {
      String path = file.toUri().getPath();
      if (file.getKind() == JavaFileObject.Kind.CLASS && path.startsWith(CLASS_OUTPUT_PREFIX)) {
        String name =
            path.substring(CLASS_OUTPUT_PREFIX.length(), path.length() - ".class".length())
                .replace('/', '.');
        try (InputStream in = file.openInputStream()) {
          classes.put(name, in.readAllBytes());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = classes.get(name);
    if (bytes == null) {
      throw new ClassNotFoundException(
          name + " is not in the compilation's output " + classes.keySet());
    }
    return defineClass(name, bytes, 0, bytes.length);
  }
}
