package dev.kernelj.llm.util;

import java.util.Locale;

/** Human-readable byte counts (binary units, as GPU memory is usually quoted). */
public final class ByteSizes {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private ByteSizes() {}

  /** Formats {@code bytes} with one binary unit, e.g. {@code 1536 -> "1.50 KiB"}. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.2f %s", value, UNITS[unit]);
  }
}
