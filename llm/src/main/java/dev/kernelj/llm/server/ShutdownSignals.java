package dev.kernelj.llm.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT (Ctrl-C) as a request to stop gracefully, so that {@code kernelj serve} can
 * drain and exit 0 instead of the JVM's exit 143/130 mid-response. A second signal exits at once.
 * Closing restores the JVM's handlers.
 */
public final class ShutdownSignals implements AutoCloseable {
  private static final String[] NAMES = {"TERM", "INT"};

  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();

  private ShutdownSignals() {}

  /** Calls {@code onFirst} on the first SIGTERM or SIGINT; halts with 130 on the next. */
  public static ShutdownSignals install(Runnable onFirst) {
    ShutdownSignals s = new ShutdownSignals();
    AtomicInteger count = new AtomicInteger();
    SignalHandler handler =
        signal -> {
          if (count.incrementAndGet() == 1) {
            onFirst.run();
          } else {
            System.err.println("kernelj: second signal: exiting without waiting");
            Runtime.getRuntime().halt(130);
          }
        };
    for (String name : NAMES) {
      try {
        Signal signal = new Signal(name);
        s.previous.add(Signal.handle(signal, handler));
        s.signals.add(signal);
      } catch (IllegalArgumentException reserved) {
        // The JVM keeps this signal (-Xrs, or a platform without it): the default exit applies.
      }
    }
    return s;
  }

  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      Signal.handle(signals.get(i), previous.get(i));
    }
  }
}
