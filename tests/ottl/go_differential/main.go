// Command godifferential runs the Go collector's own transform and filter processors (contrib
// v0.165.0, through their public factories and confmap: no copied code) over the cases of
// cases.json (written by make_cases.py) and prints, per case, Go's config error, consume error or
// output as OTLP/JSON. The output is committed as vectors.json; tests/ottl/test_go_differential.py
// replays every case through pyotelcol's processors. CI does not run Go.
//
//	cd tests/ottl/go_differential && python3 make_cases.py && GOFLAGS=-mod=mod go run . > vectors.json
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
)

type testCase struct {
	Name      string         `json:"name"`
	Processor string         `json:"processor"`
	Signal    string         `json:"signal"`
	Input     string         `json:"input"`
	Config    map[string]any `json:"config"`
}

type corpus struct {
	Inputs map[string]string `json:"inputs"`
	Cases  []testCase        `json:"cases"`
}

type result struct {
	testCase
	// ConfigError is the error of confmap decoding or Validate: Go refuses the config.
	ConfigError string `json:"config_error,omitempty"`
	// ConsumeError is what ConsumeX returned (error_mode propagate).
	ConsumeError string `json:"consume_error,omitempty"`
	// Output is what reached the next consumer, null when nothing did (all filtered out).
	Output json.RawMessage `json:"output"`
}

func factory(name string) processor.Factory {
	switch name {
	case "transform":
		return transformprocessor.NewFactory()
	case "filter":
		return filterprocessor.NewFactory()
	}
	panic("unknown processor " + name)
}

func configOf(f processor.Factory, raw map[string]any) (component.Config, error) {
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		return nil, err
	}
	if err := confmap.Validate(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func run(c testCase, input []byte) result {
	ctx := context.Background()
	res := result{testCase: c, Output: json.RawMessage("null")}
	f := factory(c.Processor)
	cfg, err := configOf(f, c.Config)
	if err != nil {
		res.ConfigError = err.Error()
		return res
	}
	set := processortest.NewNopSettings(f.Type())
	host := componenttest.NewNopHost()
	var out []byte
	switch c.Signal {
	case "traces":
		data, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(input)
		must(err)
		sink := new(consumertest.TracesSink)
		p, err := f.CreateTraces(ctx, set, cfg, sink)
		if err != nil {
			res.ConfigError = err.Error()
			return res
		}
		must(p.Start(ctx, host))
		if err := p.ConsumeTraces(ctx, data); err != nil {
			res.ConsumeError = err.Error()
		}
		must(p.Shutdown(ctx))
		if all := sink.AllTraces(); len(all) > 0 {
			out, err = (&ptrace.JSONMarshaler{}).MarshalTraces(all[0])
			must(err)
		}
	case "logs":
		data, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(input)
		must(err)
		sink := new(consumertest.LogsSink)
		p, err := f.CreateLogs(ctx, set, cfg, sink)
		if err != nil {
			res.ConfigError = err.Error()
			return res
		}
		must(p.Start(ctx, host))
		if err := p.ConsumeLogs(ctx, data); err != nil {
			res.ConsumeError = err.Error()
		}
		must(p.Shutdown(ctx))
		if all := sink.AllLogs(); len(all) > 0 {
			out, err = (&plog.JSONMarshaler{}).MarshalLogs(all[0])
			must(err)
		}
	case "metrics":
		data, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(input)
		must(err)
		sink := new(consumertest.MetricsSink)
		p, err := f.CreateMetrics(ctx, set, cfg, sink)
		if err != nil {
			res.ConfigError = err.Error()
			return res
		}
		must(p.Start(ctx, host))
		if err := p.ConsumeMetrics(ctx, data); err != nil {
			res.ConsumeError = err.Error()
		}
		must(p.Shutdown(ctx))
		if all := sink.AllMetrics(); len(all) > 0 {
			out, err = (&pmetric.JSONMarshaler{}).MarshalMetrics(all[0])
			must(err)
		}
	default:
		panic("unknown signal " + c.Signal)
	}
	if out != nil {
		res.Output = out
	}
	return res
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	raw, err := os.ReadFile("cases.json")
	must(err)
	var cp corpus
	must(json.Unmarshal(raw, &cp))
	results := make([]result, 0, len(cp.Cases))
	for _, c := range cp.Cases {
		input, err := os.ReadFile(filepath.FromSlash(cp.Inputs[c.Input]))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", c.Name, err))
		}
		fmt.Fprintln(os.Stderr, c.Name) // names the case if Go hangs (an unconditioned copy_metric loops)
		results = append(results, run(c, input))
	}
	// One case per line: small, and a regenerated file diffs case by case.
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprint(out, "{\"go_version\": \"contrib v0.165.0\", \"cases\": [\n")
	for i, r := range results {
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		must(enc.Encode(r))
		sep := ",\n"
		if i == len(results)-1 {
			sep = "\n"
		}
		fmt.Fprint(out, strings.TrimRight(line.String(), "\n")+sep)
	}
	fmt.Fprint(out, "]}\n")
}
