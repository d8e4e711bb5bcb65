// Seeded fuzzing of the whole C ABI: every function of anvil.h is called with random descriptors and
// sizes (0, negative, near-overflow products), NULLs, overlapping buffers, descriptors (and a plug-in
// op's shape array) stored inside the output buffer, and NaN/Inf data. The properties checked:
//   - no call crashes or hangs (run under AddressSanitizer + UndefinedBehaviorSanitizer in CI:
//     buffers have their exact sizes, so a kernel that writes past them is reported);
//   - a call broken on purpose (one mutation of a valid call: a NULL context or buffer, a negative or
//     overflowing size, an out-of-range parameter, two buffers that must not overlap doing so) returns
//     a status other than ANVIL_OK, with a message that names the function, and leaves every buffer
//     as it was;
//   - a valid call returns ANVIL_OK, also with its descriptor stored in its output buffer or with the
//     in-place aliasing its function allows, and its results match a double-precision reference
//     written here. Full references: the element-wise ops, copy_rows, reduce, top-k, argmax, softmax
//     and its backward, matmul, linear (all three), conv2d (all three), max/avg pooling (both ways,
//     max backward from a random, possibly corrupted argmax), batch and group norm forward and
//     backward, the element-wise losses and cross-entropy (both ways), SGD, Adam, ReLU, the
//     activations (backward against a central difference of the double forward) and the plug-in op.
//     Dropout is checked by invariants (each output is 0 or x / (1 - p), backward keeps the forward
//     mask). Calls whose data holds NaN/Inf must succeed; their values are not compared.
// The list of anvil.h's functions comes from the bindings generator (kAbiFunctions[]): a function
// without a handler here fails the test by name, so a new entry point must join the fuzzer.
// ANVIL_FUZZ_SEED (default 1) and ANVIL_FUZZ_CALLS (default 200000) set the run; a fifth of the calls
// come from ANVIL_FUZZ_THREADS (default 4; 0: none) threads at once, sharing the contexts and the
// plug-in (MPI left out: anvil.h allows it one thread at a time). The summary gives the calls, their
// statuses and the calls per function.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "test_support.h"

#include ANVIL_ABI_FUNCTIONS_HEADER

namespace {

using Bytes = std::vector<unsigned char>;

// One buffer argument of a call.
struct Slot {
    const char* name;
    int64_t count;      // elements the function reads or writes
    int elem;           // bytes per element
    bool output;        // written by the call
    bool must;          // NULL here makes the call invalid
    Bytes init;         // initial contents (count * elem bytes); empty with `absent`
    bool absent = false;  // passed as NULL (an optional buffer left out)
    bool state = false;   // an output whose prior contents the reference takes from elsewhere: no descriptor in it
};

class Fuzzer;

// One call of a compute function, generated valid, then possibly broken by one mutation.
struct Case {
    const char* fn = "";
    bool takes_ctx = true;
    std::vector<Slot> slots;
    std::vector<std::pair<int, int>> disjoint;   // pairs that must not overlap (same pointer included)
    std::vector<std::pair<int, int>> may_alias;  // pairs that may be the same pointer (in place)
    std::vector<std::function<void()>> breakers;  // each makes the parameters invalid
    std::function<bool()> breaks_output;
    const char* refused = nullptr;  // set: the call as generated is invalid (a random descriptor), for this reason  // a breaker that the kernel detects after writing (labels)
    std::shared_ptr<void> keep;  // owns the descriptor
    void* desc = nullptr;  // the descriptor (the invoke lambda takes a pointer to it, or a copy elsewhere)
    size_t desc_size = 0;
    std::function<anvil_status(anvil_context*, const void* desc, void* const* p)> invoke;
    // Checks a valid call's results: the slots' contents before the call and their pointers after.
    std::function<void(Fuzzer&, const std::vector<Bytes>& before, void* const* p)> verify;
};

struct Stats {
    int64_t calls = 0;
    int64_t by_status[8] = {};
};

template <class T>
const T* as(const Bytes& b) {
    return reinterpret_cast<const T*>(b.data());
}

class Fuzzer {
public:
    explicit Fuzzer(uint64_t seed) : rng(seed), seed_(seed) {}

    test::Rng rng;
    anvil_context* cpu[2] = {nullptr, nullptr};
    anvil_plugin* plugin = nullptr;
    anvil_plugin* batch_norm = nullptr;  // the version-3 example with weights and buffers
    std::string plugin_path;
    std::string tmp_dir;
    std::string name = "main";  // for the temporary files of this fuzzer's thread
    bool special = false;  // the current call's data holds NaN or Inf
    int64_t call_index = 0;
    int64_t total_calls = 0;
    int64_t mismatches = 0;
    std::map<std::string, Stats> stats;

    uint64_t below(uint64_t n) { return rng.next() % n; }
    bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
    int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }
    anvil_context* ctx() { return cpu[below(2)]; }

    // Element counts: mostly small, sometimes 0 or past the kernels' parallel thresholds.
    int64_t count() {
        const uint64_t r = below(100);
        if (r < 4) return 0;
        if (r < 70) return range(1, 40);
        if (r < 97) return range(41, 3000);
        return range(3001, 70000);
    }
    int64_t negative() {
        static const int64_t v[] = {-1, -2, -7, INT32_MIN, INT64_MIN, -(INT64_C(1) << 40), INT64_MIN + 1};
        return v[below(7)];
    }
    // Sizes whose product with any positive size exceeds what a float buffer can have (> 2^60).
    int64_t huge() {
        static const int64_t v[] = {INT64_MAX, INT64_MAX / 2, INT64_MAX / 4 + 1, (INT64_C(1) << 61) + 1, INT64_C(1) << 62};
        return v[below(5)];
    }
    float special_value() {
        static const float v[] = {NAN, INFINITY, -INFINITY, -NAN, 3e38f, -3e38f};
        return v[below(6)];
    }
    float bad_probability() {
        static const float v[] = {1.0f, 1.5f, -0.1f, NAN, INFINITY, -INFINITY};
        return v[below(6)];
    }
    // Outside [0, 1]: refused where a value must lie in [0, 1] or [0, 1).
    float bad_unit() {
        static const float v[] = {-0.1f, 1.5f, NAN, INFINITY, -INFINITY, -1e-30f};
        return v[below(6)];
    }
    float nonfinite() {
        static const float v[] = {NAN, INFINITY, -INFINITY};
        return v[below(3)];
    }

    Bytes floats(int64_t n, float lo = -2.0f, float hi = 2.0f) {
        Bytes b(static_cast<size_t>(n) * 4);
        float* f = reinterpret_cast<float*>(b.data());
        for (int64_t i = 0; i < n; ++i) f[i] = rng.uniform(lo, hi);
        return b;
    }
    Bytes zeros(int64_t n, int elem = 4) { return Bytes(static_cast<size_t>(n) * elem, 0); }
    // Puts a few NaN/Inf into a float input (in some calls): the call must still succeed.
    void maybe_special(Bytes& b) {
        if (b.empty() || !chance(4)) return;
        float* f = reinterpret_cast<float*>(b.data());
        const size_t n = b.size() / 4;
        for (int k = 0; k < 3; ++k) f[below(n)] = special_value();
        special = true;
    }

    // Records the status of one call of `fn`.
    anvil_status record(const char* fn, anvil_status s) {
        Stats& st = stats[fn];
        ++total_calls;
        ++st.calls;
        ++st.by_status[(s >= 0 && s < 8) ? s : 7];
        return s;
    }
    void fail(const char* fn, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    // A broken call: refused, with a message that names the function.
    void expect_refused(const char* fn, anvil_status s, const char* mutation) {
        const char* msg = anvil_last_error();
        if (s == ANVIL_OK) {
            fail(fn, "invalid call (%s) accepted", mutation);
        } else if (msg == nullptr || std::strstr(msg, fn) == nullptr) {
            fail(fn, "invalid call (%s) refused with status %d but message \"%s\"", mutation, s, msg ? msg : "(null)");
        }
    }
    void expect_ok(const char* fn, anvil_status s, const char* what) {
        if (s != ANVIL_OK) fail(fn, "valid call (%s) refused: status %d, %s", what, s, anvil_last_error());
    }
    // got[i] against want[i] within tol relative to max(1, |want|); NaN only where NaN is wanted.
    void compare(const char* fn, const char* what, const float* got, const std::vector<double>& want, double tol) {
        if (special) return;
        for (size_t i = 0; i < want.size(); ++i) {
            const double g = got[i], w = want[i];
            const bool ok = std::isnan(w) ? std::isnan(g) : std::fabs(g - w) <= tol * std::max(1.0, std::fabs(w));
            if (!ok) {
                fail(fn, "%s[%zu] = %.9g, reference %.9g", what, i, g, w);
                return;
            }
        }
    }
    void compare_exact(const char* fn, const char* what, const float* got, const float* want, int64_t n) {
        if (special || n == 0) return;
        if (std::memcmp(got, want, static_cast<size_t>(n) * 4) != 0) fail(fn, "%s differs from the reference", what);
    }

    void run_case(Case& c);
    uint64_t seed() const { return seed_; }

private:
    uint64_t seed_;
};

void Fuzzer::fail(const char* fn, const char* fmt, ...) {
    ++mismatches;
    if (mismatches > 30) return;
    va_list args;
    va_start(args, fmt);
    std::fprintf(stderr, "FAIL: seed %llu call %lld (%s) %s: ", static_cast<unsigned long long>(seed_),
                 static_cast<long long>(call_index), name.c_str(), fn);
    std::vfprintf(stderr, fmt, args);
    std::fprintf(stderr, "\n");
    va_end(args);
}

void Fuzzer::run_case(Case& c) {
    enum Kind { kValid, kNullCtx, kNullSlot, kOverlap, kBreak, kDescInOutput, kAlias };
    std::vector<int> kinds = {kValid, kValid, kValid};
    std::vector<int> nullable, outputs;
    for (size_t i = 0; i < c.slots.size(); ++i) {
        if (c.slots[i].must && !c.slots[i].absent && c.slots[i].count > 0) nullable.push_back(static_cast<int>(i));
        if (c.slots[i].output && !c.slots[i].absent && !c.slots[i].state && c.slots[i].elem == 4) outputs.push_back(static_cast<int>(i));
    }
    std::vector<std::pair<int, int>> overlaps;
    for (auto [a, b] : c.disjoint) {
        if (!c.slots[a].absent && !c.slots[b].absent && c.slots[a].count > 0 && c.slots[b].count > 0) overlaps.push_back({a, b});
    }
    std::vector<std::pair<int, int>> aliases;
    for (auto [a, b] : c.may_alias) {
        if (!c.slots[a].absent && !c.slots[b].absent && c.slots[a].count == c.slots[b].count) aliases.push_back({a, b});
    }
    if (c.takes_ctx) kinds.push_back(kNullCtx);
    if (!nullable.empty()) kinds.push_back(kNullSlot);
    if (!overlaps.empty()) kinds.insert(kinds.end(), {kOverlap, kOverlap});
    if (!c.breakers.empty()) kinds.insert(kinds.end(), {kBreak, kBreak});
    if (c.desc != nullptr && !outputs.empty()) kinds.push_back(kDescInOutput);
    if (!aliases.empty()) kinds.push_back(kAlias);
    const int kind = c.refused != nullptr ? kValid : kinds[below(kinds.size())];
    const char* mutation = c.refused != nullptr ? c.refused : "none";
    if (kind == kBreak) {
        c.breakers[below(c.breakers.size())]();
        mutation = "out-of-range parameter";
    }

    // Storage: each slot's own buffer of its exact size, except where a mutation places one slot
    // inside another (then the host buffer grows so that the guest fits even if it were accepted).
    std::vector<Bytes> store(c.slots.size());
    for (size_t i = 0; i < c.slots.size(); ++i) store[i] = c.slots[i].init;
    std::vector<void*> p(c.slots.size(), nullptr);
    int host = -1, guest = -1;
    int64_t guest_offset = 0;
    if (kind == kOverlap) {
        auto [a, b] = overlaps[below(overlaps.size())];
        if (chance(50)) std::swap(a, b);
        host = a;
        guest = b;
        const bool same_ok = std::find(c.may_alias.begin(), c.may_alias.end(), std::make_pair(a, b)) != c.may_alias.end() ||
                             std::find(c.may_alias.begin(), c.may_alias.end(), std::make_pair(b, a)) != c.may_alias.end();
        const int64_t host_elems = c.slots[a].count * c.slots[a].elem / 4;  // 4-byte steps
        guest_offset = host_elems > 0 ? static_cast<int64_t>(below(static_cast<uint64_t>(host_elems))) * 4 : 0;
        if (same_ok && guest_offset == 0) {
            if (host_elems < 2) {
                guest = -1;  // no partial overlap possible: run the call valid
            } else {
                guest_offset = 4;
            }
        }
        if (guest >= 0) {
            store[a].resize(store[a].size() + static_cast<size_t>(c.slots[b].count * c.slots[b].elem) + 64, 0);
            mutation = "overlapping buffers";
        }
    }
    Bytes desc_store;
    int desc_slot = -1;
    if (kind == kDescInOutput) {
        desc_slot = outputs[below(outputs.size())];
        if (store[desc_slot].size() < c.desc_size) store[desc_slot].resize(c.desc_size, 0);
    }
    int alias_from = -1, alias_to = -1;
    if (kind == kAlias) {
        auto [a, b] = aliases[below(aliases.size())];
        alias_from = b;  // b uses a's buffer
        alias_to = a;
    }
    for (size_t i = 0; i < c.slots.size(); ++i) {
        if (!c.slots[i].absent) p[i] = store[i].empty() ? nullptr : store[i].data();
    }
    // Zero-size buffers still get a pointer: a function must not need one, and NULL is tested apart.
    std::vector<unsigned char> dummy(64);
    for (size_t i = 0; i < c.slots.size(); ++i) {
        if (!c.slots[i].absent && p[i] == nullptr) p[i] = dummy.data() + 8 * (i % 8);
    }
    if (guest >= 0) p[guest] = store[host].data() + guest_offset;
    if (alias_from >= 0) p[alias_from] = p[alias_to];
    anvil_context* context = c.takes_ctx ? ctx() : nullptr;
    if (kind == kNullCtx) {
        context = nullptr;
        mutation = "NULL context";
    }
    if (kind == kNullSlot) {
        p[nullable[below(nullable.size())]] = nullptr;
        mutation = "NULL buffer";
    }
    const void* desc = c.desc;
    if (desc_slot >= 0) {
        std::memcpy(store[desc_slot].data(), c.desc, c.desc_size);
        desc = store[desc_slot].data();
    }
    bool null_desc = false;
    if (c.desc != nullptr && kind == kValid && chance(3)) {
        desc = nullptr;
        null_desc = true;
        mutation = "NULL descriptor";
    }
    const bool valid = c.refused == nullptr &&
                       ((kind == kValid && !null_desc) || kind == kDescInOutput || kind == kAlias || (kind == kOverlap && guest < 0));
    // The buffers as the call finds them: what a refused call must leave, and the reference's inputs
    // (with in-place aliasing the output is in the input's buffer: p[alias_from] == p[alias_to]).
    std::vector<Bytes> before = store;
    const anvil_status s = record(c.fn, c.invoke(context, desc, p.data()));
    if (!valid) {
        expect_refused(c.fn, s, mutation);
        const bool may_write = c.breaks_output && c.breaks_output();
        if (s != ANVIL_OK && !may_write && store != before) fail(c.fn, "refused call (%s) changed a buffer", mutation);
        return;
    }
    const char* what = kind == kDescInOutput ? "descriptor inside the output" : kind == kAlias ? "in place" : "plain";
    expect_ok(c.fn, s, what);
    if (s != ANVIL_OK || !c.verify) return;
    c.verify(*this, before, p.data());
}

// ------------------------------------------------------------------------------------------------
// References.

double act_ref(int32_t kind, double a, double x) {
    switch (kind) {
        case ANVIL_ACT_LEAKY_RELU: return x > 0 ? x : a * x;
        case ANVIL_ACT_ELU: return x > 0 ? x : a * (std::exp(x) - 1);
        case ANVIL_ACT_GELU: return x * (1 + std::erf(x / std::sqrt(2.0))) / 2;
        case ANVIL_ACT_GELU_TANH: return x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))) / 2;
        case ANVIL_ACT_SILU: return x / (1 + std::exp(-x));
        case ANVIL_ACT_SIGMOID: return 1 / (1 + std::exp(-x));
        case ANVIL_ACT_TANH: return std::tanh(x);
        default: return x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
    }
}

int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil) {
    const int64_t room = in + 2 * pad - dil * (k - 1) - 1;
    return room < 0 ? 0 : room / s + 1;
}
// PyTorch's pooling_output_shape.
int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t pad, bool ceil_mode) {
    const int64_t room = in + 2 * pad - k;
    if (room < 0) return 0;
    int64_t out = (ceil_mode ? (room + s - 1) / s : room / s) + 1;
    if (ceil_mode && (out - 1) * s >= in + pad) --out;
    return out;
}

// Visits each pooling window: f(plane, output index, window start h/w, end h/w of the padded input).
template <class F>
void pool_visit(const anvil_pool2d_desc& d, int64_t oh_n, int64_t ow_n, F f) {
    for (int64_t pl = 0; pl < d.batch * d.channels; ++pl)
        for (int64_t oh = 0; oh < oh_n; ++oh)
            for (int64_t ow = 0; ow < ow_n; ++ow) {
                const int64_t hs = oh * d.stride_h - d.pad_h, ws = ow * d.stride_w - d.pad_w;
                const int64_t he = std::min(hs + d.kernel_h, d.in_h + d.pad_h), we = std::min(ws + d.kernel_w, d.in_w + d.pad_w);
                f(pl, (pl * oh_n + oh) * ow_n + ow, hs, ws, he, we);
            }
}

// ------------------------------------------------------------------------------------------------
// Compute functions, one generator each.

#define F4(i) (reinterpret_cast<float*>(p[i]))
#define CF4(i) (reinterpret_cast<const float*>(p[i]))
#define IN(i) (as<float>(before[i]))

Slot in(const char* name, Bytes b) { return Slot{name, static_cast<int64_t>(b.size() / 4), 4, false, true, std::move(b)}; }
Slot out(const char* name, Bytes b) { return Slot{name, static_cast<int64_t>(b.size() / 4), 4, true, true, std::move(b)}; }
Slot absent(const char* name) {
    Slot s{name, 0, 4, false, false, {}};
    s.absent = true;
    return s;
}

void gen_fill(Fuzzer& f, Case& c) {
    auto n = std::make_shared<int64_t>(f.count());
    auto value = std::make_shared<float>(f.chance(5) ? f.special_value() : f.rng.uniform(-5, 5));
    c.fn = "anvil_fill";
    c.slots = {out("y", f.floats(*n))};
    c.breakers = {[=, &f] { *n = f.negative(); }};
    c.invoke = [=](anvil_context* x, const void*, void* const* p) { return anvil_fill(x, *n, *value, F4(0)); };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>&, void* const* p) {
        for (int64_t i = 0; i < *n; ++i) {
            if (std::memcmp(&F4(0)[i], value.get(), 4) != 0) return f.fail("anvil_fill", "y[%lld] is not the value", (long long)i);
        }
    };
}

// y op= f(x) families of one input and one output over n elements.
void gen_unary(Fuzzer& f, Case& c, int which) {
    auto n = std::make_shared<int64_t>(f.count());
    auto alpha = std::make_shared<float>(f.rng.uniform(-2, 2));
    auto lo = std::make_shared<float>(f.rng.uniform(-1, 0)), hi = std::make_shared<float>(f.rng.uniform(0, 1));
    Bytes x = f.floats(*n);
    f.maybe_special(x);
    c.breakers = {[=, &f] { *n = f.negative(); }};
    switch (which) {
        case 0:  // copy
            c.fn = "anvil_copy";
            c.slots = {in("x", x), out("y", f.floats(*n))};
            c.disjoint = {{0, 1}};
            c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_copy(ctx, *n, CF4(0), F4(1)); };
            c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
                f.compare_exact("anvil_copy", "y", CF4(1), IN(0), *n);
            };
            break;
        case 1:  // scale
            c.fn = "anvil_scale";
            c.slots = {out("x", x)};
            c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_scale(ctx, *n, *alpha, F4(0)); };
            c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
                std::vector<double> want(*n);
                for (int64_t i = 0; i < *n; ++i) want[i] = static_cast<float>(*alpha * IN(0)[i]);
                f.compare("anvil_scale", "x", CF4(0), want, 0);
            };
            break;
        case 2:  // clamp
            c.fn = "anvil_clamp";
            c.slots = {out("x", x)};
            c.breakers.push_back([=, &f] { *lo = f.chance(50) ? NAN : *hi + 1.0f; });
            c.breakers.push_back([=] { *hi = NAN; });
            c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_clamp(ctx, *n, *lo, *hi, F4(0)); };
            c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
                std::vector<double> want(*n);
                for (int64_t i = 0; i < *n; ++i) want[i] = std::min(std::max(static_cast<double>(IN(0)[i]), (double)*lo), (double)*hi);
                f.compare("anvil_clamp", "x", CF4(0), want, 0);
            };
            break;
        case 3:  // relu forward
            c.fn = "anvil_relu_forward";
            c.slots = {in("x", x), out("y", f.floats(*n))};
            c.disjoint = {{0, 1}};
            c.may_alias = {{0, 1}};
            c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_relu_forward(ctx, *n, CF4(0), F4(1)); };
            c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
                std::vector<double> want(*n);
                for (int64_t i = 0; i < *n; ++i) want[i] = std::max(static_cast<double>(IN(0)[i]), 0.0);
                f.compare("anvil_relu_forward", "y", CF4(1), want, 0);
            };
            break;
        default: {  // dropout forward
            auto prob = std::make_shared<float>(f.chance(10) ? 0.0f : f.rng.uniform(0, 0.95f));
            auto seed = std::make_shared<uint64_t>(f.rng.next());
            c.fn = "anvil_dropout_forward";
            c.slots = {in("x", x), out("y", f.floats(*n))};
            c.disjoint = {{0, 1}};
            c.may_alias = {{0, 1}};
            c.breakers.push_back([=, &f] { *prob = f.bad_probability(); });
            c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
                return anvil_dropout_forward(ctx, *n, *prob, *seed, CF4(0), F4(1));
            };
            // Invariant: each output is 0 or x / (1 - p); backward with the same seed keeps exactly
            // those elements (dy = 1 gives the mask scaled by 1 / (1 - p)).
            c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
                if (f.special) return;
                std::vector<float> ones(*n, 1.0f), dx(*n);
                if (*n > 0 && anvil_dropout_backward(f.cpu[0], *n, *prob, *seed, ones.data(), dx.data()) != ANVIL_OK) {
                    return f.fail("anvil_dropout_backward", "refused the forward pass's arguments: %s", anvil_last_error());
                }
                const double keep = 1.0 / (1.0 - *prob);
                for (int64_t i = 0; i < *n; ++i) {
                    const double y = CF4(1)[i], want = IN(0)[i] * keep;
                    const bool kept = dx[i] != 0.0f;
                    if ((kept && std::fabs(y - want) > 1e-5 * std::max(1.0, std::fabs(want))) || (!kept && y != 0.0f) ||
                        (kept && std::fabs(dx[i] - keep) > 1e-5 * keep)) {
                        return f.fail("anvil_dropout_forward", "element %lld: y %g, x %g, mask %g", (long long)i, y,
                                      (double)IN(0)[i], (double)dx[i]);
                    }
                }
            };
        }
    }
}

void gen_dropout_backward(Fuzzer& f, Case& c) {
    auto n = std::make_shared<int64_t>(f.count());
    auto prob = std::make_shared<float>(f.rng.uniform(0, 0.9f));
    auto seed = std::make_shared<uint64_t>(f.rng.next());
    c.fn = "anvil_dropout_backward";
    c.slots = {in("dy", f.floats(*n)), out("dx", f.floats(*n))};
    c.disjoint = {{0, 1}};
    c.may_alias = {{0, 1}};
    c.breakers = {[=, &f] { *n = f.negative(); }, [=, &f] { *prob = f.bad_probability(); }};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_dropout_backward(ctx, *n, *prob, *seed, CF4(0), F4(1)); };
    // Invariant: dx is 0 or dy / (1 - p).
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        const double keep = 1.0 / (1.0 - *prob);
        for (int64_t i = 0; i < *n; ++i) {
            const double dx = CF4(1)[i], want = IN(0)[i] * keep;
            if (dx != 0.0 && std::fabs(dx - want) > 1e-5 * std::max(1.0, std::fabs(want))) {
                return f.fail("anvil_dropout_backward", "dx[%lld] = %g, neither 0 nor %g", (long long)i, dx, want);
            }
        }
    };
}

// Two inputs, one output: axpy, add, binary, relu backward, sum_squares.
void gen_binary(Fuzzer& f, Case& c, int which) {
    auto n = std::make_shared<int64_t>(f.count());
    auto op = std::make_shared<int32_t>(static_cast<int32_t>(f.below(4)));
    auto alpha = std::make_shared<float>(f.rng.uniform(-2, 2));
    Bytes a = f.floats(*n), b = f.floats(*n);
    f.maybe_special(a);
    c.breakers = {[=, &f] { *n = f.negative(); }};
    if (which == 0) {
        c.fn = "anvil_axpy";
        c.slots = {in("x", a), out("y", b)};
        c.disjoint = {{0, 1}};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_axpy(ctx, *n, *alpha, CF4(0), F4(1)); };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(*n);
            for (int64_t i = 0; i < *n; ++i) want[i] = IN(1)[i] + static_cast<double>(*alpha) * IN(0)[i];
            f.compare("anvil_axpy", "y", CF4(1), want, 1e-6);
        };
    } else if (which == 1 || which == 2) {
        const bool add = which == 1;
        c.fn = add ? "anvil_add" : "anvil_binary";
        c.slots = {in("a", a), in("b", b), out("y", f.floats(*n))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.may_alias = {{0, 2}, {1, 2}};
        if (!add) c.breakers.push_back([=, &f] { *op = f.chance(50) ? 4 + static_cast<int32_t>(f.below(100)) : -1 - static_cast<int32_t>(f.below(5)); });
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
            return add ? anvil_add(ctx, *n, CF4(0), CF4(1), F4(2)) : anvil_binary(ctx, *op, *n, CF4(0), CF4(1), F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(*n);
            const int32_t o = add ? ANVIL_BINARY_ADD : *op;
            for (int64_t i = 0; i < *n; ++i) {
                const float x = IN(0)[i], y = IN(1)[i];
                want[i] = o == 0 ? x + y : o == 1 ? x - y : o == 2 ? x * y : x / y;
            }
            f.compare(add ? "anvil_add" : "anvil_binary", "y", CF4(2), want, 0);
        };
    } else if (which == 3) {
        c.fn = "anvil_relu_backward";
        c.slots = {in("y", a), in("dy", b), out("dx", f.floats(*n))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.may_alias = {{0, 2}, {1, 2}};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_relu_backward(ctx, *n, CF4(0), CF4(1), F4(2)); };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(*n);
            for (int64_t i = 0; i < *n; ++i) want[i] = IN(0)[i] > 0 ? IN(1)[i] : 0.0;
            f.compare("anvil_relu_backward", "dx", CF4(2), want, 0);
        };
    } else {
        c.fn = "anvil_sum_squares";
        Slot o{"out", 1, 8, true, true, Bytes(8, 0)};
        c.slots = {in("x", a), o};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
            return anvil_sum_squares(ctx, *n, CF4(0), reinterpret_cast<double*>(p[1]));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            double want = 0;
            for (int64_t i = 0; i < *n; ++i) want += static_cast<double>(IN(0)[i]) * IN(0)[i];
            const double got = *reinterpret_cast<const double*>(p[1]);
            if (!f.special && std::fabs(got - want) > 1e-9 * std::max(1.0, want)) f.fail("anvil_sum_squares", "%.17g vs %.17g", got, want);
        };
    }
}

void gen_copy_rows(Fuzzer& f, Case& c) {
    auto rows = std::make_shared<int64_t>(f.range(0, 12)), cols = std::make_shared<int64_t>(f.range(0, 12));
    auto ss = std::make_shared<int64_t>(*cols + f.range(0, 5)), ds = std::make_shared<int64_t>(*cols + f.range(0, 5));
    const int64_t sn = *rows == 0 || *cols == 0 ? 0 : (*rows - 1) * *ss + *cols, dn = *rows == 0 || *cols == 0 ? 0 : (*rows - 1) * *ds + *cols;
    c.fn = "anvil_copy_rows";
    c.slots = {in("src", f.floats(sn)), out("dst", f.floats(dn))};
    c.disjoint = {{0, 1}};
    c.breakers = {[=, &f] { *rows = f.negative(); }, [=, &f] { *cols = f.negative(); }};
    if (*rows > 0 && *cols > 0) {
        c.breakers.push_back([=, &f] { *ss = *cols - f.range(1, 3); });
        c.breakers.push_back([=, &f] { *ds = f.chance(50) ? f.negative() : *cols - 1; });
        if (*rows > 1) c.breakers.push_back([=, &f] { *ss = f.huge(); });  // the extent overflows
    }
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_copy_rows(ctx, *rows, *cols, CF4(0), *ss, F4(1), *ds); };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(dn);
        for (int64_t i = 0; i < dn; ++i) want[i] = IN(1)[i];
        for (int64_t r = 0; r < *rows; ++r)
            for (int64_t k = 0; k < *cols; ++k) want[r * *ds + k] = IN(0)[r * *ss + k];
        f.compare("anvil_copy_rows", "dst", CF4(1), want, 0);
    };
}

void gen_activation(Fuzzer& f, Case& c, bool backward) {
    auto n = std::make_shared<int64_t>(f.count());
    auto kind = std::make_shared<int32_t>(static_cast<int32_t>(f.below(8)));
    auto alpha = std::make_shared<float>(f.rng.uniform(0, 2));
    Bytes x = f.floats(*n, -4, 4);
    f.maybe_special(x);
    c.breakers = {[=, &f] { *n = f.negative(); },
                  [=, &f] { *kind = f.chance(50) ? 8 + static_cast<int32_t>(f.below(50)) : -1; },
                  [=, &f] { *alpha = f.nonfinite(); }};
    if (!backward) {
        c.fn = "anvil_activation_forward";
        c.slots = {in("x", x), out("y", f.floats(*n))};
        c.disjoint = {{0, 1}};
        c.may_alias = {{0, 1}};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_activation_forward(ctx, *kind, *alpha, *n, CF4(0), F4(1)); };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(*n);
            for (int64_t i = 0; i < *n; ++i) want[i] = act_ref(*kind, *alpha, IN(0)[i]);
            f.compare("anvil_activation_forward", "y", CF4(1), want, 1e-5);
        };
        return;
    }
    // y as the forward pass gives it (the reference's, rounded to float).
    Bytes y = f.zeros(*n);
    for (int64_t i = 0; i < *n; ++i) reinterpret_cast<float*>(y.data())[i] = static_cast<float>(act_ref(*kind, *alpha, as<float>(x)[i]));
    c.fn = "anvil_activation_backward";
    c.slots = {in("x", x), in("y", y), in("dy", f.floats(*n)), out("dx", f.floats(*n))};
    c.disjoint = {{0, 3}, {1, 3}, {2, 3}};
    c.may_alias = {{2, 3}};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
        return anvil_activation_backward(ctx, *kind, *alpha, *n, CF4(0), CF4(1), CF4(2), F4(3));
    };
    // Reference: dy times the central difference of the double forward (away from the kinks).
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(*n);
        for (int64_t i = 0; i < *n; ++i) {
            const double x0 = IN(0)[i], h = 1e-6;
            if (std::fabs(x0) < 1e-4 || std::fabs(std::fabs(x0) - 3) < 1e-4) {
                want[i] = CF4(3)[i];  // at a kink either side is right
                continue;
            }
            want[i] = IN(2)[i] * (act_ref(*kind, *alpha, x0 + h) - act_ref(*kind, *alpha, x0 - h)) / (2 * h);
        }
        f.compare("anvil_activation_backward", "dx", CF4(3), want, 1e-4);
    };
}

void gen_reduce(Fuzzer& f, Case& c) {
    auto op = std::make_shared<int32_t>(static_cast<int32_t>(f.below(3)));
    auto outer = std::make_shared<int64_t>(f.range(1, 9)), size = std::make_shared<int64_t>(f.range(1, 40)),
         inner = std::make_shared<int64_t>(f.range(1, 9));
    Bytes x = f.floats(*outer * *size * *inner);
    f.maybe_special(x);
    c.fn = "anvil_reduce";
    c.slots = {in("x", x), out("y", f.floats(*outer * *inner))};
    c.disjoint = {{0, 1}};
    c.breakers = {[=, &f] { *op = f.chance(50) ? 3 : -1; }, [=] { *size = 0; }, [=, &f] { *outer = f.negative(); },
                  [=, &f] { *inner = f.huge(); }, [=, &f] { *size = f.huge(); }};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_reduce(ctx, *op, *outer, *size, *inner, CF4(0), F4(1)); };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(*outer * *inner);
        for (int64_t o = 0; o < *outer; ++o)
            for (int64_t i = 0; i < *inner; ++i) {
                double sum = 0, best = -INFINITY;
                for (int64_t s = 0; s < *size; ++s) {
                    const double v = IN(0)[(o * *size + s) * *inner + i];
                    sum += v;
                    best = std::max(best, v);
                }
                want[o * *inner + i] = *op == 0 ? sum : *op == 1 ? sum / *size : best;
            }
        f.compare("anvil_reduce", "y", CF4(1), want, 1e-6);
    };
}

void gen_topk(Fuzzer& f, Case& c) {
    auto rows = std::make_shared<int64_t>(f.range(1, 8)), cols = std::make_shared<int64_t>(f.range(1, 60));
    auto k = std::make_shared<int64_t>(f.range(1, *cols));
    const bool with_indices = f.chance(70);
    Bytes x = f.floats(*rows * *cols);
    c.fn = "anvil_topk";
    c.slots = {in("x", x), out("values", f.floats(*rows * *k)),
               with_indices ? Slot{"indices", *rows * *k, 4, true, false, f.zeros(*rows * *k)} : absent("indices")};
    c.disjoint = {{0, 1}, {0, 2}, {1, 2}};
    c.breakers = {[=, &f] { *k = f.chance(50) ? 0 : *cols + f.range(1, 3); }, [=, &f] { *rows = f.negative(); },
                  [=] { *cols = INT64_C(1) << 31; }, [=, &f] { *rows = f.huge(); }};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
        return anvil_topk(ctx, *rows, *cols, *k, CF4(0), F4(1), reinterpret_cast<int32_t*>(p[2]));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(*rows * *k);
        std::vector<int32_t> want_idx(*rows * *k);
        for (int64_t r = 0; r < *rows; ++r) {
            std::vector<int32_t> order(*cols);
            for (int32_t j = 0; j < *cols; ++j) order[j] = j;
            const float* row = IN(0) + r * *cols;
            std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
            for (int64_t j = 0; j < *k; ++j) {
                want[r * *k + j] = row[order[j]];
                want_idx[r * *k + j] = order[j];
            }
        }
        f.compare("anvil_topk", "values", CF4(1), want, 0);
        if (with_indices && std::memcmp(p[2], want_idx.data(), want_idx.size() * 4) != 0) f.fail("anvil_topk", "indices differ");
    };
}

void gen_argmax(Fuzzer& f, Case& c) {
    auto batch = std::make_shared<int64_t>(f.range(1, 20)), classes = std::make_shared<int64_t>(f.range(1, 50));
    c.fn = "anvil_argmax";
    c.slots = {in("logits", f.floats(*batch * *classes)), Slot{"predictions", *batch, 4, true, true, f.zeros(*batch)}};
    c.disjoint = {{0, 1}};
    c.breakers = {[=, &f] { *batch = f.negative(); }, [=] { *classes = 0; }, [=] { *classes = INT64_C(1) << 31; },
                  [=, &f] { *batch = f.huge(); }};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
        return anvil_argmax(ctx, *batch, *classes, CF4(0), reinterpret_cast<int32_t*>(p[1]));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        for (int64_t b = 0; b < *batch; ++b) {
            const float* row = IN(0) + b * *classes;
            const int32_t want = static_cast<int32_t>(std::max_element(row, row + *classes) - row);
            if (reinterpret_cast<const int32_t*>(p[1])[b] != want) return f.fail("anvil_argmax", "row %lld", (long long)b);
        }
    };
}

void gen_softmax(Fuzzer& f, Case& c, bool backward) {
    auto rows = std::make_shared<int64_t>(f.range(1, 12)), cols = std::make_shared<int64_t>(f.range(1, 70));
    auto log = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
    const int64_t n = *rows * *cols;
    c.breakers = {[=, &f] { *rows = f.negative(); }, [=] { *cols = 0; }, [=, &f] { *log = f.chance(50) ? 2 : -1; },
                  [=] { *rows = INT64_C(1) << 31; }, [=, &f] { *cols = f.huge(); }};
    if (!backward) {
        Bytes x = f.floats(n, -5, 5);
        f.maybe_special(x);
        c.fn = "anvil_softmax_forward";
        c.slots = {in("x", x), out("y", f.floats(n))};
        c.disjoint = {{0, 1}};
        c.may_alias = {{0, 1}};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_softmax_forward(ctx, *rows, *cols, *log, CF4(0), F4(1)); };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(n);
            for (int64_t r = 0; r < *rows; ++r) {
                const float* x = IN(0) + r * *cols;
                double m = -INFINITY, s = 0;
                for (int64_t j = 0; j < *cols; ++j) m = std::max(m, (double)x[j]);
                for (int64_t j = 0; j < *cols; ++j) s += std::exp(x[j] - m);
                for (int64_t j = 0; j < *cols; ++j) want[r * *cols + j] = *log ? x[j] - m - std::log(s) : std::exp(x[j] - m) / s;
            }
            f.compare("anvil_softmax_forward", "y", CF4(1), want, 1e-5);
        };
        return;
    }
    c.fn = "anvil_softmax_backward";
    c.slots = {in("y", f.floats(n, *log ? -4.0f : 0.0f, *log ? 0.0f : 1.0f)), in("dy", f.floats(n)), out("dx", f.floats(n))};
    c.disjoint = {{0, 2}, {1, 2}};
    c.may_alias = {{1, 2}};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_softmax_backward(ctx, *rows, *cols, *log, CF4(0), CF4(1), F4(2)); };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(n);
        for (int64_t r = 0; r < *rows; ++r) {
            const float *y = IN(0) + r * *cols, *dy = IN(1) + r * *cols;
            double s = 0;
            for (int64_t j = 0; j < *cols; ++j) s += *log ? dy[j] : (double)dy[j] * y[j];
            for (int64_t j = 0; j < *cols; ++j) want[r * *cols + j] = *log ? dy[j] - std::exp((double)y[j]) * s : y[j] * (dy[j] - s);
        }
        f.compare("anvil_softmax_backward", "dx", CF4(2), want, 1e-5);
    };
}

void gen_matmul(Fuzzer& f, Case& c) {
    auto m = std::make_shared<int64_t>(f.range(1, 24)), k = std::make_shared<int64_t>(f.range(1, 24)), n = std::make_shared<int64_t>(f.range(1, 24));
    Bytes a = f.floats(*m * *k);
    f.maybe_special(a);
    c.fn = "anvil_matmul";
    c.slots = {in("a", a), in("b", f.floats(*k * *n)), out("c", f.floats(*m * *n))};
    c.disjoint = {{0, 2}, {1, 2}};
    c.breakers = {[=, &f] { *m = f.negative(); }, [=] { *k = 0; }, [=, &f] { *n = f.huge(); }, [=] { *k = INT64_C(1) << 31; *n = INT64_C(1) << 31; }};
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_matmul(ctx, *m, *k, *n, CF4(0), CF4(1), F4(2)); };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(*m * *n, 0.0);
        for (int64_t i = 0; i < *m; ++i)
            for (int64_t j = 0; j < *n; ++j)
                for (int64_t l = 0; l < *k; ++l) want[i * *n + j] += (double)IN(0)[i * *k + l] * IN(1)[l * *n + j];
        f.compare("anvil_matmul", "c", CF4(2), want, 1e-5 * std::sqrt((double)*k) + 1e-6);
    };
}

void gen_linear(Fuzzer& f, Case& c, int which) {
    auto d = std::make_shared<anvil_linear_desc>(anvil_linear_desc{f.range(1, 12), f.range(1, 20), f.range(1, 20)});
    const int64_t B = d->batch, I = d->in_features, O = d->out_features;
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_linear_desc);
    c.breakers = {[=, &f] { d->batch = f.negative(); }, [=] { d->in_features = 0; },
                  [=, &f] { d->out_features = f.huge(); }, [=] { d->batch = INT64_C(1) << 31; d->in_features = INT64_C(1) << 31; }};
    auto acc = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
    const double tol = 1e-5 * std::sqrt((double)std::max(B, I)) + 1e-6;
    if (which == 0) {
        const bool bias = f.chance(70);
        Bytes x = f.floats(B * I);
        f.maybe_special(x);
        c.fn = "anvil_linear_forward";
        c.slots = {in("x", x), in("w", f.floats(O * I)), bias ? in("bias", f.floats(O)) : absent("bias"), out("y", f.floats(B * O))};
        c.slots[2].must = false;
        c.disjoint = {{0, 3}, {1, 3}, {2, 3}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_linear_forward(ctx, static_cast<const anvil_linear_desc*>(desc), CF4(0), CF4(1), CF4(2), F4(3));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(B * O);
            for (int64_t b = 0; b < B; ++b)
                for (int64_t o = 0; o < O; ++o) {
                    double s = bias ? IN(2)[o] : 0.0;
                    for (int64_t i = 0; i < I; ++i) s += (double)IN(0)[b * I + i] * IN(1)[o * I + i];
                    want[b * O + o] = s;
                }
            f.compare("anvil_linear_forward", "y", CF4(3), want, tol);
        };
    } else if (which == 1) {
        c.fn = "anvil_linear_backward_data";
        c.slots = {in("dy", f.floats(B * O)), in("w", f.floats(O * I)), out("dx", f.floats(B * I))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_linear_backward_data(ctx, static_cast<const anvil_linear_desc*>(desc), CF4(0), CF4(1), F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(B * I, 0.0);
            for (int64_t b = 0; b < B; ++b)
                for (int64_t o = 0; o < O; ++o)
                    for (int64_t i = 0; i < I; ++i) want[b * I + i] += (double)IN(0)[b * O + o] * IN(1)[o * I + i];
            f.compare("anvil_linear_backward_data", "dx", CF4(2), want, tol);
        };
    } else if (which == 3) {
        auto bias = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
        c.fn = "anvil_linear_per_sample_sq_norms";
        c.slots = {in("x", f.floats(B * I)), in("dy", f.floats(B * O)), out("sq", f.floats(B))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.breakers.push_back([=, &f] { *bias = f.chance(50) ? 2 : -1; });
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_linear_per_sample_sq_norms(ctx, static_cast<const anvil_linear_desc*>(desc), CF4(0), CF4(1), *bias, F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(B);
            for (int64_t b = 0; b < B; ++b) {
                double xx = 0, gg = 0;
                for (int64_t i = 0; i < I; ++i) xx += (double)IN(0)[b * I + i] * IN(0)[b * I + i];
                for (int64_t o = 0; o < O; ++o) gg += (double)IN(1)[b * O + o] * IN(1)[b * O + o];
                want[b] = IN(2)[b] + gg * xx + (*bias ? gg : 0.0);
            }
            f.compare("anvil_linear_per_sample_sq_norms", "sq", CF4(2), want, 1e-5 * (double)std::max(I, O) + 1e-6);
        };
    } else {
        const bool bias = f.chance(70);
        c.fn = "anvil_linear_backward_weight";
        c.slots = {in("x", f.floats(B * I)), in("dy", f.floats(B * O)), out("dw", f.floats(O * I)), bias ? out("db", f.floats(O)) : absent("db")};
        c.slots[3].must = false;
        c.disjoint = {{0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}};
        c.breakers.push_back([=, &f] { *acc = f.chance(50) ? 2 : -1; });
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_linear_backward_weight(ctx, static_cast<const anvil_linear_desc*>(desc), CF4(0), CF4(1), F4(2), F4(3), *acc);
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> dw(O * I), db(O);
            for (int64_t o = 0; o < O; ++o) {
                db[o] = *acc && bias ? IN(3)[o] : 0.0;
                for (int64_t i = 0; i < I; ++i) dw[o * I + i] = *acc ? IN(2)[o * I + i] : 0.0;
                for (int64_t b = 0; b < B; ++b) {
                    db[o] += IN(1)[b * O + o];
                    for (int64_t i = 0; i < I; ++i) dw[o * I + i] += (double)IN(1)[b * O + o] * IN(0)[b * I + i];
                }
            }
            f.compare("anvil_linear_backward_weight", "dw", CF4(2), dw, tol);
            if (bias) f.compare("anvil_linear_backward_weight", "db", CF4(3), db, tol);
        };
    }
}

// Fully random descriptors, judged by a model of the rules anvil.h and the API state: a value of
// each field is mostly small and valid, sometimes 0, negative, near 2^31 or near-overflow.
int64_t wild(Fuzzer& f, int64_t small_lo, int64_t small_hi) {
    switch (f.below(24)) {
        case 0: return 0;
        case 1: return f.negative();
        case 2: return (INT64_C(1) << 31) - 1;
        case 3: return INT64_C(1) << 31;
        case 4: return f.huge();
        case 5: return f.range(small_hi + 1, 70000);
        default: return f.range(small_lo, small_hi);
    }
}

// Product of positive sizes within the API's limit on elements (2^63 / 8), as checked_numel.
bool numel_ok(std::initializer_list<int64_t> dims, int64_t* out) {
    __int128 n = 1;
    for (int64_t d : dims) {
        n *= d;
        if (n > INT64_MAX / 8) return false;
    }
    *out = static_cast<int64_t>(n);
    return true;
}

struct Sizes {
    int64_t x = 0, w = 0, y = 0, oh = 0, ow = 0;
};

// The model's verdict on a convolution descriptor: valid (with the sizes) or not.
bool conv_valid(const anvil_conv2d_desc& d, Sizes* s) {
    for (int64_t v : {d.batch, d.in_channels, d.out_channels, d.groups, d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w,
                      d.dilation_h, d.dilation_w}) {
        if (v <= 0) return false;
    }
    if (d.pad_h < 0 || d.pad_w < 0) return false;
    for (int64_t v : {d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w, d.dilation_h, d.dilation_w}) {
        if (v >= (INT64_C(1) << 31)) return false;
    }
    if (d.in_channels % d.groups != 0 || d.out_channels % d.groups != 0) return false;
    s->oh = window_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h);
    s->ow = window_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w);
    if (s->oh <= 0 || s->ow <= 0) return false;
    return numel_ok({d.batch, d.in_channels, d.in_h, d.in_w}, &s->x) &&
           numel_ok({d.out_channels, d.in_channels / d.groups, d.kernel_h, d.kernel_w}, &s->w) &&
           numel_ok({d.batch, d.out_channels, s->oh, s->ow}, &s->y);
}

bool pool_valid(const anvil_pool2d_desc& d, Sizes* s) {
    for (int64_t v : {d.batch, d.channels, d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w}) {
        if (v <= 0) return false;
    }
    if (d.pad_h < 0 || d.pad_w < 0) return false;
    for (int64_t v : {d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w}) {
        if (v >= (INT64_C(1) << 31)) return false;
    }
    if (d.in_h * d.in_w >= (INT64_C(1) << 31)) return false;
    if (2 * d.pad_h > d.kernel_h || 2 * d.pad_w > d.kernel_w) return false;
    if ((d.count_include_pad != 0 && d.count_include_pad != 1) || (d.ceil_mode != 0 && d.ceil_mode != 1)) return false;
    s->oh = pool_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.ceil_mode);
    s->ow = pool_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.ceil_mode);
    if (s->oh <= 0 || s->ow <= 0) return false;
    return numel_ok({d.batch, d.channels, d.in_h, d.in_w}, &s->x) && numel_ok({d.batch, d.channels, s->oh, s->ow}, &s->y);
}

// The sliding-window fields that convolution and pooling descriptors share.
template <class Desc>
void wild_window(Fuzzer& f, Desc& d, int64_t max_pad) {
    d.in_h = wild(f, 1, 9);
    d.in_w = wild(f, 1, 9);
    d.kernel_h = wild(f, 1, 4);
    d.kernel_w = wild(f, 1, 4);
    d.stride_h = wild(f, 1, 3);
    d.stride_w = wild(f, 1, 3);
    d.pad_h = f.chance(50) ? 0 : wild(f, 0, max_pad);
    d.pad_w = f.chance(50) ? 0 : wild(f, 0, max_pad);
}

anvil_conv2d_desc wild_conv(Fuzzer& f) {
    anvil_conv2d_desc d{};
    d.batch = wild(f, 1, 2);
    d.groups = f.chance(70) ? 1 : wild(f, 1, 3);
    d.in_channels = f.chance(80) && d.groups > 0 && d.groups < 4 ? d.groups * f.range(1, 2) : wild(f, 1, 4);
    d.out_channels = f.chance(80) && d.groups > 0 && d.groups < 4 ? d.groups * f.range(1, 2) : wild(f, 1, 4);
    wild_window(f, d, 3);
    d.dilation_h = f.chance(70) ? 1 : wild(f, 1, 3);
    d.dilation_w = f.chance(70) ? 1 : wild(f, 1, 3);
    return d;
}

anvil_pool2d_desc wild_pool(Fuzzer& f) {
    anvil_pool2d_desc d{};
    d.batch = wild(f, 1, 2);
    d.channels = wild(f, 1, 3);
    wild_window(f, d, 2);
    d.count_include_pad = f.chance(90) ? static_cast<int32_t>(f.below(2)) : static_cast<int32_t>(f.rng.next());
    d.ceil_mode = f.chance(90) ? static_cast<int32_t>(f.below(2)) : static_cast<int32_t>(f.rng.next());
    return d;
}

// Draws a descriptor for a compute call: usually a valid one shaped for the references; now and
// then a wild one, which is kept when the model finds it invalid (the call must be refused; its
// buffers are then of one element) or valid and small enough to run.
template <class Desc>
Desc draw_desc(Fuzzer& f, Case& c, Desc (*usual)(Fuzzer&), Desc (*wild_one)(Fuzzer&), bool (*valid)(const Desc&, Sizes*), Sizes* s) {
    if (f.chance(25)) {
        const Desc d = wild_one(f);
        if (!valid(d, s)) {
            c.refused = "random invalid descriptor";
            *s = Sizes{1, 1, 1, 1, 1};
            return d;
        }
        if (s->x <= 20000 && s->w <= 20000 && s->y <= 20000) return d;
    }
    const Desc d = usual(f);
    valid(d, s);
    return d;
}

anvil_conv2d_desc random_conv(Fuzzer& f) {
    anvil_conv2d_desc d{};
    d.groups = f.chance(25) ? f.range(1, 3) : 1;
    d.batch = f.range(1, 3);
    d.in_channels = d.groups * f.range(1, 3);
    d.out_channels = d.groups * f.range(1, 3);
    d.kernel_h = f.range(1, 3);
    d.kernel_w = f.range(1, 3);
    d.stride_h = f.range(1, 2);
    d.stride_w = f.range(1, 3);
    d.pad_h = f.range(0, 2);
    d.pad_w = f.range(0, 1);
    d.dilation_h = f.range(1, 2);
    d.dilation_w = f.range(1, 2);
    d.in_h = f.range(1, 9) + (d.kernel_h - 1) * d.dilation_h;
    d.in_w = f.range(1, 9) + (d.kernel_w - 1) * d.dilation_w;
    return d;
}

// Ways to break a convolution descriptor: every one is refused by the descriptor check.
std::vector<std::function<void()>> conv_breakers(Fuzzer& f, anvil_conv2d_desc* d) {
    return {[=, &f] { d->batch = f.chance(50) ? 0 : f.negative(); },
            [=, &f] { d->in_channels = f.negative(); },
            [=] { d->out_channels = 0; },
            [=] { d->groups = 0; },
            [=] { d->groups = d->in_channels + 1; },
            [=, &f] { d->stride_h = f.chance(50) ? 0 : f.negative(); },
            [=] { d->dilation_w = 0; },
            [=, &f] { d->pad_w = f.negative(); },
            [=] { d->kernel_h = d->in_h + 2 * d->pad_h + 1; },
            [=] { d->in_w = INT64_C(1) << 31; },
            [=] { d->kernel_w = INT64_MAX; },
            [=, &f] { d->batch = f.huge(); },
            [=] { d->batch = INT64_C(1) << 31; d->in_channels = d->groups * (INT64_C(1) << 30); }};
}

void gen_conv(Fuzzer& f, Case& c, int which) {
    Sizes sz;
    auto d = std::make_shared<anvil_conv2d_desc>(draw_desc(f, c, random_conv, wild_conv, conv_valid, &sz));
    const anvil_conv2d_desc D = *d;
    const int64_t OH = sz.oh, OW = sz.ow, nx = sz.x, nw = sz.w, ny = sz.y;
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_conv2d_desc);
    c.breakers = conv_breakers(f, d.get());
    const double tol = 1e-5 * std::sqrt((double)(nw + ny)) + 1e-6;
    if (which == 0) {
        const bool bias = f.chance(70);
        Bytes x = f.floats(nx);
        f.maybe_special(x);
        c.fn = "anvil_conv2d_forward";
        c.slots = {in("x", x), in("w", f.floats(nw)), bias ? in("bias", f.floats(c.refused ? 1 : D.out_channels)) : absent("bias"), out("y", f.floats(ny))};
        c.slots[2].must = false;
        c.disjoint = {{0, 3}, {1, 3}, {2, 3}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_conv2d_forward(ctx, static_cast<const anvil_conv2d_desc*>(desc), CF4(0), CF4(1), CF4(2), F4(3));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> y(ny, 0.0);
            for (int64_t i = 0; i < ny; ++i) y[i] = bias ? IN(2)[(i / (OH * OW)) % D.out_channels] : 0.0;
            test::conv2d_taps(D, OH, OW, [&](int64_t xi, int64_t wi, int64_t yi) { y[yi] += (double)IN(0)[xi] * IN(1)[wi]; });
            f.compare("anvil_conv2d_forward", "y", CF4(3), y, tol);
        };
    } else if (which == 1) {
        c.fn = "anvil_conv2d_backward_data";
        c.slots = {in("dy", f.floats(ny)), in("w", f.floats(nw)), out("dx", f.floats(nx))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_conv2d_backward_data(ctx, static_cast<const anvil_conv2d_desc*>(desc), CF4(0), CF4(1), F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> dx(nx, 0.0);
            test::conv2d_taps(D, OH, OW, [&](int64_t xi, int64_t wi, int64_t yi) { dx[xi] += (double)IN(0)[yi] * IN(1)[wi]; });
            f.compare("anvil_conv2d_backward_data", "dx", CF4(2), dx, tol);
        };
    } else if (which == 3) {
        auto bias = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
        // The ghost norm (method 1) refuses more than 16384 output positions, which a valid descriptor here may have.
        auto method = std::make_shared<int32_t>(OH * OW > (1 << 14) ? 0 : static_cast<int32_t>(f.below(2)));
        const int64_t B = c.refused ? 1 : D.batch;
        c.fn = "anvil_conv2d_per_sample_sq_norms";
        c.slots = {in("x", f.floats(nx)), in("dy", f.floats(ny)), out("sq", f.floats(B))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.breakers.push_back([=, &f] { *bias = f.chance(50) ? 2 : -1; });
        c.breakers.push_back([=, &f] { *method = f.chance(50) ? 2 : -1; });
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_conv2d_per_sample_sq_norms(ctx, static_cast<const anvil_conv2d_desc*>(desc), CF4(0), CF4(1), *bias, *method,
                                                    F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            const int64_t per_w = nw, per_y = ny / D.batch;
            std::vector<double> dw(D.batch * per_w, 0.0), db(D.batch * D.out_channels, 0.0), want(D.batch);
            test::conv2d_taps(D, OH, OW, [&](int64_t xi, int64_t wi, int64_t yi) {
                dw[(yi / per_y) * per_w + wi] += (double)IN(0)[xi] * IN(1)[yi];
            });
            for (int64_t i = 0; i < ny; ++i) db[i / (OH * OW)] += IN(1)[i];
            for (int64_t n = 0; n < D.batch; ++n) {
                want[n] = IN(2)[n];
                for (int64_t w = 0; w < per_w; ++w) want[n] += dw[n * per_w + w] * dw[n * per_w + w];
                for (int64_t o = 0; *bias && o < D.out_channels; ++o) want[n] += db[n * D.out_channels + o] * db[n * D.out_channels + o];
            }
            f.compare("anvil_conv2d_per_sample_sq_norms", "sq", CF4(2), want, tol * std::sqrt((double)(OH * OW)));
        };
    } else {
        const bool bias = f.chance(70);
        auto acc = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
        c.fn = "anvil_conv2d_backward_weight";
        c.slots = {in("x", f.floats(nx)), in("dy", f.floats(ny)), out("dw", f.floats(nw)), bias ? out("db", f.floats(c.refused ? 1 : D.out_channels)) : absent("db")};
        c.slots[3].must = false;
        c.disjoint = {{0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}};
        c.breakers.push_back([=, &f] { *acc = f.chance(50) ? 2 : -1; });
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_conv2d_backward_weight(ctx, static_cast<const anvil_conv2d_desc*>(desc), CF4(0), CF4(1), F4(2), F4(3), *acc);
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> dw(nw), db(D.out_channels, 0.0);
            for (int64_t i = 0; i < nw; ++i) dw[i] = *acc ? IN(2)[i] : 0.0;
            if (bias && *acc) for (int64_t o = 0; o < D.out_channels; ++o) db[o] = IN(3)[o];
            test::conv2d_taps(D, OH, OW, [&](int64_t xi, int64_t wi, int64_t yi) { dw[wi] += (double)IN(0)[xi] * IN(1)[yi]; });
            for (int64_t i = 0; i < ny; ++i) db[(i / (OH * OW)) % D.out_channels] += IN(1)[i];
            f.compare("anvil_conv2d_backward_weight", "dw", CF4(2), dw, tol);
            if (bias) f.compare("anvil_conv2d_backward_weight", "db", CF4(3), db, tol);
        };
    }
}

anvil_pool2d_desc random_pool(Fuzzer& f) {
    anvil_pool2d_desc d{};
    d.batch = f.range(1, 3);
    d.channels = f.range(1, 4);
    d.kernel_h = f.chance(5) ? 17 : f.range(1, 4);  // 17x17 > 256 positions: int32 argmax
    d.kernel_w = d.kernel_h == 17 ? 17 : f.range(1, 4);
    d.stride_h = f.range(1, 3);
    d.stride_w = f.range(1, 3);
    d.pad_h = f.range(0, d.kernel_h / 2);
    d.pad_w = f.range(0, d.kernel_w / 2);
    d.in_h = std::max<int64_t>(1, d.kernel_h - 2 * d.pad_h) + f.range(0, 8);
    d.in_w = std::max<int64_t>(1, d.kernel_w - 2 * d.pad_w) + f.range(0, 8);
    d.count_include_pad = static_cast<int32_t>(f.below(2));
    d.ceil_mode = static_cast<int32_t>(f.below(2));
    return d;
}

std::vector<std::function<void()>> pool_breakers(Fuzzer& f, anvil_pool2d_desc* d) {
    return {[=, &f] { d->batch = f.chance(50) ? 0 : f.negative(); },
            [=, &f] { d->channels = f.negative(); },
            [=] { d->stride_w = 0; },
            [=] { d->pad_h = d->kernel_h / 2 + 1; },
            [=] { d->kernel_w = d->in_w + 2 * d->pad_w + 1; },
            [=, &f] { d->count_include_pad = f.chance(50) ? 2 : -1; },
            [=, &f] { d->ceil_mode = f.chance(50) ? 7 : INT32_MIN; },
            [=] { d->in_h = INT64_C(1) << 16; d->in_w = INT64_C(1) << 15; },
            [=] { d->kernel_h = INT64_C(1) << 31; },
            [=, &f] { d->batch = f.huge(); },
            [=] { d->batch = INT64_C(1) << 31; d->channels = INT64_C(1) << 31; }};
}

void gen_pool(Fuzzer& f, Case& c, int which) {
    Sizes sz;
    auto d = std::make_shared<anvil_pool2d_desc>(draw_desc(f, c, random_pool, wild_pool, pool_valid, &sz));
    const anvil_pool2d_desc D = *d;
    const int64_t OH = sz.oh, OW = sz.ow, nx = sz.x, ny = sz.y;
    const int ib = c.refused == nullptr && D.kernel_h * D.kernel_w <= 256 ? 1 : 4;
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_pool2d_desc);
    c.breakers = pool_breakers(f, d.get());
    auto xi_of = [=](int64_t pl, int64_t h, int64_t w) { return (pl * D.in_h + h) * D.in_w + w; };
    if (which == 0) {  // max forward
        const bool with_argmax = f.chance(70);
        Bytes x = f.floats(nx);
        f.maybe_special(x);
        c.fn = "anvil_maxpool2d_forward";
        c.slots = {in("x", x), out("y", f.floats(ny)), with_argmax ? Slot{"argmax", ny, ib, true, false, f.zeros(ny, ib)} : absent("argmax")};
        c.disjoint = {{0, 1}, {0, 2}, {1, 2}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_maxpool2d_forward(ctx, static_cast<const anvil_pool2d_desc*>(desc), CF4(0), F4(1), p[2]);
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> y(ny);
            std::vector<int64_t> pos(ny);
            pool_visit(D, OH, OW, [&](int64_t pl, int64_t yi, int64_t hs, int64_t ws, int64_t he, int64_t we) {
                double best = -INFINITY;
                for (int64_t h = std::max<int64_t>(hs, 0); h < std::min(he, D.in_h); ++h)
                    for (int64_t w = std::max<int64_t>(ws, 0); w < std::min(we, D.in_w); ++w) {
                        if (IN(0)[xi_of(pl, h, w)] > best) {
                            best = IN(0)[xi_of(pl, h, w)];
                            pos[yi] = (h - hs) * D.kernel_w + (w - ws);
                        }
                    }
                y[yi] = best;
            });
            f.compare("anvil_maxpool2d_forward", "y", CF4(1), y, 0);
            if (!with_argmax || f.special) return;
            for (int64_t i = 0; i < ny; ++i) {
                const int64_t got = ib == 1 ? static_cast<const uint8_t*>(p[2])[i] : static_cast<const int32_t*>(p[2])[i];
                if (got != pos[i]) return f.fail("anvil_maxpool2d_forward", "argmax[%lld] = %lld, reference %lld", (long long)i, (long long)got, (long long)pos[i]);
            }
        };
    } else if (which == 1) {  // max backward from a random argmax: positions outside a window count nothing
        Bytes argmax(static_cast<size_t>(ny * ib));
        for (auto& b : argmax) b = static_cast<unsigned char>(f.below(256));
        if (c.refused != nullptr) {
            // Random bytes: the call is refused before they matter.
        } else if (ib == 4) {
            for (int64_t i = 0; i < ny; ++i) {
                int32_t v = f.chance(90) ? static_cast<int32_t>(f.below(D.kernel_h * D.kernel_w)) : static_cast<int32_t>(f.rng.next());
                std::memcpy(argmax.data() + 4 * i, &v, 4);
            }
        } else {
            for (auto& b : argmax) b = static_cast<unsigned char>(f.chance(90) ? f.below(D.kernel_h * D.kernel_w) : f.below(256));
        }
        c.fn = "anvil_maxpool2d_backward";
        c.slots = {in("dy", f.floats(ny)), Slot{"argmax", ny, ib, false, true, argmax}, out("dx", f.floats(nx))};
        c.disjoint = {{0, 2}, {1, 2}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_maxpool2d_backward(ctx, static_cast<const anvil_pool2d_desc*>(desc), CF4(0), p[1], F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> dx(nx, 0.0);
            pool_visit(D, OH, OW, [&](int64_t pl, int64_t yi, int64_t hs, int64_t ws, int64_t, int64_t) {
                int64_t pos;
                if (ib == 1) {
                    pos = before[1][yi];
                } else {
                    int32_t v;
                    std::memcpy(&v, before[1].data() + 4 * yi, 4);
                    pos = v;
                }
                if (pos < 0 || pos >= D.kernel_h * D.kernel_w) return;
                const int64_t h = hs + pos / D.kernel_w, w = ws + pos % D.kernel_w;
                if (h < 0 || h >= D.in_h || w < 0 || w >= D.in_w) return;
                dx[xi_of(pl, h, w)] += IN(0)[yi];
            });
            f.compare("anvil_maxpool2d_backward", "dx", CF4(2), dx, 1e-6);
        };
    } else {
        const bool backward = which == 3;
        auto divisor = [=](int64_t hs, int64_t ws, int64_t he, int64_t we) {
            if (D.count_include_pad) return (double)((he - hs) * (we - ws));
            return (double)((std::min(he, D.in_h) - std::max<int64_t>(hs, 0)) * (std::min(we, D.in_w) - std::max<int64_t>(ws, 0)));
        };
        if (!backward) {
            Bytes x = f.floats(nx);
            f.maybe_special(x);
            c.fn = "anvil_avgpool2d_forward";
            c.slots = {in("x", x), out("y", f.floats(ny))};
        } else {
            c.fn = "anvil_avgpool2d_backward";
            c.slots = {in("dy", f.floats(ny)), out("dx", f.floats(nx))};
        }
        c.disjoint = {{0, 1}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            auto dd = static_cast<const anvil_pool2d_desc*>(desc);
            return backward ? anvil_avgpool2d_backward(ctx, dd, CF4(0), F4(1)) : anvil_avgpool2d_forward(ctx, dd, CF4(0), F4(1));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> r(backward ? nx : ny, 0.0);
            pool_visit(D, OH, OW, [&](int64_t pl, int64_t yi, int64_t hs, int64_t ws, int64_t he, int64_t we) {
                const double div = divisor(hs, ws, he, we);
                for (int64_t h = std::max<int64_t>(hs, 0); h < std::min(he, D.in_h); ++h)
                    for (int64_t w = std::max<int64_t>(ws, 0); w < std::min(we, D.in_w); ++w) {
                        if (backward) {
                            r[xi_of(pl, h, w)] += IN(0)[yi] / div;
                        } else {
                            r[yi] += IN(0)[xi_of(pl, h, w)] / div;
                        }
                    }
            });
            f.compare(c.fn, backward ? "dx" : "y", CF4(1), r, 1e-5);
        };
    }
}

// Per-channel statistics of x [B, C, S] in double: mean and biased variance.
void channel_stats(const float* x, int64_t B, int64_t C, int64_t S, int64_t ch, double& mean, double& var) {
    double s = 0, q = 0;
    for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < S; ++i) s += x[(b * C + ch) * S + i];
    mean = s / (B * S);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < S; ++i) q += (x[(b * C + ch) * S + i] - mean) * (x[(b * C + ch) * S + i] - mean);
    var = q / (B * S);
}

// dx, dgamma and dbeta of a normalisation's backward pass (at out[0..2]) against the reference;
// dgamma NULL without an affine transform. dx sums over a whole group: a looser tolerance.
void compare_norm_grads(Fuzzer& f, const char* fn, void* const* out, const std::vector<double>& dx, const std::vector<double>* dg,
                        const std::vector<double>& db) {
    f.compare(fn, "dx", static_cast<const float*>(out[0]), dx, 1e-3);
    if (dg == nullptr) return;
    f.compare(fn, "dgamma", static_cast<const float*>(out[1]), *dg, 1e-4);
    f.compare(fn, "dbeta", static_cast<const float*>(out[2]), db, 1e-4);
}

// add_relu: the calls with the residual addition fused before the ReLU (relu 1), whose residual
// (forward) and dresidual (backward) come last among the slots. With relu the forward pass writes
// the ReLU's mask (optional) and the backward pass reads it.
void gen_batchnorm(Fuzzer& f, Case& c, bool backward, bool add_relu) {
    auto d = std::make_shared<anvil_batchnorm_desc>();
    d->batch = f.range(1, 4);
    d->channels = f.range(1, 5);
    d->spatial = f.range(1, 12);
    d->eps = f.rng.uniform(1e-5f, 1e-2f);
    d->momentum = f.rng.uniform(0, 1);
    d->training = d->batch * d->spatial > 1 ? static_cast<int32_t>(f.below(2)) : 0;
    d->relu = add_relu ? 1 : static_cast<int32_t>(f.below(2));
    const anvil_batchnorm_desc D = *d;
    const int64_t C = D.channels, n = D.batch * C * D.spatial, M = D.batch * D.spatial;
    const bool affine = f.chance(70), running = !D.training || f.chance(70);
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_batchnorm_desc);
    c.breakers = {[=, &f] { d->batch = f.negative(); }, [=] { d->channels = 0; }, [=, &f] { d->spatial = f.huge(); },
                  [=] { d->channels = INT64_C(1) << 31; }, [=, &f] { d->eps = f.chance(50) ? -1.0f : f.nonfinite(); },
                  [=, &f] { d->momentum = f.bad_unit(); }, [=, &f] { d->training = f.chance(50) ? 2 : -1; },
                  [=] { d->relu = 3; }};
    if (D.training) c.breakers.push_back([=] { d->batch = 1; d->spatial = 1; });
    if (add_relu) c.breakers.push_back([=] { d->relu = 0; });
    Bytes x = f.floats(n), residual = f.floats(n);
    // Reference statistics: the batch's in training, the running ones in evaluation.
    Bytes rm = f.floats(C), rv = f.floats(C, 0.1f, 2.0f), gamma = f.floats(C), beta = f.floats(C);
    std::vector<double> mean(C), invstd(C), var(C);
    for (int64_t ch = 0; ch < C; ++ch) {
        if (D.training) {
            channel_stats(as<float>(x), D.batch, C, D.spatial, ch, mean[ch], var[ch]);
        } else {
            mean[ch] = as<float>(rm)[ch];
            var[ch] = as<float>(rv)[ch];
        }
        invstd[ch] = 1 / std::sqrt(var[ch] + D.eps);
    }
    // r: the residual added before the ReLU (the fused calls), or none.
    auto y_of = [=](const float* xs, const float* r, const float* g, const float* b, int64_t i) {
        const int64_t ch = (i / D.spatial) % C;
        double y = (xs[i] - mean[ch]) * invstd[ch] * (g ? g[ch] : 1.0) + (b ? b[ch] : 0.0) + (r ? r[i] : 0.0);
        return D.relu ? std::max(y, 0.0) : y;
    };
    // The ReLU's mask: 16-bit words per run of `spatial` elements, runs channel by channel, bit
    // s % 16 of word s / 16 of a run.
    const int64_t run_words = (D.spatial + 15) / 16, mask_words = D.batch * C * run_words;
    auto mask_word = [=](int64_t i) {
        const int64_t n = i / D.spatial / C, ch = i / D.spatial % C, s = i % D.spatial;
        return (ch * D.batch + n) * run_words + s / 16;
    };
    auto mask_bit = [=](const unsigned char* mask, int64_t i) {
        return (reinterpret_cast<const uint16_t*>(mask)[mask_word(i)] >> (i % D.spatial % 16) & 1u) != 0;
    };
    if (!backward) {
        f.maybe_special(x);
        c.fn = add_relu ? "anvil_batchnorm_add_relu_forward" : "anvil_batchnorm_forward";
        c.slots = {in("x", x), affine ? in("gamma", gamma) : absent("gamma"), affine ? in("beta", beta) : absent("beta"),
                   running ? out("running_mean", rm) : absent("running_mean"), running ? out("running_var", rv) : absent("running_var"),
                   out("save_mean", f.floats(C)), out("save_invstd", f.floats(C)), out("y", f.floats(n)),
                   D.relu ? Slot{"relu_mask", mask_words, 2, true, false, f.zeros(mask_words, 2)} : absent("relu_mask")};
        c.slots[3].must = c.slots[4].must = running;  // one of the pair alone is refused
        c.slots[3].state = c.slots[4].state = true;
        c.disjoint = {{7, 0}, {7, 1}, {7, 2}, {7, 3}, {7, 4}, {7, 5}, {7, 6}, {5, 0}, {5, 6}, {6, 1}, {3, 4}, {3, 0}, {4, 2}};
        for (int other = 0; other < 8; ++other) c.disjoint.push_back({8, other});
        if (add_relu) {
            c.slots.push_back(in("residual", residual));
            c.disjoint.push_back({7, 9});
            c.disjoint.push_back({8, 9});
        }
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            const auto* dd = static_cast<const anvil_batchnorm_desc*>(desc);
            if (add_relu) {
                return anvil_batchnorm_add_relu_forward(ctx, dd, CF4(0), CF4(9), CF4(1), CF4(2), F4(3), F4(4), F4(5), F4(6), F4(7),
                                                        p[8]);
            }
            return anvil_batchnorm_forward(ctx, dd, CF4(0), CF4(1), CF4(2), F4(3), F4(4), F4(5), F4(6), F4(7), p[8]);
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> y(n), sm(mean), si(invstd), nrm(C), nrv(C);
            for (int64_t i = 0; i < n; ++i) {
                y[i] = y_of(IN(0), add_relu ? IN(9) : nullptr, affine ? IN(1) : nullptr, affine ? IN(2) : nullptr, i);
            }
            for (int64_t ch = 0; ch < C; ++ch) {
                const double m = D.momentum;
                nrm[ch] = D.training ? (1 - m) * as<float>(rm)[ch] + m * mean[ch] : as<float>(rm)[ch];
                nrv[ch] = D.training ? (1 - m) * as<float>(rv)[ch] + m * var[ch] * M / (M - 1) : as<float>(rv)[ch];
            }
            const char* fn = add_relu ? "anvil_batchnorm_add_relu_forward" : "anvil_batchnorm_forward";
            f.compare(fn, "y", CF4(7), y, 2e-4);
            if (p[8] != nullptr) {
                // The bits against the call's own y (the reference's may round to the other side of 0).
                bool agrees = true;
                for (int64_t i = 0; i < n; ++i) agrees = agrees && mask_bit(static_cast<const unsigned char*>(p[8]), i) == !(CF4(7)[i] <= 0.0f);
                for (int64_t w = 0; w < mask_words; ++w) {
                    const int64_t used = std::min<int64_t>(16, D.spatial - w % run_words * 16);
                    agrees = agrees && (static_cast<const uint16_t*>(p[8])[w] >> used) == 0;  // no bits past a run
                }
                if (!agrees) f.fail(fn, "relu_mask: a bit not set exactly where y > 0 or NaN");
            }
            f.compare(fn, "save_mean", CF4(5), sm, 1e-5);
            f.compare(fn, "save_invstd", CF4(6), si, 2e-4);
            if (running) {
                f.compare(fn, "running_mean", CF4(3), nrm, 1e-5);
                f.compare(fn, "running_var", CF4(4), nrv, 1e-4);
            }
        };
        return;
    }
    // Backward from the reference's statistics and output.
    Bytes sm = f.zeros(C), si = f.zeros(C), y = f.zeros(n), mask = f.zeros(mask_words, 2);
    for (int64_t ch = 0; ch < C; ++ch) {
        reinterpret_cast<float*>(sm.data())[ch] = static_cast<float>(mean[ch]);
        reinterpret_cast<float*>(si.data())[ch] = static_cast<float>(invstd[ch]);
    }
    for (int64_t i = 0; i < n; ++i) {
        reinterpret_cast<float*>(y.data())[i] = static_cast<float>(y_of(as<float>(x), add_relu ? as<float>(residual) : nullptr,
                                                                        affine ? as<float>(gamma) : nullptr,
                                                                        affine ? as<float>(beta) : nullptr, i));
        if (as<float>(y)[i] > 0.0f) {
            reinterpret_cast<uint16_t*>(mask.data())[mask_word(i)] |= static_cast<uint16_t>(1u << (i % D.spatial % 16));
        }
    }
    auto acc = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
    c.fn = add_relu ? "anvil_batchnorm_add_relu_backward" : "anvil_batchnorm_backward";
    c.slots = {in("x", x), D.relu ? Slot{"relu_mask", mask_words, 2, false, true, mask} : absent("relu_mask"), in("dy", f.floats(n)),
               affine ? in("gamma", gamma) : absent("gamma"),
               in("save_mean", sm), in("save_invstd", si), out("dx", f.floats(n)),
               affine ? out("dgamma", f.floats(C)) : absent("dgamma"), affine ? out("dbeta", f.floats(C)) : absent("dbeta")};
    c.disjoint = {{6, 0}, {6, 1}, {6, 2}, {6, 3}, {6, 4}, {6, 5}, {6, 7}, {6, 8}, {7, 8}, {7, 2}, {8, 0}};
    if (add_relu) {
        c.slots.push_back(out("dresidual", f.floats(n)));
        for (int other : {0, 1, 2, 3, 4, 5, 6, 7, 8}) c.disjoint.push_back({9, other});
    }
    c.breakers.push_back([=, &f] { *acc = f.chance(50) ? 2 : -1; });
    c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
        const auto* dd = static_cast<const anvil_batchnorm_desc*>(desc);
        if (add_relu) {
            return anvil_batchnorm_add_relu_backward(ctx, dd, CF4(0), p[1], CF4(2), CF4(3), CF4(4), CF4(5), F4(6), F4(9), F4(7),
                                                     F4(8), *acc);
        }
        return anvil_batchnorm_backward(ctx, dd, CF4(0), p[1], CF4(2), CF4(3), CF4(4), CF4(5), F4(6), F4(7), F4(8), *acc);
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> dx(n), dg(C), db(C);
        for (int64_t ch = 0; ch < C; ++ch) {
            const double mu = IN(4)[ch], is = IN(5)[ch], g = affine ? IN(3)[ch] : 1.0;
            double sdy = 0, sdyx = 0;
            auto g_dy = [&](int64_t i) { return D.relu && !mask_bit(before[1].data(), i) ? 0.0 : (double)IN(2)[i]; };
            for (int64_t b = 0; b < D.batch; ++b)
                for (int64_t s = 0; s < D.spatial; ++s) {
                    const int64_t i = (b * C + ch) * D.spatial + s;
                    sdy += g_dy(i);
                    sdyx += g_dy(i) * (IN(0)[i] - mu) * is;
                }
            for (int64_t b = 0; b < D.batch; ++b)
                for (int64_t s = 0; s < D.spatial; ++s) {
                    const int64_t i = (b * C + ch) * D.spatial + s;
                    const double xh = (IN(0)[i] - mu) * is;
                    dx[i] = D.training ? g * is * (g_dy(i) - sdy / M - xh * sdyx / M) : g_dy(i) * g * is;
                }
            dg[ch] = sdyx + (*acc && affine ? IN(7)[ch] : 0.0);
            db[ch] = sdy + (*acc && affine ? IN(8)[ch] : 0.0);
        }
        const char* fn = add_relu ? "anvil_batchnorm_add_relu_backward" : "anvil_batchnorm_backward";
        compare_norm_grads(f, fn, p + 6, dx, affine ? &dg : nullptr, db);
        if (add_relu) {
            std::vector<double> dres(n);
            for (int64_t i = 0; i < n; ++i) dres[i] = mask_bit(before[1].data(), i) ? IN(2)[i] : 0.0;
            f.compare(fn, "dresidual", CF4(9), dres, 0);
        }
    };
}

// which: 0 forward, 1 backward, 2 per-sample squared norms.
void gen_groupnorm(Fuzzer& f, Case& c, int which) {
    auto d = std::make_shared<anvil_groupnorm_desc>();
    d->groups = f.range(1, 3);
    d->batch = f.range(1, 3);
    d->channels = d->groups * f.range(1, 3);
    d->spatial = f.range(1, 10);
    d->eps = f.rng.uniform(1e-5f, 1e-2f);
    const anvil_groupnorm_desc D = *d;
    const int64_t C = D.channels, G = D.groups, n = D.batch * C * D.spatial, cg = C / G, M = cg * D.spatial;
    const bool affine = f.chance(70);
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_groupnorm_desc);
    c.breakers = {[=, &f] { d->batch = f.negative(); }, [=] { d->groups = 0; }, [=] { d->groups = d->channels + 1; },
                  [=, &f] { d->spatial = f.huge(); }, [=, &f] { d->eps = f.chance(50) ? -1.0f : f.nonfinite(); },
                  [=] { d->channels = INT64_C(1) << 31; d->groups = 1; }};
    Bytes x = f.floats(n), gamma = f.floats(C), beta = f.floats(C);
    std::vector<double> mean(D.batch * G), invstd(D.batch * G);
    for (int64_t b = 0; b < D.batch; ++b)
        for (int64_t g = 0; g < G; ++g) {
            const float* xs = as<float>(x) + (b * C + g * cg) * D.spatial;
            double s = 0, q = 0;
            for (int64_t i = 0; i < M; ++i) s += xs[i];
            const double mu = s / M;
            for (int64_t i = 0; i < M; ++i) q += (xs[i] - mu) * (xs[i] - mu);
            mean[b * G + g] = mu;
            invstd[b * G + g] = 1 / std::sqrt(q / M + D.eps);
        }
    auto group_of = [=](int64_t i) { return (i / (D.spatial * C)) * G + ((i / D.spatial) % C) / cg; };
    if (which == 2) {
        c.fn = "anvil_groupnorm_per_sample_sq_norms";
        c.slots = {in("x", x), in("dy", f.floats(n)), out("sq", f.floats(D.batch))};
        c.disjoint = {{2, 0}, {2, 1}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_groupnorm_per_sample_sq_norms(ctx, static_cast<const anvil_groupnorm_desc*>(desc), CF4(0), CF4(1), F4(2));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> dg(D.batch * C, 0.0), db(D.batch * C, 0.0), want(D.batch);
            for (int64_t i = 0; i < n; ++i) {
                const int64_t bc = i / D.spatial, g = group_of(i);
                dg[bc] += IN(1)[i] * (IN(0)[i] - mean[g]) * invstd[g];
                db[bc] += IN(1)[i];
            }
            for (int64_t b = 0; b < D.batch; ++b) {
                want[b] = IN(2)[b];
                for (int64_t ch = 0; ch < C; ++ch) want[b] += dg[b * C + ch] * dg[b * C + ch] + db[b * C + ch] * db[b * C + ch];
            }
            f.compare("anvil_groupnorm_per_sample_sq_norms", "sq", CF4(2), want, 1e-4 * (double)M + 1e-6);
        };
        return;
    }
    if (which == 0) {
        f.maybe_special(x);
        c.fn = "anvil_groupnorm_forward";
        c.slots = {in("x", x), affine ? in("gamma", gamma) : absent("gamma"), affine ? in("beta", beta) : absent("beta"),
                   out("save_mean", f.floats(D.batch * G)), out("save_invstd", f.floats(D.batch * G)), out("y", f.floats(n))};
        c.disjoint = {{5, 0}, {5, 1}, {5, 2}, {5, 3}, {5, 4}, {3, 4}, {3, 0}, {4, 1}};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_groupnorm_forward(ctx, static_cast<const anvil_groupnorm_desc*>(desc), CF4(0), CF4(1), CF4(2), F4(3), F4(4), F4(5));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> y(n);
            for (int64_t i = 0; i < n; ++i) {
                const int64_t ch = (i / D.spatial) % C, g = group_of(i);
                y[i] = (IN(0)[i] - mean[g]) * invstd[g] * (affine ? IN(1)[ch] : 1.0) + (affine ? IN(2)[ch] : 0.0);
            }
            f.compare("anvil_groupnorm_forward", "y", CF4(5), y, 2e-4);
            f.compare("anvil_groupnorm_forward", "save_mean", CF4(3), mean, 1e-5);
            f.compare("anvil_groupnorm_forward", "save_invstd", CF4(4), invstd, 2e-4);
        };
        return;
    }
    Bytes sm = f.zeros(D.batch * G), si = f.zeros(D.batch * G);
    for (int64_t i = 0; i < D.batch * G; ++i) {
        reinterpret_cast<float*>(sm.data())[i] = static_cast<float>(mean[i]);
        reinterpret_cast<float*>(si.data())[i] = static_cast<float>(invstd[i]);
    }
    auto acc = std::make_shared<int32_t>(static_cast<int32_t>(f.below(2)));
    c.fn = "anvil_groupnorm_backward";
    c.slots = {in("x", x), in("dy", f.floats(n)), affine ? in("gamma", gamma) : absent("gamma"), in("save_mean", sm), in("save_invstd", si),
               out("dx", f.floats(n)), affine ? out("dgamma", f.floats(C)) : absent("dgamma"), affine ? out("dbeta", f.floats(C)) : absent("dbeta")};
    c.disjoint = {{5, 0}, {5, 1}, {5, 2}, {5, 3}, {5, 4}, {5, 6}, {5, 7}, {6, 7}, {6, 1}, {7, 0}};
    c.breakers.push_back([=, &f] { *acc = f.chance(50) ? 2 : -1; });
    c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
        return anvil_groupnorm_backward(ctx, static_cast<const anvil_groupnorm_desc*>(desc), CF4(0), CF4(1), CF4(2), CF4(3), CF4(4), F4(5),
                                        F4(6), F4(7), *acc);
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> dx(n), dg(C, 0.0), db(C, 0.0), s1(D.batch * G, 0.0), s2(D.batch * G, 0.0);
        auto gam = [&](int64_t ch) { return affine ? (double)IN(2)[ch] : 1.0; };
        for (int64_t i = 0; i < n; ++i) {
            const int64_t ch = (i / D.spatial) % C, g = group_of(i);
            const double xh = (IN(0)[i] - IN(3)[g]) * IN(4)[g], gdy = gam(ch) * IN(1)[i];
            s1[g] += gdy;
            s2[g] += gdy * xh;
            dg[ch] += IN(1)[i] * xh;
            db[ch] += IN(1)[i];
        }
        for (int64_t i = 0; i < n; ++i) {
            const int64_t ch = (i / D.spatial) % C, g = group_of(i);
            const double xh = (IN(0)[i] - IN(3)[g]) * IN(4)[g];
            dx[i] = IN(4)[g] * (gam(ch) * IN(1)[i] - s1[g] / M - xh * s2[g] / M);
        }
        if (*acc && affine) {
            for (int64_t ch = 0; ch < C; ++ch) {
                dg[ch] += IN(6)[ch];
                db[ch] += IN(7)[ch];
            }
        }
        compare_norm_grads(f, "anvil_groupnorm_backward", p + 5, dx, affine ? &dg : nullptr, db);
    };
}

void gen_cross_entropy(Fuzzer& f, Case& c, bool backward) {
    auto d = std::make_shared<anvil_cross_entropy_desc>();
    d->batch = f.range(1, 12);
    d->classes = f.range(1, 20);
    d->label_smoothing = f.chance(50) ? 0.0f : f.rng.uniform(0, 1);
    d->ignore_index = f.chance(50) ? -100 : static_cast<int32_t>(f.range(0, d->classes - 1));
    const anvil_cross_entropy_desc D = *d;
    const int64_t B = D.batch, K = D.classes;
    Bytes labels(static_cast<size_t>(B) * 4);
    for (int64_t b = 0; b < B; ++b) {
        int32_t l = f.chance(10) ? D.ignore_index : static_cast<int32_t>(f.range(0, K - 1));
        std::memcpy(labels.data() + 4 * b, &l, 4);
    }
    const bool weighted = f.chance(50);
    Bytes logits = f.floats(B * K, -4, 4);
    if (!backward) f.maybe_special(logits);
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_cross_entropy_desc);
    c.breakers = {[=, &f] { d->batch = f.negative(); }, [=] { d->classes = 0; }, [=] { d->classes = INT64_C(1) << 31; },
                  [=, &f] { d->batch = f.huge(); }, [=, &f] { d->label_smoothing = f.bad_unit(); }};
    // A label out of range is found by the kernel, maybe after it wrote some rows of dlogits.
    auto bad_label = std::make_shared<bool>(false);
    c.breaks_output = [=] { return *bad_label; };
    c.breakers.push_back([=, &f, &c] {
        *bad_label = true;
        int32_t l = f.chance(50) ? static_cast<int32_t>(K + f.below(3)) : -1 - static_cast<int32_t>(f.below(3));
        if (l == d->ignore_index) l = static_cast<int32_t>(K);
        std::memcpy(c.slots[1].init.data() + 4 * f.below(B), &l, 4);
    });
    // Reference: per sample, log-softmax; loss and gradient as anvil.h defines them.
    auto reference = [=](const float* x, const int32_t* lab, const float* w, double& loss, std::vector<double>* grad, double scale) {
        const double s = D.label_smoothing;
        double num = 0, W = 0;
        std::vector<std::vector<double>> p(B, std::vector<double>(K));
        for (int64_t b = 0; b < B; ++b) {
            const float* r = x + b * K;
            double m = -INFINITY, z = 0;
            for (int64_t k = 0; k < K; ++k) m = std::max(m, (double)r[k]);
            for (int64_t k = 0; k < K; ++k) z += std::exp(r[k] - m);
            for (int64_t k = 0; k < K; ++k) p[b][k] = r[k] - m - std::log(z);
            if (lab[b] == D.ignore_index) continue;
            const double wl = w ? w[lab[b]] : 1.0;
            W += wl;
            double smooth = 0;
            for (int64_t k = 0; k < K; ++k) smooth += (w ? w[k] : 1.0) * -p[b][k];
            num += (1 - s) * wl * -p[b][lab[b]] + s / K * smooth;
        }
        loss = num / W;
        if (!grad) return;
        grad->assign(B * K, 0.0);
        if (W == 0) return;
        double sumw = 0;
        for (int64_t k = 0; k < K; ++k) sumw += w ? w[k] : 1.0;
        for (int64_t b = 0; b < B; ++b) {
            if (lab[b] == D.ignore_index) continue;
            const double wl = w ? w[lab[b]] : 1.0;
            for (int64_t k = 0; k < K; ++k) {
                const double pk = std::exp(p[b][k]);
                (*grad)[b * K + k] = scale / W * ((1 - s) * wl * (pk - (k == lab[b])) + s / K * (pk * sumw - (w ? w[k] : 1.0)));
            }
        }
    };
    Slot lab{"labels", B, 4, false, true, labels};
    Slot weight = weighted ? in("weight", f.floats(K, 0, 2)) : absent("weight");
    weight.must = false;
    if (!backward) {
        c.fn = "anvil_softmax_cross_entropy_forward";
        c.slots = {in("logits", logits), lab, weight, out("loss", f.floats(1))};
        c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
            return anvil_softmax_cross_entropy_forward(ctx, static_cast<const anvil_cross_entropy_desc*>(desc), CF4(0),
                                                       static_cast<const int32_t*>(p[1]), CF4(2), F4(3));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            double loss;
            reference(IN(0), as<int32_t>(before[1]), weighted ? IN(2) : nullptr, loss, nullptr, 1);
            f.compare("anvil_softmax_cross_entropy_forward", "loss", CF4(3), {loss}, 1e-5);
        };
        return;
    }
    auto scale = std::make_shared<float>(f.rng.uniform(-2, 2));
    c.fn = "anvil_softmax_cross_entropy_backward";
    c.slots = {in("logits", logits), lab, weight, out("dlogits", f.floats(B * K))};
    c.disjoint = {{0, 3}, {1, 3}, {2, 3}};
    c.may_alias = {{0, 3}};
    c.breakers.push_back([=, &f] { *scale = f.nonfinite(); });
    c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
        return anvil_softmax_cross_entropy_backward(ctx, static_cast<const anvil_cross_entropy_desc*>(desc), CF4(0),
                                                    static_cast<const int32_t*>(p[1]), CF4(2), *scale, F4(3));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        double loss;
        std::vector<double> grad;
        reference(IN(0), as<int32_t>(before[1]), weighted ? IN(2) : nullptr, loss, &grad, *scale);
        f.compare("anvil_softmax_cross_entropy_backward", "dlogits", CF4(3), grad, 1e-5);
    };
}

double loss_ref(int32_t kind, double param, double x, double t, double* grad) {
    const double d = x - t;
    switch (kind) {
        case ANVIL_LOSS_MSE: *grad = 2 * d; return d * d;
        case ANVIL_LOSS_L1: *grad = d > 0 ? 1 : d < 0 ? -1 : 0; return std::fabs(d);
        case ANVIL_LOSS_SMOOTH_L1:
            *grad = std::fabs(d) < param ? d / param : (d > 0 ? 1 : -1);
            return std::fabs(d) < param ? d * d / (2 * param) : std::fabs(d) - param / 2;
        case ANVIL_LOSS_HUBER:
            *grad = std::fabs(d) < param ? d : param * (d > 0 ? 1 : -1);
            return std::fabs(d) < param ? d * d / 2 : param * (std::fabs(d) - param / 2);
        default:
            *grad = 1 / (1 + std::exp(-x)) - t;
            return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
    }
}

void gen_loss(Fuzzer& f, Case& c, bool backward) {
    auto n = std::make_shared<int64_t>(f.range(1, 300));
    auto kind = std::make_shared<int32_t>(static_cast<int32_t>(f.below(5)));
    auto param = std::make_shared<float>(f.rng.uniform(0.1f, 2));
    auto scale = std::make_shared<float>(f.rng.uniform(-2, 2));
    Bytes x = f.floats(*n), t = *kind == ANVIL_LOSS_BCE_WITH_LOGITS ? f.floats(*n, 0, 1) : f.floats(*n);
    c.breakers = {[=, &f] { *n = f.chance(50) ? 0 : f.negative(); }, [=, &f] { *kind = f.chance(50) ? 5 : -1; }};
    if (*kind == ANVIL_LOSS_SMOOTH_L1 || *kind == ANVIL_LOSS_HUBER) {
        c.breakers.push_back([=, &f] { *param = f.chance(50) ? -f.rng.uniform(0, 1) : f.nonfinite(); });
    }
    if (!backward) {
        f.maybe_special(x);
        c.fn = "anvil_loss_forward";
        c.slots = {in("x", x), in("target", t), out("loss", f.floats(1))};
        c.invoke = [=](anvil_context* ctx, const void*, void* const* p) { return anvil_loss_forward(ctx, *kind, *param, *n, CF4(0), CF4(1), F4(2)); };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            double sum = 0, g;
            for (int64_t i = 0; i < *n; ++i) sum += loss_ref(*kind, *param, IN(0)[i], IN(1)[i], &g);
            f.compare("anvil_loss_forward", "loss", CF4(2), {sum / *n}, 1e-5);
        };
        return;
    }
    c.fn = "anvil_loss_backward";
    c.slots = {in("x", x), in("target", t), out("dx", f.floats(*n))};
    c.disjoint = {{0, 2}, {1, 2}};
    c.breakers.push_back([=, &f] { *scale = f.nonfinite(); });
    c.invoke = [=](anvil_context* ctx, const void*, void* const* p) {
        return anvil_loss_backward(ctx, *kind, *param, *n, CF4(0), CF4(1), *scale, F4(2));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(*n);
        for (int64_t i = 0; i < *n; ++i) {
            double g;
            loss_ref(*kind, *param, IN(0)[i], IN(1)[i], &g);
            want[i] = *scale * g / *n;
        }
        f.compare("anvil_loss_backward", "dx", CF4(2), want, 1e-5);
    };
}

void gen_sgd(Fuzzer& f, Case& c) {
    auto d = std::make_shared<anvil_sgd_desc>();
    d->lr = f.rng.uniform(0, 0.5f);
    d->momentum = f.chance(30) ? 0.0f : f.rng.uniform(0, 0.99f);
    d->nesterov = d->momentum > 0 && f.chance(30);
    d->dampening = d->nesterov ? 0.0f : f.rng.uniform(0, 1);
    d->weight_decay = f.chance(50) ? 0.0f : f.rng.uniform(0, 0.1f);
    const anvil_sgd_desc D = *d;
    auto step = std::make_shared<int64_t>(f.range(1, 4));
    auto n = std::make_shared<int64_t>(f.count());
    const bool velocity = D.momentum != 0 || f.chance(50);
    c.fn = "anvil_sgd_step";
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_sgd_desc);
    c.slots = {out("param", f.floats(*n)), in("grad", f.floats(*n)), velocity ? out("velocity", f.floats(*n)) : absent("velocity")};
    c.slots[2].must = D.momentum != 0;
    c.disjoint = {{0, 1}};
    if (D.momentum != 0) c.disjoint.insert(c.disjoint.end(), {{0, 2}, {1, 2}});
    c.breakers = {[=, &f] { *n = f.negative(); }, [=, &f] { *step = f.chance(50) ? 0 : f.negative(); },
                  [=, &f] { d->lr = f.chance(50) ? -0.1f : f.nonfinite(); }, [=] { d->momentum = -1; },
                  [=, &f] { d->dampening = f.bad_unit(); }, [=] { d->nesterov = 2; },
                  [=] { d->nesterov = 1; d->momentum = 0.5f; d->dampening = 0.5f; }, [=, &f] { d->weight_decay = f.nonfinite(); }};
    c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
        return anvil_sgd_step(ctx, static_cast<const anvil_sgd_desc*>(desc), *step, *n, F4(0), CF4(1), F4(2));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> pw(*n), vw(*n);
        for (int64_t i = 0; i < *n; ++i) {
            double g = IN(1)[i] + (double)D.weight_decay * IN(0)[i];
            if (D.momentum != 0) {
                const double v = *step == 1 ? g : D.momentum * (double)IN(2)[i] + (1 - (double)D.dampening) * g;
                vw[i] = v;
                g = D.nesterov ? g + D.momentum * v : v;
            }
            pw[i] = IN(0)[i] - (double)D.lr * g;
        }
        f.compare("anvil_sgd_step", "param", CF4(0), pw, 1e-5);
        if (D.momentum != 0) f.compare("anvil_sgd_step", "velocity", CF4(2), vw, 1e-5);
    };
}

void gen_adam(Fuzzer& f, Case& c) {
    auto d = std::make_shared<anvil_adam_desc>();
    d->lr = f.rng.uniform(0, 0.1f);
    d->beta1 = f.rng.uniform(0, 0.99f);
    d->beta2 = f.rng.uniform(0.5f, 0.9999f);
    d->eps = f.rng.uniform(1e-8f, 1e-3f);
    d->weight_decay = f.chance(50) ? 0.0f : f.rng.uniform(0, 0.1f);
    d->decoupled = static_cast<int32_t>(f.below(2));
    const anvil_adam_desc D = *d;
    auto step = std::make_shared<int64_t>(f.range(1, 5));
    auto n = std::make_shared<int64_t>(f.count());
    c.fn = "anvil_adam_step";
    c.desc = d.get();
    c.keep = d;
    c.desc_size = sizeof(anvil_adam_desc);
    c.slots = {out("param", f.floats(*n)), in("grad", f.floats(*n)), out("m", f.floats(*n)), out("v", f.floats(*n, 0, 1))};
    c.disjoint = {{0, 1}, {0, 2}, {0, 3}, {2, 3}, {1, 2}, {1, 3}};
    c.breakers = {[=, &f] { *n = f.negative(); }, [=] { *step = 0; }, [=, &f] { d->lr = f.nonfinite(); },
                  [=, &f] { d->beta1 = f.bad_probability(); }, [=] { d->beta2 = 1; }, [=, &f] { d->eps = f.chance(50) ? 0.0f : f.nonfinite(); },
                  [=] { d->decoupled = -1; }, [=] { d->weight_decay = -1; }};
    c.invoke = [=](anvil_context* ctx, const void* desc, void* const* p) {
        return anvil_adam_step(ctx, static_cast<const anvil_adam_desc*>(desc), *step, *n, F4(0), CF4(1), F4(2), F4(3));
    };
    // PyTorch's Adam/AdamW (torch.optim, foreach=False) in double.
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> pw(*n), mw(*n), vw(*n);
        const double b1 = D.beta1, b2 = D.beta2, lr = D.lr, wd = D.weight_decay;
        for (int64_t i = 0; i < *n; ++i) {
            double pr = IN(0)[i], g = IN(1)[i];
            if (D.decoupled) {
                pr -= lr * wd * pr;
            } else {
                g += wd * pr;
            }
            const double m = b1 * IN(2)[i] + (1 - b1) * g, v = b2 * IN(3)[i] + (1 - b2) * g * g;
            const double bc1 = 1 - std::pow(b1, (double)*step), bc2 = 1 - std::pow(b2, (double)*step);
            pw[i] = pr - lr / bc1 * m / (std::sqrt(v) / std::sqrt(bc2) + D.eps);
            mw[i] = m;
            vw[i] = v;
        }
        f.compare("anvil_adam_step", "param", CF4(0), pw, 1e-5);
        f.compare("anvil_adam_step", "m", CF4(2), mw, 1e-5);
        f.compare("anvil_adam_step", "v", CF4(3), vw, 1e-5);
    };
}

void gen_plugin_op(Fuzzer& f, Case& c, bool backward) {
    auto rank = std::make_shared<int32_t>(static_cast<int32_t>(f.range(1, 3)));
    auto shape = std::make_shared<std::vector<int64_t>>(8, 1);
    int64_t n = 1;
    for (int32_t i = 0; i < *rank; ++i) n *= ((*shape)[i] = f.range(1, 6));
    auto slope = std::make_shared<float>(f.rng.uniform(0, 1));
    auto op = std::make_shared<int32_t>(0);
    auto num_params = std::make_shared<int32_t>(1);
    auto plugin = std::make_shared<const anvil_plugin*>(f.plugin);
    c.breakers = {[=, &f] { *rank = f.chance(50) ? 0 : 9 + static_cast<int32_t>(f.below(5)); },
                  [=, &f] { (*shape)[f.below(*rank)] = f.chance(50) ? 0 : f.negative(); },
                  [=] { *num_params = 2; }, [=] { *num_params = 0; },
                  [=, &f] { *op = f.chance(50) ? 1 : -1; }, [=] { *plugin = nullptr; },
                  [=, &f] { *slope = f.chance(50) ? -1.0f : f.nonfinite(); },  // the plug-in's own check
                  [=, &f] { (*shape)[0] = f.huge(); }};
    // The shape array travels as the descriptor does: NULL now and then, or stored in the output.
    c.keep = shape;
    c.desc = shape->data();
    c.desc_size = 8 * sizeof(int64_t);
    Bytes x = f.floats(n);
    Bytes y = f.zeros(n);
    const float s0 = *slope;
    for (int64_t i = 0; i < n; ++i) {
        const float v = as<float>(x)[i];
        reinterpret_cast<float*>(y.data())[i] = v > 0 ? v : s0 * v;
    }
    if (!backward) {
        c.fn = "anvil_plugin_op_forward";
        c.slots = {in("x", x), out("y", f.floats(n))};
        c.disjoint = {{0, 1}};
        c.invoke = [=](anvil_context* ctx, const void* dims, void* const* p) {
            return anvil_plugin_op_forward(ctx, *plugin, *op, static_cast<const int64_t*>(dims), *rank, slope.get(), *num_params, CF4(0), F4(1));
        };
        c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
            std::vector<double> want(n);
            for (int64_t i = 0; i < n; ++i) want[i] = as<float>(y)[i];
            f.compare("anvil_plugin_op_forward", "y", CF4(1), want, 0);
        };
        return;
    }
    c.fn = "anvil_plugin_op_backward";
    c.slots = {in("x", x), in("y", y), in("dy", f.floats(n)), out("dx", f.floats(n))};
    c.disjoint = {{0, 3}, {1, 3}, {2, 3}};
    c.invoke = [=](anvil_context* ctx, const void* dims, void* const* p) {
        return anvil_plugin_op_backward(ctx, *plugin, *op, static_cast<const int64_t*>(dims), *rank, slope.get(), *num_params, CF4(0), CF4(1), CF4(2), F4(3));
    };
    c.verify = [=](Fuzzer& f, const std::vector<Bytes>& before, void* const* p) {
        std::vector<double> want(n);
        for (int64_t i = 0; i < n; ++i) want[i] = IN(0)[i] > 0 ? IN(2)[i] : static_cast<float>(s0 * IN(2)[i]);
        f.compare("anvil_plugin_op_backward", "dx", CF4(3), want, 0);
    };
}

// ------------------------------------------------------------------------------------------------
// Functions without buffers: library, contexts, devices, memory, plug-in metadata, MPI.

// Records and checks one call: `valid` says what the arguments are.
void expect(Fuzzer& f, const char* fn, anvil_status s, bool valid, const char* what) {
    f.record(fn, s);
    if (valid) {
        f.expect_ok(fn, s, what);
    } else {
        f.expect_refused(fn, s, what);
    }
}

void fuzz_library(Fuzzer& f, int which) {
    switch (which) {
        case 0: {
            const char* v = anvil_version();
            f.record("anvil_version", ANVIL_OK);
            if (v == nullptr || std::strlen(v) == 0) f.fail("anvil_version", "empty");
            if (anvil_abi_version() != ANVIL_ABI_VERSION) f.fail("anvil_abi_version", "mismatch");
            f.record("anvil_abi_version", ANVIL_OK);
            break;
        }
        case 1:
            if (anvil_last_error() == nullptr) f.fail("anvil_last_error", "NULL");
            f.record("anvil_last_error", ANVIL_OK);
            if (anvil_cpu_features() == nullptr) f.fail("anvil_cpu_features", "NULL");
            f.record("anvil_cpu_features", ANVIL_OK);
            if (anvil_gemm_kernel() == nullptr) f.fail("anvil_gemm_kernel", "NULL");
            f.record("anvil_gemm_kernel", ANVIL_OK);
            break;
        case 2: {
            // The level is fixed once a kernel has run: only invalid names and NULL are sent.
            static const char* names[] = {nullptr, "", "avx1024", "AVX2 ", "portable\n", "avx512vbmi2"};
            const char* name = names[f.below(6)];
            expect(f, "anvil_cpu_isa_limit", anvil_cpu_isa_limit(name), false, name ? "unknown level" : "NULL level");
            break;
        }
        default: {
            const char* d = anvil_cpu_dispatch();
            f.record("anvil_cpu_dispatch", ANVIL_OK);
            if (d == nullptr || std::strlen(d) == 0) f.fail("anvil_cpu_dispatch", "empty");
        }
    }
}

void fuzz_context(Fuzzer& f, int which) {
    anvil_context* c = f.ctx();
    switch (which) {
        case 0: {
            // Creating threads is slow: valid counts are small, and most calls are refused ones.
            const int r = static_cast<int>(f.below(4));
            const int32_t threads = r == 0 ? static_cast<int32_t>(f.range(1, 2)) : r == 1 ? 1025 + static_cast<int32_t>(f.below(1000)) : INT32_MAX;
            anvil_context* made = nullptr;
            const bool null_out = f.chance(20);
            expect(f, "anvil_context_create", anvil_context_create(threads, null_out ? nullptr : &made), r == 0 && !null_out,
                   null_out ? "NULL out" : "thread count");
            expect(f, "anvil_context_destroy", anvil_context_destroy(made), true, "destroy");
            break;
        }
        case 1: {
            expect(f, "anvil_context_destroy", anvil_context_destroy(nullptr), true, "NULL");
            // Valid: the context's own count again (its pool is rebuilt); refused: too many, NULL.
            const int r = static_cast<int>(f.below(4));
            const int32_t own = c == f.cpu[0] ? 1 : 2;
            const int32_t threads = r == 0 ? own : r == 1 ? 1025 : INT32_MAX;
            expect(f, "anvil_context_set_num_threads", anvil_context_set_num_threads(r == 3 ? nullptr : c, threads), r == 0,
                   "thread count or NULL context");
            break;
        }
        case 2: {
            int32_t n = 0;
            int64_t w = 0;
            const bool bad = f.chance(50);
            expect(f, "anvil_context_num_threads", anvil_context_num_threads(bad && f.chance(50) ? nullptr : c, bad ? nullptr : &n), !bad, "num_threads");
            expect(f, "anvil_context_workspace_bytes", anvil_context_workspace_bytes(bad ? nullptr : c, &w), !bad, "workspace");
            if (!bad && (n < 1 || n > 2 || w < 0)) f.fail("anvil_context_num_threads", "%d threads, %lld bytes", n, (long long)w);
            break;
        }
        case 3: {
            int32_t type = -1, index = -1, done = -1;
            void* stream = &type;
            const bool bad = f.chance(40);
            expect(f, "anvil_context_device", anvil_context_device(bad ? nullptr : c, &type, f.chance(30) && bad ? nullptr : &index), !bad, "device");
            expect(f, "anvil_context_synchronize", anvil_context_synchronize(bad ? nullptr : c), !bad, "synchronize");
            expect(f, "anvil_context_query", anvil_context_query(c, bad ? nullptr : &done), !bad, "query");
            expect(f, "anvil_context_cuda_stream", anvil_context_cuda_stream(bad ? nullptr : c, &stream), !bad, "stream");
            expect(f, "anvil_context_empty_cache", anvil_context_empty_cache(bad ? nullptr : c), !bad, "empty_cache");
            if (!bad && (type != 0 || index != 0 || done != 1 || stream != nullptr)) f.fail("anvil_context_device", "CPU context reports otherwise");
            break;
        }
        default: {
            anvil_allocator_stats st{};
            const bool bad = f.chance(50);
            expect(f, "anvil_context_allocator_stats", anvil_context_allocator_stats(bad && f.chance(50) ? nullptr : c, bad ? nullptr : &st),
                   !bad, "stats");
        }
    }
}

// Without a GPU every CUDA function is refused (or reports no device) after its argument checks;
// with one, only the refused calls are made: the compute functions run on the CPU contexts.
void fuzz_cuda(Fuzzer& f, bool has_cuda, int which) {
    if (which == 0) {
        const anvil_status s = anvil_cuda_available();
        f.record("anvil_cuda_available", s);
        if ((s == ANVIL_OK) != has_cuda || (s != ANVIL_OK && s != ANVIL_ERR_UNSUPPORTED)) f.fail("anvil_cuda_available", "status %d", s);
        int32_t count = -1;
        const bool null_out = f.chance(30);
        expect(f, "anvil_cuda_device_count", anvil_cuda_device_count(null_out ? nullptr : &count), !null_out, "count");
        if (!null_out && (count < 0 || (count > 0) != has_cuda)) f.fail("anvil_cuda_device_count", "%d devices", count);
        return;
    }
    // Devices out of range (or no CUDA at all) are refused; without CUDA device 0 is too.
    anvil_cuda_device_props props;
    const int32_t device = f.chance(50) ? (f.chance(50) ? -1 : INT32_MIN) : (has_cuda ? 4096 : static_cast<int32_t>(f.below(4)));
    expect(f, "anvil_cuda_device_props_get", anvil_cuda_device_props_get(device, f.chance(20) ? nullptr : &props), false, "device");
    anvil_context* made = nullptr;
    expect(f, "anvil_context_create_cuda", anvil_context_create_cuda(device, f.chance(20) ? nullptr : &made), false, "device");
    if (made != nullptr) {
        f.fail("anvil_context_create_cuda", "a refused call gave a context");
        anvil_context_destroy(made);
    }
}

void fuzz_memory(Fuzzer& f, int which) {
    anvil_context* c = f.ctx();
    const int64_t bytes_ok = f.range(1, 4096);
    const int64_t bytes_bad = f.chance(50) ? (f.chance(50) ? 0 : f.negative()) : (INT64_C(1) << 48) + 1 + static_cast<int64_t>(f.below(1000));
    const bool valid = f.chance(50);
    const int64_t bytes = valid ? bytes_ok : bytes_bad;
    void* p = nullptr;
    switch (which) {
        case 0: {
            expect(f, "anvil_malloc", anvil_malloc(bytes, &p), valid, "bytes");
            if (p != nullptr) std::memset(p, 0xab, static_cast<size_t>(bytes));
            expect(f, "anvil_free", anvil_free(p), true, "free");
            f.record("anvil_live_bytes", ANVIL_OK);
            if (anvil_live_bytes() < 0) f.fail("anvil_live_bytes", "negative");
            if (f.chance(10)) expect(f, "anvil_malloc", anvil_malloc(16, nullptr), false, "NULL out");
            break;
        }
        case 1: {
            const bool null_ctx = f.chance(15);
            expect(f, "anvil_context_malloc", anvil_context_malloc(null_ctx ? nullptr : c, bytes, &p), valid && !null_ctx, "bytes");
            if (p != nullptr) std::memset(p, 0xcd, static_cast<size_t>(bytes));
            expect(f, "anvil_context_free", anvil_context_free(c, p), true, "free");
            if (f.chance(10)) expect(f, "anvil_context_free", anvil_context_free(nullptr, nullptr), false, "NULL context");
            break;
        }
        case 2: {
            const bool null_ctx = f.chance(15), null_out = f.chance(10);
            expect(f, "anvil_host_alloc_pinned", anvil_host_alloc_pinned(null_ctx ? nullptr : c, bytes, null_out ? nullptr : &p),
                   valid && !null_ctx && !null_out, "bytes");
            if (p != nullptr) std::memset(p, 0xef, static_cast<size_t>(bytes));
            expect(f, "anvil_host_free_pinned", anvil_host_free_pinned(c, p), true, "free");
            break;
        }
        default: {
            // Host to host copies on a CPU context; other kinds, overlap, NULLs and sizes refused.
            const int64_t n = f.range(1, 300);
            std::vector<unsigned char> a(static_cast<size_t>(2 * n)), b(static_cast<size_t>(n));
            for (auto& v : a) v = static_cast<unsigned char>(f.below(256));
            const std::vector<unsigned char> a0 = a;
            const int r = static_cast<int>(f.below(8));
            void* dst = b.data();
            const void* src = a.data();
            int32_t kind = 0;
            int64_t len = n;
            anvil_context* ctx = c;
            if (r == 1) kind = f.chance(50) ? static_cast<int32_t>(f.range(1, 3)) : (f.chance(50) ? 4 : -1);
            if (r == 2) len = f.negative();
            if (r == 3) dst = nullptr;
            if (r == 4) src = nullptr;
            if (r == 5) dst = a.data() + f.below(static_cast<uint64_t>(n));  // dst inside src
            if (r == 6) ctx = nullptr;
            const anvil_status s = anvil_memcpy(ctx, dst, src, len, kind);
            // A refused call must overwrite nothing, even an overlapping destination.
            expect(f, "anvil_memcpy", s, r == 0 || r == 7, "memcpy");
            if (r == 0 || r == 7) {
                if (s == ANVIL_OK && std::memcmp(b.data(), a.data(), static_cast<size_t>(n)) != 0) f.fail("anvil_memcpy", "bytes differ");
            } else if (a != a0) {
                f.fail("anvil_memcpy", "a refused copy changed its source");
            }
        }
    }
}

// A file that is not a plug-in: truncated copies of the example, garbage, an empty file, a folder.
void fuzz_plugin_load(Fuzzer& f) {
    anvil_plugin* p = reinterpret_cast<anvil_plugin*>(&f);
    const int r = static_cast<int>(f.below(10));
    if (r == 0) {
        expect(f, "anvil_plugin_load", anvil_plugin_load(nullptr, &p), false, "NULL path");
        return;
    }
    if (r == 1) {
        expect(f, "anvil_plugin_load", anvil_plugin_load(f.plugin_path.c_str(), nullptr), false, "NULL out");
        return;
    }
    if (r == 2) {
        expect(f, "anvil_plugin_load", anvil_plugin_load("/nonexistent-dir/libnothing.so", &p), false, "missing file");
        if (p != nullptr) f.fail("anvil_plugin_load", "refused load gave a plug-in");
        return;
    }
    if (r == 3) {
        expect(f, "anvil_plugin_load", anvil_plugin_load(f.tmp_dir.c_str(), &p), false, "a folder");
        return;
    }
    if (r == 4 && f.chance(10)) {  // dlopen is slow: a real load now and then
        expect(f, "anvil_plugin_load", anvil_plugin_load(f.plugin_path.c_str(), &p), true, "example plug-in");
        expect(f, "anvil_plugin_unload", anvil_plugin_unload(p), true, "unload");
        return;
    }
    // Truncated or corrupted copy of the example plug-in.
    FILE* in = std::fopen(f.plugin_path.c_str(), "rb");
    if (in == nullptr) return f.fail("anvil_plugin_load", "cannot read the example plug-in");
    std::vector<unsigned char> elf;
    unsigned char buf[65536];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, in)) > 0) elf.insert(elf.end(), buf, buf + got);
    std::fclose(in);
    const bool truncate = r != 9;
    if (truncate) {
        elf.resize(f.chance(30) ? f.below(128) : f.below(elf.size()));
    } else {
        elf[f.below(4)] ^= 0xff;  // the ELF magic
    }
    const std::string path = f.tmp_dir + "/plugin-" + f.name + "-" + std::to_string(f.call_index) + ".so";
    FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) return f.fail("anvil_plugin_load", "cannot write %s", path.c_str());
    std::fwrite(elf.data(), 1, elf.size(), out);
    std::fclose(out);
    p = reinterpret_cast<anvil_plugin*>(&f);
    const anvil_status s = anvil_plugin_load(path.c_str(), &p);
    std::remove(path.c_str());
    expect(f, "anvil_plugin_load", s, false, truncate ? "truncated file" : "corrupt ELF magic");
    if (s != ANVIL_OK && s != ANVIL_ERR_PLUGIN) f.fail("anvil_plugin_load", "status %d, not ANVIL_ERR_PLUGIN", s);
    if (p != nullptr) f.fail("anvil_plugin_load", "refused load left *out set");
}

void fuzz_plugin_meta(Fuzzer& f) {
    const anvil_plugin* pl = f.chance(20) ? nullptr : f.plugin;
    const int32_t op = f.chance(70) ? 0 : (f.chance(50) ? 1 : static_cast<int32_t>(f.rng.next()) | INT32_MIN);
    const bool null_out = f.chance(15);
    const bool ok = pl != nullptr && !null_out;
    const char* s = nullptr;
    int32_t v = -1;
    expect(f, "anvil_plugin_name", anvil_plugin_name(pl, null_out ? nullptr : &s), ok, "name");
    expect(f, "anvil_plugin_op_count", anvil_plugin_op_count(pl, null_out ? nullptr : &v), ok, "op_count");
    if (ok && v != 1) f.fail("anvil_plugin_op_count", "%d ops", v);
    static const char* names[] = {"leaky_relu", "", "gelu", "leaky_relu ", nullptr};
    const int ni = static_cast<int>(f.below(5));
    expect(f, "anvil_plugin_op_find", anvil_plugin_op_find(pl, names[ni], null_out ? nullptr : &v), ok && ni == 0, "op_find");
    expect(f, "anvil_plugin_op_name", anvil_plugin_op_name(pl, op, null_out ? nullptr : &s), ok && op == 0, "op_name");
    expect(f, "anvil_plugin_op_description", anvil_plugin_op_description(pl, op, null_out ? nullptr : &s), ok && op == 0, "op_description");
    expect(f, "anvil_plugin_op_num_params", anvil_plugin_op_num_params(pl, op, null_out ? nullptr : &v), ok && op == 0, "op_num_params");
    // Output shape: as the op forward's checks, without buffers.
    int64_t shape[8] = {2, 3, 1, 1, 1, 1, 1, 1}, out_shape[8];
    int32_t rank = 2, out_rank = 0, num_params = 1;
    float slope = 0.1f;
    const int r = static_cast<int>(f.below(6));
    if (r == 1) rank = f.chance(50) ? 0 : 9;
    if (r == 2) shape[1] = f.chance(50) ? 0 : f.negative();
    if (r == 3) num_params = 2;
    if (r == 4) slope = -1;
    if (r == 5) shape[0] = f.huge();
    const anvil_status st = anvil_plugin_op_output_shape(pl, op, shape, rank, &slope, num_params, null_out ? nullptr : out_shape, &out_rank);
    expect(f, "anvil_plugin_op_output_shape", st, ok && op == 0 && r == 0, "output_shape");
    if (st == ANVIL_OK && (out_rank != 2 || out_shape[0] != 2 || out_shape[1] != 3)) f.fail("anvil_plugin_op_output_shape", "wrong shape");
    if (f.chance(5)) expect(f, "anvil_plugin_unload", anvil_plugin_unload(nullptr), true, "NULL");
}

// The general calls on the BatchNorm example (plug-in ABI version 3: one input [N, 3, *], weights
// "weight" and "bias" [3], buffers "running_mean" and "running_var" [3], hyper-parameters
// num_features = 3, eps and momentum), each argument broken now and then. The calls without
// buffers (_n) refuse it, after their own checks, and run the LeakyReLU example on the same input.
void fuzz_plugin_state(Fuzzer& f) {
    const anvil_plugin* pl = f.chance(10) ? nullptr : f.batch_norm;
    const int32_t op = f.chance(85) ? 0 : (f.chance(50) ? 1 : -1);
    const bool null_out = f.chance(10);
    const bool meta_ok = pl != nullptr && op == 0 && !null_out;
    int32_t v = -1, init = -1;
    float arg = 0;
    const char* name = nullptr;
    expect(f, "anvil_plugin_op_num_inputs", anvil_plugin_op_num_inputs(pl, op, null_out ? nullptr : &v), meta_ok, "num_inputs");
    if (meta_ok && v != 1) f.fail("anvil_plugin_op_num_inputs", "%d inputs", v);
    expect(f, "anvil_plugin_op_num_weights", anvil_plugin_op_num_weights(pl, op, null_out ? nullptr : &v), meta_ok, "num_weights");
    if (meta_ok && v != 2) f.fail("anvil_plugin_op_num_weights", "%d weights", v);
    expect(f, "anvil_plugin_op_num_buffers", anvil_plugin_op_num_buffers(pl, op, null_out ? nullptr : &v), meta_ok, "num_buffers");
    if (meta_ok && v != 2) f.fail("anvil_plugin_op_num_buffers", "%d buffers", v);
    const int32_t index = f.chance(80) ? static_cast<int32_t>(f.below(2)) : (f.chance(50) ? 2 : -1);
    expect(f, "anvil_plugin_op_weight", anvil_plugin_op_weight(pl, op, index, null_out ? nullptr : &name, &init, &arg),
           meta_ok && index >= 0 && index < 2, "weight");
    expect(f, "anvil_plugin_op_buffer", anvil_plugin_op_buffer(pl, op, index, &name, null_out ? nullptr : &arg),
           meta_ok && index >= 0 && index < 2, "buffer");

    // One call of each kind with valid arguments but for the one a breaker spoils.
    int64_t in_shape[8] = {static_cast<int64_t>(f.range(1, 3)), 3, static_cast<int64_t>(f.range(2, 4)), 0, 0, 0, 0, 0};
    int32_t in_rank = 3, num_inputs = 1, num_weights = 2, num_buffers = 2, num_params = 3, training = f.chance(50) ? 1 : 0;
    int64_t w_shapes[16] = {3, 0, 0, 0, 0, 0, 0, 0, 3};
    int64_t b_shapes[16] = {3, 0, 0, 0, 0, 0, 0, 0, 3};
    int32_t w_ranks[2] = {1, 1}, b_ranks[2] = {1, 1};
    float params[3] = {3.0f, 1e-5f, 0.1f};
    const int breaker = f.chance(40) ? 0 : static_cast<int>(f.range(1, 11));
    switch (breaker) {
        case 1: in_rank = f.chance(50) ? 0 : 9; break;
        case 2: in_shape[f.below(3)] = f.chance(50) ? 0 : f.negative(); break;
        case 3: in_shape[1] = 4; break;                                        // the op's check: channels
        case 4: w_shapes[8] = f.range(4, 9); break;                            // a weight of the wrong shape
        case 5: num_inputs = f.chance(50) ? 0 : 2; break;
        case 6: num_weights = static_cast<int32_t>(f.below(2)); break;
        case 7: params[f.below(3)] = f.chance(50) ? -1.0f : f.nonfinite(); break;  // the op's check: options
        case 8: num_params = 2; break;
        case 9: b_shapes[f.below(2) * 8] = f.chance(50) ? 4 : f.negative(); break;  // a buffer of the wrong shape
        case 10: num_buffers = f.chance(50) ? 1 : 3; break;
        case 11: training = f.chance(50) ? 2 : -1; break;
        default: break;
    }
    const bool ok = pl != nullptr && op == 0 && breaker == 0;
    const bool shapes_ok = ok || (pl != nullptr && op == 0 && breaker >= 9);  // buffers and the mode are no part of them
    int64_t out_shape[8];
    int32_t out_rank = 0;
    int64_t got_shapes[16];
    int32_t got_ranks[2];
    // weight_shapes and buffer_shapes ignore weights and buffers, and take num_inputs = 0 (no input shapes) too.
    const bool state_shapes_ok = pl != nullptr && op == 0 && !null_out && breaker != 1 && breaker != 2 && breaker != 7 &&
                                 breaker != 8 && (breaker != 5 || num_inputs == 0);
    expect(f, "anvil_plugin_op_weight_shapes",
           anvil_plugin_op_weight_shapes(pl, op, params, num_params, num_inputs, num_inputs == 0 ? nullptr : in_shape,
                                         num_inputs == 0 ? nullptr : &in_rank, null_out ? nullptr : got_shapes, got_ranks),
           state_shapes_ok, "weight_shapes");
    expect(f, "anvil_plugin_op_buffer_shapes",
           anvil_plugin_op_buffer_shapes(pl, op, params, num_params, num_inputs, num_inputs == 0 ? nullptr : in_shape,
                                         num_inputs == 0 ? nullptr : &in_rank, got_shapes, null_out ? nullptr : got_ranks),
           state_shapes_ok, "buffer_shapes");
    const anvil_status st = anvil_plugin_op_output_shape_n(pl, op, params, num_params, num_inputs, in_shape, &in_rank,
                                                           num_weights, w_shapes, w_ranks, null_out ? nullptr : out_shape,
                                                           &out_rank);
    expect(f, "anvil_plugin_op_output_shape_n", st, shapes_ok && !null_out, "output_shape_n");
    if (st == ANVIL_OK && (out_rank != 3 || out_shape[1] != 3)) f.fail("anvil_plugin_op_output_shape_n", "wrong shape");

    // Room for the largest valid input, 3 x 3 x 4.
    std::vector<float> x = f.rng.vector(64), y(64), dy(64, 1.0f), dx(64), w(3, 1.0f), b(3, 0.0f), dw(3, 0.0f), db(3, 0.0f),
                       rm(3, 0.0f), rv(3, 1.0f);
    const float* ins[1] = {x.data()};
    const float* weights[2] = {w.data(), b.data()};
    float* buffers[2] = {rm.data(), rv.data()};
    float* in_grads[1] = {dx.data()};
    float* w_grads[2] = {dw.data(), db.data()};
    const int buffer_breaker = f.chance(80) ? 0 : static_cast<int>(f.range(1, 5));
    if (buffer_breaker == 1) ins[0] = nullptr;
    if (buffer_breaker == 2) weights[1] = nullptr;
    if (buffer_breaker == 3) w_grads[1] = dw.data();  // two weight gradients in one buffer
    if (buffer_breaker == 4) buffers[1] = nullptr;
    if (buffer_breaker == 5) buffers[f.below(2)] = y.data();  // a buffer inside y
    anvil_context* ctx = f.ctx();
    const bool forward_ok = ok && buffer_breaker != 1 && buffer_breaker != 2 && buffer_breaker != 4 && buffer_breaker != 5;
    expect(f, "anvil_plugin_op_forward_state",
           anvil_plugin_op_forward_state(ctx, pl, op, params, num_params, num_inputs, in_shape, &in_rank, ins, num_weights,
                                         w_shapes, w_ranks, weights, num_buffers, b_shapes, b_ranks, buffers, training,
                                         y.data()),
           forward_ok, "forward_state");
    const float* read_buffers[2] = {buffers[0], buffers[1]};
    expect(f, "anvil_plugin_op_backward_state",
           anvil_plugin_op_backward_state(ctx, pl, op, params, num_params, num_inputs, in_shape, &in_rank, ins, num_weights,
                                          w_shapes, w_ranks, weights, num_buffers, b_shapes, b_ranks, read_buffers,
                                          training, y.data(), dy.data(), in_grads, w_grads),
           ok && (buffer_breaker == 0 || buffer_breaker == 5), "backward_state");  // read-only buffers may lie in y
    if (f.chance(50)) {
        expect(f, "anvil_plugin_op_forward_n",
               anvil_plugin_op_forward_n(ctx, pl, op, params, num_params, num_inputs, in_shape, &in_rank, ins, num_weights,
                                         w_shapes, w_ranks, weights, y.data()),
               false, "forward_n of an op with buffers");
        expect(f, "anvil_plugin_op_backward_n",
               anvil_plugin_op_backward_n(ctx, pl, op, params, num_params, num_inputs, in_shape, &in_rank, ins,
                                          num_weights, w_shapes, w_ranks, weights, y.data(), dy.data(), in_grads, w_grads),
               false, "backward_n of an op with buffers");
        return;
    }
    // The same input through the LeakyReLU example (one input, no weights or buffers).
    const float slope = 0.1f;
    const bool n_ok = breaker != 1 && breaker != 2 && breaker != 5 && buffer_breaker != 1;
    expect(f, "anvil_plugin_op_forward_n",
           anvil_plugin_op_forward_n(ctx, f.plugin, 0, &slope, 1, num_inputs, in_shape, &in_rank, ins, 0, nullptr, nullptr,
                                     nullptr, y.data()),
           n_ok, "forward_n");
    expect(f, "anvil_plugin_op_backward_n",
           anvil_plugin_op_backward_n(ctx, f.plugin, 0, &slope, 1, num_inputs, in_shape, &in_rank, ins, 0, nullptr,
                                      nullptr, nullptr, y.data(), dy.data(), in_grads, nullptr),
           n_ok, "backward_n");
}

void fuzz_mpi(Fuzzer& f, int which) {
    // A process that mpirun did not start: MPI is never initialised, so every collective is refused
    // (after its own argument checks), whether or not Open MPI is installed.
    float data[8] = {};
    unsigned char all[64] = {};
    const int64_t timeout = f.chance(50) ? 1000 : (f.chance(50) ? 0 : f.negative());
    switch (which) {
        case 0: {
            const anvil_status s = anvil_mpi_available();
            f.record("anvil_mpi_available", s);
            if (s != ANVIL_OK && s != ANVIL_ERR_UNSUPPORTED) f.fail("anvil_mpi_available", "status %d", s);
            expect(f, "anvil_mpi_init", anvil_mpi_init(), false, "not started by mpirun");
            break;
        }
        case 1: {
            int32_t v;
            expect(f, "anvil_mpi_rank", anvil_mpi_rank(f.chance(50) ? nullptr : &v), false, "not initialised");
            expect(f, "anvil_mpi_size", anvil_mpi_size(f.chance(50) ? nullptr : &v), false, "not initialised");
            expect(f, "anvil_mpi_barrier", anvil_mpi_barrier(timeout), false, "not initialised");
            break;
        }
        case 2: {
            const int64_t n = f.chance(50) ? f.range(1, 8) : f.negative();
            expect(f, "anvil_mpi_allreduce_sum", anvil_mpi_allreduce_sum(f.chance(30) ? nullptr : data, n, timeout), false, "allreduce");
            expect(f, "anvil_mpi_bcast", anvil_mpi_bcast(f.chance(30) ? nullptr : data, n > 0 ? n * 4 : n, static_cast<int32_t>(f.rng.next()), timeout), false,
                   "bcast");
            expect(f, "anvil_mpi_allgather", anvil_mpi_allgather(f.chance(30) ? nullptr : data, n, f.chance(30) ? nullptr : all, timeout), false,
                   "allgather");
            break;
        }
        default:
            expect(f, "anvil_mpi_finalize", anvil_mpi_finalize(), true, "not initialised: a no-op");
            expect(f, "anvil_mpi_abort", anvil_mpi_abort(static_cast<int32_t>(f.below(3))), false, "not initialised");
    }
}

// Every compute function's generator, by name.
struct Generator {
    const char* fn;
    std::function<void(Fuzzer&, Case&)> gen;
};

std::vector<Generator> compute_generators() {
    std::vector<Generator> g = {
        {"anvil_fill", gen_fill},
        {"anvil_copy", [](Fuzzer& f, Case& c) { gen_unary(f, c, 0); }},
        {"anvil_scale", [](Fuzzer& f, Case& c) { gen_unary(f, c, 1); }},
        {"anvil_clamp", [](Fuzzer& f, Case& c) { gen_unary(f, c, 2); }},
        {"anvil_relu_forward", [](Fuzzer& f, Case& c) { gen_unary(f, c, 3); }},
        {"anvil_dropout_forward", [](Fuzzer& f, Case& c) { gen_unary(f, c, 4); }},
        {"anvil_dropout_backward", gen_dropout_backward},
        {"anvil_axpy", [](Fuzzer& f, Case& c) { gen_binary(f, c, 0); }},
        {"anvil_add", [](Fuzzer& f, Case& c) { gen_binary(f, c, 1); }},
        {"anvil_binary", [](Fuzzer& f, Case& c) { gen_binary(f, c, 2); }},
        {"anvil_relu_backward", [](Fuzzer& f, Case& c) { gen_binary(f, c, 3); }},
        {"anvil_sum_squares", [](Fuzzer& f, Case& c) { gen_binary(f, c, 4); }},
        {"anvil_copy_rows", gen_copy_rows},
        {"anvil_activation_forward", [](Fuzzer& f, Case& c) { gen_activation(f, c, false); }},
        {"anvil_activation_backward", [](Fuzzer& f, Case& c) { gen_activation(f, c, true); }},
        {"anvil_reduce", gen_reduce},
        {"anvil_topk", gen_topk},
        {"anvil_argmax", gen_argmax},
        {"anvil_softmax_forward", [](Fuzzer& f, Case& c) { gen_softmax(f, c, false); }},
        {"anvil_softmax_backward", [](Fuzzer& f, Case& c) { gen_softmax(f, c, true); }},
        {"anvil_matmul", gen_matmul},
        {"anvil_linear_forward", [](Fuzzer& f, Case& c) { gen_linear(f, c, 0); }},
        {"anvil_linear_backward_data", [](Fuzzer& f, Case& c) { gen_linear(f, c, 1); }},
        {"anvil_linear_backward_weight", [](Fuzzer& f, Case& c) { gen_linear(f, c, 2); }},
        {"anvil_linear_per_sample_sq_norms", [](Fuzzer& f, Case& c) { gen_linear(f, c, 3); }},
        {"anvil_conv2d_forward", [](Fuzzer& f, Case& c) { gen_conv(f, c, 0); }},
        {"anvil_conv2d_backward_data", [](Fuzzer& f, Case& c) { gen_conv(f, c, 1); }},
        {"anvil_conv2d_backward_weight", [](Fuzzer& f, Case& c) { gen_conv(f, c, 2); }},
        {"anvil_conv2d_per_sample_sq_norms", [](Fuzzer& f, Case& c) { gen_conv(f, c, 3); }},
        {"anvil_maxpool2d_forward", [](Fuzzer& f, Case& c) { gen_pool(f, c, 0); }},
        {"anvil_maxpool2d_backward", [](Fuzzer& f, Case& c) { gen_pool(f, c, 1); }},
        {"anvil_avgpool2d_forward", [](Fuzzer& f, Case& c) { gen_pool(f, c, 2); }},
        {"anvil_avgpool2d_backward", [](Fuzzer& f, Case& c) { gen_pool(f, c, 3); }},
        {"anvil_batchnorm_forward", [](Fuzzer& f, Case& c) { gen_batchnorm(f, c, false, false); }},
        {"anvil_batchnorm_backward", [](Fuzzer& f, Case& c) { gen_batchnorm(f, c, true, false); }},
        {"anvil_batchnorm_add_relu_forward", [](Fuzzer& f, Case& c) { gen_batchnorm(f, c, false, true); }},
        {"anvil_batchnorm_add_relu_backward", [](Fuzzer& f, Case& c) { gen_batchnorm(f, c, true, true); }},
        {"anvil_groupnorm_forward", [](Fuzzer& f, Case& c) { gen_groupnorm(f, c, 0); }},
        {"anvil_groupnorm_backward", [](Fuzzer& f, Case& c) { gen_groupnorm(f, c, 1); }},
        {"anvil_groupnorm_per_sample_sq_norms", [](Fuzzer& f, Case& c) { gen_groupnorm(f, c, 2); }},
        {"anvil_softmax_cross_entropy_forward", [](Fuzzer& f, Case& c) { gen_cross_entropy(f, c, false); }},
        {"anvil_softmax_cross_entropy_backward", [](Fuzzer& f, Case& c) { gen_cross_entropy(f, c, true); }},
        {"anvil_loss_forward", [](Fuzzer& f, Case& c) { gen_loss(f, c, false); }},
        {"anvil_loss_backward", [](Fuzzer& f, Case& c) { gen_loss(f, c, true); }},
        {"anvil_sgd_step", gen_sgd},
        {"anvil_adam_step", gen_adam},
        {"anvil_plugin_op_forward", [](Fuzzer& f, Case& c) { gen_plugin_op(f, c, false); }},
        {"anvil_plugin_op_backward", [](Fuzzer& f, Case& c) { gen_plugin_op(f, c, true); }},
    };
    return g;
}

// Output-size queries: the descriptor checks without a context.
void fuzz_sizes(Fuzzer& f, int which) {
    int64_t h = -1, w = -1;
    if (which == 0) {
        anvil_conv2d_desc d = random_conv(f);
        bool bad = f.chance(50);
        Sizes sz;
        if (f.chance(50)) {  // a wild descriptor, judged by the model
            d = wild_conv(f);
            bad = !conv_valid(d, &sz);
        } else if (bad) {
            auto breakers = conv_breakers(f, &d);
            breakers[f.below(breakers.size())]();
        }
        const int r = bad ? 0 : static_cast<int>(f.below(5));  // 1: NULL descriptor, 2: NULL out
        const anvil_status s = anvil_conv2d_output_size(r == 1 ? nullptr : &d, r == 2 ? nullptr : &h, &w);
        expect(f, "anvil_conv2d_output_size", s, !bad && r != 1 && r != 2, bad ? "descriptor" : "NULL");
        if (s == ANVIL_OK && (h != window_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h) ||
                              w != window_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w))) {
            f.fail("anvil_conv2d_output_size", "%lldx%lld", (long long)h, (long long)w);
        }
        return;
    }
    anvil_pool2d_desc d = random_pool(f);
    bool bad = f.chance(50);
    Sizes sz;
    if (f.chance(50)) {
        d = wild_pool(f);
        bad = !pool_valid(d, &sz);
    } else if (bad) {
        auto breakers = pool_breakers(f, &d);
        breakers[f.below(breakers.size())]();
    }
    const int r = bad ? 0 : static_cast<int>(f.below(5));
    if (which == 1) {
        const anvil_status s = anvil_pool2d_output_size(r == 1 ? nullptr : &d, &h, r == 2 ? nullptr : &w);
        expect(f, "anvil_pool2d_output_size", s, !bad && r != 1 && r != 2, bad ? "descriptor" : "NULL");
        if (s == ANVIL_OK && (h != pool_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.ceil_mode) ||
                              w != pool_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.ceil_mode))) {
            f.fail("anvil_pool2d_output_size", "%lldx%lld", (long long)h, (long long)w);
        }
    } else {
        const anvil_status s = anvil_maxpool2d_index_bytes(r == 1 ? nullptr : &d, r == 2 ? nullptr : &h);
        expect(f, "anvil_maxpool2d_index_bytes", s, !bad && r != 1 && r != 2, bad ? "descriptor" : "NULL");
        if (s == ANVIL_OK && h != (d.kernel_h * d.kernel_w <= 256 ? 1 : 4)) f.fail("anvil_maxpool2d_index_bytes", "%lld", (long long)h);
    }
}

// The size of a BatchNorm's ReLU mask: 2 bytes per 16 elements of each run, for a valid
// descriptor; a broken one, or a NULL descriptor or out, refused.
void fuzz_relu_mask_bytes(Fuzzer& f) {
    anvil_batchnorm_desc d{f.range(1, 4), f.range(1, 5), f.range(1, 40), 1e-5f, 0.1f, 0, 1};
    d.training = d.batch * d.spatial > 1 ? static_cast<int32_t>(f.below(2)) : 0;
    const bool bad = f.chance(50);
    if (bad) {
        const std::vector<std::function<void()>> breakers = {[&] { d.batch = f.negative(); }, [&] { d.channels = 0; },
                                                             [&] { d.spatial = f.huge(); }, [&] { d.eps = -1.0f; },
                                                             [&] { d.relu = 3; }, [&] { d.training = 2; }};
        breakers[f.below(breakers.size())]();
    }
    const int r = bad ? 0 : static_cast<int>(f.below(5));  // 1: NULL descriptor, 2: NULL out
    int64_t bytes = -1;
    const anvil_status s = anvil_batchnorm_relu_mask_bytes(r == 1 ? nullptr : &d, r == 2 ? nullptr : &bytes);
    expect(f, "anvil_batchnorm_relu_mask_bytes", s, !bad && r != 1 && r != 2, bad ? "descriptor" : "NULL");
    if (s == ANVIL_OK && bytes != 2 * d.batch * d.channels * ((d.spatial + 15) / 16)) {
        f.fail("anvil_batchnorm_relu_mask_bytes", "%lld", static_cast<long long>(bytes));
    }
}

// Runs `calls` calls: every handler in turn, in a new random order each round, so that every
// function is reached in any run.
void run_calls(Fuzzer& f, std::vector<std::function<void()>>& handlers, int64_t calls) {
    std::vector<size_t> order(handlers.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    while (f.total_calls < calls) {
        for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[f.below(i)]);
        for (size_t i : order) {
            f.call_index = f.total_calls;
            handlers[i]();
            if (f.total_calls >= calls) break;
        }
    }
}

int64_t env_int(const char* name, int64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    char* end = nullptr;
    const long long parsed = std::strtoll(v, &end, 10);
    if (*end != '\0' || parsed < 0) {
        std::fprintf(stderr, "%s must be a non-negative integer, got \"%s\"\n", name, v);
        std::exit(2);
    }
    return parsed;
}

}  // namespace

// The handlers of one fuzzer: compute functions through run_case, the others through their own
// fuzz_* function; `handled` counts the handlers of each function. MPI may be called from one thread
// only (anvil.h), so the concurrent fuzzers leave it out.
std::vector<std::function<void()>> make_handlers(Fuzzer& f, bool has_cuda, bool with_mpi, std::map<std::string, int>& handled) {
    std::vector<Generator> gens = compute_generators();
    std::vector<std::function<void()>> handlers;
    for (const Generator& g : gens) {
        handled[g.fn]++;
        handlers.push_back([&f, g] {
            Case c;
            c.fn = g.fn;
            f.special = false;
            g.gen(f, c);
            f.run_case(c);
        });
    }
    auto add = [&](std::initializer_list<const char*> fns, std::function<void()> h) {
        for (const char* fn : fns) handled[fn]++;
        handlers.push_back(std::move(h));
    };
    add({"anvil_version", "anvil_abi_version"}, [&f] { fuzz_library(f, 0); });
    add({"anvil_last_error", "anvil_cpu_features", "anvil_gemm_kernel"}, [&f] { fuzz_library(f, 1); });
    add({"anvil_cpu_isa_limit"}, [&f] { fuzz_library(f, 2); });
    add({"anvil_cpu_dispatch"}, [&f] { fuzz_library(f, 3); });
    add({"anvil_context_create", "anvil_context_destroy"}, [&f] { fuzz_context(f, 0); });
    add({"anvil_context_set_num_threads"}, [&f] { fuzz_context(f, 1); });
    add({"anvil_context_num_threads", "anvil_context_workspace_bytes"}, [&f] { fuzz_context(f, 2); });
    add({"anvil_context_device", "anvil_context_synchronize", "anvil_context_query", "anvil_context_cuda_stream",
         "anvil_context_empty_cache"},
        [&f] { fuzz_context(f, 3); });
    add({"anvil_context_allocator_stats"}, [&f] { fuzz_context(f, 4); });
    add({"anvil_cuda_available", "anvil_cuda_device_count"}, [&f, has_cuda] { fuzz_cuda(f, has_cuda, 0); });
    add({"anvil_cuda_device_props_get", "anvil_context_create_cuda"}, [&f, has_cuda] { fuzz_cuda(f, has_cuda, 1); });
    add({"anvil_malloc", "anvil_free", "anvil_live_bytes"}, [&f] { fuzz_memory(f, 0); });
    add({"anvil_context_malloc", "anvil_context_free"}, [&f] { fuzz_memory(f, 1); });
    add({"anvil_host_alloc_pinned", "anvil_host_free_pinned"}, [&f] { fuzz_memory(f, 2); });
    add({"anvil_memcpy"}, [&f] { fuzz_memory(f, 3); });
    add({"anvil_conv2d_output_size"}, [&f] { fuzz_sizes(f, 0); });
    add({"anvil_pool2d_output_size"}, [&f] { fuzz_sizes(f, 1); });
    add({"anvil_maxpool2d_index_bytes"}, [&f] { fuzz_sizes(f, 2); });
    add({"anvil_batchnorm_relu_mask_bytes"}, [&f] { fuzz_relu_mask_bytes(f); });
    add({"anvil_plugin_load", "anvil_plugin_unload"}, [&f] { fuzz_plugin_load(f); });
    add({"anvil_plugin_name", "anvil_plugin_op_count", "anvil_plugin_op_find", "anvil_plugin_op_name", "anvil_plugin_op_description",
         "anvil_plugin_op_num_params", "anvil_plugin_op_output_shape"},
        [&f] { fuzz_plugin_meta(f); });
    add({"anvil_plugin_op_num_inputs", "anvil_plugin_op_num_weights", "anvil_plugin_op_weight", "anvil_plugin_op_weight_shapes",
         "anvil_plugin_op_output_shape_n", "anvil_plugin_op_forward_n", "anvil_plugin_op_backward_n",
         "anvil_plugin_op_num_buffers", "anvil_plugin_op_buffer", "anvil_plugin_op_buffer_shapes",
         "anvil_plugin_op_forward_state", "anvil_plugin_op_backward_state"},
        [&f] { fuzz_plugin_state(f); });
    if (with_mpi) {
        add({"anvil_mpi_available", "anvil_mpi_init"}, [&f] { fuzz_mpi(f, 0); });
        add({"anvil_mpi_rank", "anvil_mpi_size", "anvil_mpi_barrier"}, [&f] { fuzz_mpi(f, 1); });
        add({"anvil_mpi_allreduce_sum", "anvil_mpi_bcast", "anvil_mpi_allgather"}, [&f] { fuzz_mpi(f, 2); });
        add({"anvil_mpi_finalize", "anvil_mpi_abort"}, [&f] { fuzz_mpi(f, 3); });
    }
    return handlers;
}


int main() {
    const uint64_t seed = static_cast<uint64_t>(env_int("ANVIL_FUZZ_SEED", 1));
    const int64_t total = env_int("ANVIL_FUZZ_CALLS", 200000);
    Fuzzer f(seed);
    EXPECT_OK(anvil_context_create(1, &f.cpu[0]));
    EXPECT_OK(anvil_context_create(2, &f.cpu[1]));
    f.plugin_path = std::string(ANVIL_EXAMPLES_DIR) + "/libanvil_leaky_relu.so";
    EXPECT_OK(anvil_plugin_load(f.plugin_path.c_str(), &f.plugin));
    EXPECT_OK(anvil_plugin_load((std::string(ANVIL_EXAMPLES_DIR) + "/libanvil_batch_norm.so").c_str(), &f.batch_norm));
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/anvil-fuzz-XXXXXX";
    if (mkdtemp(&dir[0]) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    f.tmp_dir = dir;
    const bool has_cuda = anvil_cuda_available() == ANVIL_OK;
    if (f.cpu[0] == nullptr || f.cpu[1] == nullptr || f.plugin == nullptr || f.batch_norm == nullptr) return test::finish();

    std::map<std::string, int> handled;  // function name -> handlers that call it
    std::vector<std::function<void()>> handlers = make_handlers(f, has_cuda, true, handled);

    // Every function of anvil.h must have a handler, and every handler a function of anvil.h.
    std::map<std::string, int> in_header;
    for (const char* fn : kAbiFunctions) {
        in_header[fn] = 1;
        test::expect(handled.count(fn) != 0, "%s has no handler in fuzz_test.cpp: add one", fn);
    }
    for (const auto& [fn, n] : handled) test::expect(in_header.count(fn) != 0, "fuzz_test.cpp handles %s, which anvil.h lacks", fn.c_str());

    // Four fifths of the calls from this thread, the rest from `threads` threads at once on the same
    // contexts and plug-in (callers may share a context: each call waits for the one before).
    const int64_t threads = env_int("ANVIL_FUZZ_THREADS", 4);
    const int64_t concurrent = threads > 0 ? total / 5 : 0;
    const auto start = std::chrono::steady_clock::now();
    run_calls(f, handlers, total - concurrent);
    std::vector<std::unique_ptr<Fuzzer>> others;
    std::vector<std::thread> pool;
    for (int64_t t = 0; t < threads && concurrent > 0; ++t) {
        others.push_back(std::make_unique<Fuzzer>(seed * 1000 + static_cast<uint64_t>(t) + 1));
        Fuzzer& g = *others.back();
        g.cpu[0] = f.cpu[0];
        g.cpu[1] = f.cpu[1];
        g.plugin = f.plugin;
        g.batch_norm = f.batch_norm;
        g.plugin_path = f.plugin_path;
        g.tmp_dir = f.tmp_dir;
        g.name = "thread" + std::to_string(t);
        const int64_t share = concurrent / threads + (t < concurrent % threads ? 1 : 0);
        pool.emplace_back([&g, has_cuda, share] {
            std::map<std::string, int> unused;
            std::vector<std::function<void()>> mine = make_handlers(g, has_cuda, false, unused);
            run_calls(g, mine, share);
        });
    }
    for (std::thread& t : pool) t.join();
    for (const auto& g : others) {
        for (const auto& [fn, st] : g->stats) {
            Stats& into = f.stats[fn];
            into.calls += st.calls;
            for (int k = 0; k < 8; ++k) into.by_status[k] += st.by_status[k];
        }
        f.mismatches += g->mismatches;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // Summary.
    int64_t calls = 0, by_status[8] = {};
    for (const auto& [fn, st] : f.stats) {
        calls += st.calls;
        for (int s = 0; s < 8; ++s) by_status[s] += st.by_status[s];
    }
    static const char* names[] = {"OK", "INVALID_ARGUMENT", "OUT_OF_MEMORY", "UNSUPPORTED", "INTERNAL", "PLUGIN", "TIMEOUT", "other"};
    std::printf("fuzz: seed %llu, %lld calls of %zu functions in %.1f s (%lld of them from %lld threads at once)\n",
                static_cast<unsigned long long>(seed), static_cast<long long>(calls), f.stats.size(), seconds,
                static_cast<long long>(concurrent), static_cast<long long>(concurrent > 0 ? threads : 0));
    for (int s = 0; s < 8; ++s) {
        if (by_status[s] > 0) std::printf("  %-17s %lld\n", names[s], static_cast<long long>(by_status[s]));
    }
    std::printf("per function (calls: OK / refused):\n");
    for (const auto& [fn, st] : f.stats) {
        std::printf("  %-38s %7lld: %7lld / %lld\n", fn.c_str(), static_cast<long long>(st.calls), static_cast<long long>(st.by_status[0]),
                    static_cast<long long>(st.calls - st.by_status[0]));
    }
    test::expect(by_status[ANVIL_ERR_INTERNAL] == 0, "%lld calls gave ANVIL_ERR_INTERNAL", static_cast<long long>(by_status[ANVIL_ERR_INTERNAL]));
    test::expect(f.mismatches == 0, "%lld fuzz failures (the first ones are printed above)", static_cast<long long>(f.mismatches));

    anvil_plugin_unload(f.plugin);
    anvil_plugin_unload(f.batch_norm);
    anvil_context_destroy(f.cpu[0]);
    anvil_context_destroy(f.cpu[1]);
    rmdir(f.tmp_dir.c_str());
    return test::finish();
}
