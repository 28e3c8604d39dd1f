// Command gen_vectors runs the Go collector's own probabilistic_sampler processor (contrib
// v0.165.0, through its public factory) over a fixed set of spans and log records, and prints
// which items it kept and what it wrote into them as JSON. Its output is committed as
// ../vectors.json; the Python tests replay the same inputs through pyotelcol's processor and
// expect the same decisions. CI does not run this program.
//
//	cd tests/processors/probabilistic_sampler/gen_vectors && go run . > ../vectors.json
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	pss "github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
)

// item is one span or log record given to the processor.
type item struct {
	TraceID    string         `json:"trace_id"`
	TraceState string         `json:"trace_state,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	// BytesAttributes are bytes-typed attributes, in hex (JSON has no bytes type).
	BytesAttributes map[string]string `json:"bytes_attributes,omitempty"`
}

// kept is an item the processor let through, as it came out.
type kept struct {
	Index      int            `json:"index"`
	TraceState string         `json:"trace_state,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

type config struct {
	SamplingPercentage float32 `json:"sampling_percentage"`
	HashSeed           uint32  `json:"hash_seed,omitempty"`
	Mode               string  `json:"mode,omitempty"`
	FailClosed         bool    `json:"fail_closed"`
	SamplingPrecision  int     `json:"sampling_precision"`
	AttributeSource    string  `json:"attribute_source,omitempty"`
	FromAttribute      string  `json:"from_attribute,omitempty"`
	SamplingPriority   string  `json:"sampling_priority,omitempty"`
}

type testCase struct {
	Signal string `json:"signal"`
	Config config `json:"config"`
	Items  string `json:"items"` // a key of the output's "items"
	Kept   []kept `json:"kept"`
}

// traceIDs are deterministic and well spread: sha256 of a counter.
func traceIDs(n int) []string {
	out := make([]string, 0, n+1)
	out = append(out, "00000000000000000000000000000000") // no randomness at all
	for i := 0; len(out) <= n; i++ {
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		out = append(out, hex.EncodeToString(sum[:16]))
	}
	return out
}

func toID(h string) pcommon.TraceID {
	var id pcommon.TraceID
	b, _ := hex.DecodeString(h)
	copy(id[:], b)
	return id
}

func toConfig(c config) *pss.Config {
	cfg := pss.NewFactory().CreateDefaultConfig().(*pss.Config)
	cfg.SamplingPercentage = c.SamplingPercentage
	cfg.HashSeed = c.HashSeed
	cfg.Mode = pss.SamplerMode(c.Mode)
	cfg.FailClosed = c.FailClosed
	cfg.SamplingPrecision = c.SamplingPrecision
	if c.AttributeSource != "" {
		cfg.AttributeSource = pss.AttributeSource(c.AttributeSource)
	}
	cfg.FromAttribute = c.FromAttribute
	cfg.SamplingPriority = c.SamplingPriority
	return cfg
}

func runTraces(c config, items []item) []kept {
	ctx := context.Background()
	f := pss.NewFactory()
	sink := new(consumertest.TracesSink)
	p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), toConfig(c), sink)
	if err != nil {
		panic(err)
	}
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i, it := range items {
		s := spans.AppendEmpty()
		s.SetTraceID(toID(it.TraceID))
		s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		s.Attributes().PutInt("index", int64(i))
		s.TraceState().FromRaw(it.TraceState)
		if err := s.Attributes().FromRaw(withIndex(it.Attributes, i)); err != nil {
			panic(err)
		}
	}
	if err := p.ConsumeTraces(ctx, td); err != nil {
		panic(err)
	}
	out := []kept{}
	for _, got := range sink.AllTraces() {
		for i := 0; i < got.ResourceSpans().Len(); i++ {
			ss := got.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				for k := 0; k < ss.At(j).Spans().Len(); k++ {
					s := ss.At(j).Spans().At(k)
					idx, _ := s.Attributes().Get("index")
					out = append(out, kept{Index: int(idx.Int()), TraceState: s.TraceState().AsRaw()})
				}
			}
		}
	}
	return out
}

func runLogs(c config, items []item) []kept {
	ctx := context.Background()
	f := pss.NewFactory()
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(ctx, processortest.NewNopSettings(f.Type()), toConfig(c), sink)
	if err != nil {
		panic(err)
	}
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i, it := range items {
		r := records.AppendEmpty()
		if it.TraceID != "" {
			r.SetTraceID(toID(it.TraceID))
		}
		if err := r.Attributes().FromRaw(withIndex(it.Attributes, i)); err != nil {
			panic(err)
		}
		for k, v := range it.BytesAttributes {
			b, _ := hex.DecodeString(v)
			r.Attributes().PutEmptyBytes(k).FromRaw(b)
		}
	}
	if err := p.ConsumeLogs(ctx, ld); err != nil {
		panic(err)
	}
	out := []kept{}
	for _, got := range sink.AllLogs() {
		for i := 0; i < got.ResourceLogs().Len(); i++ {
			sl := got.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sl.Len(); j++ {
				for k := 0; k < sl.At(j).LogRecords().Len(); k++ {
					r := sl.At(j).LogRecords().At(k)
					attrs := r.Attributes().AsRaw()
					idx := attrs["index"].(int64)
					delete(attrs, "index")
					out = append(out, kept{Index: int(idx), Attributes: attrs})
				}
			}
		}
	}
	return out
}

func withIndex(attrs map[string]any, i int) map[string]any {
	out := map[string]any{"index": int64(i)}
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

func main() {
	ids := traceIDs(160)
	var cases []testCase
	itemSets := map[string][]item{}
	add := func(signal string, c config, name string) {
		items := itemSets[name]
		var k []kept
		if signal == "traces" {
			k = runTraces(c, items)
		} else {
			k = runLogs(c, items)
		}
		cases = append(cases, testCase{Signal: signal, Config: c, Items: name, Kept: k})
	}

	plain := make([]item, 0, len(ids))
	for _, id := range ids {
		plain = append(plain, item{TraceID: id})
	}
	itemSets["plain"] = plain

	// hash_seed: every seed x percentage over the same trace IDs.
	for _, seed := range []uint32{0, 1, 22, 123456789, 4294967295} {
		for _, pct := range []float32{0.01, 1, 10, 15.3, 33.33, 50, 66.6, 99.99, 100, 250} {
			add("traces", config{SamplingPercentage: pct, HashSeed: seed, Mode: "hash_seed", FailClosed: true, SamplingPrecision: 4}, "plain")
		}
	}
	// mode left unset; fail_closed off; no sampling at all.
	add("traces", config{SamplingPercentage: 25, FailClosed: false, SamplingPrecision: 4}, "plain")
	add("traces", config{SamplingPercentage: 0, FailClosed: true, SamplingPrecision: 4}, "plain")

	// Arriving tracestates and sampling.priority.
	states := []string{
		"", "ot=th:8", "ot=th:c", "ot=rv:fedcba98765432", "ot=rv:01234567890abc;th:0",
		"vendor=x,ot=th:4;zz:yes", "ot=th:zz", "ot=rv:123", "a=1,b=2", "ot=th:f;rv:ffffffffffffff",
		// Parsing edges: spaces and empty members, upper-case hex, duplicates, bad syntax, sizes.
		" a=1 ,, ot=th:C , b=2,", "ot=rv:ABCDEF01234567", "ot=th:8,ot=th:2", "ot=th:", "ot=rv:0x23456789abcd",
		"ot=th:123456789abcdef", "Bad=1", "t@sys=v,ot=th:6", "ot=th:4;", strings.Repeat("k=v,", 31) + "ot=th:4",
		strings.Repeat("k=v,", 30) + "ot=th:4", "ot=th:1_0",
	}
	var stated []item
	for i, id := range ids[:44] {
		stated = append(stated, item{TraceID: id, TraceState: states[i%len(states)]})
	}
	for _, prio := range []any{int64(0), int64(3), 0.0, 2.5, "0", "1", "x", int64(-1)} {
		stated = append(stated, item{TraceID: ids[40], Attributes: map[string]any{"sampling.priority": prio}})
	}
	itemSets["stated"] = stated
	for _, mode := range []string{"hash_seed", "proportional", "equalizing"} {
		for _, failClosed := range []bool{true, false} {
			for _, pct := range []float32{1, 10, 33.3, 50, 100} {
				for _, prec := range []int{4, 1, 14} {
					add("traces", config{SamplingPercentage: pct, HashSeed: 7, Mode: mode, FailClosed: failClosed, SamplingPrecision: prec}, "stated")
				}
			}
		}
	}

	// Logs: trace ID, a record attribute, arriving sampling.* attributes, priorities.
	var records []item
	for i, id := range ids[:24] {
		it := item{TraceID: id, Attributes: map[string]any{"rid": id[:12]}}
		if i%4 == 1 {
			it.TraceID = ""
		}
		switch i % 6 {
		case 2:
			it.Attributes["sampling.threshold"] = "8"
		case 3:
			it.Attributes["sampling.randomness"] = "fedcba98765432"
		case 4:
			it.Attributes["prio"] = int64(100)
		case 5:
			it.Attributes["prio"] = 0.5
		}
		records = append(records, it)
	}
	records = append(records,
		item{BytesAttributes: map[string]string{"rid": "010203"}},
		item{Attributes: map[string]any{"rid": int64(42)}},
		item{Attributes: map[string]any{"sampling.threshold": "not-hex"}},
	)
	// Priorities Go's README describes differently from what its code does.
	for i, prio := range []any{int64(0), 0.0, int64(150), int64(-5), "50", 99.5, int64(1)} {
		records = append(records, item{TraceID: ids[100+i], Attributes: map[string]any{"rid": ids[100+i][:12], "prio": prio}})
	}
	itemSets["records"] = records
	for _, mode := range []string{"", "hash_seed", "proportional", "equalizing"} {
		for _, source := range []string{"traceID", "record"} {
			for _, pct := range []float32{10, 50} {
				add("logs", config{
					SamplingPercentage: pct, HashSeed: 0, Mode: mode, FailClosed: true, SamplingPrecision: 4,
					AttributeSource: source, FromAttribute: "rid", SamplingPriority: "prio",
				}, "records")
			}
		}
	}
	add("logs", config{SamplingPercentage: 30, HashSeed: 99, FailClosed: false, SamplingPrecision: 3, FromAttribute: "rid"}, "records")

	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{
		"generated_by": "tests/processors/probabilistic_sampler/gen_vectors (Go contrib probabilisticsamplerprocessor v0.165.0)",
		"items":        itemSets,
		"cases":        cases,
	}); err != nil {
		panic(err)
	}
}
