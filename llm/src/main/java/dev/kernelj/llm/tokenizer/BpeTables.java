package dev.kernelj.llm.tokenizer;

/**
 * What the {@code model} section of {@code tokenizer.json} resolves to: the vocabulary index, the
 * token texts by id, the merge table and the options. It is the unit the on-disk {@link TableCache}
 * stores, so that a cached load skips the JSON of the model section.
 */
record BpeTables(TokenIndex vocab, TokenTexts tokens, MergeTable merges, BpeModel.Options options) {

  /** Builds the model; {@code spec} names the file in the errors the options may still raise. */
  BpeModel toModel(JsonSpec spec) {
    return new BpeModel(vocab, tokens, merges, options, spec);
  }
}
