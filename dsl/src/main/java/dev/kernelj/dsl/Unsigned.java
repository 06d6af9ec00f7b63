package dev.kernelj.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a Java integer parameter carries a C unsigned value of the same width:
 * {@code @Unsigned int} matches {@code unsigned int}/{@code uint32_t}, {@code @Unsigned long}
 * matches {@code unsigned long long}/{@code uint64_t}/{@code size_t}, and so on. Java has no
 * unsigned types, so the bits are passed unchanged.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.TYPE_USE})
public @interface Unsigned {}
