package dev.kernelj.dsl.cuda;

import java.util.List;

/** A stream of tokens that the macro expander reads: the source's live lines, or a fixed list. */
interface TokenSource {
  /** The next token, or null at the end. */
  CudaToken next();

  static TokenSource of(List<CudaToken> tokens) {
    return new TokenSource() {
      private int i;

      @Override
      public CudaToken next() {
        return i < tokens.size() ? tokens.get(i++) : null;
      }
    };
  }
}
