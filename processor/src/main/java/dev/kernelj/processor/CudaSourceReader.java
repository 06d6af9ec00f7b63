package dev.kernelj.processor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import javax.annotation.processing.Filer;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Reads a {@code @Kernel(resource = ...)} file through the {@link Filer}: first beside the sources
 * (files kept next to the interface's {@code .java}), then in the class output (where Maven has
 * already copied {@code src/main/resources}), then on the class path.
 */
final class CudaSourceReader {
  /** Where resources are looked for, in this order. */
  static final List<StandardLocation> LOCATIONS =
      List.of(
          StandardLocation.SOURCE_PATH, StandardLocation.CLASS_OUTPUT, StandardLocation.CLASS_PATH);

  private final Filer filer;

  CudaSourceReader(Filer filer) {
    this.filer = filer;
  }

  /** The package and relative name a resource path resolves to, like {@link Class#getResource}. */
  record ResourcePath(String packageName, String relativeName) {
    static ResourcePath resolve(String interfacePackage, String resource) {
      if (resource.startsWith("/")) {
        String absolute = resource.substring(1);
        return new ResourcePath("", absolute);
      }
      return new ResourcePath(interfacePackage, resource);
    }

    /** {@code dev/kernelj/ops/rmsnorm.cu}, for messages. */
    String displayPath() {
      return packageName.isEmpty()
          ? relativeName
          : packageName.replace('.', '/') + "/" + relativeName;
    }
  }

  /** The resource's text (UTF-8), or empty when no location has it. */
  Optional<String> read(ResourcePath path) {
    for (StandardLocation location : LOCATIONS) {
      Optional<String> text = tryRead(location, path);
      if (text.isPresent()) {
        return text;
      }
    }
    return Optional.empty();
  }

  private Optional<String> tryRead(StandardLocation location, ResourcePath path) {
    try {
      FileObject file = filer.getResource(location, path.packageName(), path.relativeName());
      try (InputStream in = file.openInputStream()) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException | IllegalArgumentException | IllegalStateException notThere) {
      // IOException: absent here. IllegalArgumentException: the location is not configured or the
      // name is not a relative path. Either way the next location may still have it.
      return Optional.empty();
    }
  }
}
