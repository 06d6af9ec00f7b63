/**
 * What a model directory must satisfy for the engine to run it, checked before anything is loaded
 * and the same for every command: {@code info} runs these checks without loading the weights, and
 * {@code Engine.open} runs them before it uploads a byte. A model the checks pass is one the engine
 * runs; one they refuse gets one error naming the file and field.
 */
package dev.kernelj.llm.check;
