package dev.kernelj.llm.chat;

/**
 * A chat template that cannot be rendered: a syntax error, a construct the Jinja engine does not
 * support, or the template itself rejecting the conversation through {@code raise_exception}.
 */
public final class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
