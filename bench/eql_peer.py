#!/usr/bin/python3
"""Runs one EQL query with the Python `eql` engine (endgameinc/eql's PythonEngine) over an NDJSON file
of ECS events and prints how many results it found: the peer that bench/eql_bench.py times beside
`picket hunt --eql`.

  PYTHONPATH=<eql checkout> /usr/bin/python3 bench/eql_peer.py QUERY FILE

The engine is imported from PYTHONPATH (bench/eql_bench.py --python-eql DIR sets it); nothing of it is
in this repository. It needs a revision of endgameinc/eql that runs with Debian 12's python3-lark 1.1.5:
0.9.19 (commit 49d8d64, the last before the move to lark >= 1.3.1) does.

What the driver does, and why, because the two engines do not read events the same way:
* PythonEngine streams events in the order it is given them; Elasticsearch (and picket) order a
  sequence's events by @timestamp. The driver sorts the events by @timestamp (stable) first.
* PythonEngine takes an event's category from Event.type, one string; ECS's event.category is an
  array. The driver gives it the first value (a few generated events carry two).
* PythonEngine compares a field's whole value: `event.type == "start"` is false for ["start"], where
  Elasticsearch matches any value of an array. The driver unwraps arrays of one value.
* Times are @timestamp in milliseconds, so maxspan is read with time_unit = 1000 per second.
The counts printed are therefore close to, not equal to, Elasticsearch's; the time is what is compared.
"""
import json
import sys
from datetime import datetime


def epoch_ms(text):
    # "2026-03-01T00:00:00.000Z": fromisoformat in Python 3.11 reads the Z suffix.
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def unwrap_single_values(node):
    for key, value in node.items():
        if isinstance(value, list) and len(value) == 1:
            node[key] = value[0]
        elif isinstance(value, dict):
            unwrap_single_values(value)


def load_events(path, eql):
    events = []
    malformed = 0
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                malformed += 1
                continue
            category = (doc.get("event") or {}).get("category")
            if isinstance(category, list):
                category = category[0] if category else None
            unwrap_single_values(doc)
            timestamp = doc.get("@timestamp")
            events.append(eql.Event(category or "generic", epoch_ms(timestamp) if timestamp else 0, doc))
    events.sort(key=lambda e: e.time)
    return events, malformed


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: eql_peer.py QUERY FILE")
    import eql  # from PYTHONPATH: see the docstring

    query, path = sys.argv[1], sys.argv[2]
    results = [0]

    def count(_events):
        results[0] += 1

    engine = eql.PythonEngine({"time_unit": 1000})
    engine.add_output_hook(count)
    with eql.parser.elasticsearch_syntax:
        engine.add_query(eql.parse_query(query))
    events, malformed = load_events(path, eql)
    engine.stream_events(events)
    print(json.dumps({"eql_version": eql.__version__, "events": len(events), "malformed": malformed,
                      "results": results[0]}))


if __name__ == "__main__":
    main()
