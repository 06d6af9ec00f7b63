package dev.kernelj.dsl.cuda;

/**
 * A {@code __global__} function declared in a branch the preprocessor skips ({@code #if 0}, the
 * {@code #else} of a condition that holds, ...), remembered so that a message can say why the
 * kernel is not there.
 *
 * @param name the function's name
 * @param line where it is declared
 * @param branchLine the line of the directive that disabled the branch
 * @param branch that directive, white space folded ({@code #if 0})
 */
public record SkippedKernel(String name, int line, int branchLine, String branch) {}
