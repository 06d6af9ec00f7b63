package dev.kernelj.llm.cli;

import dev.kernelj.llm.chat.tools.ToolCallFormat;
import dev.kernelj.llm.server.OpenAiServer;
import dev.kernelj.llm.server.ServedModel;
import dev.kernelj.llm.server.ServerConfig;
import dev.kernelj.llm.server.ServingEngineFactory;
import dev.kernelj.llm.server.ShutdownSignals;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kernelj serve --model DIR}: an OpenAI-compatible HTTP server (chat and text completions,
 * models, tokenize, health, Prometheus metrics) in front of the continuous-batching engine, until
 * SIGTERM or Ctrl-C, then a graceful stop.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve a model over an OpenAI-compatible HTTP API (continuous batching).")
public final class ServeCommand implements Callable<Integer> {
  /** The engine behind the server. */
  static final ServingEngineFactory ENGINES = ServingEngineFactory.CONTINUOUS_BATCHING;

  /** vLLM's names of the reasoning parsers; both split at {@code </think>}. */
  private static final java.util.Set<String> REASONING_PARSERS =
      java.util.Set.of("deepseek_r1", "qwen3");

  /** A day: longer is a mistake, and NaN or infinity would not stop. */
  private static final long MAX_GRACE_SECONDS = 86_400;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Mixin private EngineMixin engineOptions;

  @Mixin private SchedulerOptions scheduler;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDR",
      description = "Address to listen on; 0.0.0.0 for all (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8000",
      paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--served-model-name",
      paramLabel = "NAME",
      description = "The model id clients send (default: the model directory's name).")
  String servedModelName;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:KERNELJ_API_KEY}",
      description =
          "Require Authorization: Bearer KEY on every endpoint but /health"
              + " (default: $KERNELJ_API_KEY; none when unset).")
  String apiKey;

  @Option(
      names = "--max-waiting",
      defaultValue = "4096",
      paramLabel = "N",
      description =
          "Most requests waiting to start; beyond it 503 with Retry-After (default:"
              + " ${DEFAULT-VALUE}).")
  int maxWaiting;

  @Option(
      names = "--tool-call-parser",
      paramLabel = "NAME",
      description =
          "How replies write tool calls: hermes, llama3_json, mistral, or none to refuse tools"
              + " (default: recognised from the chat template).")
  String toolCallParser;

  @Option(
      names = "--reasoning-parser",
      paramLabel = "NAME",
      description =
          "Split a thinking model's <think>...</think> out of chat replies into reasoning_content:"
              + " deepseek_r1 or qwen3 (default: none, the text stays in content).")
  String reasoningParser;

  @Option(names = "--log-prompts", description = "Include prompts in the access log lines.")
  boolean logPrompts;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "On SIGTERM or Ctrl-C, how long requests in flight may take before they are aborted"
              + " (default: ${DEFAULT-VALUE}).")
  double shutdownGrace;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    validate();
    ServerConfig config = serverConfig(err);
    ServingOptions options =
        scheduler.apply(engineOptions.serving(err), 0).maxWaiting(maxWaiting).build();
    String name =
        servedModelName != null ? servedModelName : engineOptions.model.getFileName().toString();
    CountDownLatch stop = new CountDownLatch(1);
    try (ShutdownSignals signals = ShutdownSignals.install(stop::countDown);
        OpenAiServer server = new OpenAiServer(config)) {
      server.start();
      ServingEngineFactory.Opened opened = ENGINES.open(engineOptions.model, options);
      try {
        ServedModel served = withToolCalls(ServedModel.of(name, opened));
        server.ready(served);
        out.println(startupLine(server, name, opened));
        out.flush();
        if (served.chatTemplate() != null && served.chatTemplate().problem() != null) {
          err.println(
              "kernelj: warning: the chat template cannot be used ("
                  + served.chatTemplate().problem()
                  + "): /v1/chat/completions answers 400; /v1/completions works");
          err.flush();
        }
        stop.await();
        err.println(
            "kernelj: stopping: finishing requests in flight (at most "
                + OptionChecks.show(shutdownGrace)
                + " s)");
        err.flush();
        server.shutdown();
        err.println(stoppedLine(opened.engine().stats()));
        err.flush();
      } finally {
        opened.engine().close();
      }
    }
    return ExitCodes.OK;
  }

  /**
   * What the engine did while serving, for the log: requests, tokens and its steps (the mean step
   * time is the figure to set beside {@code kernelj bench --serve}'s at the same load).
   */
  static String stoppedLine(ServingStats s) {
    return String.format(
        Locale.ROOT,
        "kernelj: stopped: %d requests finished, %d prompt and %d generated tokens, %d steps of"
            + " %.3f ms mean (%.1f%% host)",
        s.finishedRequests(),
        s.promptTokens(),
        s.generationTokens(),
        s.steps(),
        s.meanStepMillis(),
        100 * s.hostFraction());
  }

  /** The model with the tool-call format {@code --tool-call-parser} names, if it names one. */
  private ServedModel withToolCalls(ServedModel model) {
    if (reasoningParser != null) model = model.withReasoningSplit();
    if (toolCallParser == null) return model;
    return model.withToolCallFormat(
        toolCallParser.equals("none") ? null : ToolCallFormat.named(toolCallParser));
  }

  /** Checks every value's range (a usage error naming the option), before anything starts. */
  private void validate() {
    engineOptions.validate();
    scheduler.validate(spec, BenchCommand.MAX_BATCH);
    OptionChecks.require(spec, !host.isBlank(), "--host must name an address");
    OptionChecks.within(spec, "--port", port, 0, 65535);
    OptionChecks.require(
        spec,
        servedModelName == null || !servedModelName.isBlank(),
        "--served-model-name must not be empty");
    OptionChecks.atLeast(spec, "--max-waiting", maxWaiting, 1);
    OptionChecks.require(
        spec,
        reasoningParser == null || REASONING_PARSERS.contains(reasoningParser),
        "--reasoning-parser must be deepseek_r1 or qwen3 but is " + reasoningParser);
    if (toolCallParser != null && !toolCallParser.equals("none")) {
      try {
        ToolCallFormat.named(toolCallParser);
      } catch (IllegalArgumentException e) {
        OptionChecks.require(spec, false, "--tool-call-parser: " + e.getMessage() + " or none");
      }
    }
    OptionChecks.require(
        spec,
        shutdownGrace >= 0 && shutdownGrace <= MAX_GRACE_SECONDS,
        "--shutdown-grace must be 0 to "
            + MAX_GRACE_SECONDS
            + " seconds but is "
            + OptionChecks.show(shutdownGrace));
  }

  private ServerConfig serverConfig(PrintWriter err) {
    return ServerConfig.defaults()
        .withHost(host)
        .withPort(port)
        .withApiKey(apiKey)
        .withLogPrompts(logPrompts)
        .withGraceMillis((long) (shutdownGrace * 1000))
        .withLog(
            line -> {
              synchronized (err) {
                err.println(line);
                err.flush();
              }
            });
  }

  private static String startupLine(
      OpenAiServer server, String name, ServingEngineFactory.Opened opened) {
    ServingStats s = opened.engine().stats();
    return "kernelj: serving "
        + name
        + " at "
        + server.url()
        + "/v1 on "
        + opened.device()
        + "; KV cache "
        + (long) s.kvBlocksTotal() * s.blockSize()
        + " tokens ("
        + s.kvBlocksTotal()
        + " blocks of "
        + s.blockSize()
        + "), max model length "
        + opened.engine().maxModelLength();
  }
}
