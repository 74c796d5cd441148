#pragma once

// An allocator for large, randomly accessed arrays (hash tables): allocations of 2 MiB and
// more are mapped separately and advised to use transparent huge pages (madvise
// MADV_HUGEPAGE), so that random accesses stop missing the TLB and first touches fault once
// per 2 MiB instead of once per 4 KiB (each fault costs ~15 µs on virtual machines). Smaller
// allocations use operator new. Stateless; thread-safe.

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace sluice::common {

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    size_t mapped = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, mapped, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      ::operator delete(p);
      return;
    }
    munmap(p, (bytes + kHugePage - 1) / kHugePage * kHugePage);
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace sluice::common
