// Plug-ins: the example LeakyReLU against a reference and finite differences; names, lookup and
// output shapes; bad arguments; plug-ins the host refuses (another ABI version, a malformed table,
// a missing file, a library that is no plug-in) and ops whose failures it must report.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "anvil_plugin.h"
#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

const std::string kExample = std::string(ANVIL_EXAMPLES_DIR) + "/libanvil_leaky_relu.so";

std::string test_plugin(const char* name) {
    return std::string(ANVIL_TEST_PLUGIN_DIR) + "/libanvil_test_" + name + ".so";
}

int64_t numel(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

void test_names(const anvil_plugin* p) {
    const char* text = nullptr;
    int32_t count = 0, index = -1, num_params = -1;
    EXPECT_OK(anvil_plugin_name(p, &text));
    EXPECT(text != nullptr && std::strcmp(text, "leaky_relu") == 0);
    EXPECT_OK(anvil_plugin_op_count(p, &count));
    EXPECT(count == 1);
    EXPECT_OK(anvil_plugin_op_find(p, "leaky_relu", &index));
    EXPECT(index == 0);
    EXPECT_OK(anvil_plugin_op_name(p, 0, &text));
    EXPECT(text != nullptr && std::strcmp(text, "leaky_relu") == 0);
    EXPECT_OK(anvil_plugin_op_description(p, 0, &text));
    EXPECT(text != nullptr && std::strstr(text, "slope") != nullptr);
    EXPECT_OK(anvil_plugin_op_num_params(p, 0, &num_params));
    EXPECT(num_params == 1);
}

void test_output_shape(const anvil_plugin* p) {
    const float slope = 0.1f;
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{5}, {2, 3, 4, 5}, {1, 1, 1, 1, 1, 1, 1, 7}}) {
        int64_t out[8] = {};
        int32_t out_rank = 0;
        EXPECT_OK(anvil_plugin_op_output_shape(p, 0, shape.data(), static_cast<int32_t>(shape.size()), &slope, 1, out,
                                               &out_rank));
        EXPECT(std::vector<int64_t>(out, out + out_rank) == shape);
    }
}

// Exact: the reference computes the same float products.
void test_forward_backward(const anvil_plugin* p, const Contexts& ctxs) {
    Rng rng(7);
    for (float slope : {0.0f, 0.01f, 0.2f, 1.5f}) {
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1}, {3, 11}, {4, 3, 29, 31}}) {
            const int64_t n = numel(shape);
            const int32_t rank = static_cast<int32_t>(shape.size());
            std::vector<float> x = rng.vector(n), dy = rng.vector(n), y_ref(n), dx_ref(n);
            x[0] = 0.0f;  // the kink: the gradient takes the slope side
            for (int64_t i = 0; i < n; ++i) {
                y_ref[i] = x[i] > 0.0f ? x[i] : slope * x[i];
                dx_ref[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
            }
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                std::vector<float> y(n, NAN), dx(n, NAN);
                EXPECT_OK(anvil_plugin_op_forward(ctx, p, 0, shape.data(), rank, &slope, 1, x.data(), y.data()));
                EXPECT(test::all_close(y, y_ref, 0, 0, "leaky_relu y"));
                EXPECT_OK(anvil_plugin_op_backward(ctx, p, 0, shape.data(), rank, &slope, 1, x.data(), y.data(),
                                                   dy.data(), dx.data()));
                EXPECT(test::all_close(dx, dx_ref, 0, 0, "leaky_relu dx"));
            }
        }
    }
}

// dL/dx of L = sum(w * y) by central differences, one element at a time, against backward with
// dy = w. The inputs stay away from the kink at 0, where the difference quotient is meaningless.
void test_finite_differences(const anvil_plugin* p, anvil_context* ctx) {
    const std::vector<int64_t> shape = {2, 3, 5};
    const int64_t n = numel(shape);
    const float slope = 0.05f, h = 1e-2f;
    Rng rng(11);
    std::vector<float> x = rng.vector(n), w = rng.vector(n), y(n), dx(n);
    for (float& v : x) v = v < 0 ? v - 0.1f : v + 0.1f;
    auto loss = [&](const std::vector<float>& in) {
        std::vector<float> out(n);
        EXPECT_OK(anvil_plugin_op_forward(ctx, p, 0, shape.data(), 3, &slope, 1, in.data(), out.data()));
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i]) * out[i];
        return sum;
    };
    std::vector<double> numeric(n);
    for (int64_t i = 0; i < n; ++i) {
        std::vector<float> plus = x, minus = x;
        plus[i] += h;
        minus[i] -= h;
        numeric[i] = (loss(plus) - loss(minus)) / (static_cast<double>(plus[i]) - minus[i]);
    }
    EXPECT_OK(anvil_plugin_op_forward(ctx, p, 0, shape.data(), 3, &slope, 1, x.data(), y.data()));
    EXPECT_OK(anvil_plugin_op_backward(ctx, p, 0, shape.data(), 3, &slope, 1, x.data(), y.data(), w.data(), dx.data()));
    EXPECT(test::all_close(dx, numeric, 1e-3, 1e-5, "leaky_relu dx vs finite differences"));
}

void test_bad_arguments(const anvil_plugin* p, anvil_context* ctx) {
    const std::vector<int64_t> shape = {2, 4};
    const float slope = 0.1f, negative = -0.5f;
    float x[8] = {}, y[8] = {}, dy[8] = {}, dx[8] = {};
    int64_t out[8];
    int32_t out_rank = 0, index = 0;
    const char* text = nullptr;

    EXPECT_ERROR(anvil_plugin_name(nullptr, &text), ANVIL_ERR_INVALID_ARGUMENT, "plug-in is NULL");
    EXPECT_ERROR(anvil_plugin_op_count(p, nullptr), ANVIL_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(anvil_plugin_op_find(p, nullptr, &index), ANVIL_ERR_INVALID_ARGUMENT, "name");
    // An unknown name lists what there is.
    EXPECT_ERROR(anvil_plugin_op_find(p, "gelu", &index), ANVIL_ERR_INVALID_ARGUMENT, "no op gelu; its ops: leaky_relu");
    EXPECT_ERROR(anvil_plugin_op_name(p, 1, &text), ANVIL_ERR_INVALID_ARGUMENT, "out of range");
    EXPECT_ERROR(anvil_plugin_op_num_params(p, -1, &index), ANVIL_ERR_INVALID_ARGUMENT, "out of range");

    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 2, &slope, 1, nullptr, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "out_shape");
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, nullptr, 2, &slope, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "shape is NULL");
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 0, &slope, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "rank");
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 9, &slope, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "rank");
    const int64_t zero_dim[2] = {2, 0};
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, zero_dim, 2, &slope, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "dimension");
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 2, &slope, 0, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "expects num_params = 1, got 0");
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 2, nullptr, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "params");
    // The plug-in's own check refuses the slope; the host names the plug-in and op.
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, 0, shape.data(), 2, &negative, 1, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT, "plug-in leaky_relu op leaky_relu: negative slope must be finite and >= 0");
    const float nan = NAN;
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, 0, shape.data(), 2, &nan, 1, x, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "negative slope");

    EXPECT_ERROR(anvil_plugin_op_forward(nullptr, p, 0, shape.data(), 2, &slope, 1, x, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "context");
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, nullptr, 0, shape.data(), 2, &slope, 1, x, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "plug-in is NULL");
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, 0, shape.data(), 2, &slope, 1, nullptr, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "x is NULL");
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, 0, shape.data(), 2, &slope, 1, x, x + 4), ANVIL_ERR_INVALID_ARGUMENT,
                 "overlap");
    EXPECT_ERROR(anvil_plugin_op_backward(ctx, p, 0, shape.data(), 2, &slope, 1, x, y, dy, nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "dx is NULL");
    EXPECT_ERROR(anvil_plugin_op_backward(ctx, p, 0, shape.data(), 2, &slope, 1, x, y, dy, dy),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_OK(anvil_plugin_op_backward(ctx, p, 0, shape.data(), 2, &slope, 1, x, y, dy, dx));
    EXPECT(std::strlen(anvil_last_error()) == 0);
}

void test_refused_plugins() {
    anvil_plugin* p = reinterpret_cast<anvil_plugin*>(&p);  // must be reset to NULL on failure

    const std::string wrong_abi = test_plugin("wrong_abi");
    EXPECT_ERROR(anvil_plugin_load(wrong_abi.c_str(), &p), ANVIL_ERR_UNSUPPORTED,
                 "built against plug-in ABI version 99; this Anvil supports versions 1, 2 and 3");
    EXPECT(std::strstr(anvil_last_error(), wrong_abi.c_str()) != nullptr);
    EXPECT(p == nullptr);

    EXPECT_ERROR(anvil_plugin_load(test_plugin("duplicate_ops").c_str(), &p), ANVIL_ERR_PLUGIN, "two ops are called twin");
    // The loader's own message: the file and why it cannot be opened.
    const std::string missing = std::string(ANVIL_TEST_PLUGIN_DIR) + "/libno_such_plugin.so";
    EXPECT_ERROR(anvil_plugin_load(missing.c_str(), &p), ANVIL_ERR_PLUGIN, "cannot open it");
    EXPECT(std::strstr(anvil_last_error(), "No such file or directory") != nullptr);
    EXPECT(std::strstr(anvil_last_error(), "libno_such_plugin.so") != nullptr);
    // A shared library that is no plug-in.
    EXPECT_ERROR(anvil_plugin_load("libm.so.6", &p), ANVIL_ERR_PLUGIN, "libm.so.6: does not export anvil_plugin_entry, anvil_plugin_entry_v2 or anvil_plugin_entry_v3");
    EXPECT_ERROR(anvil_plugin_load(nullptr, &p), ANVIL_ERR_INVALID_ARGUMENT, "path");
    EXPECT_ERROR(anvil_plugin_load(kExample.c_str(), nullptr), ANVIL_ERR_INVALID_ARGUMENT, "out");
    EXPECT(p == nullptr);
    EXPECT_OK(anvil_plugin_unload(nullptr));
}

// Writes `bytes` to a file beside the test plug-ins and returns its path.
std::string write_file(const char* name, const std::vector<char>& bytes) {
    const std::string path = std::string(ANVIL_TEST_PLUGIN_DIR) + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT(f != nullptr);
    if (f != nullptr) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    return path;
}

// Files that would crash the dynamic loader (a truncated library is mapped past its end: SIGBUS)
// are refused before dlopen, with a message.
void test_damaged_files() {
    std::FILE* f = std::fopen(kExample.c_str(), "rb");
    EXPECT(f != nullptr);
    std::vector<char> library;
    for (int ch; f != nullptr && (ch = std::fgetc(f)) != EOF;) library.push_back(static_cast<char>(ch));
    if (f != nullptr) std::fclose(f);
    anvil_plugin* p = nullptr;
    for (size_t keep : {library.size() / 2, library.size() - 1, size_t{200}}) {
        const std::string cut = write_file("libtruncated.so", std::vector<char>(library.begin(), library.begin() + keep));
        EXPECT_ERROR(anvil_plugin_load(cut.c_str(), &p), ANVIL_ERR_PLUGIN, "is truncated");
    }
    EXPECT_ERROR(anvil_plugin_load(write_file("libtiny.so", std::vector<char>(12, 'x')).c_str(), &p), ANVIL_ERR_PLUGIN,
                 "too short for an ELF header");
    std::vector<char> text(4096, 'a');
    EXPECT_ERROR(anvil_plugin_load(write_file("libtext.so", text).c_str(), &p), ANVIL_ERR_PLUGIN, "is not an ELF file");
    std::vector<char> wrong_type = library;
    wrong_type[16] = 2;  // e_type = ET_EXEC
    EXPECT_ERROR(anvil_plugin_load(write_file("libexec.so", wrong_type).c_str(), &p), ANVIL_ERR_PLUGIN,
                 "is not a shared library");
    EXPECT_ERROR(anvil_plugin_load(ANVIL_TEST_PLUGIN_DIR, &p), ANVIL_ERR_PLUGIN, "is not a regular file");
    EXPECT(p == nullptr);
}

void test_failing_ops(anvil_context* ctx) {
    anvil_plugin* p = nullptr;
    EXPECT_OK(anvil_plugin_load(test_plugin("faulty").c_str(), &p));
    if (p == nullptr) return;
    const int64_t shape[2] = {3, 4};
    float x[12] = {}, y[12] = {}, dy[12] = {}, dx[12] = {};
    int32_t fail = -1, unterminated = -1, bad_shape = -1;
    EXPECT_OK(anvil_plugin_op_find(p, "fail", &fail));
    EXPECT_OK(anvil_plugin_op_find(p, "unterminated", &unterminated));
    EXPECT_OK(anvil_plugin_op_find(p, "bad_shape", &bad_shape));

    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, fail, shape, 2, nullptr, 0, x, y), ANVIL_ERR_PLUGIN,
                 "anvil_plugin_op_forward: plug-in faulty op fail: out of widgets for 12 elements");
    EXPECT_ERROR(anvil_plugin_op_backward(ctx, p, fail, shape, 2, nullptr, 0, x, y, dy, dx), ANVIL_ERR_PLUGIN,
                 "plug-in faulty op fail: failed with code 7 and no message");
    // A message that filled the whole buffer arrives cut, not read past the end.
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, unterminated, shape, 2, nullptr, 0, x, y), ANVIL_ERR_PLUGIN,
                 "plug-in faulty op unterminated: www");
    EXPECT(std::strlen(anvil_last_error()) < 600);
    int64_t out[8];
    int32_t out_rank = 0;
    EXPECT_ERROR(anvil_plugin_op_output_shape(p, bad_shape, shape, 2, nullptr, 0, out, &out_rank), ANVIL_ERR_PLUGIN,
                 "check() gave output rank 9");
    EXPECT_OK(anvil_plugin_unload(p));
}

// Two handles on one library: dlopen counts references, so unloading one leaves the other usable.
void test_load_twice(anvil_context* ctx) {
    anvil_plugin *a = nullptr, *b = nullptr;
    EXPECT_OK(anvil_plugin_load(kExample.c_str(), &a));
    EXPECT_OK(anvil_plugin_load(kExample.c_str(), &b));
    EXPECT_OK(anvil_plugin_unload(a));
    const int64_t shape[1] = {3};
    const float slope = 0.5f, x[3] = {-2.0f, 0.0f, 2.0f};
    float y[3] = {};
    EXPECT_OK(anvil_plugin_op_forward(ctx, b, 0, shape, 1, &slope, 1, x, y));
    EXPECT(y[0] == -1.0f && y[1] == 0.0f && y[2] == 2.0f);
    EXPECT_OK(anvil_plugin_unload(b));
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        anvil_plugin* p = nullptr;
        EXPECT_OK(anvil_plugin_load(kExample.c_str(), &p));
        if (p != nullptr) {
            test_names(p);
            test_output_shape(p);
            test_forward_backward(p, ctxs);
            test_finite_differences(p, ctxs.one);
            test_bad_arguments(p, ctxs.one);
            EXPECT_OK(anvil_plugin_unload(p));
        }
        test_refused_plugins();
        test_damaged_files();
        test_failing_ops(ctxs.one);
        test_load_twice(ctxs.two);
    }
    return test::finish();
}
