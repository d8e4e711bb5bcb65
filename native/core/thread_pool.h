// A fixed pool of worker threads owned by an anvil_context. The calling thread takes part as
// thread 0, so a pool of size 1 runs everything inline with no synchronisation at all.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace anvil {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return size_; }

    // Replaces the workers by `threads` new ones. Only while no run() is in progress (the owning
    // context's lock sees to that).
    void resize(int threads);

    // Runs task(tid, nthreads) once on each of the pool's threads and returns when all are done.
    // An exception thrown by any task is rethrown here (the first one wins).
    void run(const std::function<void(int, int)>& task);

private:
    void start(int threads);
    void stop();
    void worker(int tid, uint64_t seen);

    int size_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(int, int)>* task_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    bool stop_ = false;
    std::exception_ptr error_;
};

// Splits [0, n) into one contiguous range per thread (at least `grain` items each, so tiny loops
// stay on one thread) and calls body(begin, end) for each non-empty range. In loops over elements
// (grain >= 64) every range but the last starts and ends on a multiple of 16 items, so that a
// loop vectorised over the items meets the same vectors and the same scalar tail as on one
// thread: its results are bit for bit those of one thread, even where the compiler rounds the
// vector body and the tail differently (fused multiply-adds).
template <class Body>
void parallel_for(ThreadPool& pool, int64_t n, int64_t grain, Body&& body) {
    if (n <= 0) return;
    const int64_t chunks = std::min<int64_t>(pool.size(), std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
    if (chunks <= 1) {
        body(int64_t{0}, n);
        return;
    }
    const int64_t quantum = grain >= 64 ? 16 : 1;
    auto bound = [&](int64_t t) { return t == chunks ? n : n * t / chunks / quantum * quantum; };
    pool.run([&](int tid, int) {
        if (tid >= chunks) return;
        const int64_t begin = bound(tid), end = bound(tid + 1);
        if (begin < end) body(begin, end);
    });
}

}  // namespace anvil
