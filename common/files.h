// Small file-system helpers: existence, mkdir -p, whole-file read, atomic replace.
#ifndef LPTRAIN_COMMON_FILES_H_
#define LPTRAIN_COMMON_FILES_H_

#include <cstddef>
#include <string>

#include "common/status.h"

namespace lpt {

bool PathExists(const std::string& path);
// mkdir -p.
Status MakeDirs(const std::string& path);
StatusOr<std::string> ReadFileText(const std::string& path);
// Writes all n bytes to fd (retrying short writes and EINTR); false with errno set on failure.
bool WriteFully(int fd, const void* data, size_t n);
// Writes content to path.tmp, fsyncs it and renames it over path: readers see the old file
// or the new one, never a part.
Status WriteFileAtomically(const std::string& path, const std::string& content);

// rm -rf (a missing path is fine).
Status RemoveTree(const std::string& path);

}  // namespace lpt

#endif  // LPTRAIN_COMMON_FILES_H_
