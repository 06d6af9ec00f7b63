package dev.kernelj.llm.server;

/** Serves one route: reads the exchange's request, writes its response, or throws. */
@FunctionalInterface
interface ApiHandler {
  void handle(Exchange exchange) throws Exception;
}
