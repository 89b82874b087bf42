-- picket: compare-and-set of one rule record (RecordStore on Redis), run
-- atomically by Redis (EVALSHA). See docs/redis.md.
--
-- KEYS[1]  the record: version (8 bytes, little-endian count of writes),
--          expires_at (8 bytes, event time), the unit's value
-- ARGV[1]  the version this node last read: 8 bytes, or "" when it read no
--          record
-- ARGV[2]  expires_at (8 bytes) .. value to store, or "" to delete
-- ARGV[3]  time to live in ms (Redis forgets the record after it)
--
-- The write happens only if the record is still the one this node read;
-- otherwise nothing changes and the current record is returned so that the
-- node decides again from it (RecordStore::Put returning false).
-- Returns {1, new version ("" after a delete)} or {0, current record ("" if
-- there is none)}.
local current = redis.call('GET', KEYS[1])
local version = ''
if current then version = string.sub(current, 1, 8) end
if version ~= ARGV[1] then
  return {0, current or ''}
end
if ARGV[2] == '' then
  if current then redis.call('DEL', KEYS[1]) end
  return {1, ''}
end
local count = 1
if current then count = struct.unpack('<i8', version) + 1 end
local next_version = struct.pack('<i8', count)
redis.call('SET', KEYS[1], next_version .. ARGV[2], 'PX', ARGV[3])
return {1, next_version}
