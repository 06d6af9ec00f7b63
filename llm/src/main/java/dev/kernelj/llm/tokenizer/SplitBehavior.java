package dev.kernelj.llm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a split does with the delimiters it finds, with HF's names: drop them, keep them as their
 * own pieces, glue them to the previous or next piece, or glue runs of them together.
 */
enum SplitBehavior {
  REMOVED,
  ISOLATED,
  MERGED_WITH_PREVIOUS,
  MERGED_WITH_NEXT,
  CONTIGUOUS;

  static SplitBehavior fromJson(String name, JsonSpec spec, String field) {
    return switch (name) {
      case "Removed" -> REMOVED;
      case "Isolated" -> ISOLATED;
      case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> MERGED_WITH_NEXT;
      case "Contiguous" -> CONTIGUOUS;
      default ->
          throw spec.error(
              field,
              "unknown split behavior '"
                  + name
                  + "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
    };
  }

  /** Splits {@code text}, passing each non-empty piece to the sink in order. */
  void split(
      Pattern pattern, boolean invert, String text, boolean atOrigin, PreTokenizer.Sink sink) {
    if (this == ISOLATED && !invert) {
      isolated(pattern, text, atOrigin, sink);
      return;
    }
    // Segments alternate gap/match; each entry is {start, end, isDelimiter ? 1 : 0}.
    List<int[]> segments = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.end() == m.start()) continue;
      if (m.start() > last) segments.add(new int[] {last, m.start(), invert ? 1 : 0});
      segments.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
      last = m.end();
    }
    if (last < text.length()) segments.add(new int[] {last, text.length(), invert ? 1 : 0});

    List<int[]> pieces =
        switch (this) {
          case REMOVED -> segments.stream().filter(s -> s[2] == 0).toList();
          case ISOLATED -> segments;
          case MERGED_WITH_PREVIOUS -> mergeWithPrevious(segments);
          case MERGED_WITH_NEXT -> mergeWithNext(segments);
          case CONTIGUOUS -> contiguous(segments);
        };
    for (int[] p : pieces) {
      if (p[1] > p[0]) sink.accept(text.substring(p[0], p[1]), atOrigin && p[0] == 0);
    }
  }

  private static void isolated(
      Pattern pattern, String text, boolean atOrigin, PreTokenizer.Sink sink) {
    Matcher m = pattern.matcher(text);
    int last = 0;
    while (m.find()) {
      int start = m.start();
      int end = m.end();
      if (end == start) continue;
      if (start > last) sink.accept(text.substring(last, start), atOrigin && last == 0);
      sink.accept(text.substring(start, end), atOrigin && start == 0);
      last = end;
    }
    if (last < text.length()) sink.accept(text.substring(last), atOrigin && last == 0);
  }

  private static List<int[]> mergeWithPrevious(List<int[]> segments) {
    List<int[]> out = new ArrayList<>();
    boolean previousDelimiter = false;
    for (int[] s : segments) {
      boolean delimiter = s[2] == 1;
      if (delimiter && !previousDelimiter && !out.isEmpty()) {
        out.get(out.size() - 1)[1] = s[1];
      } else {
        out.add(new int[] {s[0], s[1], 0});
      }
      previousDelimiter = delimiter;
    }
    return out;
  }

  private static List<int[]> mergeWithNext(List<int[]> segments) {
    List<int[]> reversed = new ArrayList<>();
    boolean nextDelimiter = false;
    for (int i = segments.size() - 1; i >= 0; i--) {
      int[] s = segments.get(i);
      boolean delimiter = s[2] == 1;
      if (delimiter && !nextDelimiter && !reversed.isEmpty()) {
        reversed.get(reversed.size() - 1)[0] = s[0];
      } else {
        reversed.add(new int[] {s[0], s[1], 0});
      }
      nextDelimiter = delimiter;
    }
    List<int[]> out = new ArrayList<>(reversed.size());
    for (int i = reversed.size() - 1; i >= 0; i--) out.add(reversed.get(i));
    return out;
  }

  private static List<int[]> contiguous(List<int[]> segments) {
    List<int[]> out = new ArrayList<>();
    boolean previousDelimiter = false;
    for (int[] s : segments) {
      boolean delimiter = s[2] == 1;
      if (delimiter == previousDelimiter && !out.isEmpty()) {
        out.get(out.size() - 1)[1] = s[1];
      } else {
        out.add(new int[] {s[0], s[1], 0});
      }
      previousDelimiter = delimiter;
    }
    return out;
  }
}
