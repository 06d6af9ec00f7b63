package dev.kernelj.llm.cli;

import dev.kernelj.llm.chat.ChatMessage;
import dev.kernelj.llm.chat.ChatTemplateException;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.GenerationResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kernelj chat --model DIR}: an interactive conversation on stdin/stdout. Every turn renders
 * the whole history with the model's chat template and generates the reply, streamed. An empty line
 * or the end of input quits; {@code /reset} forgets the history. When the history outgrows the
 * context its oldest turns are dropped; a line that cannot fit even alone is an error for that turn
 * and the conversation goes on.
 */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description = "Chat with a model interactively (its chat template, history kept).")
public final class ChatCommand implements Callable<Integer> {
  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Mixin private EngineMixin engineOptions;

  @Mixin private SamplingMixin sampling;

  @Option(
      names = "--system",
      paramLabel = "TEXT",
      description = "A system message opening the conversation.")
  private String system;

  @Option(
      names = "--max-tokens",
      defaultValue = "512",
      paramLabel = "N",
      description = "Most tokens per reply (default: ${DEFAULT-VALUE}).")
  private int maxTokens;

  @Override
  public Integer call() {
    engineOptions.validate();
    sampling.validate();
    OptionChecks.atLeast(spec, "--max-tokens", maxTokens, 1);
    OptionChecks.require(
        spec,
        !ConsoleInput.isClosed(System.in),
        "standard input is closed; chat reads the conversation from it");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConsoleInput in = new ConsoleInput(System.in, ConsoleInput.MAX_LINE_CHARS);
    try (Engine engine = engineOptions.open(1, err)) {
      Conversation conversation = new Conversation(new ChatPrompt(engine.tokenizer()));
      err.println(
          "kernelj: chatting with "
              + engineOptions.model.getFileName()
              + " on "
              + engine.deviceName()
              + " (empty line quits, /reset forgets)");
      while (true) {
        out.print("> ");
        out.flush();
        ConsoleInput.Line line = in.readLine();
        if (line instanceof ConsoleInput.End) {
          out.println();
          return ExitCodes.OK;
        }
        if (line instanceof ConsoleInput.TooLong tooLong) {
          turnError(
              err,
              "that line is "
                  + tooLong.chars()
                  + " characters long, over the limit of "
                  + ConsoleInput.MAX_LINE_CHARS);
          continue;
        }
        String text = ((ConsoleInput.Text) line).text();
        if (text.isBlank()) {
          return ExitCodes.OK;
        }
        if (text.strip().equals("/reset")) {
          conversation.reset();
          continue;
        }
        turn(engine, conversation, text, out, err);
      }
    }
  }

  /** One exchange: the user's line, then the reply streamed; errors leave the history as it was. */
  private void turn(
      Engine engine, Conversation conversation, String text, PrintWriter out, PrintWriter err) {
    int[] ids;
    try {
      ids = conversation.fit(text, engine.maxContext() - 1, err);
    } catch (ChatTemplateException e) {
      turnError(err, ErrorReporter.singleLine(e.getMessage()));
      return;
    }
    if (ids == null) {
      turnError(
          err,
          "that line does not fit the context of "
              + engine.maxContext()
              + " tokens"
              + (system == null ? "" : " beside the system message")
              + " (--max-context sets it, up to the model's "
              + engine.config().maxPositionEmbeddings()
              + ")");
      return;
    }
    int budget = Math.min(maxTokens, engine.maxContext() - ids.length);
    GenerationRequest request =
        new GenerationRequest(ids, sampling.settings(), engine.stopConditions(budget, List.of()));
    GenerationResult reply =
        engine
            .generate(
                List.of(request),
                (seq, piece) -> {
                  out.print(piece);
                  out.flush();
                })
            .get(0);
    out.println();
    conversation.reply(reply.text());
  }

  private static void turnError(PrintWriter err, String message) {
    err.println("kernelj: error: " + message + "; nothing was sent, the conversation is kept");
    err.flush();
  }

  /** The history, and what makes a new line fit the context. */
  private final class Conversation {
    private final ChatPrompt prompt;
    private final List<ChatMessage> history = new ArrayList<>();

    Conversation(ChatPrompt prompt) {
      this.prompt = prompt;
      reset();
    }

    void reset() {
      history.clear();
      if (system != null) {
        history.add(ChatMessage.system(system));
      }
    }

    /**
     * The prompt ids with {@code text} as the next user turn, dropping the oldest turns until at
     * most {@code limit} tokens remain; null (and the history unchanged) when the line does not fit
     * even alone.
     */
    int[] fit(String text, int limit, PrintWriter err) {
      ChatMessage user = ChatMessage.user(text);
      List<ChatMessage> candidate = new ArrayList<>(history);
      candidate.add(user);
      int first = system == null ? 0 : 1;
      int dropped = 0;
      int[] ids = prompt.encode(candidate);
      while (ids.length > limit && candidate.size() - first > 1) {
        // A user turn and its reply go together: templates want roles to alternate.
        candidate.remove(first);
        dropped++;
        if (candidate.size() - first > 1 && candidate.get(first).role().equals("assistant")) {
          candidate.remove(first);
          dropped++;
        }
        ids = prompt.encode(candidate);
      }
      if (ids.length > limit) {
        return null;
      }
      if (dropped > 0) {
        err.println(
            "kernelj: note: dropped the " + dropped + " oldest message(s) to fit the context");
      }
      history.clear();
      history.addAll(candidate);
      return ids;
    }

    void reply(String text) {
      history.add(ChatMessage.assistant(text));
    }
  }
}
