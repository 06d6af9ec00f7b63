package dev.kernelj.llm.util;

/**
 * Receives progress of a long-running byte-oriented task such as reading every tensor of a large
 * checkpoint. Calls come from the thread doing the work.
 */
public interface ProgressListener {
  /** A listener that ignores everything. */
  ProgressListener NONE =
      new ProgressListener() {
        @Override
        public void progress(long doneBytes, long totalBytes) {}

        @Override
        public void finished() {}
      };

  /** Reports that {@code doneBytes} of {@code totalBytes} are done; called often, must be cheap. */
  void progress(long doneBytes, long totalBytes);

  /** Reports that the task ended (successfully or not); the listener may clean up its display. */
  void finished();
}
