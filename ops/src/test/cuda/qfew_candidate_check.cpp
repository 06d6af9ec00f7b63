// CPU check of qfew_candidate.cuh under the host emulator (build_candidate_checks.sh): the few-row candidate
// against the production GEMM (kj_qgemm, per-tile x loads) on the same packed weights, for 8 and 16 column
// instantiations, row counts that do and do not fill them, a last row tile half empty and row tiles past the matrix
// in the last block, groups of one tile, two tiles and all of k, warp ranges starting mid-group and crossing several
// group boundaries, and k split across blocks. The two sum in different orders (and the production kernel's offset
// chain adds f32 noise), so the check is the harness's: the worst difference relative to max |output| below 1e-2; a
// wrong layout, row, group or split gives differences of the size of the outputs.
#include "kj_host_shim.h"
#include "qgemm_source.cu"
#include "qfew_candidate.cuh"
#include "candidate_fixture.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

typedef __nv_bfloat16 bf16;

static float f32(bf16 v) { return __bfloat162float(v); }

template <int MT, int RW, int U>
static int check(int m, int n, int k, int group, int splits) {
  const int tiles = (n + 15) / 16, ktiles = k / 64, group_steps = group / 16, chunks = (k / group + 7) / 8;
  const CandidateFixture f(tiles, ktiles, chunks, (size_t)m * k);
  const std::vector<unsigned>& w = f.w;
  const std::vector<unsigned>& meta = f.meta;
  const std::vector<bf16>& x = f.x;
  std::vector<float> partials((size_t)tiles * 8 * 16 * 64);
  std::vector<unsigned> counters(tiles, 0u);
  setenv("KJ_DYNAMIC_SHARED_BYTES", "0", 1);
  std::vector<bf16> want((size_t)m * n, __float2bfloat16_rn(-777.f)), got = want;
  kj_launch(tiles, kj_q::THREADS, [&] {
    kj_qgemm<bf16, 4, MT, 8, false>(want.data(), x.data(), reinterpret_cast<const int*>(w.data()),
                                     reinterpret_cast<const int*>(meta.data()), partials.data(),
                                     reinterpret_cast<int*>(counters.data()), m, n, k, ktiles, group_steps, chunks, k, n, 1, 1);
  });
  kj_launch((tiles + RW - 1) / RW * splits, kj_q::THREADS, [&] {
    kj_qf::kj_qfew<bf16, MT, RW, U>(got.data(), x.data(), w.data(), meta.data(), partials.data(), counters.data(), m, n, k,
                                   ktiles, group_steps, chunks, k, n, 1, splits);
  });
  float most = 0.f;
  for (bf16 v : want) most = std::max(most, std::fabs(f32(v)));
  double worst = 0;
  bool bad = false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(f32(got[i]) == f32(got[i])) || f32(got[i]) == -777.f) bad = true;
    worst = std::max(worst, (double)std::fabs(f32(got[i]) - f32(want[i])) / most);
  }
  const bool ok = !bad && worst < 1e-2;
  printf("MT %d RW %d U %d, m %d n %d k %d group %d splits %d: worst %.2e of max |out| %.3g%s\n", MT, RW, U, m, n, k, group,
         splits, worst, most, ok ? "" : bad ? "  UNWRITTEN OR NaN" : "  DIFFERS");
  return ok ? 0 : 1;
}

int main() {
  int failures = 0;
  failures += check<1, 2, 3>(8, 181, 1024, 128, 1);
  failures += check<1, 4, 2>(5, 181, 1536, 128, 3);
  failures += check<2, 2, 3>(16, 100, 1024, 1024, 2);
  failures += check<2, 4, 2>(13, 181, 1536, 128, 1);
  failures += check<2, 4, 2>(16, 64, 1024, 128, 4);
  // Several group boundaries in each warp's range: groups of one tile and of two.
  failures += check<2, 4, 2>(16, 181, 4096, 64, 1);
  failures += check<1, 2, 3>(8, 100, 4096, 128, 2);
  printf("%s\n", failures ? "FAILED" : "the few-row candidate agrees with the production GEMM");
  return failures ? 1 : 0;
}
