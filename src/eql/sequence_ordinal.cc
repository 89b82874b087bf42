#include "eql/sequence_ordinal.h"

namespace picket::eql {

namespace {
template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

int CompareTiebreakers(const Tiebreaker& a, const Tiebreaker& b) {
  using K = Tiebreaker::Kind;
  bool a_num = a.kind == K::kInt || a.kind == K::kDouble;
  bool b_num = b.kind == K::kInt || b.kind == K::kDouble;
  if (a_num && b_num) {
    if (a.kind == K::kInt && b.kind == K::kInt) return Cmp(a.i, b.i);
    double x = a.kind == K::kInt ? static_cast<double>(a.i) : a.d;
    double y = b.kind == K::kInt ? static_cast<double>(b.i) : b.d;
    return Cmp(x, y);
  }
  if (a_num != b_num && a.kind != K::kNone && b.kind != K::kNone) return a_num ? -1 : 1;
  if (a.kind == K::kString && b.kind == K::kString) {
    int c = a.s.compare(b.s);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 0;  // both none (the callers handle one-sided none)
}

int CompareOrdinals(const Ordinal& a, const Ordinal& b) {
  if (int c = CompareOrdinalsButArrival(a, b)) return c;
  return Cmp(a.seq, b.seq);
}

int CompareOrdinalsButArrival(const Ordinal& a, const Ordinal& b) {
  if (int c = Cmp(a.time, b.time)) return c;
  bool a_has = a.tiebreaker.kind != Tiebreaker::Kind::kNone;
  bool b_has = b.tiebreaker.kind != Tiebreaker::Kind::kNone;
  if (a_has != b_has) return a_has ? -1 : 1;  // nulls last
  if (a_has)
    if (int c = CompareTiebreakers(a.tiebreaker, b.tiebreaker)) return c;
  if (int c = a.index.compare(b.index)) return c < 0 ? -1 : 1;
  return 0;
}

}  // namespace picket::eql
