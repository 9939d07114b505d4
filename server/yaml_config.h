// etcd's YAML configuration file (--config-file) for CLI11: each top-level
// key is a flag's name without its dashes ("data-dir: /var/lib/etcfs"), as
// in etcd's etcd.conf.yml. Flags given on the command line override the
// file. Keys etcfsd does not know (etcd's TLS sections, v2 switches...) are
// reported by the caller and otherwise ignored, so that an etcd file works.
#pragma once

#include <CLI/CLI.hpp>

namespace etcfs::server {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace etcfs::server
