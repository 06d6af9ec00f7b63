package dev.kernelj.ops.cuda.runtime;

import dev.kernelj.runtime.kernel.KernelModuleLoader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Finds the launcher the annotation processor generated for a {@code @Kernel} interface ({@code
 * Outer.Inner} becomes {@code Outer_InnerLauncher} in the same package) and calls its {@code
 * load(KernelModuleLoader)}. One reflective call per interface and backend, at first use; launches
 * then go straight through the generated code. Looking the class up by name keeps this module
 * compiling where the processor has not run (CPU-only builds with {@code -proc:none}).
 */
public final class LauncherLookup {
  private LauncherLookup() {}

  /** The binary name of the generated launcher of {@code kernelInterface}. */
  public static String launcherName(Class<?> kernelInterface) {
    String binary = kernelInterface.getName();
    int dot = binary.lastIndexOf('.');
    return binary.substring(0, dot + 1) + binary.substring(dot + 1).replace('$', '_') + "Launcher";
  }

  /** Whether the generated launcher of {@code kernelInterface} is on its class path. */
  public static boolean exists(Class<?> kernelInterface) {
    try {
      Class.forName(launcherName(kernelInterface), false, kernelInterface.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /**
   * The generated implementation of {@code kernelInterface}, its kernels loaded through {@code
   * loader}.
   */
  public static <K> K load(Class<K> kernelInterface, KernelModuleLoader loader) {
    String launcherName = launcherName(kernelInterface);
    try {
      Class<?> launcher = Class.forName(launcherName, true, kernelInterface.getClassLoader());
      Method load = launcher.getMethod("load", KernelModuleLoader.class);
      return kernelInterface.cast(load.invoke(null, loader));
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new IllegalStateException(
          "generated launcher "
              + launcherName
              + " for "
              + kernelInterface.getName()
              + " not found: build the ops module with the KernelJ annotation processor (dev.kernelj.processor.KernelProcessor)",
          e);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(
          "generated launcher " + launcherName + ".load is not accessible", e);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(
          "loading kernels of " + kernelInterface.getName() + " failed: " + cause, cause);
    }
  }
}
