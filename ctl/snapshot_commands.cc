#include "ctl/snapshot_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "ctl/cluster_commands.h"
#include "ctl/json_output.h"
#include "ctl/output.h"
#include "member/etcd_backend.h"
#include "member/membership.h"
#include "member/restore.h"
#include "member/snapshot_file.h"
#include "member/urls.h"
#include "store/image.h"

namespace etcfs::ctl {
namespace {

void AddSave(CLI::App* snapshot, const GlobalOptions* g) {
  auto file = std::make_shared<std::string>();
  CLI::App* save = snapshot->add_subcommand("save", "Saves the store of the first endpoint to a file");
  save->add_option("filename", *file, "Where to write the snapshot")->required();
  save->callback([g, file] {
    if (g->endpoints.size() != 1) Fail(kExitBadArgs, "snapshot save takes exactly one endpoint");
    Connection c(*g);
    const std::string part = *file + ".part";
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) Fail(kExitError, "cannot write " + part + ": " + std::strerror(errno));
    grpc::ClientContext ctx;  // as long as the store takes to stream
    auto stream = c.maintenance().Snapshot(&ctx, {});
    etcdserverpb::SnapshotResponse chunk;
    uint64_t bytes = 0;
    while (stream->Read(&chunk)) {
      out.write(chunk.blob().data(), static_cast<std::streamsize>(chunk.blob().size()));
      bytes += chunk.blob().size();
    }
    if (grpc::Status s = stream->Finish(); !s.ok()) {
      std::remove(part.c_str());
      FailCall(s, g->endpoints.front());
    }
    out.close();
    // Durable before it is named: the file is what a restore starts from.
    const int fd = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!out || !synced || std::rename(part.c_str(), file->c_str()) != 0) {
      Fail(kExitError, "writing " + *file + " failed: " + std::strerror(errno));
    }
    std::printf("Snapshot saved at %s\n", file->c_str());
  });
}

void AddStatus(CLI::App* snapshot, const GlobalOptions* g) {
  auto status_file = std::make_shared<std::string>();
  CLI::App* status = snapshot->add_subcommand("status", "Shows a snapshot file's hash, revision, keys and size");
  status->add_option("filename", *status_file, "The snapshot file")->required();
  status->callback([g, status_file] {
    const Format format = ParseFormat(g->write_out);
    std::ifstream in(*status_file, std::ios::binary);
    if (!in) Fail(kExitError, "cannot read " + *status_file + ": " + std::strerror(errno));
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    auto body = member::SnapshotBody(bytes);
    if (!body.ok()) Fail(kExitInvalidInput, *status_file + ": " + body.status().message());
    uint64_t hash = 0;
    store::StoreMeta meta;
    if (member::LooksLikeBbolt(*body)) {
      // etcd's own figures for its format: its hash, revision and key count.
      auto st = member::StatusOfEtcdBackend(*body);
      if (!st.ok()) Fail(kExitInvalidInput, *status_file + ": " + st.status().message());
      hash = st->hash;
      meta.revision = st->revision;
      meta.key_count = st->total_keys;
    } else {
      auto image = member::ImageInSnapshotBody(*body);
      if (!image.ok()) Fail(kExitInvalidInput, *status_file + " is not a snapshot (" + image.status().message() + ")");
      if (Status s = store::VerifyImage(*image, &meta); !s.ok()) Fail(kExitInvalidInput, s.message());
      // An older etcfs snapshot: the image's own checksum (its last 8 bytes) stands for etcd's hash.
      hash = DecodeFixed64BE(image->data() + image->size() - 8);
    }
    // etcd counts the database's pages, not its SHA-256.
    const size_t total = body->size();
    const std::string size = HumanBytes(total);
    if (format == Format::kJson) {
      std::printf("{\"hash\":%llu,\"revision\":%lld,\"totalKey\":%lld,\"totalSize\":%zu}\n",
                  static_cast<unsigned long long>(hash), static_cast<long long>(meta.revision),
                  static_cast<long long>(meta.key_count), total);
    } else if (format == Format::kTable) {
      Table t({"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"});
      t.Row({HexId(hash), std::to_string(meta.revision), std::to_string(meta.key_count), size});
      std::fputs(t.Render().c_str(), stdout);
    } else {
      std::printf("%s, %lld, %lld, %s\n", HexId(hash).c_str(), static_cast<long long>(meta.revision),
                  static_cast<long long>(meta.key_count), size.c_str());
    }
  });
}

void AddRestore(CLI::App* snapshot) {
  struct Flags {
    std::string file, data_dir, wal_dir, name = "default", initial_cluster,
        advertise_peer_urls = "http://localhost:2380", token = "etcd-cluster";
    bool skip_hash_check = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* restore = snapshot->add_subcommand(
      "restore", "Builds a new member's data directory from a snapshot file (run once per member, same flags)");
  restore->add_option("filename", f->file, "The snapshot file")->required();
  restore->add_option("--data-dir", f->data_dir, "Path to the new data directory (default: NAME.etcfs)");
  restore->add_option("--wal-dir", f->wal_dir, "Path to a dedicated WAL directory (default: inside --data-dir)");
  restore->add_option("--name", f->name, "This member's name, as etcfsd --name")->capture_default_str();
  restore->add_option("--initial-cluster", f->initial_cluster,
                      "The new cluster: name=peer-url,... (default: NAME=initial-advertise-peer-urls)");
  CLI::Option* advertise = restore->add_option("--initial-advertise-peer-urls", f->advertise_peer_urls,
                                               "This member's peer URLs")->capture_default_str();
  restore->add_option("--initial-cluster-token", f->token, "The new cluster's token, as etcfsd's")
      ->capture_default_str();
  restore->add_flag("--skip-hash-check", f->skip_hash_check,
                    "Accept a file without its SHA-256: a bare database (etcd's member/snap/db) or store image");
  restore->callback([f, advertise] {
    member::RestoreOptions o;
    o.snapshot_file = f->file;
    o.name = f->name;
    o.data_dir = f->data_dir.empty() ? f->name + ".etcfs" : f->data_dir;
    o.wal_dir = f->wal_dir;
    o.cluster_token = f->token;
    o.skip_hash_check = f->skip_hash_check;
    auto self = member::UrlAddresses(f->advertise_peer_urls);
    if (!self.ok()) Fail(kExitBadArgs, "--initial-advertise-peer-urls: " + self.status().message());
    auto cluster = member::ParseInitialCluster(
        f->initial_cluster.empty() ? f->name + "=" + f->advertise_peer_urls : f->initial_cluster);
    if (!cluster.ok()) Fail(kExitBadArgs, "--initial-cluster: " + cluster.status().message());
    o.initial_cluster = *cluster;
    auto mine = o.initial_cluster.find(o.name);
    if (mine != o.initial_cluster.end() && advertise->count() > 0 &&
        std::find(self->begin(), self->end(), mine->second) == self->end()) {
      Fail(kExitBadArgs, "--initial-cluster gives " + o.name + " the peer URL " + member::PeerUrl(mine->second) +
                             ", which --initial-advertise-peer-urls does not list; make them agree");
    }
    spdlog::set_level(spdlog::level::warn);  // the store's own info lines are not this command's output
    auto summary = member::RestoreMember(o, [](std::string_view step) {
      std::fprintf(stderr, "restore: %.*s\n", static_cast<int>(step.size()), step.data());
    });
    if (!summary.ok()) {
      Fail(summary.status().code() == StatusCode::kCorruption ? kExitInvalidInput : kExitError,
           summary.status().message());
    }
    std::printf("Restored %s into %s: member %s of cluster %s, revision %lld, %lld keys\n", o.snapshot_file.c_str(),
                o.data_dir.c_str(), HexId(summary->member_id).c_str(), HexId(summary->cluster_id).c_str(),
                static_cast<long long>(summary->revision), static_cast<long long>(summary->keys));
    std::printf("Start it with this command's --name, --initial-cluster and --initial-cluster-token: "
                "etcfsd --name %s --data-dir %s%s ...\n",
                o.name.c_str(), o.data_dir.c_str(), o.wal_dir.empty() ? "" : (" --wal-dir " + o.wal_dir).c_str());
  });
}

}  // namespace

void AddSnapshotCommands(CLI::App* app, const GlobalOptions* global) {
  CLI::App* snapshot = app->add_subcommand("snapshot", "Snapshot commands: save, status, restore");
  snapshot->require_subcommand(1);
  AddSave(snapshot, global);
  AddStatus(snapshot, global);
  AddRestore(snapshot);
}

}  // namespace etcfs::ctl
