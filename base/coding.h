// Byte encodings shared by the on-disk formats: fixed-width big-endian integers
// (they sort the way the numbers do, so they make good key suffixes) and
// LEB128 varints (compact values). All functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace etcfs {

void PutFixed64BE(std::string* dst, uint64_t v);
void PutFixed32BE(std::string* dst, uint32_t v);
void PutFixed32LE(std::string* dst, uint32_t v);
uint64_t DecodeFixed64BE(const char* p);
uint32_t DecodeFixed32BE(const char* p);
uint32_t DecodeFixed32LE(const char* p);

void PutVarint64(std::string* dst, uint64_t v);
// Signed values are zigzag-encoded so that small negatives stay small.
void PutVarintSigned64(std::string* dst, int64_t v);
void PutLengthPrefixed(std::string* dst, std::string_view bytes);

// Reads from the front of *in and advances it. Returns false, leaving *in in
// an unspecified position, when the input ends early or is malformed.
bool GetVarint64(std::string_view* in, uint64_t* v);
bool GetVarintSigned64(std::string_view* in, int64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes);

}  // namespace etcfs
