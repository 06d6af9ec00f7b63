// Random packed 4-bit weights for the candidate checks (host emulator): any 32-bit word is a valid set of
// codes; each meta word a bf16 scale in [2^-9, 2^-8) and a zero 0..15 in its high half; x uniform in (-1, 1).
#pragma once
#include <cstring>
#include <vector>

inline unsigned candidate_mix(unsigned i, unsigned seed) {
  unsigned h = i * 2654435761u ^ seed * 97531u;
  h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
  return h;
}

struct CandidateFixture {
  std::vector<unsigned> w, meta;
  std::vector<__nv_bfloat16> x;
  // tiles: 16-row weight tiles; ktiles: 64-input tiles; chunks: meta chunks of 8 groups a row tile; xs: x elements.
  CandidateFixture(int tiles, int ktiles, int chunks, size_t xs)
      : w((size_t)tiles * ktiles * 128), meta((size_t)tiles * chunks * 128), x(xs) {
    for (size_t i = 0; i < w.size(); ++i) w[i] = candidate_mix((unsigned)i, 17);
    for (size_t i = 0; i < meta.size(); ++i) {
      const unsigned h = candidate_mix((unsigned)i, 29);
      const float s = (1.f + (h & 0xffff) / 65536.f) * (1.f / 512.f);
      unsigned bits;
      std::memcpy(&bits, &s, 4);
      meta[i] = ((h >> 20) & 15u) << 16 | bits >> 16;
    }
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = __float2bfloat16_rn((candidate_mix((unsigned)i, 5) & 0xffffff) / 16777216.f * 2.f - 1.f);
  }
};
