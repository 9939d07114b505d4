#include "server/yaml_config.h"

#include <yaml-cpp/yaml.h>

namespace etcfs::server {
namespace {

void Flatten(const YAML::Node& node, std::vector<std::string>& parents, std::vector<CLI::ConfigItem>* out) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    if (value.IsNull()) continue;  // "wal-dir:" with nothing: the default
    if (value.IsMap()) {
      parents.push_back(key);
      Flatten(value, parents, out);
      parents.pop_back();
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key;
    if (value.IsSequence()) {
      for (const auto& v : value) item.inputs.push_back(v.as<std::string>());
    } else {
      item.inputs.push_back(value.as<std::string>());
    }
    out->push_back(std::move(item));
  }
}

}  // namespace

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || opt->get_configurable() == false) continue;
    const std::string name = opt->get_lnames()[0];
    if (opt->count() > 0) {
      out << YAML::Key << name << YAML::Value << opt->as<std::string>();
    } else if (default_also && !opt->get_default_str().empty()) {
      out << YAML::Key << name << YAML::Value << opt->get_default_str();
    }
  }
  out << YAML::EndMap;
  return out.c_str();
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  std::vector<CLI::ConfigItem> items;
  try {
    YAML::Node root = YAML::Load(input);
    if (root.IsNull()) return items;
    if (!root.IsMap()) throw CLI::ConversionError("the --config-file must be a YAML map of flag names to values");
    std::vector<std::string> parents;
    Flatten(root, parents, &items);
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError(std::string("--config-file is not valid YAML: ") + e.what());
  }
  return items;
}

}  // namespace etcfs::server
