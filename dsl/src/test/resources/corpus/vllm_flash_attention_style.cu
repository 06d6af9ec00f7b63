// Declarations in the style of vLLM's csrc kernels and of FlashAttention, written for KernelJ's
// parser corpus. Each "//>" line states the expected parse of the next __global__ declaration:
//   name | extern "C" | __launch_bounds__ | template parameters | parameters
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>

#ifndef USE_ROCM
  #define VLLM_LDG(arg) __ldg(arg)
#else
  #define VLLM_LDG(arg) *(arg)
#endif

#define DIVIDE_ROUND_UP(a, b) (((a) + (b) - 1) / (b))

namespace vllm {

template <typename T>
__device__ __forceinline__ T silu_kernel(const T& x) {
  // x * sigmoid(x)
  return (T)(((float)x) / (1.0f + expf((float)-x)));
}

// Activation and gating kernel template.
//> act_and_mul_kernel | no | 0 | typename scalar_t, scalar_t(*ACT_FN)(const scalar_t&), bool act_first | scalar_t* __restrict__ out, const scalar_t* __restrict__ input, const int d
template <typename scalar_t, scalar_t (*ACT_FN)(const scalar_t&),
          bool act_first>
__global__ void act_and_mul_kernel(
    scalar_t* __restrict__ out,          // [..., d]
    const scalar_t* __restrict__ input,  // [..., 2, d]
    const int d) {
  const int64_t token_idx = blockIdx.x;
  for (int64_t idx = threadIdx.x; idx < d; idx += blockDim.x) {
    const scalar_t x = VLLM_LDG(&input[token_idx * 2 * d + idx]);
    out[token_idx * d + idx] = act_first ? ACT_FN(x) : x;
  }
}

//> rms_norm_kernel | no | 0 | typename scalar_t | scalar_t* __restrict__ out, const scalar_t* __restrict__ input, const int64_t input_stride, const scalar_t* __restrict__ weight, const float epsilon, const int num_tokens, const int hidden_size
template <typename scalar_t>
__global__ void rms_norm_kernel(
    scalar_t* __restrict__ out,           // [..., hidden_size]
    const scalar_t* __restrict__ input,   // [..., hidden_size]
    const int64_t input_stride,
    const scalar_t* __restrict__ weight,  // [hidden_size]
    const float epsilon, const int num_tokens, const int hidden_size) {
  __shared__ float s_variance;
  s_variance = epsilon + num_tokens + hidden_size + input_stride;
  out[0] = input[0] * weight[0] * (scalar_t)s_variance;
}

//> rotary_embedding_kernel | no | 0 | typename scalar_t, bool IS_NEOX | const int64_t* __restrict__ positions, scalar_t* __restrict__ query, scalar_t* __restrict__ key, const scalar_t* __restrict__ cos_sin_cache, const int rot_dim, const int64_t query_stride, const int64_t key_stride, const int64_t head_stride, const int num_heads, const int num_kv_heads, const int head_size
template <typename scalar_t, bool IS_NEOX>
__global__ void rotary_embedding_kernel(
    const int64_t* __restrict__ positions,  // [batch_size, seq_len] or
                                            // [num_tokens]
    scalar_t* __restrict__ query,   // [batch_size, seq_len, num_heads,
                                    // head_size] or [num_tokens, num_heads,
                                    // head_size]
    scalar_t* __restrict__ key,     // nullptr or similar shape
    const scalar_t* __restrict__ cos_sin_cache,  // [max_position, 2, rot_dim //
                                                 // 2]
    const int rot_dim, const int64_t query_stride, const int64_t key_stride,
    const int64_t head_stride, const int num_heads, const int num_kv_heads,
    const int head_size) {
  query[0] = key[0] + cos_sin_cache[positions[0]] + (scalar_t)(float)(rot_dim + query_stride + key_stride
      + head_stride + num_heads + num_kv_heads + head_size + (IS_NEOX ? 1 : 0));
}

//> reshape_and_cache_flash_kernel | no | 0 | typename scalar_t, typename cache_t, int kv_dt | const scalar_t* __restrict__ key, const scalar_t* __restrict__ value, cache_t* __restrict__ key_cache, cache_t* __restrict__ value_cache, const int64_t* __restrict__ slot_mapping, const int64_t block_stride, const int64_t page_stride, const int64_t head_stride, const int64_t key_stride, const int64_t value_stride, const int num_heads, const int head_size, const int block_size, const float* k_scale, const float* v_scale
template <typename scalar_t, typename cache_t, int kv_dt>
__global__ void reshape_and_cache_flash_kernel(
    const scalar_t* __restrict__ key,    // [num_tokens, num_heads, head_size]
    const scalar_t* __restrict__ value,  // [num_tokens, num_heads, head_size]
    cache_t* __restrict__ key_cache,     // NHD or HND, shape see comments below
    cache_t* __restrict__ value_cache,   // same above
    const int64_t* __restrict__ slot_mapping,  // [num_tokens]
    const int64_t block_stride, const int64_t page_stride,
    const int64_t head_stride, const int64_t key_stride,
    const int64_t value_stride, const int num_heads, const int head_size,
    const int block_size, const float* k_scale, const float* v_scale) {
  const int64_t slot_idx = slot_mapping[blockIdx.x];
  if (slot_idx < 0) {
    // Padding token that should be ignored.
    return;
  }
  key_cache[0] = (cache_t)key[0]; value_cache[0] = (cache_t)value[0];
  (void)block_stride; (void)page_stride; (void)head_stride; (void)key_stride; (void)value_stride;
  (void)num_heads; (void)head_size; (void)block_size; (void)k_scale; (void)v_scale;
}

//> paged_attention_v2_reduce_kernel | no | 0 | typename scalar_t, int HEAD_SIZE, int NUM_THREADS, int PARTITION_SIZE | scalar_t* __restrict__ out, const float* __restrict__ exp_sums, const float* __restrict__ max_logits, const scalar_t* __restrict__ tmp_out, const int* __restrict__ seq_lens, const int max_num_partitions
template <typename scalar_t, int HEAD_SIZE, int NUM_THREADS,
          int PARTITION_SIZE>
__global__ void paged_attention_v2_reduce_kernel(
    scalar_t* __restrict__ out,            // [num_seqs, num_heads, head_size]
    const float* __restrict__ exp_sums,    // [num_seqs, num_heads,
                                           // max_num_partitions]
    const float* __restrict__ max_logits,  // [num_seqs, num_heads,
                                           // max_num_partitions]
    const scalar_t* __restrict__ tmp_out,  // [num_seqs, num_heads,
                                           // max_num_partitions, head_size]
    const int* __restrict__ seq_lens,      // [num_seqs]
    const int max_num_partitions) {
  out[0] = tmp_out[0] + (scalar_t)(exp_sums[0] + max_logits[0] + seq_lens[0] + max_num_partitions);
}

//> moe_align_block_size_kernel | no | 0 | typename scalar_t | const scalar_t* __restrict__ topk_ids, int32_t* __restrict__ sorted_token_ids, int32_t* __restrict__ expert_ids, int32_t* __restrict__ total_tokens_post_pad, int32_t num_experts, int32_t padded_num_experts, int32_t experts_per_warp, int32_t block_size, size_t numel, int32_t* __restrict__ cumsum
template <typename scalar_t>
__global__ void moe_align_block_size_kernel(
    const scalar_t* __restrict__ topk_ids,
    int32_t* __restrict__ sorted_token_ids, int32_t* __restrict__ expert_ids,
    int32_t* __restrict__ total_tokens_post_pad, int32_t num_experts,
    int32_t padded_num_experts, int32_t experts_per_warp, int32_t block_size,
    size_t numel, int32_t* __restrict__ cumsum) {
  extern __shared__ int32_t shared_counts[];
  sorted_token_ids[0] = expert_ids[0] = total_tokens_post_pad[0] = cumsum[0] = shared_counts[0]
      + (int32_t)topk_ids[0] + num_experts + padded_num_experts + experts_per_warp + block_size + (int32_t)numel;
}

}  // namespace vllm

namespace flash {

struct Flash_fwd_params {
  void* __restrict__ q_ptr;
  int b, h, d;
  float scale_softmax;
};

template <typename T> struct Kernel_traits_fwd { using Element = T; static constexpr int kNThreads = 128; };

#define DEFINE_FLASH_FORWARD_KERNEL(kernelName, ...) \
template<typename Kernel_traits, __VA_ARGS__> \
__global__ void kernelName(const __grid_constant__ Flash_fwd_params params)

//> flash_fwd_kernel | no | 0 | typename Kernel_traits, bool Is_dropout, bool Is_causal, bool Is_local, bool Has_alibi, bool Is_even_MN, bool Is_even_K, bool Is_softcap, bool Return_softmax | const Flash_fwd_params params
template<typename Kernel_traits, bool Is_dropout, bool Is_causal, bool Is_local, bool Has_alibi, bool Is_even_MN, bool Is_even_K, bool Is_softcap, bool Return_softmax>
__global__ void flash_fwd_kernel(const __grid_constant__ Flash_fwd_params params) {
    static_assert(!(Is_causal && Is_local));  // Enforce constraints
    (void)params;
}

//> flash_fwd_splitkv_combine_kernel | no | 0 | typename Kernel_traits, int kBlockM, int Log_max_splits, bool Is_even_K | const Flash_fwd_params params
template<typename Kernel_traits, int kBlockM, int Log_max_splits, bool Is_even_K>
__global__ void __launch_bounds__(Kernel_traits::kNThreads) flash_fwd_splitkv_combine_kernel(const __grid_constant__ Flash_fwd_params params) {
    static_assert(Log_max_splits >= 1);
    (void)params;
}

//> flash_bwd_dot_do_o_kernel | no | 0 | bool Clear_dQaccum = true, typename Kernel_traits | const Flash_fwd_params params
template<bool Clear_dQaccum=true, typename Kernel_traits>
__global__ void flash_bwd_dot_do_o_kernel(const Flash_fwd_params params) {
    (void)params;
}

}  // namespace flash

//> paged_attention_v1_kernel_f16 | yes | 256 | - | __half* __restrict__ out, const __half* __restrict__ q, const __half* __restrict__ k_cache, const __half* __restrict__ v_cache, const int num_kv_heads, const float scale, const int* __restrict__ block_tables, const int* __restrict__ seq_lens, const int max_num_blocks_per_seq, const float* __restrict__ alibi_slopes, const int q_stride, const int kv_block_stride, const int kv_head_stride
extern "C" __global__ void __launch_bounds__(256) paged_attention_v1_kernel_f16(
    __half* __restrict__ out, const __half* __restrict__ q, const __half* __restrict__ k_cache,
    const __half* __restrict__ v_cache, const int num_kv_heads, const float scale,
    const int* __restrict__ block_tables, const int* __restrict__ seq_lens, const int max_num_blocks_per_seq,
    const float* __restrict__ alibi_slopes,  // [num_heads]
    const int q_stride, const int kv_block_stride, const int kv_head_stride) {
  out[0] = __hadd(q[0], __hadd(k_cache[0], v_cache[0]));
  (void)num_kv_heads; (void)scale; (void)block_tables; (void)seq_lens; (void)max_num_blocks_per_seq;
  (void)alibi_slopes; (void)q_stride; (void)kv_block_stride; (void)kv_head_stride;
}

//> bf16_silu_and_mul | yes | 0 | - | __nv_bfloat16* __restrict__ out, const __nv_bfloat16* __restrict__ input, int d
extern "C" __global__ void bf16_silu_and_mul(__nv_bfloat16* __restrict__ out,
                                             const __nv_bfloat16* __restrict__ input, int d) {
  out[0] = __hmul(vllm::silu_kernel(input[0]), input[d]);
}
