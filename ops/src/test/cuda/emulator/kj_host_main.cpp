// Runs one op kernel of KernelJ on the CPU through kj_host_shim.h, for the CPU tests that check the
// CUDA C against the Java reference twins (HostEmulatedKernelsTest). The op's CUDA C is included as
// KJ_SOURCE. Protocol:
//   argv: kernel-name grid block arg...   arg = b<N> (buffer N), b<N>+<B> (B bytes into it), i<int>,
//         l<long>, f<float>
//   stdin: buffer count, then per buffer: type (0 f32, 1 f16, 2 bf16, 3 i32), element count, values
//          as little-endian f32 (i32 for type 3)
//   stdout: every buffer again, same encoding, after the launch.
//   argv --list: prints the table instead, a line per kernel: the Java method's name, a tab, the
//         instantiation it launches (HostEmulator checks it against the method's @Global).
#include "kj_host_shim.h"
#include KJ_SOURCE
#include <cstdio>
#include <cstdlib>
#include <string>

struct Buffer { int type; long long n; void* data; };
static std::vector<Buffer> buffers;
static std::vector<std::string> args;

static void* buf(int a) {
  if (args.at(a) == "n") return nullptr;  // a null pointer argument
  char* rest;
  const long index = std::strtol(args.at(a).c_str() + 1, &rest, 10);
  const long offset = *rest == '+' ? std::strtol(rest + 1, nullptr, 10) : 0;
  return (char*)buffers.at(index).data + offset;
}
static int I(int a) { return std::atoi(args.at(a).c_str() + 1); }
static long long L(int a) { return std::atoll(args.at(a).c_str() + 1); }
static float F(int a) { return std::strtof(args.at(a).c_str() + 1, nullptr); }

static bool readAll(void* p, size_t bytes) { return std::fread(p, 1, bytes, stdin) == bytes; }

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  const std::string argName = args.at(0);
  const bool list = argName == "--list";
  const unsigned grid = list ? 0 : std::atoi(args.at(1).c_str()), block = list ? 0 : std::atoi(args.at(2).c_str());
  int count = 0;
  if (!list) {
    if (!readAll(&count, 4)) return 2;
    for (int b = 0; b < count; ++b) {
      int type = 0; long long n = 0;
      if (!readAll(&type, 4) || !readAll(&n, 8)) return 2;
      size_t size = type == 0 || type == 3 ? 4 : 2;
      void* data = std::aligned_alloc(64, ((n * size + 63) / 64 + 1) * 64);
      for (long long i = 0; i < n; ++i) {
        float v; if (!readAll(&v, 4)) return 2;
        if (type == 0 || type == 3) std::memcpy((char*)data + 4 * i, &v, 4);
        else if (type == 1) ((__half*)data)[i] = __float2half_rn(v);
        else ((__nv_bfloat16*)data)[i] = __float2bfloat16_rn(v);
      }
      buffers.push_back({type, n, data});
    }
  }
  bool found = false;
// KJ_RUN(name, kernel, args): launch `kernel` (a template instantiation) when the Java method `name` was recorded;
// with --list, print the pair.
#define KJ_RUN(name, kernel, call) \
  if (list) std::printf("%s\t%s\n", #name, #kernel); \
  else if (argName == #name) { found = true; kj_launch(grid, block, [&] { kernel call; }); }
#include "kj_host_table.h"
  if (list) return 0;
  if (!found) { std::fprintf(stderr, "unknown kernel %s\n", argName.c_str()); return 3; }
  std::fwrite(&count, 4, 1, stdout);
  for (const Buffer& b : buffers) {
    std::fwrite(&b.type, 4, 1, stdout);
    std::fwrite(&b.n, 8, 1, stdout);
    for (long long i = 0; i < b.n; ++i) {
      float v;
      if (b.type == 0 || b.type == 3) std::memcpy(&v, (char*)b.data + 4 * i, 4);
      else if (b.type == 1) v = __half2float(((__half*)b.data)[i]);
      else v = __bfloat162float(((__nv_bfloat16*)b.data)[i]);
      std::fwrite(&v, 4, 1, stdout);
    }
  }
  return 0;
}
