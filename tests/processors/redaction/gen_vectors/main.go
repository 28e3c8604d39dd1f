// Command gen_vectors runs the Go collector's own redaction processor (contrib v0.165.0, through
// its public factory and confmap, no copied code) over fixed OTLP data with a list of configs,
// and prints the input and each output as OTLP/JSON. Its output is committed as
// ../vectors.json; the Python tests replay it through pyotelcol's processor. CI does not run Go.
//
//	cd tests/processors/redaction/gen_vectors && go run . > ../vectors.json
//	cd tests/processors/redaction/gen_vectors && go run . sanitizers > ../sanitizer_vectors.json
package main

import (
	"context"
	"encoding/json"
	"os"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
)

type output struct {
	Config  map[string]any  `json:"config"`
	Traces  json.RawMessage `json:"traces"`
	Logs    json.RawMessage `json:"logs"`
	Metrics json.RawMessage `json:"metrics"`
}

func fill(m pcommon.Map) {
	m.PutStr("description", "payment processed")
	m.PutStr("email", "user@example.com")
	m.PutStr("support", "help at support.mycompany.com or sales@mycompany.com")
	m.PutStr("credit_card", "4111111111111111")
	m.PutStr("notes", "paid with 4111111111111111 then 5555555555554444")
	m.PutStr("api_token", "secret-token-value")
	m.PutStr("multiline_token", "line one\nline two")
	m.PutInt("card_number", 4111111111111111)
	m.PutDouble("amount", 12.5)
	m.PutBool("vip", true)
	m.PutStr("safe_attribute", "4111111111111111")
	m.PutStr("safe_prefixed", "4111111111111111")
	m.PutStr("id", "abc-123")
	m.PutStr("group", "")
	m.PutEmptySlice("tags").AppendEmpty().SetStr("4111111111111111")
	m.PutStr("redaction.masked.count", "upstream")
	m.PutInt("redaction.redacted.count", 2)
	m.PutStr("redaction.redacted.keys", "old_key")
}

func inputTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "shop")
	rs.Resource().Attributes().PutStr("id", "4111111111111111")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("lib")
	ss.Scope().Attributes().PutStr("scope.attr", "x")
	span := ss.Spans().AppendEmpty()
	span.SetName("GET /users/123")
	span.SetKind(ptrace.SpanKindServer)
	span.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	span.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	fill(span.Attributes())
	ev := span.Events().AppendEmpty()
	ev.SetName("event")
	ev.Attributes().PutStr("id", "card 4111111111111111")
	ev.Attributes().PutStr("other", "x")
	return td
}

func inputLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "shop")
	sl := rl.ScopeLogs().AppendEmpty()
	r := sl.LogRecords().AppendEmpty()
	fill(r.Attributes())
	r.Body().SetStr("card 4111111111111111 used by user@example.com")

	r = sl.LogRecords().AppendEmpty()
	r.Attributes().PutStr("id", "1")
	body := r.Body().SetEmptyMap()
	body.PutStr("id", "4111111111111111")
	body.PutStr("description", "ok")
	body.PutStr("api_token", "abc")
	body.PutStr("safe_attribute", "4111111111111111")
	body.PutInt("card_number", 4111111111111111)
	body.PutStr("redaction.masked.count", "user data")
	nested := body.PutEmptyMap("group")
	nested.PutStr("id", "x 5555555555554444 y")
	nested.PutStr("name", "support.mycompany.com")
	nested.PutStr("drop_me", "x")
	nested.PutStr("api_token", "inner")
	list := nested.PutEmptySlice("name")
	list.AppendEmpty().SetStr("4111111111111111")
	list.AppendEmpty().SetEmptyMap().PutStr("id", "4111111111111111")
	top := body.PutEmptySlice("description")
	top.AppendEmpty().SetStr("5555555555554444")

	r = sl.LogRecords().AppendEmpty()
	s := r.Body().SetEmptySlice()
	s.AppendEmpty().SetStr("4111111111111111")
	s.AppendEmpty().SetEmptyMap().PutStr("secret", "x")
	s.AppendEmpty().SetInt(5555555555554444)

	r = sl.LogRecords().AppendEmpty()
	r.Body().SetInt(4111111111111111)

	r = sl.LogRecords().AppendEmpty() // empty body
	r.Attributes().PutStr("description", "nothing")
	return ld
}

func inputMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "shop")
	sm := rm.ScopeMetrics().AppendEmpty()
	g := sm.Metrics().AppendEmpty()
	g.SetName("g")
	fill(g.SetEmptyGauge().DataPoints().AppendEmpty().Attributes())
	sum := sm.Metrics().AppendEmpty()
	sum.SetName("s")
	dp := sum.SetEmptySum().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("id", "4111111111111111")
	dp.SetIntValue(3)
	h := sm.Metrics().AppendEmpty()
	h.SetName("h")
	h.SetEmptyHistogram().DataPoints().AppendEmpty().Attributes().PutStr("notes", "5555555555554444")
	e := sm.Metrics().AppendEmpty()
	e.SetName("e")
	e.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Attributes().PutStr("api_token", "t")
	su := sm.Metrics().AppendEmpty()
	su.SetName("su")
	su.SetEmptySummary().DataPoints().AppendEmpty().Attributes().PutStr("email", "a@b.c")
	return md
}

func newConfig(raw map[string]any) *redactionprocessor.Config {
	f := redactionprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*redactionprocessor.Config)
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		panic(err)
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return cfg
}

func run(raw map[string]any) output {
	ctx := context.Background()
	f := redactionprocessor.NewFactory()
	set := processortest.NewNopSettings(f.Type())
	cfg := newConfig(raw)

	ts := new(consumertest.TracesSink)
	tp, err := f.CreateTraces(ctx, set, cfg, ts)
	if err != nil {
		panic(err)
	}
	if err = tp.ConsumeTraces(ctx, inputTraces()); err != nil {
		panic(err)
	}
	ls := new(consumertest.LogsSink)
	lp, err := f.CreateLogs(ctx, set, cfg, ls)
	if err != nil {
		panic(err)
	}
	if err = lp.ConsumeLogs(ctx, inputLogs()); err != nil {
		panic(err)
	}
	ms := new(consumertest.MetricsSink)
	mp, err := f.CreateMetrics(ctx, set, cfg, ms)
	if err != nil {
		panic(err)
	}
	if err = mp.ConsumeMetrics(ctx, inputMetrics()); err != nil {
		panic(err)
	}
	t, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(ts.AllTraces()[0])
	l, _ := (&plog.JSONMarshaler{}).MarshalLogs(ls.AllLogs()[0])
	m, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(ms.AllMetrics()[0])
	return output{Config: raw, Traces: t, Logs: l, Metrics: m}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sanitizers" {
		sanitizerMain()
		return
	}
	visa := "4[0-9]{12}(?:[0-9]{3})?"
	master := "(5[1-5][0-9]{14})"
	allowed := []any{"description", "group", "id", "name", "email", "notes", "support", "card_number", "tags", "amount", "vip", "multiline_token", "api_token"}
	configs := []map[string]any{
		{},
		{"summary": "debug"},
		{"allow_all_keys": true, "blocked_values": []any{visa, master}, "summary": "info"},
		{"allowed_keys": allowed, "blocked_values": []any{visa, master}, "summary": "debug"},
		{"allowed_keys": allowed, "ignored_keys": []any{"safe_attribute"}, "ignored_key_patterns": []any{"^safe_.*"},
			"blocked_key_patterns": []any{".*token.*"}, "blocked_values": []any{visa, master},
			"allowed_values": []any{".+@mycompany.com"}, "hash_function": "md5", "summary": "debug"},
		{"allow_all_keys": true, "redact_all_types": true, "blocked_values": []any{visa}, "summary": "debug"},
		{"allow_all_keys": true, "blocked_key_patterns": []any{".*token.*"}, "hash_function": "SHA1", "summary": "info"},
		{"allow_all_keys": true, "blocked_values": []any{visa}, "hash_function": "sha3"},
		{"allow_all_keys": true, "blocked_values": []any{visa}, "hash_function": "hmac-sha256",
			"hmac_key": "0123456789abcdef0123456789abcdef", "summary": "debug"},
		{"allow_all_keys": true, "blocked_values": []any{visa}, "hash_function": "hmac-sha512",
			"hmac_key": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"allow_all_keys": true, "blocked_values": []any{visa}, "masking_string": "[REDACTED]", "summary": "silent"},
		// Patterns that overlap, match empty text, or touch each other.
		{"allow_all_keys": true, "blocked_values": []any{"[0-9]+", "4", "x*", "(?i)USER"}, "summary": "debug"},
		{"allow_all_keys": true, "blocked_values": []any{"^", "$", "\\b"}, "allowed_values": []any{"^payment"}},
		{"allowed_keys": []any{"id"}, "summary": "info", "blocked_values": []any{visa}},
	}
	var outs []output
	for _, c := range configs {
		outs = append(outs, run(c))
	}
	t, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(inputTraces())
	l, _ := (&plog.JSONMarshaler{}).MarshalLogs(inputLogs())
	m, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(inputMetrics())
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{
		"generated_by": "tests/processors/redaction/gen_vectors (Go contrib redactionprocessor v0.165.0)",
		"input":        output{Traces: t, Logs: l, Metrics: m},
		"cases":        outs,
	}); err != nil {
		panic(err)
	}
}
