// CPU check of qstream_persist.cuh under the host emulator (build_candidate_checks.sh): the persistent
// candidate must give exactly the production one-row kernel's bits (kj_qstream with 1 row tile and 8 warps a
// block splits k the same way and adds in the same order), for grids smaller than, equal to and larger than
// the row-tile count, a last row tile half empty, groups of one tile, two tiles and all of k, and warps whose k
// range starts in the middle of a group.
#include "kj_host_shim.h"
#include "qgemm_source.cu"
#include "qstream_persist.cuh"
#include "candidate_fixture.h"
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

typedef __nv_bfloat16 bf16;

static std::vector<unsigned short> run(bool persist, int grid, int n, int k, int group, const std::vector<unsigned>& w,
                                       const std::vector<unsigned>& meta, const std::vector<bf16>& x) {
  const int ktiles = k / 64, group_steps = group / 16, chunks = (k / group + 7) / 8, ntiles = (n + 15) / 16;
  const size_t shared = kj_qs::RING_BYTES + (size_t)kj_q::x_stride(ktiles, 64) * 2;
  setenv("KJ_DYNAMIC_SHARED_BYTES", std::to_string(shared).c_str(), 1);
  std::vector<bf16> out(n + 5, __float2bfloat16_rn(-777.f));
  const unsigned* wp = w.data();
  const unsigned* mp = meta.data();
  if (persist) {
    kj_launch(grid, kj_q::THREADS, [&] {
      kj_qp::kj_qstream_persist<bf16>(out.data(), x.data(), wp, mp, nullptr, nullptr, 1, n, k, ktiles, group_steps, chunks, k, n, 1, 1);
    });
  } else {
    kj_launch(ntiles, kj_q::THREADS, [&] {
      kj_qs::qstream<bf16, 1, 8>(out.data(), x.data(), wp, mp, n, k, ktiles, group_steps, chunks, 1);
    });
  }
  std::vector<unsigned short> bits(out.size());
  for (size_t i = 0; i < out.size(); ++i) std::memcpy(&bits[i], &out[i], 2);
  return bits;
}

int main() {
  struct Case { int n, k, group; std::vector<int> grids; };
  const Case cases[] = {{590, 1024, 128, {5, 13, 37, 40}}, {200, 1536, 128, {4, 13}}, {256, 1536, 64, {3, 16}},
                        {96, 512, 512, {2, 6, 9}}};
  int failures = 0;
  for (const Case& c : cases) {
    const int ntiles = (c.n + 15) / 16, ktiles = c.k / 64, chunks = (c.k / c.group + 7) / 8;
    const CandidateFixture f(ntiles, ktiles, chunks, c.k);
    const std::vector<unsigned short> want = run(false, 0, c.n, c.k, c.group, f.w, f.meta, f.x);
    for (int grid : c.grids) {
      const std::vector<unsigned short> got = run(true, grid, c.n, c.k, c.group, f.w, f.meta, f.x);
      int wrong = 0, first = -1;
      for (size_t i = 0; i < got.size(); ++i)
        if (got[i] != want[i]) { ++wrong; if (first < 0) first = (int)i; }
      printf("n %d k %d group %d grid %d: %s", c.n, c.k, c.group, grid, wrong ? "DIFFERS" : "same bits");
      if (wrong) printf(" (%d of %zu, first at %d)", wrong, got.size(), first);
      printf("\n");
      failures += wrong != 0;
    }
  }
  printf("%s\n", failures ? "FAILED" : "all grids give the production kernel's bits");
  return failures ? 1 : 0;
}
