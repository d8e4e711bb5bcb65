/* Bad-argument tests of the C ABI, compiled as C99: every call with a broken argument must
 * return an error status and a message, never crash, and leave no memory behind. */
#include <stdio.h>
#include <string.h>

#include "anvil.h"

static int failures = 0;
static int passed = 0;

#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (cond) {                                                                \
            ++passed;                                                              \
        } else {                                                                   \
            ++failures;                                                            \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                          \
    } while (0)

/* The call failed with `status` and left a non-empty message that mentions `word`. */
#define EXPECT_ERROR(call, status, word)                                            \
    do {                                                                            \
        anvil_status s_ = (call);                                                   \
        EXPECT(s_ == (status));                                                     \
        EXPECT(strstr(anvil_last_error(), (word)) != NULL);                         \
    } while (0)

static anvil_conv2d_desc conv_desc(void) {
    anvil_conv2d_desc d;
    memset(&d, 0, sizeof d);
    d.batch = 2; d.in_channels = 3; d.in_h = 8; d.in_w = 8; d.out_channels = 4;
    d.kernel_h = 3; d.kernel_w = 3; d.stride_h = 1; d.stride_w = 1; d.pad_h = 1; d.pad_w = 1;
    d.dilation_h = 1; d.dilation_w = 1; d.groups = 1;
    return d;
}

int main(void) {
    anvil_context* ctx = NULL;
    float buf[4096];
    int32_t labels[4] = {0, 1, 2, 99};
    int64_t oh = 0, ow = 0;
    void* mem = NULL;

    EXPECT(anvil_abi_version() == ANVIL_ABI_VERSION);
    EXPECT(strlen(anvil_version()) > 0);
    EXPECT(anvil_context_create(2, &ctx) == ANVIL_OK && ctx != NULL);
    EXPECT_ERROR(anvil_context_create(2, NULL), ANVIL_ERR_INVALID_ARGUMENT, "out");

    /* memory */
    EXPECT_ERROR(anvil_malloc(0, &mem), ANVIL_ERR_INVALID_ARGUMENT, "bytes");
    EXPECT_ERROR(anvil_malloc(-5, &mem), ANVIL_ERR_INVALID_ARGUMENT, "bytes");
    EXPECT(anvil_malloc(1000, &mem) == ANVIL_OK && mem != NULL && ((size_t)mem % 64) == 0);
    EXPECT(anvil_live_bytes() == 1000);
    EXPECT(anvil_free(mem) == ANVIL_OK);
    EXPECT(anvil_live_bytes() == 0);
    EXPECT(anvil_free(NULL) == ANVIL_OK);

    /* elementwise */
    EXPECT_ERROR(anvil_fill(NULL, 4, 1.0f, buf), ANVIL_ERR_INVALID_ARGUMENT, "context");
    EXPECT_ERROR(anvil_fill(ctx, -1, 1.0f, buf), ANVIL_ERR_INVALID_ARGUMENT, "n");
    EXPECT_ERROR(anvil_fill(ctx, 4, 1.0f, NULL), ANVIL_ERR_INVALID_ARGUMENT, "y");
    EXPECT_ERROR(anvil_copy(ctx, 8, buf, buf + 4), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT(anvil_fill(ctx, 4, 2.5f, buf) == ANVIL_OK && buf[3] == 2.5f);
    EXPECT(strlen(anvil_last_error()) == 0);

    /* conv2d */
    {
        anvil_conv2d_desc d = conv_desc();
        EXPECT(anvil_conv2d_output_size(&d, &oh, &ow) == ANVIL_OK && oh == 8 && ow == 8);
        EXPECT_ERROR(anvil_conv2d_output_size(NULL, &oh, &ow), ANVIL_ERR_INVALID_ARGUMENT, "descriptor");
        d.kernel_h = 11;
        EXPECT_ERROR(anvil_conv2d_output_size(&d, &oh, &ow), ANVIL_ERR_INVALID_ARGUMENT, "larger than the padded input");
        d = conv_desc();
        d.groups = 2;
        EXPECT_ERROR(anvil_conv2d_forward(ctx, &d, buf, buf + 1024, NULL, buf + 2048), ANVIL_ERR_INVALID_ARGUMENT, "divisible");
        d = conv_desc();
        d.stride_w = 0;
        EXPECT_ERROR(anvil_conv2d_forward(ctx, &d, buf, buf + 1024, NULL, buf + 2048), ANVIL_ERR_INVALID_ARGUMENT, "stride_w");
        d = conv_desc();
        EXPECT_ERROR(anvil_conv2d_forward(ctx, &d, NULL, buf, NULL, buf + 2048), ANVIL_ERR_INVALID_ARGUMENT, "x");
        EXPECT_ERROR(anvil_conv2d_backward_weight(ctx, &d, buf, buf + 1024, buf + 3000, NULL, 7), ANVIL_ERR_INVALID_ARGUMENT, "accumulate");
        d.batch = INT64_C(1) << 40; d.in_channels = INT64_C(1) << 20;
        EXPECT_ERROR(anvil_conv2d_forward(ctx, &d, buf, buf, NULL, buf), ANVIL_ERR_INVALID_ARGUMENT, "too large");
    }

    /* pooling */
    {
        anvil_pool2d_desc p;
        memset(&p, 0, sizeof p);
        p.batch = 1; p.channels = 1; p.in_h = 4; p.in_w = 4; p.kernel_h = 2; p.kernel_w = 2;
        p.stride_h = 2; p.stride_w = 2;
        EXPECT(anvil_pool2d_output_size(&p, &oh, &ow) == ANVIL_OK && oh == 2 && ow == 2);
        p.pad_h = 2;
        EXPECT_ERROR(anvil_pool2d_output_size(&p, &oh, &ow), ANVIL_ERR_INVALID_ARGUMENT, "half of the kernel");
        p.pad_h = 0;
        EXPECT_ERROR(anvil_maxpool2d_backward(ctx, &p, buf, NULL, buf + 100), ANVIL_ERR_INVALID_ARGUMENT, "argmax");
        {
            int64_t index_bytes = 0;
            EXPECT(anvil_maxpool2d_index_bytes(&p, &index_bytes) == ANVIL_OK && index_bytes == 1);
        }
    }

    /* linear */
    {
        anvil_linear_desc l = {2, 0, 3};
        EXPECT_ERROR(anvil_linear_forward(ctx, &l, buf, buf + 100, NULL, buf + 200), ANVIL_ERR_INVALID_ARGUMENT, "in_features");
    }

    /* activation */
    EXPECT_ERROR(anvil_dropout_forward(ctx, 4, 1.0f, 1, buf, buf), ANVIL_ERR_INVALID_ARGUMENT, "p must be");
    EXPECT_ERROR(anvil_relu_backward(ctx, 4, NULL, buf, buf), ANVIL_ERR_INVALID_ARGUMENT, "y");

    /* loss: a label out of range is reported with its position */
    memset(buf, 0, 40 * sizeof(float));
    {
        float loss = 0.0f;
        anvil_cross_entropy_desc ce = {4, 10, 0.0f, -100};
        anvil_status s = anvil_softmax_cross_entropy_forward(ctx, &ce, buf, labels, NULL, &loss);
        EXPECT(s == ANVIL_ERR_INVALID_ARGUMENT || s == ANVIL_ERR_UNSUPPORTED);
        ce.batch = 0;
        EXPECT_ERROR(anvil_softmax_cross_entropy_forward(ctx, &ce, buf, labels, NULL, &loss), ANVIL_ERR_INVALID_ARGUMENT, "batch");
    }

    /* optimizers */
    {
        anvil_sgd_desc sgd = {0.1f, 0.0f, 0.0f, 0.0f, 1, 0};
        anvil_adam_desc adam = {0.001f, 0.9f, 1.5f, 1e-8f, 0.0f, 0};
        EXPECT_ERROR(anvil_sgd_step(ctx, &sgd, 1, 4, buf, buf + 8, NULL), ANVIL_ERR_INVALID_ARGUMENT, "Nesterov");
        sgd.nesterov = 0; sgd.momentum = 0.9f;
        EXPECT_ERROR(anvil_sgd_step(ctx, &sgd, 1, 4, buf, buf + 8, NULL), ANVIL_ERR_INVALID_ARGUMENT, "velocity");
        EXPECT_ERROR(anvil_sgd_step(ctx, &sgd, 0, 4, buf, buf + 8, buf + 16), ANVIL_ERR_INVALID_ARGUMENT, "step");
        EXPECT_ERROR(anvil_adam_step(ctx, &adam, 1, 4, buf, buf + 8, buf + 16, buf + 24), ANVIL_ERR_INVALID_ARGUMENT, "beta2");
    }

    /* plug-ins (plugin_test loads real ones) */
    {
        anvil_plugin* plugin = NULL;
        int32_t count = 0;
        EXPECT_ERROR(anvil_plugin_load(NULL, &plugin), ANVIL_ERR_INVALID_ARGUMENT, "path");
        EXPECT(plugin == NULL);
        EXPECT_ERROR(anvil_plugin_op_count(NULL, &count), ANVIL_ERR_INVALID_ARGUMENT, "plug-in");
        EXPECT(anvil_plugin_unload(NULL) == ANVIL_OK);
    }

    EXPECT(anvil_context_destroy(ctx) == ANVIL_OK);
    EXPECT(anvil_context_destroy(NULL) == ANVIL_OK);
    EXPECT(anvil_live_bytes() == 0);

    printf("%d passed, %d failed\n", passed, failures);
    return failures == 0 ? 0 : 1;
}
