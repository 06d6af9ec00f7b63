package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.GenerationResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kernelj chat --model DIR}: an interactive conversation on stdin/stdout. Every turn renders
 * the whole history with the model's chat template and generates the reply, streamed. Empty line or
 * end of input quits; {@code /reset} forgets the history.
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
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (Engine engine = engineOptions.open(1, err)) {
      ChatPrompt prompt = new ChatPrompt(engine.tokenizer());
      List<ChatPrompt.Message> history = new ArrayList<>();
      resetHistory(history);
      err.println(
          "kernelj: chatting with "
              + engineOptions.model.getFileName()
              + " on "
              + engine.deviceName()
              + " (empty line quits, /reset forgets)");
      while (true) {
        out.print("> ");
        out.flush();
        String line = in.readLine();
        if (line == null || line.isBlank()) {
          return ExitCodes.OK;
        }
        if (line.strip().equals("/reset")) {
          resetHistory(history);
          continue;
        }
        history.add(new ChatPrompt.Message("user", line));
        String text = prompt.render(history);
        int[] ids = engine.tokenizer().encode(text, !prompt.rendersBos(text));
        int budget = Math.min(maxTokens, engine.maxContext() - ids.length);
        if (budget < 1) {
          err.println(
              "kernelj: note: the conversation fills the context of "
                  + engine.maxContext()
                  + " tokens; history reset");
          resetHistory(history);
          continue;
        }
        GenerationRequest request =
            new GenerationRequest(
                ids, sampling.settings(), engine.stopConditions(budget, List.of()));
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
        history.add(new ChatPrompt.Message("assistant", reply.text()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void resetHistory(List<ChatPrompt.Message> history) {
    history.clear();
    if (system != null) {
      history.add(new ChatPrompt.Message("system", system));
    }
  }
}
