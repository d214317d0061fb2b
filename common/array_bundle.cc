#include "common/array_bundle.h"

#include <cstring>

namespace lpt {
namespace {

template <typename T>
bool SameBits(const std::map<std::string, std::vector<T>>& a,
              const std::map<std::string, std::vector<T>>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first || i->second.size() != j->second.size()) return false;
    if (!i->second.empty() &&
        std::memcmp(i->second.data(), j->second.data(), i->second.size() * sizeof(T)) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool ArrayBundle::operator==(const ArrayBundle& o) const {
  return SameBits(f32, o.f32) && SameBits(f64, o.f64) && i64 == o.i64 && u64 == o.u64 &&
         u8 == o.u8 && str == o.str && shapes == o.shapes;
}
namespace {

// The type of the array called name in b, or "" if there is none.
std::string TypeOf(const ArrayBundle& b, const std::string& name) {
  if (b.f32.count(name)) return "float32";
  if (b.f64.count(name)) return "float64";
  if (b.i64.count(name)) return "int64";
  if (b.u64.count(name)) return "uint64";
  if (b.u8.count(name)) return "uint8";
  if (b.str.count(name)) return "text";
  return "";
}

template <typename T>
StatusOr<const std::vector<T>*> Get(const ArrayBundle& b,
                                    const std::map<std::string, std::vector<T>>& arrays,
                                    const std::string& name, int64_t size, const char* type) {
  const auto it = arrays.find(name);
  if (it == arrays.end()) {
    const std::string found = TypeOf(b, name);
    if (!found.empty()) return Status::Corruption(name + ": " + found + " array, expected " + type);
    return Status::NotFound(name + ": missing " + type + " array");
  }
  if (size >= 0 && static_cast<int64_t>(it->second.size()) != size) {
    return Status::Corruption(name + ": " + std::to_string(it->second.size()) +
                              " elements, expected " + std::to_string(size));
  }
  return &it->second;
}

}  // namespace

StatusOr<const std::vector<float>*> ArrayBundle::GetF32(const std::string& name,
                                                        int64_t size) const {
  return Get(*this, f32, name, size, "float32");
}
StatusOr<const std::vector<uint8_t>*> ArrayBundle::GetU8(const std::string& name,
                                                         int64_t size) const {
  return Get(*this, u8, name, size, "uint8");
}
StatusOr<const std::vector<int64_t>*> ArrayBundle::GetI64(const std::string& name,
                                                          int64_t size) const {
  return Get(*this, i64, name, size, "int64");
}
StatusOr<const std::vector<uint64_t>*> ArrayBundle::GetU64(const std::string& name,
                                                           int64_t size) const {
  return Get(*this, u64, name, size, "uint64");
}
StatusOr<const std::vector<double>*> ArrayBundle::GetF64(const std::string& name,
                                                         int64_t size) const {
  return Get(*this, f64, name, size, "float64");
}
StatusOr<const std::vector<std::string>*> ArrayBundle::GetStr(const std::string& name,
                                                              int64_t size) const {
  return Get(*this, str, name, size, "text");
}
StatusOr<int64_t> ArrayBundle::ScalarI64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* v, GetI64(name, 1));
  return (*v)[0];
}
StatusOr<uint64_t> ArrayBundle::ScalarU64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* v, GetU64(name, 1));
  return (*v)[0];
}
StatusOr<double> ArrayBundle::ScalarF64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<double>* v, GetF64(name, 1));
  return (*v)[0];
}

}  // namespace lpt

namespace lpt {
namespace {

class Writer {
 public:
  void U64(uint64_t v) { Raw(&v, 8); }
  void Text(const std::string& s) {
    U64(s.size());
    Raw(s.data(), s.size());
  }
  template <typename T>
  void Arrays(const std::map<std::string, std::vector<T>>& arrays) {
    U64(arrays.size());
    for (const auto& [name, v] : arrays) {
      Text(name);
      U64(v.size());
      Raw(v.data(), v.size() * sizeof(T));
    }
  }
  void Raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  std::vector<uint8_t> out;
};

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& in) : in_(in) {}
  bool U64(uint64_t* v) { return Raw(v, 8); }
  bool Text(std::string* s) {
    uint64_t n;
    if (!U64(&n) || n > in_.size() - pos_) return false;
    s->assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool Arrays(std::map<std::string, std::vector<T>>* arrays) {
    uint64_t count;
    if (!U64(&count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      std::string name;
      uint64_t n;
      if (!Text(&name) || !U64(&n) || n > (in_.size() - pos_) / sizeof(T)) return false;
      std::vector<T>& v = (*arrays)[name];
      v.resize(n);
      if (!Raw(v.data(), n * sizeof(T))) return false;
    }
    return true;
  }
  bool Raw(void* p, size_t n) {
    if (n > in_.size() - pos_) return false;
    if (n > 0) std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  const std::vector<uint8_t>& in_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<uint8_t> PackBundles(const BundleMap& bundles) {
  Writer w;
  w.U64(bundles.size());
  for (const auto& [path, b] : bundles) {
    w.Text(path);
    w.Arrays(b.f32);
    w.Arrays(b.i64);
    w.Arrays(b.u64);
    w.Arrays(b.f64);
    w.Arrays(b.u8);
    w.Arrays(b.shapes);
    w.U64(b.str.size());
    for (const auto& [name, texts] : b.str) {
      w.Text(name);
      w.U64(texts.size());
      for (const std::string& t : texts) w.Text(t);
    }
  }
  return std::move(w.out);
}

StatusOr<BundleMap> UnpackBundles(const std::vector<uint8_t>& bytes) {
  Reader r(bytes);
  BundleMap out;
  uint64_t count;
  bool ok = r.U64(&count);
  for (uint64_t i = 0; ok && i < count; ++i) {
    std::string path;
    ok = r.Text(&path);
    ArrayBundle& b = out[path];
    ok = ok && r.Arrays(&b.f32) && r.Arrays(&b.i64) && r.Arrays(&b.u64) && r.Arrays(&b.f64) &&
         r.Arrays(&b.u8) && r.Arrays(&b.shapes);
    uint64_t texts = 0;
    ok = ok && r.U64(&texts);
    for (uint64_t t = 0; ok && t < texts; ++t) {
      std::string name;
      uint64_t n = 0;
      ok = r.Text(&name) && r.U64(&n) && n <= bytes.size();
      std::vector<std::string>& v = b.str[name];
      for (uint64_t k = 0; ok && k < n; ++k) ok = r.Text(&v.emplace_back());
    }
  }
  if (!ok || !r.done())
    return Status::Corruption("packed state: truncated or malformed (" +
                              std::to_string(bytes.size()) + " bytes)");
  return out;
}

}  // namespace lpt
