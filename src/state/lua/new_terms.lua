-- picket: the new_terms decision for one rule + combination of term values,
-- run atomically by Redis (EVALSHA). See docs/redis.md.
--
-- KEYS[1]  the combination's record: 24 bytes, little-endian
--          first_seen (i8), last_seen (i8), owner (8 bytes) = hash of the
--          identity of the event whose sighting alerted (zero bytes when the
--          run began without an alert)
-- ARGV[1]  the rule's history window in ms
-- ARGV[2..] one triple per sighting, in event order: time (ms), owner
--          (8 bytes), learn_only ("1" = baseline or late event: never new)
--
-- Each sighting is decided as state::DecideSighting decides it (runs of
-- sightings no more than a window apart; closed window; late sightings join
-- the run's start), with one addition: the event that alerted, sent again
-- in a later call (same owner: its identity includes the hash of its bytes as
-- received; its time may differ when picket stamped its arrival), is new
-- again. A node that crashed
-- after deciding but before writing its alert gets its events re-sent to
-- another node, which must write the same alert (same id), not find it
-- "already seen". Within one call (one node's batch) a repeated event is
-- seen, as every other store decides.
--
-- Returns {existed, first_seen, last_seen} of the record before, then per
-- sighting {new (0/1), first_seen, last_seen} after it. The record is
-- written only when it changed, expiring (PXAT) at
-- max(last_seen + window, server time + window).
local window = tonumber(ARGV[1])
local record = redis.call('GET', KEYS[1])
local none = string.rep('\0', 8)
local exists, first, last, owner = false, 0, 0, none
if record and #record == 24 then
  first, last = struct.unpack('<i8i8', record)
  owner = string.sub(record, 17, 24)
  exists = true
end
local out = {exists and 1 or 0, first, last}
local changed = false
-- The owner was decided by an earlier call and not yet replayed in this one.
local replayable = exists
for i = 2, #ARGV, 3 do
  local t = tonumber(ARGV[i])
  local who = ARGV[i + 1]
  local learn = ARGV[i + 2] == '1'
  local new = 0
  local fresh = false
  if not exists then
    fresh = true
  elseif replayable and not learn and who == owner then
    new = 1  -- the alerting sighting again: same answer, record unchanged
    replayable = false
  elseif t >= first and t <= last then
    -- inside the run: seen
  elseif t > last then
    if t - last <= window then
      last = t
      changed = true
    else
      fresh = true  -- forgotten: a new run
    end
  elseif first - t <= window then
    first = t  -- a late sighting joins the run; no second alert
    changed = true
  end
  -- else: far older than the run; nothing to record
  if fresh then
    exists, first, last, changed = true, t, t, true
    replayable = false
    if learn then
      owner = none
    else
      owner, new = who, 1
    end
  end
  out[#out + 1] = new
  out[#out + 1] = first
  out[#out + 1] = last
end
if changed then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local expire_at = math.max(last + window, now_ms + window)
  redis.call('SET', KEYS[1], struct.pack('<i8i8', first, last) .. owner,
             'PXAT', string.format('%d', expire_at))
end
return out
