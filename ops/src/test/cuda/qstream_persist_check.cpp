// CPU check of qstream_persist.cuh under the host emulator (build_qstream_persist_check.sh): the persistent
// candidate must give exactly the production one-row kernel's bits (kj_qstream with 1 row tile and 8 warps a
// block splits k the same way and adds in the same order), for grids smaller than, equal to and larger than
// the row-tile count, a last row tile half empty, groups of one tile, two tiles and all of k, and warps whose k
// range starts in the middle of a group.
#include "kj_host_shim.h"
#include "qgemm_source.cu"
#include "qstream_persist.cuh"
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

typedef __nv_bfloat16 bf16;

static unsigned mix(unsigned i, unsigned seed) {
  unsigned h = i * 2654435761u ^ seed * 97531u;
  h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
  return h;
}

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
    std::vector<unsigned> w((size_t)ntiles * ktiles * 128), meta((size_t)ntiles * chunks * 128);
    for (size_t i = 0; i < w.size(); ++i) w[i] = mix((unsigned)i, 17);
    for (size_t i = 0; i < meta.size(); ++i) {
      const unsigned h = mix((unsigned)i, 29);
      const float s = (1.f + (h & 0xffff) / 65536.f) * (1.f / 512.f);
      unsigned bits;
      std::memcpy(&bits, &s, 4);
      meta[i] = ((h >> 20) & 15u) << 16 | bits >> 16;  // bf16 scale, zero 0..15
    }
    std::vector<bf16> x(c.k);
    for (int i = 0; i < c.k; ++i) x[i] = __float2bfloat16_rn((mix(i, 5) & 0xffffff) / 16777216.f * 2.f - 1.f);
    const std::vector<unsigned short> want = run(false, 0, c.n, c.k, c.group, w, meta, x);
    for (int grid : c.grids) {
      const std::vector<unsigned short> got = run(true, grid, c.n, c.k, c.group, w, meta, x);
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
