"""The instance-wide arXiv slot in Redis: two keys changed only by Lua scripts, on Redis's clock.

`…:arxiv-pace:holder` holds the token of the process whose request is running, with the lease
as its expiry (a holder that dies frees it by expiring); `…:arxiv-pace:next` holds when the
next turn may start, as Redis `TIME` seconds. Each script runs atomically and reads `TIME`
itself, so the hosts' clocks never enter the reckoning. The arithmetic is
`pacing.wait_for_turn` / `next_after_release`, said in Lua.
"""

from __future__ import annotations

from typing import Any

from redis import Redis

# KEYS: holder, next. ARGV: token, interval_s, hold_s. Returns the wait in seconds as a string
# (a Lua number would come back truncated to an integer); "0" means the turn is ours.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, min_poll = tonumber(ARGV[2]), tonumber(ARGV[4])
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  local left = redis.call('PTTL', KEYS[1]) / 1000
  return tostring(math.max(min_poll, math.min(interval, left)))
end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_at > now then
  return tostring(next_at - now)
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.ceil(tonumber(ARGV[3]) * 1000))
return '0'
"""

# KEYS: holder. ARGV: token, hold_s. Returns 1 while the token still holds the lease.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
  return 1
end
return 0
"""

# KEYS: holder, next. ARGV: token, interval_s. The next turn starts `interval_s` from now (never
# earlier than already booked); the key expires once that moment has passed.
_GIVE_BACK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local next_at = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now + tonumber(ARGV[2]))
redis.call('SET', KEYS[2], string.format('%.6f', next_at), 'PX', math.ceil((next_at - now) * 1000) + 1000)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
"""


class RedisSlotBook:
    """A `pacing.SlotBook` for every process that shares this Redis and prefix."""

    def __init__(self, redis: Redis, prefix: str, min_poll_s: float) -> None:
        self.keys = [f"{prefix}:arxiv-pace:holder", f"{prefix}:arxiv-pace:next"]
        self.min_poll_s = min_poll_s
        self._take: Any = redis.register_script(_TAKE)
        self._renew: Any = redis.register_script(_RENEW)
        self._give_back: Any = redis.register_script(_GIVE_BACK)

    def try_take(self, token: str, interval_s: float, hold_s: float) -> float:
        return float(self._take(keys=self.keys, args=[token, interval_s, hold_s, self.min_poll_s]))

    def renew(self, token: str, hold_s: float) -> bool:
        return bool(self._renew(keys=self.keys[:1], args=[token, hold_s]))

    def give_back(self, token: str, interval_s: float) -> None:
        self._give_back(keys=self.keys, args=[token, interval_s])
