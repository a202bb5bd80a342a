#include "kube/core/metrics.h"

#include <array>
#include <cmath>
#include <cstdio>

namespace kube::metrics {
namespace {

void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.9g", v);
  out += buf.data();
}

// Label values escape backslash, double quote and newline (exposition format).
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// HELP text escapes backslash and newline.
void append_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels,
                   const std::pair<std::string, std::string>* extra, double v) {
  out += name;
  out += suffix;
  if (!labels.empty() || extra) {
    out += '{';
    bool first = true;
    auto one = [&](const std::pair<std::string, std::string>& l) {
      if (!first) out += ',';
      first = false;
      out += l.first;
      out += "=\"";
      append_label_value(out, l.second);
      out += '"';
    };
    for (const auto& l : labels) one(l);
    if (extra) one(*extra);
    out += '}';
  }
  out += ' ';
  append_number(out, v);
  out += '\n';
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string le_text(double bound) {
  if (std::isinf(bound)) return "+Inf";
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", bound);
  return buf.data();
}

}  // namespace

Family& Writer::family(std::string_view name, std::string_view help, Type type) {
  if (auto it = index_.find(name); it != index_.end()) return families_[it->second];
  index_.emplace(std::string(name), families_.size());
  families_.push_back(Family{std::string(name), std::string(help), type, {}});
  return families_.back();
}

void Writer::counter(std::string_view name, std::string_view help, Labels labels, double value) {
  family(name, help, Type::kCounter).samples.push_back(Sample{std::move(labels), value, {}});
}

void Writer::gauge(std::string_view name, std::string_view help, Labels labels, double value) {
  family(name, help, Type::kGauge).samples.push_back(Sample{std::move(labels), value, {}});
}

void Writer::histogram(std::string_view name, std::string_view help, Labels labels,
                       std::span<const double> bounds, std::span<const std::uint64_t> counts,
                       std::uint64_t count, double sum) {
  HistogramValue h;
  h.bounds.assign(bounds.begin(), bounds.end());
  h.cumulative.reserve(bounds.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    running += i < counts.size() ? counts[i] : 0;
    h.cumulative.push_back(running);
  }
  h.count = count;
  h.sum = sum;
  family(name, help, Type::kHistogram).samples.push_back(Sample{std::move(labels), 0, std::move(h)});
}

std::string prometheus_text(std::span<const Family> families) {
  std::string out;
  for (const Family& f : families) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_help(out, f.help);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const Sample& s : f.samples) {
      if (f.type != Type::kHistogram) {
        append_sample(out, f.name, "", s.labels, nullptr, s.value);
        continue;
      }
      const HistogramValue& h = s.histogram;
      for (std::size_t i = 0; i < h.bounds.size(); ++i) {
        std::pair<std::string, std::string> le{"le", le_text(h.bounds[i])};
        append_sample(out, f.name, "_bucket", s.labels, &le, static_cast<double>(h.cumulative[i]));
      }
      std::pair<std::string, std::string> inf{"le", "+Inf"};
      append_sample(out, f.name, "_bucket", s.labels, &inf, static_cast<double>(h.count));
      append_sample(out, f.name, "_sum", s.labels, nullptr, h.sum);
      append_sample(out, f.name, "_count", s.labels, nullptr, static_cast<double>(h.count));
    }
  }
  return out;
}

Registration::Registration(Registration&& other) noexcept
    : registry_(std::move(other.registry_)), id_(std::exchange(other.id_, 0)) {}

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::move(other.registry_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

Registration::~Registration() { reset(); }

void Registration::reset() {
  if (registry_ && *registry_ && id_ != 0) (*registry_)->remove(id_);
  registry_.reset();
  id_ = 0;
}

Registry::Registry() : self_(std::make_shared<Registry*>(this)) {}

Registry::~Registry() { *self_ = nullptr; }

Registry& Registry::global() {
  // Never destroyed: components destroyed during static destruction may still
  // unregister.
  static Registry* registry = new Registry();
  return *registry;
}

Registration Registry::add(Collector collector) {
  MutexLock l(mu_);
  std::uint64_t id = next_id_++;
  collectors_.emplace(id, std::move(collector));
  return Registration(self_, id);
}

void Registry::remove(std::uint64_t id) {
  MutexLock l(mu_);
  collectors_.erase(id);
}

std::vector<Family> Registry::collect() const {
  Writer w;
  MutexLock l(mu_);
  for (const auto& [id, c] : collectors_) c(w);
  return w.take();
}

std::string Registry::prometheus_text() const {
  auto families = collect();
  return metrics::prometheus_text(families);
}

std::size_t Registry::size() const {
  MutexLock l(mu_);
  return collectors_.size();
}

}  // namespace kube::metrics
