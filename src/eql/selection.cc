#include "eql/selection.h"

#include <algorithm>

#include "eql/functions.h"

namespace picket::eql {
namespace {

using event::Json;
using event::JsonType;

}  // namespace

SortKey SortKeyOf(Json event, const std::string& timestamp_field,
                  const std::string& tiebreaker_field, uint64_t arrival) {
  SortKey key;
  key.arrival = arrival;
  event::ForEachValue(event, timestamp_field, [&](Json v) {
    switch (v.type()) {
      case JsonType::STRING:
        if (auto d = ParseDate(v.get_string().value_unsafe())) {
          key.has_time = true;
          key.time = d->ms;
        }
        break;
      case JsonType::INT64:
        key.has_time = true;
        key.time = v.get_int64().value_unsafe();
        break;
      case JsonType::UINT64:
        key.has_time = true;
        key.time = static_cast<TimeMs>(v.get_uint64().value_unsafe());
        break;
      case JsonType::DOUBLE:
        key.has_time = true;
        key.time = static_cast<TimeMs>(v.get_double().value_unsafe());
        break;
      default:
        break;
    }
    return true;  // the first value only
  });
  if (!tiebreaker_field.empty()) {
    event::ForEachValue(event, tiebreaker_field, [&](Json v) {
      switch (v.type()) {
        case JsonType::STRING:
          key.tiebreaker = Value::String(std::string(v.get_string().value_unsafe()));
          break;
        case JsonType::INT64:
          key.tiebreaker = Value::Long(v.get_int64().value_unsafe());
          break;
        case JsonType::UINT64:
        case JsonType::DOUBLE:
          key.tiebreaker = Value::Double(v.type() == JsonType::DOUBLE
                                             ? v.get_double().value_unsafe()
                                             : static_cast<double>(v.get_uint64().value_unsafe()));
          break;
        default:
          break;
      }
      return true;
    });
  }
  return key;
}

bool SortsBefore(const SortKey& a, const SortKey& b) {
  if (a.has_time != b.has_time) return !a.has_time;  // missing first
  if (a.has_time && a.time != b.time) return a.time < b.time;
  bool an = a.tiebreaker.is_null(), bn = b.tiebreaker.is_null();
  if (an != bn) return an;
  int c;
  if (!an && CompareValues(a.tiebreaker, b.tiebreaker, &c) && c != 0) return c < 0;
  return a.arrival < b.arrival;
}

ResultWindow::ResultWindow(const std::vector<Pipe>& pipes, int64_t size) : ops_(pipes) {
  if (size >= 0) {
    Pipe p;
    p.kind = PipeKind::kHead;
    p.count = size;
    ops_.push_back(p);
  }
  if (ops_.empty()) return;
  selective_ = true;
  keep_largest_ = ops_.front().kind == PipeKind::kTail;
  capacity_ = static_cast<size_t>(std::max<int64_t>(0, ops_.front().count));
}

void ResultWindow::Add(SortKey key, std::string payload) {
  if (capacity_ == 0) return;
  // A heap whose top is the item that leaves first: the largest key when
  // keeping the smallest ones, the smallest when keeping the largest.
  auto worse = [&](const Item& x, const Item& y) {
    return keep_largest_ ? SortsBefore(y.key, x.key) : SortsBefore(x.key, y.key);
  };
  Item item{std::move(key), std::move(payload)};
  if (heap_.size() < capacity_) {
    heap_.push_back(std::move(item));
    std::push_heap(heap_.begin(), heap_.end(), worse);
    return;
  }
  if (!worse(item, heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), worse);
  heap_.back() = std::move(item);
  std::push_heap(heap_.begin(), heap_.end(), worse);
}

std::vector<std::string> ResultWindow::Take() {
  std::sort(heap_.begin(), heap_.end(),
            [](const Item& x, const Item& y) { return SortsBefore(x.key, y.key); });
  size_t begin = 0, end = heap_.size();
  for (size_t i = 1; i < ops_.size(); ++i) {
    size_t n = static_cast<size_t>(std::max<int64_t>(0, ops_[i].count));
    if (ops_[i].kind == PipeKind::kHead)
      end = std::min(end, begin + n);
    else
      begin = std::max(begin, end > n ? end - n : 0);
  }
  std::vector<std::string> out;
  for (size_t i = begin; i < end; ++i) out.push_back(std::move(heap_[i].payload));
  heap_.clear();
  return out;
}

}  // namespace picket::eql
