// ReplyFinisher: where a write's reply waits when it must. An API write is
// answered once this member's mount shows it (Node::AwaitLocalViews), and a
// physical compaction once the store did it; neither wait may hold up the
// thread the outcome arrives on (the apply thread, a Raft round's), so they
// run on a thread of the finisher's own, in order.
//
// Threads: any; the finisher's thread runs what waits.
#pragma once

#include <functional>

#include "base/executor.h"
#include "server/node.h"

namespace etcfs::server {

class ReplyFinisher {
 public:
  explicit ReplyFinisher(Node* node) : node_(node) {}

  // Runs `reply` once this member's mount shows what was applied so far: at
  // once when there is no mount here, else on the finisher's thread.
  void AfterLocalViews(std::function<void()> reply) {
    if (!node_->HasLocalViews()) {
      reply();
      return;
    }
    thread_.Post([this, reply = std::move(reply)] {
      node_->AwaitLocalViews();
      reply();
    });
  }
  // Runs `work`, which may block, on the finisher's thread.
  void Post(std::function<void()> work) { thread_.Post(std::move(work)); }

 private:
  Node* const node_;
  // Its destructor runs what is queued: the finisher goes before the node.
  WorkerThread thread_{"reply-finish"};
};

}  // namespace etcfs::server
