package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.server.OpenAiServer;
import dev.kernelj.llm.server.ServedModel;
import dev.kernelj.llm.server.ServerConfig;
import dev.kernelj.llm.server.ServingEngineFactory;
import dev.kernelj.llm.server.ShutdownSignals;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.util.ConsoleProgressBar;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kernelj serve --model DIR}: an OpenAI-compatible HTTP server (chat and text completions,
 * models, tokenize, health, Prometheus metrics) until SIGTERM or Ctrl-C, then a graceful stop.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve a model over an OpenAI-compatible HTTP API.")
public final class ServeCommand implements Callable<Integer> {
  /** The engine behind the server. TODO(lead): the continuous-batching scheduler's factory. */
  static final ServingEngineFactory ENGINES = ServingEngineFactory.SERIAL;

  /** A day: longer is a mistake, and NaN or infinity would not stop. */
  private static final long MAX_GRACE_SECONDS = 86_400;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
  Path model;

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
      names = "--device",
      defaultValue = "auto",
      paramLabel = "cuda|cpu|auto",
      description = "Where to run (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--dtype",
      paramLabel = "bf16|f16|f32",
      description = "Activation and KV-cache dtype (default: bf16 on CUDA, f32 on the CPU).")
  String dtype;

  @Option(
      names = "--max-model-len",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Most prompt + generated tokens per request (default: the model's, at most 4096).")
  int maxModelLen;

  @Option(
      names = "--max-waiting",
      defaultValue = "" + ServingOptions.DEFAULT_MAX_WAITING,
      paramLabel = "N",
      description =
          "Most queued requests; beyond it 503 with Retry-After (default: ${DEFAULT-VALUE}).")
  int maxWaiting;

  @Option(
      names = "--max-num-seqs",
      defaultValue = "" + ServingOptions.DEFAULT_MAX_NUM_SEQS,
      paramLabel = "N",
      description = "Most requests in the running batch (default: ${DEFAULT-VALUE}).")
  int maxNumSeqs;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "" + ServingOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS,
      paramLabel = "N",
      description = "Most tokens one scheduler step computes (default: ${DEFAULT-VALUE}).")
  int maxNumBatchedTokens;

  @Option(
      names = "--gpu-memory-utilization",
      defaultValue = "0.9",
      paramLabel = "F",
      description = "Most of the GPU's memory the engine may take (default: ${DEFAULT-VALUE}).")
  double gpuMemoryUtilization;

  @Option(names = "--no-prefix-caching", description = "Do not share KV blocks between requests.")
  boolean noPrefixCaching;

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
    ServingOptions options = servingOptions(err);
    String name = servedModelName != null ? servedModelName : model.getFileName().toString();
    CountDownLatch stop = new CountDownLatch(1);
    try (ShutdownSignals signals = ShutdownSignals.install(stop::countDown);
        OpenAiServer server = new OpenAiServer(config)) {
      server.start();
      ServingEngineFactory.Opened opened = ENGINES.open(model, options);
      try {
        server.ready(ServedModel.of(name, opened));
        out.println(startupLine(server, name, opened));
        out.flush();
        stop.await();
        err.println(
            "kernelj: stopping: finishing requests in flight (at most " + shutdownGrace + " s)");
        err.flush();
        server.shutdown();
      } finally {
        opened.engine().close();
      }
    }
    return ExitCodes.OK;
  }

  /** Checks every value's range (a usage error naming the option), before anything starts. */
  private void validate() {
    OptionChecks.require(
        spec, !model.toString().isEmpty(), "--model must name the model directory");
    OptionChecks.require(spec, !host.isBlank(), "--host must name an address");
    OptionChecks.within(spec, "--port", port, 0, 65535);
    OptionChecks.require(
        spec,
        servedModelName == null || !servedModelName.isBlank(),
        "--served-model-name must not be empty");
    OptionChecks.device(spec, device);
    OptionChecks.dtype(spec, dtype);
    OptionChecks.memoryFraction(spec, gpuMemoryUtilization);
    OptionChecks.atLeast(spec, "--max-model-len", maxModelLen, 0);
    OptionChecks.atLeast(spec, "--max-waiting", maxWaiting, 1);
    OptionChecks.atLeast(spec, "--max-num-seqs", maxNumSeqs, 1);
    OptionChecks.require(
        spec,
        maxNumBatchedTokens >= maxNumSeqs,
        "--max-num-batched-tokens must be at least --max-num-seqs ("
            + maxNumSeqs
            + ": every running request needs a token of each step) but is "
            + maxNumBatchedTokens);
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
        .withMaxThreads(handlerThreads())
        .withLog(
            line -> {
              synchronized (err) {
                err.println(line);
                err.flush();
              }
            });
  }

  /**
   * Enough threads for every request the engine holds (running and waiting, each blocks one while
   * it streams) and some to answer health, metrics and rejections meanwhile.
   */
  private int handlerThreads() {
    long wanted = (long) maxNumSeqs + maxWaiting + 64;
    return (int) Math.max(ServerConfig.DEFAULT_MAX_THREADS, Math.min(wanted, 65_536));
  }

  private ServingOptions servingOptions(PrintWriter err) {
    EngineOptions engine =
        EngineOptions.defaults()
            .withDevice(Device.parse(device))
            .withGpuMemoryUtilization(gpuMemoryUtilization)
            .withMaxContext(maxModelLen)
            .withActivation(EngineMixin.parseDtype(dtype))
            .withProgress(ConsoleProgressBar.forStderr("loading " + model.getFileName(), false))
            .withNotes(
                note -> {
                  err.println("kernelj: note: " + note);
                  err.flush();
                });
    return ServingOptions.defaults(engine)
        .withMaxNumSeqs(maxNumSeqs)
        .withMaxNumBatchedTokens(maxNumBatchedTokens)
        .withMaxWaiting(maxWaiting)
        .withPrefixCaching(!noPrefixCaching);
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
