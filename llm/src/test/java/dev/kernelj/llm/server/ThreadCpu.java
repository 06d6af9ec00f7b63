package dev.kernelj.llm.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a window of a benchmark cost the JVM, whatever else the machine ran meanwhile: CPU time and
 * bytes allocated by kind of thread (the name without its number: {@code kernelj-http}, {@code
 * kernelj-stream}...), threads started, and garbage collections. Threads that ended within the
 * window are not counted. Bytes need the {@code jdk.management} module (not in the GPU bundle's
 * JRE); without it they are left out.
 */
final class ThreadCpu {
  private static final Method ALLOCATED = allocatedBytes();

  private final Map<Long, long[]> byId = new HashMap<>(); // cpu, allocated
  private final Map<Long, String> kindById = new HashMap<>();
  private long started;
  private long gcs;
  private long gcMillis;

  private ThreadCpu() {}

  private static Method allocatedBytes() {
    try {
      return Class.forName("com.sun.management.ThreadMXBean")
          .getMethod("getThreadAllocatedBytes", long.class);
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  static ThreadCpu now() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    ThreadCpu s = new ThreadCpu();
    s.started = mx.getTotalStartedThreadCount();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      s.gcs += Math.max(0, gc.getCollectionCount());
      s.gcMillis += Math.max(0, gc.getCollectionTime());
    }
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long id = t.getThreadId();
      long cpu = mx.getThreadCpuTime(id);
      if (cpu >= 0) {
        s.byId.put(id, new long[] {cpu, allocated(mx, id)});
        String name = t.getThreadName().replaceAll("-acceptor.*", "-acceptor");
        s.kindById.put(id, name.replaceAll("[-#]?\\d+$", ""));
      }
    }
    return s;
  }

  private static long allocated(ThreadMXBean mx, long id) {
    try {
      return ALLOCATED == null ? 0 : (long) ALLOCATED.invoke(mx, id);
    } catch (ReflectiveOperationException e) {
      return 0;
    }
  }

  /** CPU milliseconds and MB allocated per kind of thread since {@code before}, largest first. */
  String since(ThreadCpu before, int top) {
    Map<String, long[]> byKind = new TreeMap<>();
    byId.forEach(
        (id, now) -> {
          long[] then = before.byId.getOrDefault(id, new long[2]);
          long[] sum = byKind.computeIfAbsent(kindById.get(id), k -> new long[2]);
          sum[0] += now[0] - then[0];
          sum[1] += now[1] - then[1];
        });
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d threads started, %d GCs (%d ms); CPU ms%s:",
                started - before.started,
                gcs - before.gcs,
                gcMillis - before.gcMillis,
                ALLOCATED == null ? "" : " / MB allocated"));
    byKind.entrySet().stream()
        .filter(e -> e.getValue()[0] > 0)
        .sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
        .limit(top)
        .forEach(
            e -> {
              b.append(String.format(Locale.ROOT, " %s %.0f", e.getKey(), e.getValue()[0] / 1e6));
              if (ALLOCATED != null) {
                b.append(String.format(Locale.ROOT, " / %.1f", e.getValue()[1] / 1e6));
              }
              b.append(',');
            });
    return b.substring(0, b.length() - 1);
  }
}
