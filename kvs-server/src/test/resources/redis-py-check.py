"""redis-py against kvs's RESP listener: each command the RESP section of docs/PROTOCOL.md lists
that redis-py has a method for, pipelined and not, with binary keys. Prints OK and exits 0 when
every check holds; otherwise the failed assertion's traceback, exit 1.

Usage: python3 redis-py-check.py PORT"""
import sys

import redis

r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_timeout=10)
assert r.ping() is True
assert r.echo(b"hi") == b"hi"
assert r.set(b"k", b"v") is True
assert r.get(b"k") == b"v"
assert r.get(b"missing") is None
assert r.set(b"k", b"w", nx=True) is None
assert r.set(b"k", b"w", xx=True) is True
assert r.set(b"k", b"x", get=True) == b"w"
assert r.strlen(b"k") == 1
assert r.mset({b"a": b"1", b"b": b"2"}) is True
assert r.mget([b"a", b"b", b"c"]) == [b"1", b"2", None]
assert r.exists(b"a", b"b", b"c") == 2
assert r.delete(b"a", b"b", b"c") == 2
assert r.getdel(b"k") == b"x"
assert r.dbsize() == 0
binary = bytes(range(256))
assert r.set(b"\x00\xff\r\n" + binary, binary) is True
assert r.get(b"\x00\xff\r\n" + binary) == binary
assert r.set(b"t", b"v", ex=100) is True
assert 0 < r.ttl(b"t") <= 100
assert 0 < r.pttl(b"t") <= 100_000
assert r.persist(b"t") is True
assert r.ttl(b"t") == -1
assert r.expire(b"t", 100) is True
assert r.setex(b"u", 100, b"w") is True
assert r.pexpire(b"u", 1) is True
assert r.get(b"t") == b"v"
assert r.delete(b"t", b"u") >= 1
assert r.ttl(b"t") == -2
try:
    r.set(b"t", b"v", ex=0)
    raise AssertionError("SET EX 0 was accepted")
except redis.ResponseError as e:
    assert "invalid expire time" in str(e), str(e)
assert r.get(b"t") is None
try:
    r.execute_command("NOSUCH", "a")
    raise AssertionError("an unknown command was accepted")
except redis.ResponseError as e:
    assert str(e).startswith("unknown command 'NOSUCH'"), str(e)
assert r.client_setname("py") is True
assert r.client_getname() in ("py", b"py")
assert isinstance(r.client_id(), int)
info = r.info()
assert info["redis_version"] == "7.0.0", info
assert r.info("keyspace")["db0"]["keys"] == 1
assert r.config_get("appendonly") == {"appendonly": "yes"}
p = r.pipeline(transaction=False)
for i in range(500):
    p.set(b"p%d" % i, b"v%d" % i)
    p.get(b"p%d" % i)
results = p.execute()
assert results == [x for i in range(500) for x in (True, b"v%d" % i)], results[:6]
assert r.delete(*[b"p%d" % i for i in range(500)]) == 500
print("OK")
