// Checks of a request's shape that need no data: empty keys, conflicting
// flags, too many operations, and a transaction branch that writes the same
// key twice. The server runs them before proposing (so a bad request never
// enters the log) and the apply path runs them again (so the state machine
// never depends on the server having done so). Pure functions.
#pragma once

#include "base/status.h"
#include "kv/types.h"

namespace etcfs::store {

// etcd's default --max-txn-ops.
inline constexpr int kDefaultMaxTxnOps = 128;

Status ValidateRange(const kv::RangeRequest& req);
Status ValidatePut(const kv::PutRequest& req);
Status ValidateDeleteRange(const kv::DeleteRangeRequest& req);
// Each branch and the compare list hold at most `max_txn_ops` entries; no
// branch (with its nested transactions) puts a key twice or puts a key that
// it also deletes.
// The bytes a txn's puts would add (keys and values, nested txns included),
// for the quota check; 0 for a txn without puts.
int64_t PutBytes(const kv::TxnRequest& req);

Status ValidateTxn(const kv::TxnRequest& req, int max_txn_ops = kDefaultMaxTxnOps);

}  // namespace etcfs::store
