#include "ctl/txn_command.h"

#include <cctype>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>

#include "ctl/kv_requests.h"

namespace etcfs::ctl {

namespace {

// Reads a "quoted" string at `*pos` (backslash escapes); false if none.
bool ReadQuoted(const std::string& s, size_t* pos, std::string* out) {
  if (*pos >= s.size() || s[*pos] != '"') return false;
  out->clear();
  for (size_t i = *pos + 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      *pos = i + 1;
      return true;
    }
    if (c == '\\' && i + 1 < s.size()) {
      c = s[++i];
      if (c == 'n') c = '\n';
      if (c == 't') c = '\t';
    }
    *out += c;
  }
  return false;
}

void SkipSpaces(const std::string& s, size_t* pos) {
  while (*pos < s.size() && std::isspace(static_cast<unsigned char>(s[*pos]))) ++(*pos);
}

// The lines of one section: up to a blank line or the end of input.
std::vector<std::string> ReadSection(bool interactive, const char* prompt) {
  if (interactive) std::printf("%s\n", prompt);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(std::cin, line) && !line.empty()) lines.push_back(line);
  return lines;
}

// A request line and how its answer prints.
struct Op {
  etcdserverpb::RequestOp request;
  std::function<void(const etcdserverpb::ResponseOp&)> print;
};

Op ParseRequest(const std::string& line) {
  std::vector<std::string> words = SplitWords(line);
  const std::string cmd = words.empty() ? "" : words.front();
  CLI::App sub{"txn request"};
  Op op;
  auto parse = [&] {
    std::vector<std::string> args(words.rbegin(), words.rend() - 1);  // CLI11 takes them reversed
    try {
      sub.parse(args);
    } catch (const CLI::ParseError& e) {
      Fail(kExitInvalidInput, "invalid txn request: " + line + " (" + e.what() + ")");
    }
  };
  if (cmd == "get") {
    auto f = std::make_shared<GetFlags>();
    f->Add(&sub);
    parse();
    *op.request.mutable_request_range() = f->Build();
    op.print = [f](const etcdserverpb::ResponseOp& r) { f->Print(Format::kSimple, r.response_range()); };
  } else if (cmd == "put") {
    auto f = std::make_shared<PutFlags>();
    f->Add(&sub, true);
    parse();
    f->value_given = true;
    *op.request.mutable_request_put() = f->Build();
    op.print = [f](const etcdserverpb::ResponseOp& r) { f->Print(Format::kSimple, r.response_put()); };
  } else if (cmd == "del" || cmd == "delete") {
    auto f = std::make_shared<DelFlags>();
    f->Add(&sub);
    parse();
    *op.request.mutable_request_delete_range() = f->Build();
    op.print = [f](const etcdserverpb::ResponseOp& r) { f->Print(Format::kSimple, r.response_delete_range()); };
  } else {
    Fail(kExitInvalidInput, "invalid txn request: " + line + " (a request is a get, put or del line)");
  }
  return op;
}

}  // namespace

std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    SkipSpaces(line, &pos);
    if (pos >= line.size()) return out;
    std::string word;
    if (line[pos] == '"') {
      if (!ReadQuoted(line, &pos, &word)) Fail(kExitInvalidInput, "unterminated quote in: " + line);
    } else if (line[pos] == '\'') {
      const size_t end = line.find('\'', pos + 1);
      if (end == std::string::npos) Fail(kExitInvalidInput, "unterminated quote in: " + line);
      word = line.substr(pos + 1, end - pos - 1);
      pos = end + 1;
    } else {
      while (pos < line.size() && !std::isspace(static_cast<unsigned char>(line[pos]))) word += line[pos++];
    }
    out.push_back(std::move(word));
  }
}

etcdserverpb::Compare ParseCompare(const std::string& line) {
  auto malformed = [&](const std::string& why) {
    Fail(kExitInvalidInput, "malformed comparison: " + line + " (" + why + ")");
  };
  const size_t lparen = line.find('(');
  if (lparen == std::string::npos) malformed("expected TARGET(\"KEY\") OP \"VALUE\"");
  const std::string target = line.substr(0, lparen);
  size_t pos = lparen + 1;
  std::string key, op, value;
  if (!ReadQuoted(line, &pos, &key) || pos >= line.size() || line[pos] != ')') {
    malformed("expected TARGET(\"KEY\") OP \"VALUE\"");
  }
  ++pos;
  SkipSpaces(line, &pos);
  while (pos < line.size() && !std::isspace(static_cast<unsigned char>(line[pos]))) op += line[pos++];
  SkipSpaces(line, &pos);
  if (!ReadQuoted(line, &pos, &value)) malformed("expected TARGET(\"KEY\") OP \"VALUE\"");

  etcdserverpb::Compare c;
  c.set_key(key);
  if (op == "=") {
    c.set_result(etcdserverpb::Compare::EQUAL);
  } else if (op == "!=") {
    c.set_result(etcdserverpb::Compare::NOT_EQUAL);
  } else if (op == "<") {
    c.set_result(etcdserverpb::Compare::LESS);
  } else if (op == ">") {
    c.set_result(etcdserverpb::Compare::GREATER);
  } else {
    malformed("unknown operator " + op + "; use =, !=, < or >");
  }
  auto number = [&] {
    size_t used = 0;
    int64_t n = 0;
    try {
      n = std::stoll(value, &used, 10);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size()) Fail(kExitInvalidInput, "invalid txn compare request: " + line);
    return n;
  };
  if (target == "value" || target == "val") {
    c.set_target(etcdserverpb::Compare::VALUE);
    c.set_value(value);
  } else if (target == "version" || target == "ver") {
    c.set_target(etcdserverpb::Compare::VERSION);
    c.set_version(number());
  } else if (target == "create" || target == "c") {
    c.set_target(etcdserverpb::Compare::CREATE);
    c.set_create_revision(number());
  } else if (target == "mod" || target == "m") {
    c.set_target(etcdserverpb::Compare::MOD);
    c.set_mod_revision(number());
  } else if (target == "lease") {
    c.set_target(etcdserverpb::Compare::LEASE);
    c.set_lease(ParseLease(value));
  } else {
    malformed("unknown target " + target);
  }
  return c;
}

void AddTxn(CLI::App* app, const GlobalOptions* g) {
  auto interactive = std::make_shared<bool>(false);
  CLI::App* cmd = app->add_subcommand("txn", "Runs a transaction read from standard input");
  cmd->add_flag("-i,--interactive", *interactive, "Prompt for each section");
  cmd->callback([g, interactive] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("txn");
    etcdserverpb::TxnRequest req;
    for (const auto& line : ReadSection(*interactive, "compares:")) *req.add_compare() = ParseCompare(line);
    std::vector<Op> success, failure;
    for (const auto& line : ReadSection(*interactive, "success requests (get, put, del):")) {
      success.push_back(ParseRequest(line));
      *req.add_success() = success.back().request;
    }
    for (const auto& line : ReadSection(*interactive, "failure requests (get, put, del):")) {
      failure.push_back(ParseRequest(line));
      *req.add_failure() = failure.back().request;
    }
    Connection c(*g);
    etcdserverpb::TxnResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Txn(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("%s\n", resp.succeeded() ? "SUCCESS" : "FAILURE");
    const std::vector<Op>& ops = resp.succeeded() ? success : failure;
    for (int i = 0; i < resp.responses_size() && i < static_cast<int>(ops.size()); ++i) {
      std::printf("\n");
      ops[static_cast<size_t>(i)].print(resp.responses(i));
    }
  });
}

}  // namespace etcfs::ctl
