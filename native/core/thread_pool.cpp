#include "thread_pool.h"

#include <chrono>

namespace anvil {

ThreadPool::ThreadPool(int threads) { start(threads); }

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::resize(int threads) {
    stop();
    start(threads);
}

void ThreadPool::start(int threads) {
    size_ = std::max(1, threads);
    stop_ = false;
    // New workers wait for the generation after the current one: earlier ones are not theirs.
    const uint64_t now = generation_.load();
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t, now] { worker(t, now); });
}

void ThreadPool::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
}

void ThreadPool::run(const std::function<void(int, int)>& task) {
    if (size_ == 1) {
        task(0, 1);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        task_ = &task;
        error_ = nullptr;
        pending_.store(size_ - 1);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    try {
        task(0, size_);
    } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
    }
    // Kernels are short (micro- to milliseconds): spin a little before sleeping.
    for (int spin = 0; spin < 20000 && pending_.load(std::memory_order_acquire) != 0; ++spin) {
        std::this_thread::yield();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load() == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker(int tid, uint64_t seen) {
    for (;;) {
        // Spin briefly for the next task: consecutive kernels follow each other closely.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
        while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
        const std::function<void(int, int)>* task;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
            seen = generation_.load();
            if (stop_) return;
            task = task_;
        }
        try {
            (*task)(tid, size_);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.notify_one();
        }
    }
}

}  // namespace anvil
