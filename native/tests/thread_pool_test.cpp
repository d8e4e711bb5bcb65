// The thread pool's work split (native/core/thread_pool.h): parallel_for visits every item once,
// on pools of one to three threads, and in loops over elements (grain >= 64) every range but the
// last starts on a multiple of 16 items. Links the library's objects, as the pool is internal.
#include <atomic>
#include <vector>

#include "test_support.h"
#include "thread_pool.h"

namespace {

void test_parallel_for_split() {
    for (int threads : {1, 2, 3}) {
        anvil::ThreadPool pool(threads);
        for (int64_t n : {1, 15, 16, 17, 1000, 99999, 100003}) {
            for (int64_t grain : {1, 8, 64, 1 << 14}) {
                std::vector<std::atomic<int>> visits(static_cast<size_t>(n));
                std::atomic<int> ranges{0}, misaligned{0};
                anvil::parallel_for(pool, n, grain, [&](int64_t begin, int64_t end) {
                    ranges.fetch_add(1);
                    if (grain >= 64 && begin % 16 != 0) misaligned.fetch_add(1);
                    for (int64_t i = begin; i < end; ++i) visits[static_cast<size_t>(i)].fetch_add(1);
                });
                bool once = true;
                for (auto& v : visits) once = once && v.load() == 1;
                test::expect(once, "parallel_for(n %lld, grain %lld) on %d threads: an item is not visited exactly once",
                             static_cast<long long>(n), static_cast<long long>(grain), threads);
                test::expect(misaligned.load() == 0, "parallel_for(n %lld, grain %lld) on %d threads: a range starts off a multiple of 16",
                             static_cast<long long>(n), static_cast<long long>(grain), threads);
                // As many ranges as threads where every range gets at least `grain` items.
                const int64_t expected = std::min<int64_t>(threads, std::max<int64_t>(1, n / grain));
                test::expect(ranges.load() <= expected && (n < 16 * expected || ranges.load() == expected),
                             "parallel_for(n %lld, grain %lld) on %d threads: %d ranges, expected %lld",
                             static_cast<long long>(n), static_cast<long long>(grain), threads, ranges.load(),
                             static_cast<long long>(expected));
            }
        }
    }
}

}  // namespace

int main() {
    test_parallel_for_split();
    return test::finish();
}
