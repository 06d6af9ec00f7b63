// Declarations in the style of llama.cpp's ggml-cuda backend, written for KernelJ's parser corpus.
// Each "//>" line states the expected parse of the next __global__ declaration:
//   name | extern "C" | __launch_bounds__ | template parameters | parameters
#include <cuda_fp16.h>
#include <cstdint>

#define GGML_UNUSED(x) (void)(x)
#define CUDA_GET_ROWS_BLOCK_SIZE 256
#define WARP_SIZE 32
#define QK8_0 32
#if defined(GGML_USE_HIP)
#define __launch_bounds_max__ 1024
#else
#define GGML_CUDA_ASSUME(x) \
    do {                    \
        if (!(x)) {         \
            __trap();       \
        }                   \
    } while (0)
#endif

typedef half ggml_half;
typedef void (*dequantize_kernel_t)(const void * vx, const int64_t ib, const int iqs, float2 & v);
typedef struct {
    ggml_half d;       // delta
    int8_t  qs[QK8_0]; // quants
} block_q8_0;

static __device__ __forceinline__ float warp_reduce_sum(float x) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        x += __shfl_xor_sync(0xffffffff, x, offset, 32);
    }
    return x;
}

static __device__ void dequantize_q8_0(const void * vx, const int64_t ib, const int iqs, float2 & v) {
    const block_q8_0 * x = (const block_q8_0 *) vx;
    v.x = __half2float(x[ib].d) * x[ib].qs[iqs];
    v.y = v.x;
}

//> k_get_rows | no | 0 | int qk, int qr, dequantize_kernel_t dequantize_kernel, typename dst_t | const void* __restrict__ src0, const int32_t* __restrict__ src1, dst_t* __restrict__ dst, const int64_t ne00, const int64_t ne12, const size_t s1, const size_t s2, const size_t s3, const size_t nb01, const size_t nb02, const size_t nb03, const size_t s10, const size_t s11, const size_t s12
template<int qk, int qr, dequantize_kernel_t dequantize_kernel, typename dst_t>
static __global__ void k_get_rows(
        const void * __restrict__ src0, const int32_t * __restrict__ src1, dst_t * __restrict__ dst,
        const int64_t ne00, /*const int64_t ne01, const int64_t ne02, const int64_t ne03,*/
        /*const int64_t ne10, const int64_t ne11,*/ const int64_t ne12, /*const int64_t ne13,*/
        /*const size_t s0,*/ const size_t s1, const size_t s2, const size_t s3,
        /*const size_t nb00,*/ const size_t nb01, const size_t nb02, const size_t nb03,
        const size_t s10, const size_t s11, const size_t s12/*, const size_t s13*/) {
    float2 v;
    dequantize_kernel(src0, src1[0], 0, v);
    dst[0] = (dst_t)(v.x + ne00 + ne12 + s1 + s2 + s3 + nb01 + nb02 + nb03 + s10 + s11 + s12);
}

//> rms_norm_f32 | no | 0 | int block_size | const float* x, float* dst, const int ncols, const float eps
template <int block_size>
static __global__ void rms_norm_f32(const float * x, float * dst, const int ncols, const float eps) {
    const int row = blockIdx.x*blockDim.y + threadIdx.y;
    float tmp = warp_reduce_sum(x[row*ncols]);
    dst[row*ncols] = tmp * rsqrtf(eps);
}

//> silu_f32 | no | 0 | - | const float* x, float* dst, const int k
static __global__ void silu_f32(const float * x, float * dst, const int k) {
    const int i = blockDim.x*blockIdx.x + threadIdx.x;

    if (i >= k) {
        return;
    }
    dst[i] = x[i] / (1.0f + expf(-x[i]));
}

//> soft_max_f32 | no | 0 | bool use_shared, int ncols_template, int block_size_template, typename T | const float* x, const T* mask, float* dst, const int ncols_par, const int nrows_y, const float scale, const float max_bias, const float m0, const float m1, uint32_t n_head_log2
template <bool use_shared, int ncols_template, int block_size_template, typename T>
static __global__ void soft_max_f32(
        const float * x, const T * mask, float * dst, const int ncols_par, const int nrows_y,
        const float scale, const float max_bias, const float m0, const float m1, uint32_t n_head_log2) {
    const int ncols = ncols_template == 0 ? ncols_par : ncols_template;
    dst[0] = x[0] * scale + (float)mask[0] + ncols + nrows_y + max_bias + m0 + m1 + n_head_log2;
}

//> rope_norm | no | 0 | bool forward, bool has_ff, typename T | const T* x, T* dst, const int ne0, const int ne1, const int s1, const int s2, const int n_dims, const int32_t* pos, const float freq_scale, const float ext_factor, const float attn_factor, const rope_corr_dims corr_dims, const float theta_scale, const float* freq_factors
struct rope_corr_dims { float v[2]; };
template<bool forward, bool has_ff, typename T>
static __global__ void rope_norm(
        const T * x, T * dst, const int ne0, const int ne1, const int s1, const int s2, const int n_dims,
        const int32_t * pos, const float freq_scale, const float ext_factor, const float attn_factor,
        const rope_corr_dims corr_dims, const float theta_scale, const float * freq_factors) {
    dst[0] = x[0] + (T)(ne0 + ne1 + s1 + s2 + n_dims + pos[0] + freq_scale + ext_factor + attn_factor
        + corr_dims.v[0] + theta_scale + (has_ff ? freq_factors[0] : 0.0f) + (forward ? 1 : 0));
}

//> quantize_q8_1 | no | 0 | - | const float* __restrict__ x, void* __restrict__ vy, const int64_t ne00, const int64_t s01, const int64_t s02, const int64_t s03, const int64_t ne0, const int ne1, const int ne2
static __global__ void quantize_q8_1(
        const float * __restrict__ x, void * __restrict__ vy,
        const int64_t ne00, const int64_t s01, const int64_t s02, const int64_t s03,
        const int64_t ne0, const int ne1, const int ne2) {
    ((float *) vy)[0] = x[0] + ne00 + s01 + s02 + s03 + ne0 + ne1 + ne2;
}

//> mul_mat_vec | no | 0 | typename T, typename type_acc, int ncols_dst, int block_size | const T* __restrict__ x, const float* __restrict__ y, const int32_t* __restrict__ ids, float* __restrict__ dst, const int ncols2, const int nchannels_y, const int stride_row, const int stride_col_y2, const int stride_col_dst, const int channel_ratio, const int stride_channel_x, const int stride_channel_y, const int stride_channel_dst
template <typename T, typename type_acc, int ncols_dst, int block_size>
static __global__ void mul_mat_vec(
        const T * __restrict__ x, const float * __restrict__ y, const int32_t * __restrict__ ids, float * __restrict__ dst,
        const int ncols2, const int nchannels_y, const int stride_row, const int stride_col_y2, const int stride_col_dst,
        const int channel_ratio, const int stride_channel_x, const int stride_channel_y, const int stride_channel_dst) {
    type_acc sum = (type_acc)x[0] * (type_acc)y[0];
    dst[0] = (float)sum + (ids ? ids[0] : 0) + ncols2 + nchannels_y + stride_row + stride_col_y2 + stride_col_dst
        + channel_ratio + stride_channel_x + stride_channel_y + stride_channel_dst + ncols_dst + block_size;
}

//> argsort_f32_i32 | no | 0 | ggml_sort_order order | const float* x, int* dst, const int ncols, int ncols_pad
enum ggml_sort_order { GGML_SORT_ORDER_ASC, GGML_SORT_ORDER_DESC };
template<ggml_sort_order order>
static __global__ void argsort_f32_i32(const float * x, int * dst, const int ncols, int ncols_pad) {
    // bitonic sort
    int col = threadIdx.x;
    dst[col] = (int)x[col] + ncols + ncols_pad + (order == GGML_SORT_ORDER_ASC ? 0 : 1);
}

//> k_sum_rows_f32 | no | 0 | - | const float* x, float* dst, const int ncols
static __global__ void k_sum_rows_f32(const float * x, float * dst, const int ncols) {
    dst[blockIdx.x] = x[0] * ncols;
}

//> flash_attn_ext_f16 | no | 128 | int D, int ncols1, int ncols2, int nwarps, bool use_logit_softcap | const char* __restrict__ Q, const char* __restrict__ K, const char* __restrict__ V, const char* __restrict__ mask, float* __restrict__ dst, float2* __restrict__ dst_meta, const float scale, const float max_bias, const float m0, const float m1, const uint32_t n_head_log2, const float logit_softcap, const int ne00, const int ne01, const int ne02, const int ne03, const int nb01, const int nb02, const int nb03
template<int D, int ncols1, int ncols2, int nwarps, bool use_logit_softcap>
__launch_bounds__(128, 2)
static __global__ void flash_attn_ext_f16(
        const char * __restrict__ Q,
        const char * __restrict__ K,
        const char * __restrict__ V,
        const char * __restrict__ mask,
        float      * __restrict__ dst,
        float2     * __restrict__ dst_meta,
        const float scale,
        const float max_bias,
        const float m0,
        const float m1,
        const uint32_t n_head_log2,
        const float logit_softcap,
        const int ne00, const int ne01, const int ne02, const int ne03,
        const int nb01, const int nb02, const int nb03) {
    GGML_UNUSED(Q); GGML_UNUSED(K); GGML_UNUSED(V); GGML_UNUSED(mask); GGML_UNUSED(dst_meta);
    dst[0] = scale + max_bias + m0 + m1 + n_head_log2 + logit_softcap + ne00 + ne01 + ne02 + ne03 + nb01 + nb02 + nb03;
}

//> k_bin_bcast | no | 0 | float(*bin_op)(const float, const float), typename src0_t, typename src1_t, typename dst_t | const src0_t* src0, const src1_t* src1, dst_t* dst, int ne0, int ne1, int ne2, int ne3
template<float (*bin_op)(const float, const float), typename src0_t, typename src1_t, typename dst_t>
static __global__ void k_bin_bcast(const src0_t * src0, const src1_t * src1, dst_t * dst,
        int ne0, int ne1, int ne2, int ne3) {
    dst[0] = (dst_t)bin_op((float)src0[0], (float)src1[0]) + (dst_t)(float)(ne0 + ne1 + ne2 + ne3);
}

//> k_compute_batched_ptrs | no | 0 | - | const half* src0_as_f16, const half* src1_as_f16, char* dst, const void** ptrs_src, void** ptrs_dst, int64_t ne12, int64_t ne13, int64_t ne23, size_t nb02, size_t nb03, size_t nb12, size_t nb13, size_t nbd2, size_t nbd3, int64_t r2, int64_t r3
static __global__ void k_compute_batched_ptrs(
        const half * src0_as_f16, const half * src1_as_f16, char * dst,
        const void ** ptrs_src, void ** ptrs_dst,
        int64_t ne12, int64_t ne13,
        int64_t ne23,
        size_t  nb02, size_t  nb03,
        size_t  nb12, size_t  nb13,
        size_t  nbd2, size_t  nbd3,
        int64_t r2,   int64_t r3) {
    ptrs_src[0] = (const char *) src0_as_f16 + nb02 + nb03 + r2 + r3 + ne12 + ne13 + ne23;
    ptrs_src[1] = (const char *) src1_as_f16 + nb12 + nb13;
    ptrs_dst[0] = (char *) dst + nbd2 + nbd3;
}
