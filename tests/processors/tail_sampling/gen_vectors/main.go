// Command gen_vectors runs the Go collector's own tail_sampling processor (contrib v0.165.0,
// through its public factory and confmap, as a collector would build it) over the traces and
// policy configs of ../inputs.json, and prints which trace IDs each config sampled as JSON. Its
// output is committed as ../vectors.json; the Python tests run the same inputs through
// pyotelcol's processor and expect the same trace IDs. CI does not run this program.
//
//	cd tests/processors/tail_sampling/gen_vectors && go run . < ../inputs.json > ../vectors.json
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"sort"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	tsp "github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
)

type span struct {
	Name       string         `json:"name"`
	Parent     bool           `json:"parent"`
	StartMs    int64          `json:"start_ms"`
	EndMs      int64          `json:"end_ms"`
	Status     string         `json:"status"`
	Attributes map[string]any `json:"attributes"`
	TraceState string         `json:"trace_state"`
	Flags      uint32         `json:"flags"`
}

type trace struct {
	TraceID  string         `json:"trace_id"`
	Resource map[string]any `json:"resource"`
	Spans    []span         `json:"spans"`
}

type input struct {
	Traces []trace          `json:"traces"`
	Cases  []map[string]any `json:"cases"`
}

type result struct {
	Name    string   `json:"name"`
	Sampled []string `json:"sampled"`
	// Spans is how many spans were forwarded in all.
	Spans int `json:"spans"`
}

// ints turns JSON's float64 numbers that are whole back into int64, as YAML would give them.
func ints(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) {
			return int64(t)
		}
		return t
	case map[string]any:
		for k, x := range t {
			t[k] = ints(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = ints(x)
		}
		return t
	default:
		return v
	}
}

// build makes one request of the traces, or (split) one request per span round: the first span of
// every trace, then the second of every trace that has one, and so on.
func build(traces []trace, split bool) []ptrace.Traces {
	if !split {
		return []ptrace.Traces{buildOne(traces, -1)}
	}
	var out []ptrace.Traces
	for round := 0; ; round++ {
		var some []trace
		for _, t := range traces {
			if round < len(t.Spans) {
				some = append(some, t)
			}
		}
		if len(some) == 0 {
			return out
		}
		out = append(out, buildOne(some, round))
	}
}

// buildOne makes a request of the traces: all their spans, or only span number only (>= 0).
func buildOne(traces []trace, only int) ptrace.Traces {
	td := ptrace.NewTraces()
	statuses := map[string]ptrace.StatusCode{"UNSET": ptrace.StatusCodeUnset, "OK": ptrace.StatusCodeOk, "ERROR": ptrace.StatusCodeError}
	for _, t := range traces {
		rs := td.ResourceSpans().AppendEmpty()
		if err := rs.Resource().Attributes().FromRaw(ints(t.Resource).(map[string]any)); err != nil {
			panic(err)
		}
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		raw, _ := hex.DecodeString(t.TraceID)
		var id pcommon.TraceID
		copy(id[:], raw)
		for i, s := range t.Spans {
			if only >= 0 && i != only {
				continue
			}
			sp := spans.AppendEmpty()
			sp.SetTraceID(id)
			sp.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, byte(i + 1)})
			if s.Parent {
				sp.SetParentSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
			}
			sp.SetName(s.Name)
			sp.SetStartTimestamp(pcommon.Timestamp(s.StartMs * 1_000_000))
			sp.SetEndTimestamp(pcommon.Timestamp(s.EndMs * 1_000_000))
			sp.Status().SetCode(statuses[s.Status])
			sp.TraceState().FromRaw(s.TraceState)
			sp.SetFlags(s.Flags)
			if err := sp.Attributes().FromRaw(ints(s.Attributes).(map[string]any)); err != nil {
				panic(err)
			}
		}
	}
	return td
}

func run(c map[string]any, traces []trace) ([]string, int) {
	ctx := context.Background()
	f := tsp.NewFactory()
	cfg := f.CreateDefaultConfig()
	raw := ints(c).(map[string]any)
	delete(raw, "name")
	split, _ := raw["split_requests"].(bool)
	delete(raw, "split_requests")
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		panic(err)
	}
	sink := new(consumertest.TracesSink)
	p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		panic(err)
	}
	if err := p.Start(ctx, componenttest.NewNopHost()); err != nil {
		panic(err)
	}
	for _, td := range build(traces, split) {
		if err := p.ConsumeTraces(ctx, td); err != nil {
			panic(err)
		}
	}
	// Shutdown decides every pending trace (drop_pending_traces_on_shutdown is false).
	if err := p.Shutdown(ctx); err != nil {
		panic(err)
	}
	seen := map[string]bool{}
	spans := 0
	for _, got := range sink.AllTraces() {
		for _, rs := range got.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					id := s.TraceID()
					seen[hex.EncodeToString(id[:])] = true
					spans++
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, spans
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	results := make([]result, 0, len(in.Cases))
	for _, c := range in.Cases {
		name := c["name"].(string)
		sampled, spans := run(c, in.Traces)
		results = append(results, result{Name: name, Sampled: sampled, Spans: spans})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(results); err != nil {
		panic(err)
	}
}
