// The emulator's kernels (included by kj_host_main.cpp inside main, where KJ_RUN, buf, I, L and F are defined):
// for each Java method of a kernel interface, the instantiation of its @Global string and how its recorded
// arguments are passed. The define HostEmulator passes (KJ_QUANT, ...) selects one interface's table, and
// HostEmulator checks each instantiation against the @Global of the method it is named after.
#ifdef KJ_IGEMM
#define KJ_IG(name, T, O, ...) KJ_RUN(name, (kj_igemm<T, O, __VA_ARGS__>), ((O*)buf(3), (float*)buf(4), (const T*)buf(5), (const T*)buf(6), I(7), I(8), I(9), L(10), L(11), L(12), I(13)))
#define KJ_IG_FEW(name, T, O, ...) KJ_RUN(name, (kj_igemm_few<T, O, __VA_ARGS__>), ((O*)buf(3), (const T*)buf(4), (const T*)buf(5), I(6), I(7), I(8), L(9), L(10), L(11)))
#define KJ_IG_TILES(sfx, T, O) KJ_IG_FEW(kj_igemm_##sfx##_few8, T, O, 2, 8, 128, 6) KJ_IG_FEW(kj_igemm_##sfx##_few16, T, O, 4, 16, 128, 4) KJ_IG(kj_igemm_##sfx##_s, T, O, 64, 16, 4, 1, 64, 4) KJ_IG(kj_igemm_##sfx##_m, T, O, 128, 64, 4, 2, 64, 3) KJ_IG(kj_igemm_##sfx##_l, T, O, 128, 128, 2, 4, 64, 3)
  KJ_IG_TILES(bf16, __nv_bfloat16, __nv_bfloat16) KJ_IG_TILES(bf16_f32, __nv_bfloat16, float)
  KJ_IG_TILES(f16, __half, __half) KJ_IG_TILES(f16_f32, __half, float)
  KJ_RUN(kj_ireduce_bf16, kj_ireduce<__nv_bfloat16>, ((__nv_bfloat16*)buf(3), (const float*)buf(4), I(5), I(6), L(7), I(8)))
  KJ_RUN(kj_ireduce_f16, kj_ireduce<__half>, ((__half*)buf(3), (const float*)buf(4), I(5), I(6), L(7), I(8)))
  KJ_RUN(kj_ireduce_f32, kj_ireduce<float>, ((float*)buf(3), (const float*)buf(4), I(5), I(6), L(7), I(8)))
#endif
#ifdef KJ_RMSNORM
#define KJ_RMS(sfx, T) \
  KJ_RUN(kj_rmsnorm_##sfx, kj_rmsnorm<T>, ((T*)buf(3), (const T*)buf(4), (const T*)buf(5), I(6), I(7), L(8), L(9), F(10), I(11))) \
  KJ_RUN(kj_rmsnorm_residual_##sfx, kj_rmsnorm_residual<T>, ((T*)buf(3), (T*)buf(4), (const T*)buf(5), (const T*)buf(6), I(7), I(8), L(9), L(10), L(11), F(12), I(13)))
  KJ_RMS(f32, float) KJ_RMS(f16, __half) KJ_RMS(bf16, __nv_bfloat16)
#endif
#ifdef KJ_ELEMENTWISE
#define KJ_ADD(sfx, T) KJ_RUN(kj_add_##sfx, (kj_binary<T, 0>), ((T*)buf(3), (const T*)buf(4), (const T*)buf(5), L(6), L(7)))
  KJ_ADD(f32, float) KJ_ADD(f16, __half) KJ_ADD(bf16, __nv_bfloat16)
#endif
#ifdef KJ_ROPE
#define KJ_ROPE_RUN(name, kernel, T) KJ_RUN(name, kernel<T>, ((T*)buf(3), (const int*)buf(4), (const float*)buf(5), I(6), I(7), I(8), L(9), L(10), I(11)))
  KJ_ROPE_RUN(kj_rope_f32, kj_rope_scalar, float) KJ_ROPE_RUN(kj_rope_f16, kj_rope_scalar, __half) KJ_ROPE_RUN(kj_rope_bf16, kj_rope_scalar, __nv_bfloat16)
  KJ_ROPE_RUN(kj_rope_vec_f32, kj_rope_vec, float) KJ_ROPE_RUN(kj_rope_vec_f16, kj_rope_vec, __half) KJ_ROPE_RUN(kj_rope_vec_bf16, kj_rope_vec, __nv_bfloat16)
#endif
#ifdef KJ_QUANT
#define KJ_QG(name, T, B, MT, U, S) KJ_RUN(name, (kj_qgemm<T, B, MT, U, S>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18)))
#define KJ_QG_ALL(sfx, T) KJ_QG(kj_qgemm_##sfx##_w4_m8, T, 4, 1, 8, false) KJ_QG(kj_qgemm_##sfx##_w4_m16, T, 4, 2, 8, false) KJ_QG(kj_qgemm_##sfx##_w4_m32, T, 4, 4, 4, false) KJ_QG(kj_qgemm_##sfx##_w4_m64, T, 4, 8, 2, false) \
  KJ_QG(kj_qgemm_##sfx##_w8_m8, T, 8, 1, 8, false) KJ_QG(kj_qgemm_##sfx##_w8_m16, T, 8, 2, 4, false) KJ_QG(kj_qgemm_##sfx##_w8_m32, T, 8, 4, 4, false) KJ_QG(kj_qgemm_##sfx##_w8_m64, T, 8, 8, 2, false) \
  KJ_QG(kj_qgemm_##sfx##_w4_m1, T, 4, 1, 4, true) KJ_QG(kj_qgemm_##sfx##_w8_m1, T, 8, 1, 4, true) \
  KJ_RUN(kj_qstream_##sfx##_w4_rt1, (kj_qstream<T, 4, 1, 8>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qstream_##sfx##_w4_rt2, (kj_qstream<T, 4, 2, 4>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qstream_##sfx##_w8_rt1, (kj_qstream<T, 8, 1, 8>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qstream_##sfx##_w8_rt2, (kj_qstream<T, 8, 2, 4>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w4_m8, (kj_qfew<T, 4, 1, 2, 3>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w4_m16, (kj_qfew<T, 4, 2, 2, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w4_m32, (kj_qfew<T, 4, 4, 2, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w8_m8, (kj_qfew<T, 8, 1, 2, 3>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w8_m16, (kj_qfew<T, 8, 2, 2, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w8_m32, (kj_qfew<T, 8, 4, 2, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w4_m8_rw1, (kj_qfew<T, 4, 1, 1, 3>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfew_##sfx##_w4_m16_rw1, (kj_qfew<T, 4, 2, 1, 3>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qxreg_##sfx##_w4_m8, (kj_qxreg<T, 1, 16, 2, 4, 4, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qxreg_##sfx##_w4_m16, (kj_qxreg<T, 2, 16, 2, 2, 4, 2>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfewx_##sfx##_m8, (kj_qfewx<T, 1, 8>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfewx_##sfx##_m16, (kj_qfewx<T, 2, 3>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qfewx_##sfx##_m32, (kj_qfewx<T, 4, 4>), ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), (const int*)buf(6), (float*)buf(7), (int*)buf(8), I(9), I(10), I(11), I(12), I(13), I(14), L(15), L(16), I(17), I(18))) \
  KJ_RUN(kj_qgather_##sfx, kj_qgather<T>, ((T*)buf(3), (const T*)buf(4), (const int*)buf(5), I(6), I(7), L(8), L(9))) \
  KJ_RUN(kj_qdequant_##sfx##_w4, (kj_qdequant<T, 4>), ((T*)buf(3), (const int*)buf(4), (const int*)buf(5), I(6), I(7), I(8), I(9), I(10), L(11), I(12))) \
  KJ_RUN(kj_qdequant_##sfx##_w8, (kj_qdequant<T, 8>), ((T*)buf(3), (const int*)buf(4), (const int*)buf(5), I(6), I(7), I(8), I(9), I(10), L(11), I(12)))
  KJ_QG_ALL(f16, __half) KJ_QG_ALL(bf16, __nv_bfloat16)
#endif
