// What the plug-in tests share: where the example and test plug-ins lie, shapes as the general
// calls take them, and loading with a check.
#pragma once

#include <string>
#include <vector>

#include "test_support.h"

namespace plugin_test {

inline std::string example(const char* name) { return std::string(ANVIL_EXAMPLES_DIR) + "/libanvil_" + name + ".so"; }

inline std::string test_plugin(const char* name) {
    return std::string(ANVIL_TEST_PLUGIN_DIR) + "/libanvil_test_" + name + ".so";
}

// Shapes as the _n calls take them: rows of 8 dimensions and a rank each.
struct Shapes {
    std::vector<int64_t> dims;
    std::vector<int32_t> ranks;
    explicit Shapes(std::initializer_list<std::vector<int64_t>> shapes) {
        for (const std::vector<int64_t>& s : shapes) {
            std::vector<int64_t> row(8, 0);
            std::copy(s.begin(), s.end(), row.begin());
            dims.insert(dims.end(), row.begin(), row.end());
            ranks.push_back(static_cast<int32_t>(s.size()));
        }
    }
    int32_t count() const { return static_cast<int32_t>(ranks.size()); }
};

inline anvil_plugin* load(const std::string& path) {
    anvil_plugin* p = nullptr;
    EXPECT_OK(anvil_plugin_load(path.c_str(), &p));
    return p;
}

}  // namespace plugin_test
