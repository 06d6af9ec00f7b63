package dev.kernelj.llm.tokenizer;

/**
 * One entry of {@code added_tokens} in {@code tokenizer.json}: a token matched in the raw text
 * before any other processing.
 *
 * @param id the token id
 * @param content the exact text of the token
 * @param singleWord match only when not inside a word
 * @param lstrip the match swallows whitespace on its left
 * @param rstrip the match swallows whitespace on its right
 * @param normalized match against the normalized text instead of the raw text
 * @param special a control token: {@code decode(ids, true)} drops it
 */
public record AddedToken(
    int id,
    String content,
    boolean singleWord,
    boolean lstrip,
    boolean rstrip,
    boolean normalized,
    boolean special) {}
