package dev.kernelj.ops.kernels.sampling;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Token sampling on the device, one block per sequence. Launch it through {@link Sampling}; the
 * Java twin is {@link SamplingReference}, which picks the same token bit for bit.
 *
 * <p>Why the sampler reproduces exactly: every token gets an integer weight {@code w = floor(2^31 *
 * 2^((logit / T - max) * log2 e))}, where 2^y is a fixed polynomial evaluated with explicit fused
 * multiply-adds (no hardware {@code exp}), so Java's {@code Math.fma} computes the same bits.
 * Top-k, top-p and min-p are thresholds on {@code w} found by radix select with integer histograms
 * (order-independent, so the result does not depend on thread scheduling); the kept mass is an
 * exact 64-bit sum; the uniform number is 24 bits of Philox4x32-10 keyed by the sequence's seed
 * with its step as the counter; and the token is the first, in index order, whose running weight
 * sum passes {@code floor(total * u)}.
 *
 * <p>Filter order: temperature, top-k (ties at the threshold kept), top-p over what top-k kept (the
 * smallest set of heaviest tokens whose weight reaches {@code ceil(topP * kept)}, ties kept), min-p
 * ({@code w >= ceil(minP * 2^31)}). Tokens whose weight rounds to zero (probability below 2^-31 of
 * the best) are never drawn. Temperature {@code <= 0} means greedy (argmax, lowest index on ties),
 * and so does a temperature so small that the largest {@code logit / T} overflows a float; {@code
 * topK <= 0}, {@code topP >= 1} and {@code minP <= 0} switch a filter off.
 *
 * <p>Degenerate rows never fail and never draw garbage: a row holding NaN or +infinity gets {@link
 * #NON_FINITE}, a row of -infinity only (every token masked) gets {@link #ALL_MASKED}, for the
 * caller to report. Only the sampled ids come back to the host, so this is how a step learns that
 * its logits went bad without reading them.
 */
@Kernel(
    source =
        """
    #include <stdint.h>

    namespace kj_sampling {

    constexpr int THREADS = 1024;
    constexpr int WARPS = THREADS / 32;
    constexpr int MAX_TOP_LOGPROBS = 64;

    // ---- block-wide reductions and scans (all threads of the block must call them) ----
    template <typename T, typename Op>
    __device__ T block_reduce(T v, Op op, T* scratch) {
      for (int off = 16; off > 0; off /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, off));
      __syncthreads();
      if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
      __syncthreads();
      T r = scratch[0];
      for (int w = 1; w < WARPS; w++) r = op(r, scratch[w]);
      __syncthreads();
      return r;
    }

    // Exclusive prefix sum over the threads in index order; *total receives the sum of all.
    template <typename T>
    __device__ T block_exclusive_scan(T v, T* scratch, T* total) {
      const int lane = threadIdx.x % 32;
      const int warp = threadIdx.x / 32;
      T inclusive = v;
      for (int off = 1; off < 32; off *= 2) {
        T up = __shfl_up_sync(0xffffffffu, inclusive, off);
        if (lane >= off) inclusive += up;
      }
      __syncthreads();
      if (lane == 31) scratch[warp] = inclusive;
      __syncthreads();
      T before = 0;
      T all = 0;
      for (int w = 0; w < WARPS; w++) {
        if (w < warp) before += scratch[w];
        all += scratch[w];
      }
      __syncthreads();
      *total = all;
      return before + inclusive - v;
    }

    struct MaxF { __device__ float operator()(float a, float b) const { return fmaxf(a, b); } };
    struct SumF { __device__ float operator()(float a, float b) const { return a + b; } };
    struct SumU64 {
      __device__ unsigned long long operator()(unsigned long long a, unsigned long long b) const { return a + b; }
    };

    // log(sum(exp(row))) around the row's max, the same for every caller (all threads call it).
    __device__ __forceinline__ float row_log_z(const float* row, int vocab, float* scratch) {
      float m = -INFINITY;
      for (int i = threadIdx.x; i < vocab; i += THREADS) m = fmaxf(m, row[i]);
      m = block_reduce(m, MaxF(), scratch);
      float z = 0.f;
      for (int i = threadIdx.x; i < vocab; i += THREADS) z += expf(row[i] - m);
      z = block_reduce(z, SumF(), scratch);
      return m + logf(z);
    }

    // ---- the reproducible weight: floor(2^31 * 2^y) for y <= 0 ----
    __device__ __forceinline__ float exp2_poly(float y) {
      if (y < -32.f) return 0.f;
      const float n = rintf(y);
      const float f = __fsub_rn(y, n);                 // exact, in [-0.5, 0.5]
      float p = 1.525273380405984e-5f;                 // (ln 2)^k / k!, k = 7 .. 0
      p = fmaf(p, f, 1.5403530393381606e-4f);
      p = fmaf(p, f, 1.3333558146428443e-3f);
      p = fmaf(p, f, 9.618129107628477e-3f);
      p = fmaf(p, f, 5.550410866482158e-2f);
      p = fmaf(p, f, 2.402265069591007e-1f);
      p = fmaf(p, f, 6.931471805599453e-1f);
      p = fmaf(p, f, 1.0f);
      return ldexpf(p, (int) n);
    }
    __device__ __forceinline__ uint32_t weight(float logit, float temperature, float max_scaled) {
      const float x = __fdiv_rn(logit, temperature);
      const float y = __fmul_rn(__fsub_rn(x, max_scaled), 1.4426950408889634f);
      return (uint32_t) __fmul_rn(exp2_poly(y), 2147483648.0f);
    }

    // Philox4x32-10: 24 random bits from (seed, step).
    __device__ __forceinline__ uint32_t philox_bits24(unsigned long long seed, uint32_t step) {
      uint32_t c0 = step, c1 = 0u, c2 = 0u, c3 = 0u;
      uint32_t k0 = (uint32_t) seed, k1 = (uint32_t) (seed >> 32);
      for (int round = 0; round < 10; round++) {
        uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      return c0 >> 8;
    }

    // Largest key T with measure({key >= T, key >= lower}) >= need, by 8-bit radix descent.
    // KeyFn: uint32_t(int i). COUNT: measure 1 per element, else the key itself.
    template <bool COUNT, typename KeyFn>
    __device__ uint32_t radix_select(KeyFn key_of, int n, uint32_t lower, unsigned long long need,
                                     unsigned long long* hist, uint32_t* shared_prefix) {
      uint32_t prefix = 0;
      for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += THREADS) hist[i] = 0ull;
        __syncthreads();
        for (int base = 0; base < n; base += THREADS) {   // warp-uniform trip count for the votes
          const int i = base + threadIdx.x;
          const uint32_t key = i < n ? key_of(i) : 0u;
          bool match = i < n && key >= lower && (shift == 24 || (key >> (shift + 8)) == (prefix >> (shift + 8)));
          if (!COUNT && key == 0u) match = false;      // adds no mass
          // Lanes of one bucket add once per warp: skewed rows put most keys in one bucket.
          const unsigned active = __ballot_sync(0xffffffffu, match);
          if (match) {
            const uint32_t bucket = (key >> shift) & 255u;
            const unsigned peers = __match_any_sync(active, bucket);
            unsigned long long amount;
            if (COUNT) {
              amount = (unsigned long long) __popc(peers);
            } else {
              unsigned lo = __reduce_add_sync(peers, key & 0xffffu);
              unsigned hi = __reduce_add_sync(peers, key >> 16);
              amount = ((unsigned long long) hi << 16) + lo;
            }
            if ((threadIdx.x % 32) == (unsigned) (__ffs(peers) - 1)) atomicAdd(&hist[bucket], amount);
          }
        }
        __syncthreads();
        if (threadIdx.x == 0) {
          unsigned long long acc = 0;
          int chosen = 0;
          for (int bucket = 255; bucket >= 0; bucket--) {
            if (acc + hist[bucket] >= need) { chosen = bucket; break; }
            acc += hist[bucket];
          }
          need -= acc;
          *shared_prefix = prefix | ((uint32_t) chosen << shift);
        }
        __syncthreads();
        prefix = *shared_prefix;   // `need` is only read and updated by thread 0
        __syncthreads();
      }
      return prefix;
    }

    }  // namespace kj_sampling

    // Repetition (HF: divide positive, multiply negative logits), presence and frequency penalties
    // for every distinct token of each sequence's history. `counts` [batch, vocab] must be zero on
    // entry; the kernel leaves it zero again.
    extern "C" __global__ void __launch_bounds__(256) apply_penalties(
        float* logits, const int* history, const int* history_lens, int* counts,
        const float* repetition, const float* presence, const float* frequency, int vocab, int max_history) {
      const int b = blockIdx.x;
      const int len = min(history_lens[b], max_history);
      const int* hist = history + (size_t) b * max_history;
      int* row_counts = counts + (size_t) b * vocab;
      float* row = logits + (size_t) b * vocab;
      for (int i = threadIdx.x; i < len; i += blockDim.x) {
        int token = hist[i];
        if (token >= 0 && token < vocab) atomicAdd(&row_counts[token], 1);
      }
      __syncthreads();
      const float rep = repetition[b], pres = presence[b], freq = frequency[b];
      for (int i = threadIdx.x; i < len; i += blockDim.x) {
        int token = hist[i];
        if (token < 0 || token >= vocab) continue;
        int count = atomicExch(&row_counts[token], 0);   // exactly one thread per distinct token sees it
        if (count > 0) {
          // Explicitly rounded operations: no contraction, so the Java twin matches bit for bit.
          float x = row[token];
          x = x > 0.f ? __fdiv_rn(x, rep) : __fmul_rn(x, rep);
          x = __fsub_rn(x, __fadd_rn(pres, __fmul_rn(freq, (float) count)));
          row[token] = x;
        }
      }
    }

    extern "C" __global__ void __launch_bounds__(1024, 1) sample_tokens(
        const float* logits, int vocab, const float* temperature, const int* top_k, const float* top_p,
        const float* min_p, const long long* seeds, const int* steps, int* out_tokens) {
      using namespace kj_sampling;
      __shared__ unsigned long long hist[256];
      __shared__ unsigned long long scratch_u64[WARPS];
      __shared__ float scratch_f[WARPS];
      __shared__ int scratch_i[WARPS];
      __shared__ uint32_t shared_prefix;
      const int b = blockIdx.x;
      const float* row = logits + (size_t) b * vocab;
      const float t = temperature[b];

      float best = -INFINITY;
      int best_index = 0x7fffffff;
      int non_finite = 0;
      for (int i = threadIdx.x; i < vocab; i += THREADS) {
        float x = row[i];
        non_finite |= (x != x) | (x == INFINITY);
        if (x > best) { best = x; best_index = i; }
      }
      // A row with NaN or +inf has no distribution: it gets NON_FINITE (-1), which the caller
      // reports; a row of -inf only (all masked) gets ALL_MASKED (-2). The Java twin does the same.
      if (__syncthreads_or(non_finite)) {
        if (threadIdx.x == 0) out_tokens[b] = -1;
        return;
      }
      const float row_max = block_reduce(best, MaxF(), scratch_f);
      if (row_max == -INFINITY) {
        if (threadIdx.x == 0) out_tokens[b] = -2;
        return;
      }
      // Greedy, or a temperature so small that logit / T overflows: the distribution is the argmax.
      if (t <= 0.f || isinf(__fdiv_rn(row_max, t))) {
        // Greedy: highest logit, lowest index among equals.
        for (int off = 16; off > 0; off /= 2) {
          float ob = __shfl_xor_sync(0xffffffffu, best, off);
          int oi = __shfl_xor_sync(0xffffffffu, best_index, off);
          if (ob > best || (ob == best && oi < best_index)) { best = ob; best_index = oi; }
        }
        if (threadIdx.x % 32 == 0) { scratch_f[threadIdx.x / 32] = best; scratch_i[threadIdx.x / 32] = best_index; }
        __syncthreads();
        if (threadIdx.x == 0) {
          for (int w = 1; w < WARPS; w++) {
            if (scratch_f[w] > best || (scratch_f[w] == best && scratch_i[w] < best_index)) {
              best = scratch_f[w]; best_index = scratch_i[w];
            }
          }
          out_tokens[b] = best_index;
        }
        return;
      }

      const float max_scaled = __fdiv_rn(row_max, t);
      auto key_of = [&](int i) { return weight(row[i], t, max_scaled); };

      uint32_t threshold = 1u;                         // weight 0 is never drawn
      const int k = top_k[b];
      uint32_t top_k_threshold = 0u;
      if (k > 0 && k < vocab) {
        top_k_threshold = radix_select<true>(key_of, vocab, 0u, (unsigned long long) k, hist, &shared_prefix);
      }
      threshold = max(threshold, top_k_threshold);
      const float p = top_p[b];
      if (p > 0.f && p < 1.f) {
        unsigned long long kept = 0;
        for (int i = threadIdx.x; i < vocab; i += THREADS) {
          uint32_t w = key_of(i);
          if (w >= top_k_threshold) kept += w;
        }
        kept = block_reduce(kept, SumU64(), scratch_u64);
        unsigned long long need = (unsigned long long) ceil((double) p * (double) kept);
        if (need > 0) {
          threshold = max(threshold, radix_select<false>(key_of, vocab, top_k_threshold, need, hist, &shared_prefix));
        }
      }
      const float mp = min_p[b];
      if (mp > 0.f) {
        double bound = ceil((double) mp * 2147483648.0);
        threshold = max(threshold, (uint32_t) fmin(bound, 2147483648.0));
      }

      // Draw: the first token, in index order, whose running weight passes floor(total * u).
      const int chunk = (vocab + THREADS - 1) / THREADS;
      const int begin = min(vocab, (int) threadIdx.x * chunk);
      const int end = min(vocab, begin + chunk);
      unsigned long long mine = 0;
      for (int i = begin; i < end; i++) {
        uint32_t w = key_of(i);
        if (w >= threshold) mine += w;
      }
      unsigned long long total;
      unsigned long long before = block_exclusive_scan(mine, scratch_u64, &total);
      const unsigned long long r = philox_bits24((unsigned long long) seeds[b], (uint32_t) steps[b]);
      const unsigned long long target = (__umul64hi(total, r) << 40) | ((total * r) >> 24);
      if (mine > 0 && before <= target && target < before + mine) {
        unsigned long long running = before;
        for (int i = begin; i < end; i++) {
          uint32_t w = key_of(i);
          if (w >= threshold) {
            running += w;
            if (running > target) { out_tokens[b] = i; break; }
          }
        }
      }
    }

    // The n best tokens of each row with their log-softmax values, best first (lower index first
    // among equal logits). n <= 64.
    extern "C" __global__ void __launch_bounds__(1024, 1) top_logprobs(
        const float* logits, int vocab, int n, int* out_ids, float* out_logprobs) {
      using namespace kj_sampling;
      __shared__ unsigned long long hist[256];
      __shared__ float scratch_f[WARPS];
      __shared__ int scratch_i[WARPS];
      __shared__ uint32_t shared_prefix;
      __shared__ int picked[MAX_TOP_LOGPROBS];
      const int b = blockIdx.x;
      const float* row = logits + (size_t) b * vocab;

      const float log_z = row_log_z(row, vocab, scratch_f);

      // Order-preserving unsigned keys of the float logits.
      auto key_of = [&](int i) {
        uint32_t u = __float_as_uint(row[i]);
        return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
      };
      const uint32_t cut = radix_select<true>(key_of, vocab, 0u, (unsigned long long) n, hist, &shared_prefix);

      // Everything above the cut, then the first equals in index order, up to n.
      const int chunk = (vocab + THREADS - 1) / THREADS;
      const int begin = min(vocab, (int) threadIdx.x * chunk);
      const int end = min(vocab, begin + chunk);
      int above = 0, equal = 0;
      for (int i = begin; i < end; i++) {
        uint32_t key = key_of(i);
        above += key > cut;
        equal += key == cut;
      }
      int above_total, equal_total;
      int above_before = block_exclusive_scan(above, scratch_i, &above_total);
      int equal_before = block_exclusive_scan(equal, scratch_i, &equal_total);
      for (int i = begin; i < end; i++) {
        uint32_t key = key_of(i);
        if (key > cut) {
          picked[above_before++] = i;
        } else if (key == cut) {
          int slot = above_total + equal_before++;
          if (slot < n) picked[slot] = i;
        }
      }
      __syncthreads();
      if (threadIdx.x < n) {
        const int id = picked[threadIdx.x];
        const float x = row[id];
        int rank = 0;
        for (int j = 0; j < n; j++) {
          int other = picked[j];
          float y = row[other];
          rank += (y > x) || (y == x && other < id);
        }
        out_ids[(size_t) b * n + rank] = id;
        out_logprobs[(size_t) b * n + rank] = x - log_z;
      }
    }
    // The log-softmax value of one given token per row (the one sampled), with top_logprobs' log_z,
    // so the two agree bit for bit on a token both report. An id outside the
    // vocabulary gives NaN.
    extern "C" __global__ void __launch_bounds__(1024, 1) token_logprobs(
        const float* logits, int vocab, const int* tokens, float* out_logprobs) {
      using namespace kj_sampling;
      __shared__ float scratch_f[WARPS];
      const int b = blockIdx.x;
      const float* row = logits + (size_t) b * vocab;
      const float log_z = row_log_z(row, vocab, scratch_f);
      if (threadIdx.x == 0) {
        const int token = tokens[b];
        out_logprobs[b] = token >= 0 && token < vocab ? row[token] - log_z : __int_as_float(0x7fc00000);
      }
    }
    """)
public interface SamplingKernels {
  /** Threads per block of {@code sample_tokens} and {@code top_logprobs}. */
  int THREADS = 1024;

  /** Threads per block of {@code apply_penalties}. */
  int PENALTY_THREADS = 256;

  /** Largest n of {@link #topLogprobs}. */
  int MAX_TOP_LOGPROBS = 64;

  /** The token of a row whose logits hold NaN or +infinity (nothing is drawn). */
  int NON_FINITE = -1;

  /** The token of a row whose logits are all -infinity (nothing can be drawn). */
  int ALL_MASKED = -2;

  @Global(value = "apply_penalties", maxThreadsPerBlock = PENALTY_THREADS)
  void applyPenalties(
      Launch launch,
      Ptr<F32> logits,
      ConstPtr<I32> history,
      ConstPtr<I32> historyLens,
      Ptr<I32> counts,
      ConstPtr<F32> repetition,
      ConstPtr<F32> presence,
      ConstPtr<F32> frequency,
      int vocab,
      int maxHistory);

  @Global(value = "sample_tokens", maxThreadsPerBlock = THREADS)
  void sampleTokens(
      Launch launch,
      ConstPtr<F32> logits,
      int vocab,
      ConstPtr<F32> temperature,
      ConstPtr<I32> topK,
      ConstPtr<F32> topP,
      ConstPtr<F32> minP,
      ConstPtr<I64> seeds,
      ConstPtr<I32> steps,
      Ptr<I32> outTokens);

  @Global(value = "top_logprobs", maxThreadsPerBlock = THREADS)
  void topLogprobs(
      Launch launch, ConstPtr<F32> logits, int vocab, int n, Ptr<I32> outIds, Ptr<F32> outLogprobs);

  @Global(value = "token_logprobs", maxThreadsPerBlock = THREADS)
  void tokenLogprobs(
      Launch launch, ConstPtr<F32> logits, int vocab, ConstPtr<I32> tokens, Ptr<F32> outLogprobs);
}
