// The url_sanitizer and db_sanitizer vectors: `go run . sanitizers > ../sanitizer_vectors.json`.
// Same approach as main.go (Go's public factory and confmap over fixed data), with data made of
// URLs, SQL, Redis and Memcached commands.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
)

var urls = []string{
	"/api/users/123e4567-e89b-12d3-a456-426614174000", "/api/users/12345", "/api/users/123/posts/456",
	"/api/users", "/api/users?id=123&name=john", "", "https://example.com/api/v1/orders/98765?token=abc#frag",
	"/v1/items/abc-def", "/products/RoofBinoculars.jpg", "/a/b/c/d/e/f/g/h/i/j/k/l/123",
	"/static/js/main.3f9a8b7c.js", "/users/john_doe/profile", "/search/xkcdqzvwpt", "/health", "/",
	"//double//slash/", "/api/users/123/", "?q=1", "#x", "/api/\u00c4\u00d6\u00dc/1", "/api/ab1/cd22", "/api/1a/b",
	"/orders/ORD-2024-0001", "/api/v2/session/9f86d081884c7d659a2feaa0c55ad015", "GET /users/123",
	"/a/1/2/3/4/5/6/7/8/9/10/11", "/x?", "/users/1&b=2", "plain text with spaces", "/dataset/Hello World/1",
	"/a/b/c/d/e/f/g/h/i/123/k", "/a/b/c/d/e/f/g/h/123/j/k", "/api/xyzzy/qwrtp/zzz", "/api/customers/bob",
	"/en-US/docs/Web", "/a1/b2?c", "/12/34?x", "/abc/%20def/1", "a/b", "/api/users/123#top",
	"/wp-admin/admin-ajax.php", "/api/UPPER/CASE", "/api/x/y/z", "/a_b/c-d/e.f/g h",
}

var sqls = []string{
	"SELECT * FROM users WHERE id = 42 AND name = 'alice'",
	"INSERT INTO t1 (a, b) VALUES (1, 'x'), (2.5e3, 'it''s')",
	"UPDATE accounts SET balance = -100.50, active = true WHERE user_id = $1",
	"SELECT * FROM orders WHERE status IS NULL OR note = 'a\\'b'",
	"DELETE FROM logs_2024 WHERE created < 0x1F AND flag = FALSE",
	"SELECT md5(password), col1 FROM users2 -- comment 123\n WHERE x = 07",
	"SELECT /* hint 5 */ a FROM b WHERE c IN (1,2,3)",
	"SELECT $$secret$$, $tag$value 1$tag$ FROM t",
	"CREATE FUNCTION f() RETURNS int AS $func$ SELECT 1 WHERE a = 'b' $func$",
	"SELECT a FROM t WHERE a=-1 AND b>+2 AND c = x-3 AND d=.5",
	"SELECT data->>'name', data#>'{a,b}' FROM docs WHERE id = @id AND k = :key",
	"SELECT 'unterminated",
	"select true, null, nulls, truex, null) from t where x = true=y",
	"  SELECT 1  ",
	"not a query at all 123",
	"SELECT t.col2 FROM schema1.table2 t",
	"SELECT caf\u00e9, na\u00efve1 FROM \u00fcn\u00efcode WHERE x = '\u00fc'",
	"SELECT 1e10, .5, 5., 1.2.3, 1e-5, 7E+2, 089, 0x, 0xZ",
	"SELECT ?, ?1 FROM t WHERE a ?| b AND c ?& d AND e <@ f AND g @> h",
	"SELECT x FROM t WHERE y = 'a'||'b' AND z != 12abc",
	"SELECT * FROM t WHERE a = 1 /* unterminated",
	"SELECT $ FROM t", "SELECT $abc FROM t",
	"SELECT @@version, @@ , @x, a@>b, @?c FROM t",
	"SELECT a::int, b = :c FROM t",
	"WITH x AS (SELECT 1) SELECT * FROM x WHERE y = 'z'",
	"select t1.c2 from t1 join t2 on t1.id = t2.id where t2.v in ('a', 'b', 3)",
	"SELECT x FROM t WHERE a = 1;\nSELECT y FROM u WHERE b = 'q';",
	"EXEC sp_do 5, 'p'",
	"SELECT a[1], b{2} FROM t WHERE c = 'x''",
	"SELECT 1\t,\r\n2",
	"SELECT f1(2), tbl3.col4, \"quoted\" FROM dual",
	"SELECT 1\x00 FROM t WHERE a = 'x'", "SELECT \"unterminated FROM t1", "SELECT x FROM t WHERE a = 'caf\u00e9' AND b = 3\u00a0",
	"SELECT from.12e5x, key.f1(2), true.x, NULL", "SELECT $1a, $$, $a$ b $a$, 1.e5, -.5, +x, 0b101",
}

var redisCmds = []string{
	"SET key value", "SET k v EX 10", "GET mykey", "AUTH secretpass", "AUTH user pass", "HSET h f1 v1 f2 v2",
	"MSET a 1 b 2", "LPUSH list a b c", "ZADD z NX 1 m1 2 m2", "ZADD z 1 m1", "GEOADD g 13.36 38.11 Palermo 15.08 37.50 Catania",
	"CONFIG SET maxmemory 100mb", "CONFIG GET x", "BITFIELD k SET i8 0 100 GET u4 0", "LINSERT l BEFORE p v",
	"SET k \"quoted value\" NX", "SET k v\nGET k\nSET a b", "", "   SET   k   v  ", "set lower case",
	"EVAL \"return 1\" 0", "APPEND k", "SETEX k 10 v", "GEOADD", "SET k v\r\nGET k", "SET k \"un\\\"term\"",
	"multi\n\nexec", "HMSET h a 1 b", "SADD s m1 m2", "GEORADIUSBYMEMBER g m 10 km", "RESTORE k 0 blob",
	"MSETNX a 1 b", "SET k\tv", "CLIENT LIST", "SET \"a b\" c", "GET k\\ x",
	"SET k \"multi\nline\" x", "\tSET k v", "SET k v \r\n", "ZADD z NX XX", "BITFIELD k GET a b SET c d e f",
	"SET\u00a0k v", "SET k \"\\\"\" v",
}

var memcachedCmds = []string{
	"set mykey 0 60 5\r\nvalue", "get key1 key2", "  delete k  ", "incr n 5\r\n", "", "add k 0 0 3\r\nabc\r\nmore",
	"cas k 0 0 1 9\nnot crlf",
}

var jsonDocs = []string{
	`{"find": "users", "filter": {"age": {"$gt": 42}, "name": "bob"}}`,
	`{"query":{"match":{"title":"secret"}},"size":10,"sort":[{"date":"desc"}]}`,
	`  [1, {"a": [true, null, -2.5e3]}, "x"]  `, `42`, `"just a string"`, `{}`, `[]`, `{"a":{}}`,
	`{"a": NaN}`, `not json`, ``, `   `, `{"unterminated": `, `{"k": "v"} {"k2": "v2"}`,
	`{"esc\"aped": "va\"lue", "u": "\u00e9"}`, `{"nested": [[[{"deep": [1, [2, {"x": "y"}]]}]]]}`,
}

func putAll(m pcommon.Map, prefix string, values []string) {
	for i, v := range values {
		m.PutStr(fmt.Sprintf("%s%02d", prefix, i), v)
	}
}

func keys(prefix string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

type spanSpec struct {
	name  string
	kind  ptrace.SpanKind
	attrs map[string]string
}

func sanitizerTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	// A SQL span first: Go's SQL obfuscator keeps the DBMS of the last span name it sanitized,
	// so attributes are checked before any MySQL span name (see the README).
	first := ss.Spans().AppendEmpty()
	first.SetName("SELECT * FROM users WHERE id = 42")
	first.SetKind(ptrace.SpanKindClient)
	first.Attributes().PutStr("db.system.name", "postgresql")
	putAll(first.Attributes(), "q", sqls)
	putAll(first.Attributes(), "u", urls)
	putAll(first.Attributes(), "r", redisCmds)
	putAll(first.Attributes(), "m", memcachedCmds)
	putAll(first.Attributes(), "j", jsonDocs)
	specs := []spanSpec{
		{"SET user:1 secret", ptrace.SpanKindClient, map[string]string{"db.system": "redis"}},
		{"set k 0 0 5\r\nhello", ptrace.SpanKindClient, map[string]string{"db.system.name": "memcached"}},
		{"HSET h f v", ptrace.SpanKindServer, map[string]string{"db.system.name": "valkey"}},
		{"/payments/12345/detail", ptrace.SpanKindServer, nil},
		{"GET /users/123", ptrace.SpanKindServer, map[string]string{"http.request.method": "GET"}},
		{"/123/456", ptrace.SpanKindClient, nil},
		{"/users/123", ptrace.SpanKindInternal, nil},
		{"operation-123", ptrace.SpanKindClient, map[string]string{"http.method": "GET"}},
		{"checkout 42", ptrace.SpanKindServer, map[string]string{"http.route": "/checkout"}},
		{"SELECT a FROM t WHERE b = 'x' AND c = 1", ptrace.SpanKindInternal, map[string]string{"db.system": "PostgreSQL"}},
		{"SELECT 1", ptrace.SpanKindProducer, map[string]string{"db.system.name": "postgresql"}},
		{"SELECT a/b FROM t WHERE id = 5", ptrace.SpanKindClient, map[string]string{"db.system.name": "sqlite"}},
		{"/users/123", ptrace.SpanKindClient, map[string]string{"db.system.name": "postgresql"}},
		{"SELECT * FROM t WHERE a = 1", ptrace.SpanKindClient, map[string]string{"db.system.name": "cassandra"}},
		{"SELECT secret FROM t WHERE a = 1", ptrace.SpanKindClient, map[string]string{"db.system.name": "other_sql", "db.system": "mysql"}},
		{"SELECT 1", ptrace.SpanKindClient, map[string]string{"db.system.name": "mariadb"}},
		{`{"find": "users", "filter": {"age": 42}}`, ptrace.SpanKindClient, map[string]string{"db.system.name": "mongodb"}},
		{`{"query": {"match": {"user": "kimchy"}}}`, ptrace.SpanKindClient, map[string]string{"db.system.name": "elasticsearch"}},
		{`{"query": {"term": {"id": 7}}}`, ptrace.SpanKindServer, map[string]string{"db.system": "opensearch"}},
		{"find users", ptrace.SpanKindClient, map[string]string{"db.system.name": "mongodb"}},
		{"SELECT \"a\" FROM `t1` WHERE s = \"x\" # c 1", ptrace.SpanKindClient, map[string]string{"db.system.name": "mysql"}},
	}
	for _, spec := range specs {
		span := ss.Spans().AppendEmpty()
		span.SetName(spec.name)
		span.SetKind(spec.kind)
		for k, v := range spec.attrs {
			span.Attributes().PutStr(k, v)
		}
	}
	// The MySQL span above left its DBMS behind: these attributes stay clear of what differs.
	last := ss.Spans().AppendEmpty()
	last.SetName("UPDATE t SET a = 'b'")
	last.SetKind(ptrace.SpanKindServer)
	last.Attributes().PutStr("db.system.name", "redis")
	putAll(last.Attributes(), "r", redisCmds)
	putAll(last.Attributes(), "q", sqls[:3])
	mongo := ss.Spans().AppendEmpty()
	mongo.SetName("find")
	mongo.SetKind(ptrace.SpanKindClient)
	mongo.Attributes().PutStr("db.system.name", "mongodb")
	putAll(mongo.Attributes(), "j", jsonDocs)
	es := ss.Spans().AppendEmpty()
	es.SetName("search")
	es.SetKind(ptrace.SpanKindClient)
	es.Attributes().PutStr("db.system.name", "elasticsearch")
	putAll(es.Attributes(), "j", jsonDocs)
	return td
}

func sanitizerLogs() plog.Logs {
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	bodies := []string{
		"SELECT * FROM users WHERE id = 42", "/api/users/12345?x=1", "SET k v", "get a b",
		"set mykey 0 60 5\r\nvalue", "card 4111111111111111 at /shop/items/777",
		`{"find": "users", "filter": {"age": 42}}`, `{"a": 1}`,
	}
	for _, b := range bodies {
		sl.LogRecords().AppendEmpty().Body().SetStr(b)
	}
	r := sl.LogRecords().AppendEmpty()
	putAll(r.Attributes(), "q", sqls[:6])
	putAll(r.Attributes(), "r", redisCmds[:6])
	putAll(r.Attributes(), "u", urls[:6])
	body := r.Body().SetEmptyMap()
	body.PutStr("query", "SELECT 1 FROM t WHERE a = 'b'")
	body.PutStr("path", "/a/1")
	body.PutInt("n", 5)
	body.PutEmptySlice("list").AppendEmpty().SetStr("DELETE FROM t WHERE id = 9")
	r = sl.LogRecords().AppendEmpty()
	r.Attributes().PutStr("db.system.name", "redis")
	putAll(r.Attributes(), "q", sqls[:3])
	putAll(r.Attributes(), "r", redisCmds[:6])
	r.Body().SetInt(42)
	r = sl.LogRecords().AppendEmpty()
	putAll(r.Attributes(), "j", jsonDocs)
	r.Body().SetStr(`{"size": 3}`)
	return ld
}

func sanitizerMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	g := sm.Metrics().AppendEmpty()
	g.SetName("g")
	dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("db.system.name", "mysql")
	putAll(dp.Attributes(), "q", sqls[:4])
	putAll(dp.Attributes(), "u", urls[:4])
	dp = g.Gauge().DataPoints().AppendEmpty()
	putAll(dp.Attributes(), "q", sqls[:2])
	return md
}

func runSanitizer(raw map[string]any) output {
	ctx := context.Background()
	f := redactionprocessor.NewFactory()
	set := processortest.NewNopSettings(f.Type())
	cfg := newConfig(raw)
	ts := new(consumertest.TracesSink)
	tp, err := f.CreateTraces(ctx, set, cfg, ts)
	if err != nil {
		panic(err)
	}
	if err = tp.ConsumeTraces(ctx, sanitizerTraces()); err != nil {
		panic(err)
	}
	ls := new(consumertest.LogsSink)
	lp, err := f.CreateLogs(ctx, set, cfg, ls)
	if err != nil {
		panic(err)
	}
	if err = lp.ConsumeLogs(ctx, sanitizerLogs()); err != nil {
		panic(err)
	}
	ms := new(consumertest.MetricsSink)
	mp, err := f.CreateMetrics(ctx, set, cfg, ms)
	if err != nil {
		panic(err)
	}
	if err = mp.ConsumeMetrics(ctx, sanitizerMetrics()); err != nil {
		panic(err)
	}
	t, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(ts.AllTraces()[0])
	l, _ := (&plog.JSONMarshaler{}).MarshalLogs(ls.AllLogs()[0])
	m, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(ms.AllMetrics()[0])
	return output{Config: raw, Traces: t, Logs: l, Metrics: m}
}

func sanitizerMain() {
	urlKeys := keys("u", len(urls))
	sqlKeys := keys("q", len(sqls))
	redisKeys := keys("r", len(redisCmds))
	memcachedKeys := keys("m", len(memcachedCmds))
	jsonKeys := keys("j", len(jsonDocs))
	visa := "4[0-9]{12}(?:[0-9]{3})?"
	configs := []map[string]any{
		{"allow_all_keys": true, "url_sanitizer": map[string]any{"enabled": true, "attributes": urlKeys}, "summary": "debug"},
		{"allow_all_keys": true, "url_sanitizer": map[string]any{"enabled": true, "attributes": []any{"u01"}, "sanitize_span_name": false}},
		{"allow_all_keys": true, "summary": "debug", "db_sanitizer": map[string]any{
			"sql":       map[string]any{"enabled": true, "attributes": sqlKeys},
			"redis":     map[string]any{"enabled": true, "attributes": redisKeys},
			"memcached": map[string]any{"enabled": true, "attributes": memcachedKeys},
		}},
		{"allow_all_keys": true, "db_sanitizer": map[string]any{"sql": map[string]any{"enabled": true}, "sanitize_span_name": false}},
		{"allow_all_keys": true, "db_sanitizer": map[string]any{"sql": map[string]any{"enabled": true}}},
		{"allow_all_keys": true, "blocked_values": []any{visa}, "summary": "info",
			"url_sanitizer": map[string]any{"enabled": true, "attributes": urlKeys},
			"db_sanitizer": map[string]any{
				"sql":    map[string]any{"enabled": true, "attributes": sqlKeys},
				"valkey": map[string]any{"enabled": true, "attributes": redisKeys},
			}},
		{"allow_all_keys": true, "db_sanitizer": map[string]any{
			"redis": map[string]any{"enabled": true}, "memcached": map[string]any{"enabled": true, "attributes": []any{"m00"}},
		}},
		{"allow_all_keys": true, "summary": "debug", "db_sanitizer": map[string]any{
			"mongo":      map[string]any{"enabled": true, "attributes": jsonKeys},
			"opensearch": map[string]any{"enabled": true, "attributes": jsonKeys},
			"es":         map[string]any{"enabled": true, "attributes": jsonKeys},
		}},
		{"allow_all_keys": true, "db_sanitizer": map[string]any{
			"es": map[string]any{"enabled": true, "attributes": jsonKeys},
		}},
		{"allow_all_keys": true, "url_sanitizer": map[string]any{"enabled": true}, "db_sanitizer": map[string]any{
			"sql":        map[string]any{"enabled": true, "attributes": append(append([]any{}, sqlKeys...), jsonKeys...)},
			"redis":      map[string]any{"enabled": true},
			"valkey":     map[string]any{"enabled": true},
			"memcached":  map[string]any{"enabled": true},
			"mongo":      map[string]any{"enabled": true, "attributes": jsonKeys},
			"opensearch": map[string]any{"enabled": true},
			"es":         map[string]any{"enabled": true},
		}},
		{"allowed_keys": []any{"q00", "u02", "db.system.name"}, "summary": "info",
			"url_sanitizer": map[string]any{"enabled": true, "attributes": urlKeys},
			"db_sanitizer":  map[string]any{"sql": map[string]any{"enabled": true, "attributes": sqlKeys}}},
	}
	var outs []output
	for _, c := range configs {
		outs = append(outs, runSanitizer(c))
	}
	t, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(sanitizerTraces())
	l, _ := (&plog.JSONMarshaler{}).MarshalLogs(sanitizerLogs())
	m, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(sanitizerMetrics())
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{
		"generated_by": "tests/processors/redaction/gen_vectors sanitizers (Go contrib redactionprocessor v0.165.0)",
		"input":        output{Traces: t, Logs: l, Metrics: m},
		"cases":        outs,
	}); err != nil {
		panic(err)
	}
}
