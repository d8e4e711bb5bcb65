// Which variant of each CPU kernel family runs, for `anvil info`: the kernels choose from the
// same cpu_features() flags (capped by ANVIL_CPU_ISA), with the conditions named here.
#include <string>

#include "cpu/kernels.h"
#include "cpu_features.h"

namespace anvil::cpu {

const char* dispatch_description() {
    static const std::string text = [] {
        const CpuFeatures& f = cpu_features();
        const char* avx512 = f.avx512f ? "AVX-512" : "portable (no AVX-512F at this level)";
        std::string s = "level: " + cpu_isa_description() + "\n";
        s += std::string("gemm (linear, im2col convolutions): ") + gemm_kernel_name() + " micro-kernel" +
             (f.avx512f ? ", AVX-512 dot tiles for short-and-wide products, AVX-512 unpacked kernels with masked "
                          "edges for small products (k <= 256)"
                        : "") +
             "\n";
        s += f.avx512f ? "conv2d: Winograd F(2x2, 5x5) for 'same' 5x5 and F(4x4, 3x3) for 'same' 3x3 layers "
                         "(16k channels), AVX-512 direct kernels for other stride-1 layers, im2col + gemm for the rest\n"
                       : "conv2d: im2col + gemm (the direct and Winograd kernels need AVX-512F)\n";
        s += std::string("conv2d bias gradient: ") + avx512 + " channel sums\n";
        s += std::string("max pool2d: forward ") + (f.avx512f ? "AVX-512 row pairs for 2x2/2" : "portable") +
             ", backward " +
             (f.avx512vbmi ? "AVX-512 VBMI (one vector stream for 2x2/2 over even sizes, rows otherwise)"
                           : "portable scatter (the vector kernels need avx512vbmi)") +
             "; other pools portable\n";
        s += std::string("relu, dropout: ") + avx512 + "\n";
        s += std::string("batchnorm: ") + (f.avx512f ? "AVX-512 for planes of 16 values or more, portable below" : "portable") +
             "\n";
        s += std::string("linear bias gradient, Adam: ") + (f.avx512f ? "AVX-512 (compiler-vectorised)" : "portable") + "\n";
        s += "elementwise, loss, other optimizers: portable (compiler-vectorised)";
        return s;
    }();
    return text.c_str();
}

}  // namespace anvil::cpu
