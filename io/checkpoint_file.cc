#include "io/checkpoint_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "common/files.h"
#include "common/rng.h"
#include "common/strings.h"

namespace lpt::io {
namespace {

// Owns an HDF5 id and closes it with the matching function.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// The first 512 bytes of a checkpoint are an HDF5 "user block" (HDF5 skips it; h5py and
// h5dump read such files as usual). lptrain puts its own header there: a magic string, the
// file's length and a checksum of everything after the header, checked before HDF5 parses
// anything. HDF5 does not checksum raw data or its global heap, and can crash on damaged
// input, so no damaged byte reaches it.
constexpr hsize_t kUserBlock = 512;
constexpr char kHeaderMagic[16] = "LPTRAIN-CKPT-v1";

uint64_t Checksum(const uint8_t* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = Mix64(h ^ w) + 0x632be59bd9b4e019ULL;
  }
  for (; i < n; ++i) h = Mix64(h ^ p[i]);
  return h;
}

Status ReadBytes(const std::string& path, std::vector<uint8_t>* bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(path + ": " + std::strerror(errno));
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  bytes->resize(size > 0 ? static_cast<size_t>(size) : 0);
  const size_t got = bytes->empty() ? 0 : std::fread(bytes->data(), 1, bytes->size(), f);
  std::fclose(f);
  if (got != bytes->size()) return Status::IoError(path + ": short read");
  return Status::Ok();
}

// The header for a file whose bytes after the user block are `image`.
void PutHeader(const uint8_t* image, size_t n, uint8_t* header) {
  std::memset(header, 0, kUserBlock);
  std::memcpy(header, kHeaderMagic, 16);
  const uint64_t size = n + kUserBlock;
  const uint64_t sum = Checksum(image, n);
  std::memcpy(header + 16, &size, 8);
  std::memcpy(header + 24, &sum, 8);
}

// Checks a file's bytes (its header) before HDF5 sees any of them.
Status Verify(const std::string& path, const std::vector<uint8_t>& bytes) {
  if (bytes.size() < kUserBlock || std::memcmp(bytes.data(), kHeaderMagic, 16) != 0) {
    return Status::Corruption(path + (H5Fis_hdf5(path.c_str()) > 0
                                          ? ": an HDF5 file, but not an lptrain checkpoint"
                                          : ": not an HDF5 file"));
  }
  uint64_t size = 0;
  uint64_t sum = 0;
  std::memcpy(&size, bytes.data() + 16, 8);
  std::memcpy(&sum, bytes.data() + 24, 8);
  if (size != bytes.size()) {
    return Status::Corruption(path + ": truncated or extended (" + std::to_string(bytes.size()) +
                              " bytes, its header says " + std::to_string(size) + ")");
  }
  if (sum != Checksum(bytes.data() + kUserBlock, bytes.size() - kUserBlock)) {
    return Status::Corruption(path + ": damaged (checksum mismatch)");
  }
  return Status::Ok();
}

void SilenceHdf5() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as Status, not stderr
    return true;
  }();
  (void)once;
}

std::string Dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

Status FsyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IoError(path + ": fsync: " + std::strerror(errno));
  return Status::Ok();
}

// --- writing ---

struct Writer {
  std::string file;  // for messages
  hid_t root = -1;

  Status Fail(const std::string& object, const std::string& what) const {
    return Status::IoError(file + ": " + object + ": " + what);
  }

  Status Numeric(hid_t group, const std::string& where, const std::string& name, const void* data,
                 size_t size, const ArrayBundle& b, hid_t file_type, hid_t mem_type) {
    if (name.find('/') != std::string::npos || name.empty())
      return Fail(where + "/" + name, "bad array name");
    std::vector<hsize_t> dims = {static_cast<hsize_t>(size)};
    const auto shape = b.shapes.find(name);
    if (shape != b.shapes.end()) {
      dims.assign(shape->second.begin(), shape->second.end());
      hsize_t product = 1;
      for (hsize_t d : dims) product *= d;
      if (product != size)
        return Fail(where + "/" + name,
                    "shape does not match its " + std::to_string(size) + " elements");
    }
    Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Id set(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT),
           H5Dclose);
    if (!set.ok()) return Fail(where + "/" + name, "cannot create the dataset");
    if (size > 0 && H5Dwrite(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
      return Fail(where + "/" + name, "cannot write the dataset");
    }
    return Status::Ok();
  }

  Status Strings(hid_t group, const std::string& where, const std::string& name,
                 const std::vector<std::string>& v) {
    Id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const hsize_t n = v.size();
    Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Id set(H5Dcreate2(group, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT),
           H5Dclose);
    if (!set.ok()) return Fail(where + "/" + name, "cannot create the dataset");
    std::vector<const char*> ptrs;
    for (const std::string& s : v) ptrs.push_back(s.c_str());
    if (n > 0 && H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
      return Fail(where + "/" + name, "cannot write the dataset");
    }
    return Status::Ok();
  }

  Status Group(const std::string& path, const ArrayBundle& b) {
    Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    Id group(H5Gcreate2(root, path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group.ok()) return Fail("/" + path, "cannot create the group");
    const std::string where = "/" + path;
    for (const auto& [name, v] : b.f32) {
      LPT_RETURN_IF_ERROR(Numeric(group.get(), where, name, v.data(), v.size(), b, H5T_IEEE_F32LE,
                                  H5T_NATIVE_FLOAT));
    }
    for (const auto& [name, v] : b.f64) {
      LPT_RETURN_IF_ERROR(Numeric(group.get(), where, name, v.data(), v.size(), b, H5T_IEEE_F64LE,
                                  H5T_NATIVE_DOUBLE));
    }
    for (const auto& [name, v] : b.i64) {
      LPT_RETURN_IF_ERROR(Numeric(group.get(), where, name, v.data(), v.size(), b, H5T_STD_I64LE,
                                  H5T_NATIVE_INT64));
    }
    for (const auto& [name, v] : b.u64) {
      LPT_RETURN_IF_ERROR(Numeric(group.get(), where, name, v.data(), v.size(), b, H5T_STD_U64LE,
                                  H5T_NATIVE_UINT64));
    }
    for (const auto& [name, v] : b.u8) {
      LPT_RETURN_IF_ERROR(
          Numeric(group.get(), where, name, v.data(), v.size(), b, H5T_STD_U8LE, H5T_NATIVE_UINT8));
    }
    for (const auto& [name, v] : b.str) LPT_RETURN_IF_ERROR(Strings(group.get(), where, name, v));
    return Status::Ok();
  }

  Status TextAttr(const std::string& name, const std::string& value) {
    Id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    Id space(H5Screate(H5S_SCALAR), H5Sclose);
    Id attr(H5Acreate2(root, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
    const char* p = value.c_str();
    if (!attr.ok() || H5Awrite(attr.get(), type.get(), &p) < 0)
      return Fail("/", "attribute " + name);
    return Status::Ok();
  }

  Status IntAttr(const std::string& name, int64_t value) {
    Id space(H5Screate(H5S_SCALAR), H5Sclose);
    Id attr(H5Acreate2(root, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
    if (!attr.ok() || H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0)
      return Fail("/", "attribute " + name);
    return Status::Ok();
  }
};

// The checkpoint as HDF5 builds it in memory (the core driver without a backing store): the
// file's bytes after the user block. HDF5 never writes to the disk itself, so a full disk or a
// failing device shows up in our own writes (a clear error), never inside HDF5 (which can leave
// a half-closed file behind that crashes the library at exit).
Status BuildImage(const std::string& shown, const CheckpointData& data, int64_t version,
                  std::vector<uint8_t>* image) {
  Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_userblock(fcpl.get(), kUserBlock);
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0);
  Id file(H5Fcreate((shown + ".image").c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
  if (!file.ok()) return Status::IoError(shown + ": cannot create the file in memory");
  Writer w{shown, file.get()};
  LPT_RETURN_IF_ERROR(w.TextAttr("format", kFormatName));
  LPT_RETURN_IF_ERROR(w.IntAttr("format_version", version));
  for (const auto& [name, value] : data.text_attrs) LPT_RETURN_IF_ERROR(w.TextAttr(name, value));
  for (const auto& [name, value] : data.int_attrs) LPT_RETURN_IF_ERROR(w.IntAttr(name, value));
  for (const auto& [path, bundle] : data.groups) LPT_RETURN_IF_ERROR(w.Group(path, bundle));
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) return Status::IoError(shown + ": flush failed");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  if (size <= 0) return Status::IoError(shown + ": cannot take the file's image");
  image->resize(static_cast<size_t>(size));
  if (H5Fget_file_image(file.get(), image->data(), image->size()) != size)
    return Status::IoError(shown + ": cannot take the file's image");
  return Status::Ok();
}

// Writes header + image to path (created or truncated) and syncs it to the device.
Status WriteAll(const std::string& path, const uint8_t* header, const std::vector<uint8_t>& image) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  bool ok = WriteFully(fd, header, kUserBlock) && WriteFully(fd, image.data(), image.size()) &&
            ::fsync(fd) == 0;
  const int err = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) return Status::IoError(path + ": " + std::strerror(err != 0 ? err : errno));
  return Status::Ok();
}

// --- reading ---

struct Reader {
  std::string file;
  CheckpointData* out;
  Status error;
  size_t file_bytes;  // no dataset of an lptrain checkpoint holds more than the file

  Status Corrupt(const std::string& object, const std::string& what) const {
    return Status::Corruption(file + ": " + object + ": " + what);
  }

  Status Dataset(hid_t loc, const std::string& group, const std::string& name) {
    const std::string where = "/" + group + "/" + name;
    Id set(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.ok()) return Corrupt(where, "cannot open the dataset");
    Id type(H5Dget_type(set.get()), H5Tclose);
    Id space(H5Dget_space(set.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 8) return Corrupt(where, "unexpected rank " + std::to_string(rank));
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
      return Corrupt(where, "cannot read the dataspace");
    // lptrain writes its arrays uncompressed and contiguous: more elements than the file has
    // bytes is damage (and would be an allocation of any size).
    size_t n = 1;
    for (hsize_t d : dims) {
      if (d > file_bytes || (d > 0 && n > file_bytes / d))
        return Corrupt(where, "dimensions larger than the file");
      n *= d;
    }
    ArrayBundle& b = out->groups[group];
    if (rank > 1) b.shapes[name].assign(dims.begin(), dims.end());
    const H5T_class_t cls = H5Tget_class(type.get());
    const size_t size = H5Tget_size(type.get());
    auto read = [&](auto* vec, hid_t mem_type) -> Status {
      vec->resize(n);
      if (n > 0 && H5Dread(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, vec->data()) < 0) {
        return Corrupt(where, "cannot read the data (damaged: checksum or storage error)");
      }
      return Status::Ok();
    };
    if (cls == H5T_FLOAT && size == 4) return read(&b.f32[name], H5T_NATIVE_FLOAT);
    if (cls == H5T_FLOAT && size == 8) return read(&b.f64[name], H5T_NATIVE_DOUBLE);
    if (cls == H5T_INTEGER && size == 8 && H5Tget_sign(type.get()) == H5T_SGN_2)
      return read(&b.i64[name], H5T_NATIVE_INT64);
    if (cls == H5T_INTEGER && size == 8) return read(&b.u64[name], H5T_NATIVE_UINT64);
    if (cls == H5T_INTEGER && size == 1 && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
      return read(&b.u8[name], H5T_NATIVE_UINT8);
    }
    if (cls == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
      std::vector<char*> ptrs(n, nullptr);
      Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // no conversion between character sets
      if (n > 0 && H5Dread(set.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
        return Corrupt(where, "cannot read the strings");
      }
      std::vector<std::string>& v = b.str[name];
      for (char* p : ptrs) v.emplace_back(p != nullptr ? p : "");
      if (n > 0) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
      return Status::Ok();
    }
    return Corrupt(where, "unsupported data type (class " + std::to_string(cls) + ", " +
                              std::to_string(size) + " bytes)");
  }

  Status Group(hid_t loc, const std::string& path) {
    std::vector<std::pair<std::string, H5O_type_t>> children;
    struct Ctx {
      std::vector<std::pair<std::string, H5O_type_t>>* children;
    } ctx{&children};
    // HDF5 1.10 API (Debian 12).
    const auto visit = [](hid_t g, const char* name, const H5L_info_t*, void* data) -> herr_t {
      H5O_info_t info;
      if (H5Oget_info_by_name2(g, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
      static_cast<Ctx*>(data)->children->emplace_back(name, info.type);
      return 0;
    };
    if (H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &ctx) < 0) {
      return Corrupt(path.empty() ? "/" : "/" + path, "cannot list the group");
    }
    for (const auto& [name, type] : children) {
      const std::string child = path.empty() ? name : path + "/" + name;
      if (type == H5O_TYPE_GROUP) {
        Id g(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose);
        if (!g.ok()) return Corrupt("/" + child, "cannot open the group");
        LPT_RETURN_IF_ERROR(Group(g.get(), child));
      } else if (type == H5O_TYPE_DATASET) {
        if (path.empty()) return Corrupt("/" + name, "a dataset outside any group");
        LPT_RETURN_IF_ERROR(Dataset(loc, path, name));
      }
    }
    return Status::Ok();
  }

  Status Attributes(hid_t root) {
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
      static_cast<std::vector<std::string>*>(data)->emplace_back(name);
      return 0;
    };
    if (H5Aiterate2(root, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
      return Corrupt("/", "cannot list the attributes");
    }
    for (const std::string& attr_name : names) {
      Id attr(H5Aopen(root, attr_name.c_str(), H5P_DEFAULT), H5Aclose);
      if (!attr.ok()) return Corrupt("/", "cannot open attribute " + attr_name);
      const char* name = attr_name.c_str();
      Id type(H5Aget_type(attr.get()), H5Tclose);
      // One value each (a read writes as many values as the dataspace holds).
      Id space(H5Aget_space(attr.get()), H5Sclose);
      const hssize_t points = space.ok() ? H5Sget_simple_extent_npoints(space.get()) : -1;
      if (points != 1) {
        return Corrupt("/", std::string("attribute ") + name + ": " + std::to_string(points) +
                                " values where one is expected");
      }
      if (H5Tget_class(type.get()) == H5T_STRING) {
        Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        char* value = nullptr;
        if (H5Aread(attr.get(), mem.get(), &value) < 0)
          return Corrupt("/", std::string("attribute ") + name + ": cannot read it");
        out->text_attrs[name] = value != nullptr ? value : "";
        H5free_memory(value);
      } else if (H5Tget_class(type.get()) == H5T_INTEGER) {
        int64_t value = 0;
        if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0)
          return Corrupt("/", std::string("attribute ") + name + ": cannot read it");
        out->int_attrs[name] = value;
      }
    }
    return Status::Ok();
  }
};

}  // namespace

Status WriteCheckpoint(const std::string& path, const CheckpointData& data,
                       int64_t format_version) {
  SilenceHdf5();
  for (const char* reserved : {"format", "format_version"}) {
    if (data.text_attrs.count(reserved) || data.int_attrs.count(reserved)) {
      return Status::InvalidArgument(path + ": attribute '" + std::string(reserved) +
                                     "' is set by the writer");
    }
  }
  std::vector<uint8_t> image;
  LPT_RETURN_IF_ERROR(BuildImage(path, data, format_version, &image));
  uint8_t header[kUserBlock];
  PutHeader(image.data(), image.size(), header);
  const std::string tmp = path + ".tmp";
  Status st = WriteAll(tmp, header, image);
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::IoError(path + ": rename: " + std::strerror(errno));
  }
  if (!st.ok()) {
    std::remove(tmp.c_str());
    return st;
  }
  return FsyncPath(Dir(path), O_RDONLY | O_DIRECTORY);
}

namespace {

// HDF5 parses the very bytes that were verified (from memory, after the user block).
StatusOr<CheckpointData> ParseImage(const std::string& path, const std::vector<uint8_t>& bytes) {
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0);
  // HDF5 copies the image (its API takes a non-const pointer but only reads from it).
  if (H5Pset_file_image(fapl.get(), const_cast<uint8_t*>(bytes.data()) + kUserBlock,
                        bytes.size() - kUserBlock) < 0)
    return Status::IoError(path + ": cannot hand the file to HDF5");
  Id file(H5Fopen((path + ".image").c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.ok())
    return Status::Corruption(path + ": cannot open (truncated or damaged HDF5 file)");
  CheckpointData data;
  Reader r{path, &data, Status::Ok(), bytes.size()};
  LPT_RETURN_IF_ERROR(r.Attributes(file.get()));
  const auto format = data.text_attrs.find("format");
  if (format == data.text_attrs.end() || format->second != kFormatName) {
    return Status::Corruption(
        path + ": not an lptrain checkpoint (attribute format = '" +
        (format == data.text_attrs.end() ? std::string("missing") : format->second) + "')");
  }
  const auto version = data.int_attrs.find("format_version");
  if (version == data.int_attrs.end() || version->second != kFormatVersion) {
    return Status::Corruption(path + ": format version " +
                              (version == data.int_attrs.end() ? std::string("missing")
                                                               : std::to_string(version->second)) +
                              ", this lptrain reads version " + std::to_string(kFormatVersion));
  }
  data.text_attrs.erase("format");
  data.int_attrs.erase("format_version");
  LPT_RETURN_IF_ERROR(r.Group(file.get(), ""));
  return data;
}

// The HDF5 library can crash, or loop, on a damaged file whose checksum was made to match
// (deliberately, or by a writer that sealed damaged data). So the file is first parsed in a
// child process: only if the child parsed it cleanly does this process parse it too. A child
// that dies or takes too long ends in a clear error; its own output (a sanitizer's report, say)
// goes nowhere, and its verdict comes back through a pipe.
Status ParseInChild(const std::string& path, const std::vector<uint8_t>& bytes,
                    double timeout_seconds) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::IoError(path + ": pipe: " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::IoError(path + ": fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    const StatusOr<CheckpointData> parsed = ParseImage(path, bytes);
    const std::string message = parsed.ok() ? "" : parsed.status().message();
    WriteFully(fds[1], message.data(), message.size());
    ::_exit(parsed.ok() ? 0 : 3);
  }
  ::close(fds[1]);
  // Read the verdict while waiting (a long message must not block the child), up to a limit.
  std::string message;
  // Parsing takes milliseconds per megabyte; far longer is a loop on damaged structure.
  const double limit = timeout_seconds > 0
                           ? timeout_seconds
                           : 30.0 + static_cast<double>(bytes.size()) / (50.0 * (1 << 20));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(limit));
  bool timed_out = false;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);
    if (ready > 0) {
      char buf[4096];
      const ssize_t got = ::read(fds[0], buf, sizeof(buf));
      if (got > 0) {
        message.append(buf, static_cast<size_t>(got));
        continue;
      }
      if (got == 0) break;  // the child closed its end: it is done
      if (errno != EINTR) break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status::Corruption(path +
                              ": damaged: the HDF5 library did not finish reading it (contained)");
  }
  if (WIFSIGNALED(status)) {
    return Status::Corruption(path + ": damaged: the HDF5 library failed on it (signal " +
                              std::to_string(WTERMSIG(status)) + ", contained)");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !message.empty()) {
    return Status::Corruption(message);
  }
  return Status::Corruption(path + ": damaged: the HDF5 library failed on it (exit " +
                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                            ", contained)");
}

}  // namespace

StatusOr<CheckpointData> ReadCheckpoint(const std::string& path, const ReadOptions& options) {
  SilenceHdf5();
  if (::access(path.c_str(), R_OK) != 0)
    return Status::NotFound(path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  LPT_RETURN_IF_ERROR(ReadBytes(path, &bytes));
  LPT_RETURN_IF_ERROR(Verify(path, bytes));
  LPT_RETURN_IF_ERROR(ParseInChild(path, bytes, options.parse_timeout_seconds));
  return ParseImage(path, bytes);
}

std::vector<uint8_t> ResealCheckpoint(std::vector<uint8_t> bytes) {
  if (bytes.size() < kUserBlock) return bytes;
  uint8_t header[kUserBlock];
  PutHeader(bytes.data() + kUserBlock, bytes.size() - kUserBlock, header);
  std::memcpy(bytes.data(), header, 40);  // what the header holds; the rest of the block stays
  return bytes;
}

std::string CheckpointPath(const std::string& dir, int64_t iteration) {
  return dir + "/ckpt-" + std::to_string(iteration) + ".h5";
}

namespace {

// The names in dir ("." and ".." too); none for a missing dir.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
  }
  return names;
}

}  // namespace

std::vector<CheckpointEntry> ListCheckpoints(const std::string& dir) {
  std::vector<CheckpointEntry> out;
  for (const std::string& name : Names(dir)) {
    // ckpt-<digits>.h5 exactly.
    if (name.size() <= 8 || name.rfind("ckpt-", 0) != 0 || !EndsWith(name, ".h5")) continue;
    const std::string digits = name.substr(5, name.size() - 8);
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), ::isdigit))
      continue;
    out.push_back({std::stoll(digits), dir + "/" + name});
  }
  std::sort(out.begin(), out.end(), [](const CheckpointEntry& a, const CheckpointEntry& b) {
    return a.iteration > b.iteration;
  });
  return out;
}

Status PruneCheckpoints(const std::string& dir, int keep) {
  // Leftovers of interrupted writes (only this process writes here).
  for (const std::string& name : Names(dir)) {
    if (name.rfind("ckpt-", 0) == 0 && EndsWith(name, ".h5.tmp"))
      ::unlink((dir + "/" + name).c_str());
  }
  const std::vector<CheckpointEntry> all = ListCheckpoints(dir);
  for (size_t i = static_cast<size_t>(std::max(keep, 0)); i < all.size(); ++i) {
    if (::unlink(all[i].path.c_str()) != 0 && errno != ENOENT) {
      return Status::IoError(all[i].path + ": cannot delete: " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace lpt::io
