"""Concrete field values that satisfy an EQL query: the attack half of the benchmark telemetry.

Contract
--------
* `parse(text)` reads an Elasticsearch EQL query (event query, `sequence`, `sample`) into a small tree:
  `Query(kind, by, maxspan_s, stages, until)`; each `Stage(category, cond, by, runs, missing)`. It covers
  what the upstream detection-rules use; anything else raises `Unsupported` (the caller skips the rule).
* `solve(cond, rng)` returns one `Solution` (field -> value, plus the atoms the event must not meet) that
  makes `cond` true, choosing among `or` branches and value lists with the caller's `random.Random`, or
  None. `Solution.violates(doc_value)` checks the negative atoms against the final document, so that
  background defaults (a parent name, a user id) never contradict a `not` of the rule.
* Semantics are Elasticsearch's as far as a generator needs them: `:`, `like~`, `in~` and `~` functions
  compare case-insensitively; `*`/`?` wildcards; regex is Lucene's whole-string match (sampled through
  Python's regex parser, which agrees on the constructs the rules use); multi-valued fields (process.args,
  event.type...) collect every value asked of them; a missing field makes a comparison false and its `not`
  true (a bool `must_not`, as Elasticsearch translates it).
Nothing here knows about documents or rules files: bench/eql_episodes.py turns solutions into events.
"""

from __future__ import annotations

import functools
import re
import re._parser as sre_parse  # the regex parser: sampling strings that a pattern matches

MULTI_VALUED = {"event.category", "event.type", "process.args", "process.parent.args", "host.ip",
                "dns.resolved_ip", "related.ip", "related.user", "related.hosts", "process.Ext.ancestry",
                "registry.data.strings", "Persistence.args", "process.env_vars", "tags",
                "process.Ext.token.privileges", "threat.technique.id", "host.mac"}
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Unsupported(Exception):
    """A construct this generator does not produce events for."""


# --------------------------------------------------------------------------------------------------
# Tokens and tree
# --------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<raw>"""(?:.|\n)*?""")
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<bq>`[^`]*`(?:\.`[^`]*`|\.[\w@]+)*)
  | (?P<name>\?*[@\w][\w@.\-]*(?:\.`[^`]*`)*)
  | (?P<op>==|!=|<=|>=|<|>|:|~|\(|\)|\[|\]|,|!|\||=|\*|\+|-|/|%)
''', re.X | re.S)


def _unescape(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}.get(n, "\\" + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tokenize(text: str) -> list[tuple[str, object]]:
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported("cannot read %r" % text[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        v = m.group()
        if kind == "ws":
            continue
        if kind == "raw":
            toks.append(("str", v[3:-3]))
        elif kind == "str":
            toks.append(("str", _unescape(v[1:-1])))
        elif kind == "num":
            toks.append(("num", float(v) if any(c in v for c in ".eE") else int(v)))
        elif kind == "bq":
            toks.append(("field", v.replace("`", "")))
        elif kind == "name":
            toks.append(("name", v))
        else:
            toks.append(("op", v))
    toks.append(("end", None))
    return toks


class Stage:
    __slots__ = ("category", "cond", "by", "runs", "missing")

    def __init__(self, category, cond, by, runs=1, missing=False):
        self.category, self.cond, self.by, self.runs, self.missing = category, cond, by, runs, missing


class Query:
    __slots__ = ("kind", "by", "maxspan_s", "stages", "until")

    def __init__(self, kind, by, maxspan_s, stages, until):
        self.kind, self.by, self.maxspan_s, self.stages, self.until = kind, by, maxspan_s, stages, until


_CMP = {"==", "!=", "<", "<=", ">", ">=", ":"}


class _Parser:
    def __init__(self, text):
        self.t = tokenize(text)
        self.i = 0

    def peek(self, k=0):
        return self.t[self.i + k]

    def word(self, k=0):
        kind, v = self.peek(k)
        return v.lower() if kind == "name" else None

    def take(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, value):
        kind, v = self.take()
        if v != value and not (kind == "name" and str(v).lower() == value):
            raise Unsupported("expected %s, got %r" % (value, v))

    def query(self) -> Query:
        w = self.word()
        if w in ("sequence", "sample"):
            self.take()
            by, maxspan = [], None
            while self.word() in ("by", "with"):
                if self.take()[1].lower() == "by":
                    by = self.fields()
                else:
                    self.expect("maxspan")
                    self.expect("=")
                    maxspan = self.span()
            stages, until = [], None
            while self.peek()[1] in ("[", "!"):
                stages.append(self.stage())
            if self.word() == "until":
                self.take()
                until = self.stage()
            q = Query(w, by, maxspan, stages, until)
        else:
            q = Query("event", [], None, [Stage(*self.event(), by=[])], None)
        if self.peek()[1] == "|":
            raise Unsupported("pipes")
        if self.peek()[0] != "end":
            raise Unsupported("trailing %r" % (self.peek()[1],))
        return q

    def span(self):
        kind, v = self.take()
        if kind == "num":
            unit = self.take()[1]
        else:
            m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", str(v))
            if not m:
                raise Unsupported("maxspan %r" % v)
            v, unit = int(m.group(1)), m.group(2)
        return v * UNITS[unit]

    def fields(self):
        out = [self.field_name()]
        while self.peek()[1] == ",":
            self.take()
            out.append(self.field_name())
        return out

    def field_name(self):
        kind, v = self.take()
        if kind not in ("name", "field"):
            raise Unsupported("field %r" % v)
        return v.lstrip("?")

    def stage(self):
        missing = False
        if self.peek()[1] == "!":
            self.take()
            missing = True
        self.expect("[")
        cat, cond = self.event()
        self.expect("]")
        by, runs = [], 1
        while self.word() in ("by", "with"):
            if self.take()[1].lower() == "by":
                by = self.fields()
            else:
                self.expect("runs")
                self.expect("=")
                runs = int(self.take()[1])
        return Stage(cat, cond, by, runs, missing)

    def event(self):
        kind, cat = self.take()
        if kind not in ("str", "name"):  # `process where`, or a quoted category
            raise Unsupported("category %r" % cat)
        self.expect("where")
        return cat.lower() if kind == "name" else cat, self.orx()

    def orx(self):
        node = self.andx()
        while self.word() == "or":
            self.take()
            node = ("or", node, self.andx())
        return node

    def andx(self):
        node = self.notx()
        while self.word() == "and":
            self.take()
            node = ("and", node, self.notx())
        return node

    def notx(self):
        if self.word() == "not":
            self.take()
            return ("not", self.notx())
        return self.cmp()

    def cmp(self):
        left = self.primary()
        kind, v = self.peek()
        if kind == "op" and v in _CMP:
            self.take()
            op = v
            if op == ":" and self.peek()[1] == "(":
                return ("match", left, self.values(), True, "wild")
            right = self.primary()
            if op == ":":
                return ("match", left, [right], True, "wild")
            return ("cmp", op, left, right)
        w = self.word()
        negate = False
        if w == "not" and self.word(1) in ("in", "in~", "like", "like~", "regex", "regex~"):
            self.take()
            negate, w = True, self.word()
        if w in ("in", "like", "regex", "like~", "regex~", "in~") or (
                w in ("in", "like", "regex") and self.peek(1)[1] == "~"):
            self.take()
            ci = w.endswith("~")
            if self.peek()[1] == "~":
                self.take()
                ci = True
            base = w.rstrip("~")
            vals = self.values() if self.peek()[1] == "(" else [self.primary()]
            node = ("match", left, vals, ci, {"in": "exact", "like": "wild", "regex": "regex"}[base])
            return ("not", node) if negate else node
        return left

    def values(self):
        self.expect("(")
        out = [self.primary()]
        while self.peek()[1] == ",":
            self.take()
            out.append(self.primary())
        self.expect(")")
        return out

    def primary(self):
        kind, v = self.take()
        if kind == "op" and v == "(":
            node = self.orx()
            self.expect(")")
            return node
        if kind == "op" and v == "-" and self.peek()[0] == "num":
            return ("lit", -self.take()[1])
        if kind in ("str", "num"):
            return ("lit", v)
        if kind == "field":
            return ("field", v)
        if kind == "name":
            low = v.lower()
            if low in ("true", "false"):
                return ("lit", low == "true")
            if low == "null":
                return ("lit", None)
            if self.peek()[1] == "(":
                self.take()
                args = []
                if self.peek()[1] != ")":
                    args.append(self.orx())
                    while self.peek()[1] == ",":
                        self.take()
                        args.append(self.orx())
                self.expect(")")
                return ("call", low, args, False)
            if self.peek()[1] == "~" and self.peek(1)[1] == "(":  # startsWith~(...)
                self.take()
                self.take()
                args = [self.orx()]
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.orx())
                self.expect(")")
                return ("call", low, args, True)
            return ("field", v.lstrip("?"))
        raise Unsupported("value %r" % (v,))


def parse(text: str) -> Query:
    return _Parser(text).query()


# --------------------------------------------------------------------------------------------------
# Matching one value (the negative atoms, and checks of what was chosen)
# --------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=65536)
def _wild_re(pattern: str, ci: bool):
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.S | (re.I if ci else 0))


def value_matches(value, how: str, pattern, ci: bool) -> bool:
    """Does one field value meet one pattern (how: exact | wild | regex)?"""
    if value is None or pattern is None:
        return False
    if isinstance(pattern, bool) or isinstance(value, bool):
        return value == pattern
    if isinstance(pattern, (int, float)):
        try:
            return float(value) == float(pattern)
        except (TypeError, ValueError):
            return False
    value = str(value)
    if how == "cidr":
        import ipaddress
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    if how in ("prefix", "suffix", "substring"):  # startsWith, endsWith, stringContains: literal
        v, p = (value.lower(), pattern.lower()) if ci else (value, pattern)
        return v.startswith(p) if how == "prefix" else v.endswith(p) if how == "suffix" else p in v
    if how == "exact":
        return value.lower() == pattern.lower() if ci else value == pattern
    if how == "wild":
        return _wild_re(pattern, ci).fullmatch(value) is not None
    try:
        return re.fullmatch(pattern, value, re.S | (re.I if ci else 0)) is not None
    except re.error:
        return False


def _values(v):
    return v if isinstance(v, list) else [v]


# --------------------------------------------------------------------------------------------------
# Solving
# --------------------------------------------------------------------------------------------------

class Solution:
    """Fields the event must carry (`fields`) and atoms it must not meet (`forbid`: field, how, patterns,
    ci); `absent`: fields that must not exist."""

    __slots__ = ("fields", "forbid", "absent", "required", "wild", "literal")

    def __init__(self):
        self.fields: dict[str, object] = {}
        self.forbid: list[tuple] = []
        self.absent: set[str] = set()
        self.required: set[str] = set()  # `field != null`: any value will do
        self.wild: dict[str, list[str]] = {}  # the wildcard patterns a scalar value was built from
        self.literal: dict[str, list[tuple]] = {}  # the (how, text) of startsWith & co. it was built from

    def copy(self):
        s = Solution()
        s.fields = {k: (list(v) if isinstance(v, list) else v) for k, v in self.fields.items()}
        s.forbid = list(self.forbid)
        s.absent = set(self.absent)
        s.required = set(self.required)
        s.wild = {k: list(v) for k, v in self.wild.items()}
        s.literal = {k: list(v) for k, v in self.literal.items()}
        return s

    def forbidden(self, field, value) -> bool:
        for f, how, pats, ci in self.forbid:
            if f == field and any(value_matches(v, how, p, ci) for v in _values(value) for p in pats):
                return True
        return False

    def put(self, field, value) -> bool:
        if field in self.absent or self.forbidden(field, value):
            return False
        if field in MULTI_VALUED:
            cur = self.fields.setdefault(field, [])
            if not isinstance(cur, list):
                cur = self.fields[field] = [cur]
            if value not in cur:
                cur.append(value)
            return True
        if field in self.fields:
            return self.fields[field] == value
        self.fields[field] = value
        return True


def _filler(before: str) -> str:
    # What a '*' stands for in a realistic value: a path component after a separator, else nothing.
    return "tmp" if before.endswith(("/", "\\")) else ""


def instantiate_wild(pattern: str) -> str:
    out = []
    for c in pattern:
        if c == "*":
            out.append(_filler("".join(out)))
        elif c == "?":
            out.append("x")
        else:
            out.append(c)
    return "".join(out)


def _category_char(category) -> str:
    name = str(category)
    if "NOT" in name:
        return "-"
    return "7" if "DIGIT" in name else (" " if "SPACE" in name else "a")


def _sample_regex(tree, rng) -> str:
    out = []
    for op, av in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            choices = []
            for iop, iav in av:
                iname = str(iop)
                if iname == "LITERAL":
                    choices.append(chr(iav))
                elif iname == "RANGE":
                    choices.append(chr(iav[0]))
                elif iname == "CATEGORY":
                    choices.append(_category_char(iav))
                elif iname == "NEGATE":
                    choices = ["q"]  # a negated class: one letter the rules' classes never exclude
                    break
            out.append(choices[0] if choices else "a")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            n = max(lo, 1) if hi != 0 else 0
            n = min(n, lo if lo > 0 else 1)
            out.append("".join(_sample_regex(sub, rng) for _ in range(n)))
        elif name == "SUBPATTERN":
            out.append(_sample_regex(av[-1], rng))
        elif name == "BRANCH":
            out.append(_sample_regex(rng.choice(av[1]), rng))
        elif name == "CATEGORY":
            out.append(_category_char(av))
        elif name == "AT":
            continue
        else:
            raise Unsupported("regex construct " + name)
    return "".join(out)


def sample_regex(pattern: str, rng) -> str:
    try:
        tree = sre_parse.parse(pattern)
    except re.error as e:
        raise Unsupported("regex %r: %s" % (pattern, e))
    text = _sample_regex(list(tree), rng)
    if not value_matches(text, "regex", pattern, False):
        raise Unsupported("regex sample %r does not match %r" % (text, pattern))
    return text


def _literal_patterns(nodes):
    pats = []
    for n in nodes:
        if n[0] != "lit":
            raise Unsupported("non-literal value")
        pats.append(n[1])
    return pats


def _concrete(how, pattern, rng):
    if not isinstance(pattern, str):
        return pattern
    if how == "wild":
        return instantiate_wild(pattern)
    if how == "regex":
        return sample_regex(pattern, rng)
    return pattern


def _number_for(op, bound):
    step = 1 if isinstance(bound, int) else 0.5
    return {"<": bound - step, "<=": bound, ">": bound + step, ">=": bound, "==": bound}[op]


_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def _solve(node, want: bool, sol: Solution, rng) -> Solution | None:
    tag = node[0]
    if tag == "and" or tag == "or":
        conj = (tag == "and") == want  # every child must take `want` (and/true, or/false)
        if conj:
            s = sol
            for child in (node[1], node[2]):
                s = _solve(child, want, s, rng)
                if s is None:
                    return None
            return s
        branches = [node[1], node[2]]
        rng.shuffle(branches)
        for child in branches:
            s = _solve(child, want, sol.copy(), rng)
            if s is not None:
                return s
        return None
    if tag == "not":
        return _solve(node[1], not want, sol, rng)
    if tag == "lit":
        return sol if bool(node[1]) == want else None
    if tag == "field":  # a bare boolean field
        return sol if sol.put(node[1], want) else None
    if tag == "match":
        return _solve_match(node, want, sol, rng)
    if tag == "cmp":
        return _solve_cmp(node, want, sol, rng)
    if tag == "call":
        return _solve_call(node, want, sol, rng)
    raise Unsupported("node " + tag)


def _solve_match(node, want, sol, rng):
    _, left, vals, ci, how = node
    if left[0] != "field":
        if left[0] == "call":  # e.g. substring(...) : "x" -- not produced
            raise Unsupported("function on the left of a match")
        raise Unsupported("match on " + left[0])
    field = left[1]
    pats = _literal_patterns(vals)
    if not want:
        sol.forbid.append((field, how, pats, ci))
        cur = sol.fields.get(field)
        if cur is not None and any(value_matches(v, how, p, ci) for v in _values(cur) for p in pats):
            return None
        return sol
    cur = sol.fields.get(field)
    if cur is not None and any(value_matches(v, how, p, ci) for v in _values(cur) for p in pats):
        return sol
    order = list(pats)
    rng.shuffle(order)
    for p in order:
        if p is None:
            continue
        if how == "wild" and isinstance(p, str) and field in sol.wild:
            merged = merge_wild(sol.wild[field] + [p])
            if merged is not None and not sol.forbidden(field, merged):
                s = sol.copy()
                s.fields[field] = merged
                s.wild[field].append(p)
                return s
            continue
        try:
            v = _concrete(how, p, rng)
        except Unsupported:
            continue
        s = sol.copy()
        if s.put(field, v):
            if how == "wild" and isinstance(p, str) and field not in MULTI_VALUED:
                s.wild[field] = [p]
            return s
    return None


def merge_wild(patterns: list[str]) -> str | None:
    """One value meeting several wildcard patterns of one field (`x : "*a*" and x : "*b*"`): the anchored
    prefix first, the unanchored middles joined by spaces, the anchored suffix last; None if none fits."""
    head = [p for p in patterns if not p.startswith("*")]
    tail = [p for p in patterns if not p.endswith("*") and p.startswith("*")]
    middle = [p for p in patterns if p.startswith("*") and p.endswith("*")]
    if len(head) > 1 or len(tail) > 1:
        return None
    parts = [instantiate_wild(p.rstrip("*")) for p in head]
    parts += [instantiate_wild(p.strip("*")) for p in middle]
    parts += [instantiate_wild(p.lstrip("*")) for p in tail]
    value = " ".join(parts)
    ok = all(value_matches(value, "wild", p, True) for p in patterns)
    return value if ok else None


def _solve_cmp(node, want, sol, rng):
    _, op, left, right = node
    if not want:
        op = _NEGATE[op]
    if left[0] == "lit" and right[0] == "field":
        left, right = right, left
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    if left[0] == "call" and left[1] == "length" and right[0] == "lit":
        arg = left[2][0]
        if arg[0] != "field" or not isinstance(right[1], int):
            raise Unsupported("length of an expression")
        n = _number_for(op if op != "!=" else ">", right[1])
        n = max(n, 0)
        field = arg[1]
        if field in MULTI_VALUED:
            vals = ["arg%d" % i for i in range(n)]
            cur = sol.fields.get(field, [])
            extra = [v for v in vals if v not in cur][:max(0, n - len(cur))]
            for v in extra:
                sol.put(field, v)
            return sol
        return sol if sol.put(field, "x" * n) else None
    if left[0] != "field":
        raise Unsupported("comparison of " + left[0])
    field = left[1]
    if right[0] == "field":
        raise Unsupported("field-to-field comparison")
    if right[0] != "lit":
        raise Unsupported("comparison with an expression")
    value = right[1]
    if op == "==":
        if value is None:
            sol.absent.add(field)
            return None if field in sol.fields else sol
        return sol if sol.put(field, value) else None
    if op == "!=":
        if value is None:
            if field in sol.absent:
                return None
            sol.required.add(field)
            return sol
        sol.forbid.append((field, "exact", [value], False))
        cur = sol.fields.get(field)
        return None if cur is not None and any(value_matches(v, "exact", value, False)
                                               for v in _values(cur)) else sol
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise Unsupported("ordering on a non-number")
    cur = sol.fields.get(field)
    if cur is not None:
        ok = {"<": cur < value, "<=": cur <= value, ">": cur > value, ">=": cur >= value}[op]
        return sol if ok else None
    return sol if sol.put(field, _number_for(op, value)) else None


def _solve_call(node, want, sol, rng):
    _, name, args, ci = node
    if not args or args[0][0] != "field":
        raise Unsupported("function %s on an expression" % name)
    field = args[0][1]
    pats = _literal_patterns(args[1:])
    kind = {"startswith": "start", "endswith": "end", "stringcontains": "contains", "wildcard": "wild",
            "cidrmatch": "cidr"}.get(name)
    if kind is None:
        raise Unsupported("function " + name)
    if kind == "cidr":
        import ipaddress
        if not want:
            sol.forbid.append((field, "cidr", pats, False))
            cur = sol.fields.get(field)
            return None if cur is not None and any(value_matches(v, "cidr", p, False)
                                                   for v in _values(cur) for p in pats) else sol
        net = ipaddress.ip_network(rng.choice(pats), strict=False)
        addr = str(net[min(5, net.num_addresses - 1)])
        return sol if sol.put(field, addr) else None
    if kind == "wild":
        return _solve_match(("match", ("field", field), args[1:], ci, "wild"), want, sol, rng)
    # startsWith, endsWith, stringContains: their arguments are literal (a '*' is a '*');
    # case-sensitive without '~', as in Elasticsearch.
    how = {"start": "prefix", "end": "suffix", "contains": "substring"}[kind]
    cur = sol.fields.get(field)
    met = cur is not None and any(value_matches(v, how, p, ci) for v in _values(cur) for p in pats)
    if not want:
        sol.forbid.append((field, how, pats, ci))
        return None if met else sol
    if met:
        return sol
    p = rng.choice(pats)
    if field in sol.literal and field not in MULTI_VALUED:  # several on one field: one value for all
        parts = sol.literal[field] + [(how, p)]
        value = merge_literal(parts, ci)
        if value is None or sol.forbidden(field, value):
            return None
        sol.fields[field] = value
        sol.literal[field] = parts
        return sol
    value = {"prefix": p + "0", "suffix": "0" + p, "substring": "0" + p + "0"}[how]
    if not sol.put(field, value):
        return None
    sol.literal[field] = [(how, p)]
    return sol


def merge_literal(parts, ci: bool) -> str | None:
    """One value meeting several startsWith / endsWith / stringContains of one field: the prefix,
    the substrings and the suffix joined by spaces; None if two prefixes or two suffixes differ."""
    heads = [p for how, p in parts if how == "prefix"]
    tails = [p for how, p in parts if how == "suffix"]
    if len(set(heads)) > 1 or len(set(tails)) > 1:
        return None
    value = " ".join(heads[:1] + [p for how, p in parts if how == "substring"] + tails[:1])
    return value if all(value_matches(value, how, p, ci) for how, p in parts) else None


def _any_values(field: str):
    if field.endswith(".ip") or field.endswith(".address"):
        return ["198.51.100.23", "10.9.8.7"]
    if field.endswith(".port"):
        return [443, 8443]
    return ["present", "other"]


def solve(cond, rng, tries: int = 8) -> Solution | None:
    for _ in range(tries):
        try:
            s = _solve(cond, True, Solution(), rng)
        except Unsupported:
            return None
        if s is not None:
            for f in s.required:
                if f not in s.fields and not any(s.put(f, v) for v in _any_values(f)):
                    s = None
                    break
        if s is not None:
            return s
    return None
