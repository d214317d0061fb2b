// ThreadPool: runs fn(part, num_parts) on a fixed set of threads and waits, for splitting env
// stepping into disjoint env ranges. The calling thread runs part 0 itself.
#ifndef LPTRAIN_COMMON_THREAD_POOL_H_
#define LPTRAIN_COMMON_THREAD_POOL_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lpt {

// `requested` threads, or one per core when it is 0 or less.
int ThreadsOrCores(int requested);

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(i, size()) for i in [0, size()) concurrently; returns when all are done.
  void Run(const std::function<void(int, int)>& fn);

 private:
  void Work(int index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(int, int)>* job_ = nullptr;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace lpt

#endif  // LPTRAIN_COMMON_THREAD_POOL_H_
