// Span<T>: a non-owning view of a contiguous array (pointer + length), the C++17 stand-in for
// std::span used for caller-owned buffers across module boundaries.
#ifndef LPTRAIN_COMMON_SPAN_H_
#define LPTRAIN_COMMON_SPAN_H_

#include <cstddef>
#include <type_traits>
#include <vector>

#include "common/check.h"

namespace lpt {

template <typename T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  // From a std::vector (const or not, as T allows).
  template <typename V, typename = std::enable_if_t<
                            std::is_convertible_v<decltype(std::declval<V&>().data()), T*>>>
  Span(V& v) : data_(v.data()), size_(v.size()) {}  // NOLINT(google-explicit-constructor)
  // Span<T> converts to Span<const T>.
  template <typename U,
            typename = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
  constexpr Span(Span<U> other) : data_(other.data()), size_(other.size()) {}  // NOLINT

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }
  constexpr T& operator[](size_t i) const { return data_[i]; }

  // Elements [offset, offset + count). Checked: a bad sub-range is a bug.
  Span subspan(size_t offset, size_t count) const {
    LPT_CHECK(offset <= size_ && count <= size_ - offset)
        << "subspan [" << offset << ", +" << count << ") of " << size_;
    return Span(data_ + offset, count);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace lpt

#endif  // LPTRAIN_COMMON_SPAN_H_
