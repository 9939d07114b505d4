// PathCodec: how keys look as file names (etcfs(5), "Names").
//
// A key below the mount prefix is split at '/' into components; each
// component is shown as a file name, percent-encoded where it could not be
// one: '%' as %25, NUL as %00, an empty component (from "a//b") as a lone %,
// and the components "." and ".." as %2E and %2E%2E. Decoding accepts exactly
// these spellings, so every name has one meaning and the name created is the
// name listed; any other use of '%' is refused (EINVAL).
//
// A key that is also a directory ("/a" and "/a/b" both exist) is shown as
// the directory "a", and its own value as the file "a%" beside it: a name
// ending in a single '%' after at least one character is never a component.
//
// A component whose name would exceed NAME_MAX (255 bytes) is not shown; the
// key stays reachable through the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace etcfs::fs {

// The longest file name the kernel passes (NAME_MAX).
inline constexpr size_t kMaxNameBytes = 255;

// The file name of a key component; nullopt when it would exceed NAME_MAX.
std::optional<std::string> EncodeName(std::string_view component);

// The file name under which the value of `component` is shown when that key
// is also a directory: EncodeName(component) + "%".
std::optional<std::string> SelfValueName(std::string_view component);

struct DecodedName {
  std::string component;
  // The name is `component`'s self-value name ("a%"): it stands for the key
  // itself, not for the directory of that name.
  bool self_value = false;
};

// The key component a file name stands for; nullopt when the name is not a
// spelling EncodeName or SelfValueName produces (the caller answers EINVAL).
std::optional<DecodedName> DecodeName(std::string_view name);

}  // namespace etcfs::fs
