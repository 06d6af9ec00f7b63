package dev.kernelj.dsl;

/**
 * Supertype of the element marker classes ({@link F32}, {@link F16}, {@link I32}, ...). Markers are
 * never instantiated: they only name an element type inside {@code Ptr<...>} and {@code
 * ConstPtr<...>}.
 */
public sealed interface Element
    permits F32, F64, F16, BF16, I8, U8, I16, U16, I32, U32, I64, U64, Bool {}
