package dev.kernelj.llm.serving;

import java.util.List;

/**
 * Output that became final since the last delta of a request.
 *
 * @param tokenIds tokens generated since the last delta (a stop token is not included)
 * @param text the text they complete: whole UTF-8 characters, stop strings held back until they are
 *     ruled out
 * @param logprobs one entry per token of {@code tokenIds} when the request asked for logprobs, else
 *     empty
 * @param finishReason null until the request's last delta
 * @param nanoTime {@link System#nanoTime()} when the step that made it ended (for TTFT and ITL)
 */
public record Delta(
    int[] tokenIds,
    String text,
    List<TokenLogprob> logprobs,
    FinishReason finishReason,
    long nanoTime) {}
