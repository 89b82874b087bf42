#include "eql/sequence_key.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "util/json.h"

namespace picket::eql {

namespace {

void PutBig64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBig64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// One decoded value; `text` views the key bytes.
struct Value {
  char tag = 0;
  int64_t i = 0;
  double d = 0;
  std::string_view text;
};

// Reads the value at *pos; false when the bytes are malformed.
bool Next(std::string_view key, size_t* pos, Value* v) {
  if (*pos >= key.size()) return false;
  v->tag = key[(*pos)++];
  switch (v->tag) {
    case 'n':
    case 'f':
    case 't':
      return true;
    case 'i':
    case 'd': {
      if (key.size() - *pos < 8) return false;
      uint64_t bits = GetBig64(key.data() + *pos);
      *pos += 8;
      if (v->tag == 'i') {
        v->i = static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
      } else {
        // Undo the order-preserving transform of AppendKeyDouble.
        bits = (bits & (uint64_t{1} << 63)) ? bits ^ (uint64_t{1} << 63) : ~bits;
        std::memcpy(&v->d, &bits, 8);
      }
      return true;
    }
    case 's': {
      if (key.size() - *pos < 4) return false;
      uint32_t n = 0;
      for (int k = 0; k < 4; ++k) n = (n << 8) | static_cast<unsigned char>(key[*pos + k]);
      *pos += 4;
      if (key.size() - *pos < n) return false;
      v->text = key.substr(*pos, n);
      *pos += n;
      return true;
    }
    default:
      return false;
  }
}

int Rank(char tag) {
  switch (tag) {
    case 'n':
      return 0;
    case 'f':
    case 't':
      return 1;
    case 'i':
    case 'd':
      return 2;
    default:
      return 3;
  }
}

int CompareValues(const Value& a, const Value& b) {
  int ra = Rank(a.tag), rb = Rank(b.tag);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a.tag == b.tag) ? 0 : (a.tag == 'f' ? -1 : 1);
    case 2: {
      if (a.tag == 'i' && b.tag == 'i') return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
      double x = a.tag == 'i' ? static_cast<double>(a.i) : a.d;
      double y = b.tag == 'i' ? static_cast<double>(b.i) : b.d;
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    default: {
      int c = a.text.compare(b.text);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
}

void AppendDoubleJson(std::string* out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Infinity; Elasticsearch writes them as strings
    AppendJsonString(out, std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
    return;
  }
  std::string text = fmt::format("{}", d);
  // Java prints integral doubles with a fraction ("1.0").
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  out->append(text);
}

}  // namespace

void AppendKeyNull(std::string* key) { key->push_back('n'); }
void AppendKeyBool(std::string* key, bool value) { key->push_back(value ? 't' : 'f'); }

void AppendKeyInt(std::string* key, int64_t value) {
  key->push_back('i');
  PutBig64(key, static_cast<uint64_t>(value) ^ (uint64_t{1} << 63));
}

void AppendKeyDouble(std::string* key, double value) {
  if (value == 0) value = 0;  // -0.0 and 0.0 are one value
  key->push_back('d');
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  // Positive: set the sign bit; negative: flip all bits (byte order = numeric order).
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  PutBig64(key, bits);
}

void AppendKeyString(std::string* key, std::string_view value) {
  key->push_back('s');
  uint32_t n = static_cast<uint32_t>(value.size());
  for (int i = 3; i >= 0; --i) key->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  key->append(value);
}

int JoinKeySize(std::string_view key) {
  size_t pos = 0;
  int count = 0;
  Value v;
  while (pos < key.size()) {
    if (!Next(key, &pos, &v)) return -1;
    ++count;
  }
  return count;
}

void AppendJoinKeyJson(std::string* out, std::string_view key) {
  if (JoinKeySize(key) < 0) {
    out->append("[]");
    return;
  }
  out->push_back('[');
  size_t pos = 0;
  Value v;
  bool first = true;
  while (Next(key, &pos, &v)) {
    if (!first) out->push_back(',');
    first = false;
    switch (v.tag) {
      case 'n':
        out->append("null");
        break;
      case 'f':
        out->append("false");
        break;
      case 't':
        out->append("true");
        break;
      case 'i':
        out->append(std::to_string(v.i));
        break;
      case 'd':
        AppendDoubleJson(out, v.d);
        break;
      default:
        AppendJsonString(out, v.text);
    }
  }
  out->push_back(']');
}

int CompareJoinKeys(std::string_view a, std::string_view b) {
  size_t pa = 0, pb = 0;
  Value va, vb;
  while (true) {
    bool ha = Next(a, &pa, &va), hb = Next(b, &pb, &vb);
    if (!ha || !hb) return ha == hb ? 0 : (ha ? 1 : -1);
    if (int c = CompareValues(va, vb)) return c;
  }
}

size_t JoinKeyProduct(const std::vector<std::vector<std::string>>& values, size_t limit,
                      std::vector<std::string>* keys) {
  size_t total = 1;
  for (const auto& v : values) {
    size_t n = v.empty() ? 1 : v.size();
    total = (total > SIZE_MAX / n) ? SIZE_MAX : total * n;
  }
  size_t emit = total < limit ? total : limit;
  // Combination c: position i takes value (c / stride_i) % n_i, where the
  // stride grows with i, so position 0 varies fastest and the last slowest.
  std::vector<size_t> stride(values.size(), 1);
  for (size_t i = 1; i < values.size(); ++i) {
    size_t n = values[i - 1].empty() ? 1 : values[i - 1].size();
    stride[i] = stride[i - 1] > SIZE_MAX / n ? SIZE_MAX : stride[i - 1] * n;
  }
  for (size_t c = 0; c < emit; ++c) {
    std::string key;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].empty()) {
        AppendKeyNull(&key);
        continue;
      }
      size_t which = (c / stride[i]) % values[i].size();
      key.append(values[i][which]);
    }
    keys->push_back(std::move(key));
  }
  return total;
}

}  // namespace picket::eql
