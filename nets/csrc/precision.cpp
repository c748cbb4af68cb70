// A small C shim over ATen for what tch 0.26 does not expose: thread-local autocast on any device
// type (tch toggles CUDA autocast only), the CPU's reduced-precision capabilities as ATen sees
// them, and int8 dynamic quantisation of a linear layer (FBGEMM). Rust declares these functions
// in nets/src/shim.rs. Tensors cross as `at::Tensor*`, the handle type of tch's C API.
//
// Nothing here throws across the C boundary: every function that can fail catches, stores the
// message for `dqn_shim_last_error`, and returns a null/negative value.
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <ATen/cpu/Utils.h>
#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace {

thread_local std::string last_error;

// Drops the warnings raised while it is installed. ATen's fbgemm_linear_* functions warn that they
// are deprecated: a note about PyTorch's API for its maintainers, not something the user of `dqn`
// did or can act on, so it stays off their terminal. Installed only around those calls (the
// handler is thread-local), so every other warning is still shown.
class DropWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};

// Installs a DropWarnings for its own lifetime, then puts the previous handler back.
class QuietWarnings {
 public:
  QuietWarnings() : guard_(&drop_) {}

 private:
  DropWarnings drop_;  // declared first: constructed before guard_, destroyed after it
  c10::WarningUtils::WarningHandlerGuard guard_;
};

// 0 = CPU, 1 = CUDA (the only device types the Rust side asks for).
bool device_type(int code, at::DeviceType* out) {
  switch (code) {
    case 0: *out = at::kCPU; return true;
    case 1: *out = at::kCUDA; return true;
    default: last_error = "unknown device type code " + std::to_string(code); return false;
  }
}

// 0 = bfloat16, 1 = float16, 2 = float32.
int dtype_code(at::ScalarType t) {
  switch (t) {
    case at::kBFloat16: return 0;
    case at::kHalf: return 1;
    case at::kFloat: return 2;
    default: return -1;
  }
}

bool dtype_from_code(int code, at::ScalarType* out) {
  switch (code) {
    case 0: *out = at::kBFloat16; return true;
    case 1: *out = at::kHalf; return true;
    case 2: *out = at::kFloat; return true;
    default: last_error = "unknown dtype code " + std::to_string(code); return false;
  }
}

// The FBGEMM int8 form of one linear layer: quantised weight, its column offsets, scale and zero
// point, the packed matrix, and the f32 bias.
struct Int8Linear {
  at::Tensor q_weight, col_offsets, packed, bias;
  double scale;
  int64_t zero_point;
};

}  // namespace

extern "C" {

// The message of the last failed call on this thread ("" when none).
const char* dqn_shim_last_error() { return last_error.c_str(); }

// Reads this thread's autocast state for a device type: writes enabled (0/1) and the dtype code.
// Returns 0, or -1 on a bad code.
int dqn_autocast_get(int device, int* enabled, int* dtype) {
  at::DeviceType dt;
  if (!device_type(device, &dt)) return -1;
  *enabled = at::autocast::is_autocast_enabled(dt) ? 1 : 0;
  *dtype = dtype_code(at::autocast::get_autocast_dtype(dt));
  return 0;
}

// Sets this thread's autocast state for a device type. Returns 0, or -1 on a bad code.
int dqn_autocast_set(int device, int enabled, int dtype) {
  at::DeviceType dt;
  at::ScalarType st;
  if (!device_type(device, &dt) || !dtype_from_code(dtype, &st)) return -1;
  try {
    at::autocast::set_autocast_dtype(dt, st);
    at::autocast::set_autocast_enabled(dt, enabled != 0);
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
  return 0;
}

// Enters an autocast region (the nesting count that torch.autocast keeps).
int dqn_autocast_enter() { return at::autocast::increment_nesting(); }

// Leaves an autocast region; the outermost exit drops the cached low-precision weight copies,
// which an optimizer step would otherwise leave stale.
int dqn_autocast_exit() {
  int depth = at::autocast::decrement_nesting();
  if (depth == 0) at::autocast::clear_cache();
  return depth;
}

// 1 when ATen detects the named CPU capability (e.g. "avx512_bf16", "amx_bf16"), 0 when it does
// not or does not know the name, -1 on an error.
int dqn_cpu_has(const char* name) {
  try {
    auto caps = at::cpu::get_cpu_capabilities();
    auto it = caps.find(name);
    if (it == caps.end() || !it->second.isBool()) return 0;
    return it->second.toBool() ? 1 : 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

// Quantises a linear layer's f32 weight [out, in] (and optional bias [out]) to int8 for FBGEMM.
// Returns an opaque handle, or null on an error.
void* dqn_int8_linear_new(const at::Tensor* weight, const at::Tensor* bias) {
  try {
    auto w = weight->detach().contiguous();
    QuietWarnings quiet;
    auto q = at::fbgemm_linear_quantize_weight(w);
    auto* out = new Int8Linear();
    out->q_weight = std::get<0>(q);
    out->col_offsets = std::get<1>(q);
    out->scale = std::get<2>(q);
    out->zero_point = std::get<3>(q);
    out->packed = at::fbgemm_pack_quantized_matrix(out->q_weight);
    out->bias = bias ? bias->detach().contiguous() : at::zeros({w.size(0)}, w.options());
    return out;
  } catch (const std::exception& e) {
    last_error = e.what();
    return nullptr;
  }
}

// y = x·Wᵀ + b with the int8 weight and the f32 activation quantised on the fly.
// x: [B, in] f32 → a new tensor [B, out] f32, or null on an error.
at::Tensor* dqn_int8_linear_forward(const void* handle, const at::Tensor* x) {
  try {
    auto* l = static_cast<const Int8Linear*>(handle);
    QuietWarnings quiet;
    auto y = at::fbgemm_linear_int8_weight_fp32_activation(
        x->contiguous(), l->q_weight, l->packed, l->col_offsets, l->scale, l->zero_point, l->bias);
    return new at::Tensor(std::move(y));
  } catch (const std::exception& e) {
    last_error = e.what();
    return nullptr;
  }
}

// Frees a handle from dqn_int8_linear_new.
void dqn_int8_linear_free(void* handle) { delete static_cast<Int8Linear*>(handle); }

}  // extern "C"
