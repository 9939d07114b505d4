// The value encoding of a stored key version ("record"): the mvcc fields, the
// file attributes and the value. Used by the live CF (key -> record) and the
// revs CF (revision -> key + record). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "kv/types.h"

namespace etcfs::store {

// A stored version of a key. A tombstone marks a delete: only key and
// mod_revision are meaningful.
struct Record {
  bool tombstone = false;
  kv::KeyValue kv;
  int64_t sub = 0;  // sub-revision of mod_revision
};

// The record without its key (the live CF's key holds it).
void EncodeRecord(const Record& r, std::string* dst);
// Decodes EncodeRecord's bytes; `key` supplies kv.key. Returns false on corruption.
// Without `with_value`, kv.value is left empty (keys-only and counting reads).
bool DecodeRecord(std::string_view in, std::string_view key, Record* r, bool with_value = true);

// Key and record, for the revs CF.
void EncodeKeyedRecord(const Record& r, std::string* dst);
bool DecodeKeyedRecord(std::string_view in, Record* r);

// The versions CF value: the sub-revision and whether the version is a tombstone.
std::string EncodeVersionValue(int64_t sub, bool tombstone);
bool DecodeVersionValue(std::string_view in, int64_t* sub, bool* tombstone);

// The leases CF value: granted TTL and last checkpointed remainder.
std::string EncodeLease(const kv::LeaseInfo& lease);
bool DecodeLease(std::string_view in, int64_t id, kv::LeaseInfo* lease);

}  // namespace etcfs::store
