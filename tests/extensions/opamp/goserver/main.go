// Command goserver is a tiny OpAMP server built on opamp-go's server package, for pyotelcol's
// opamp extension tests. It logs every AgentToServer it receives as one JSON line (protojson,
// with the transport and the request headers), and offers a remote config: from -remote-config
// at start, or one POSTed to /control/remote-config on the -control listener at any time. POST
// /control/full-state makes the next answer (or, over WebSocket, an immediate message) carry the
// ReportFullState flag.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/open-telemetry/opamp-go/protobufs"
	"github.com/open-telemetry/opamp-go/server"
	"github.com/open-telemetry/opamp-go/server/types"
	"google.golang.org/protobuf/encoding/protojson"
)

type state struct {
	mu        sync.Mutex
	out       *os.File
	config    []byte
	hash      []byte
	fullState bool
	wsConns   map[types.Connection]struct{}
}

func (s *state) setConfig(body []byte) {
	sum := sha256.Sum256(body)
	s.mu.Lock()
	s.config, s.hash = body, sum[:]
	s.mu.Unlock()
}

func (s *state) record(transport string, headers http.Header, msg *protobufs.AgentToServer) {
	body, err := protojson.Marshal(msg)
	if err != nil {
		log.Printf("marshal: %v", err)
		return
	}
	flat := map[string]string{}
	for k, v := range headers {
		flat[strings.ToLower(k)] = strings.Join(v, ",")
	}
	line, _ := json.Marshal(map[string]any{"transport": transport, "headers": flat, "message": json.RawMessage(body)})
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.out.Write(append(line, '\n'))
	_ = s.out.Sync()
}

// answer offers the remote config when the agent has not reported its hash yet.
func (s *state) answer(msg *protobufs.AgentToServer) *protobufs.ServerToAgent {
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &protobufs.ServerToAgent{
		InstanceUid:  msg.InstanceUid,
		Capabilities: uint64(protobufs.ServerCapabilities_ServerCapabilities_AcceptsStatus | protobufs.ServerCapabilities_ServerCapabilities_OffersRemoteConfig | protobufs.ServerCapabilities_ServerCapabilities_AcceptsEffectiveConfig),
	}
	if s.fullState {
		resp.Flags = uint64(protobufs.ServerToAgentFlags_ServerToAgentFlags_ReportFullState)
		s.fullState = false
	}
	if s.config != nil && string(msg.GetRemoteConfigStatus().GetLastRemoteConfigHash()) != string(s.hash) {
		resp.RemoteConfig = s.offer()
	}
	return resp
}

func (s *state) offer() *protobufs.AgentRemoteConfig {
	return &protobufs.AgentRemoteConfig{
		ConfigHash: s.hash,
		Config: &protobufs.AgentConfigMap{ConfigMap: map[string]*protobufs.AgentConfigFile{
			"collector.yaml": {Body: s.config, ContentType: "text/yaml"},
		}},
	}
}

// push sends what changed straight to the WebSocket agents (HTTP agents get it when they poll).
func (s *state) push(build func() *protobufs.ServerToAgent) {
	s.mu.Lock()
	conns := make([]types.Connection, 0, len(s.wsConns))
	for c := range s.wsConns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		if err := c.Send(context.Background(), build()); err != nil {
			log.Printf("push: %v", err)
		}
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:4320", "host:port to listen on")
	out := flag.String("log", "", "file receiving one JSON line per AgentToServer")
	remote := flag.String("remote-config", "", "a YAML file to offer as remote config")
	controlAddr := flag.String("control", "", "host:port of the control endpoints (none when empty)")
	flag.Parse()

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	st := &state{out: f, wsConns: map[types.Connection]struct{}{}}
	if *remote != "" {
		body, err := os.ReadFile(*remote)
		if err != nil {
			log.Fatal(err)
		}
		st.setConfig(body)
	}

	control := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/control/remote-config":
			body, _ := io.ReadAll(r.Body)
			st.setConfig(body)
			st.push(func() *protobufs.ServerToAgent {
				st.mu.Lock()
				defer st.mu.Unlock()
				return &protobufs.ServerToAgent{RemoteConfig: st.offer()}
			})
			w.WriteHeader(http.StatusNoContent)
		case "/control/own-telemetry":
			// the body: an OTLP/HTTP base URL; offered for own metrics, traces and logs
			body, _ := io.ReadAll(r.Body)
			base := strings.TrimSpace(string(body))
			headers := &protobufs.Headers{Headers: []*protobufs.Header{{Key: "x-fleet-key", Value: "go"}}}
			settings := func(path string) *protobufs.TelemetryConnectionSettings {
				return &protobufs.TelemetryConnectionSettings{DestinationEndpoint: base + path, Headers: headers}
			}
			st.push(func() *protobufs.ServerToAgent {
				return &protobufs.ServerToAgent{ConnectionSettings: &protobufs.ConnectionSettingsOffers{
					Hash:       []byte(base),
					OwnMetrics: settings("/v1/metrics"),
					OwnTraces:  settings("/v1/traces"),
					OwnLogs:    settings("/v1/logs"),
				}}
			})
			w.WriteHeader(http.StatusNoContent)
		case "/control/full-state":
			st.mu.Lock()
			st.fullState = true
			st.mu.Unlock()
			st.push(func() *protobufs.ServerToAgent {
				st.mu.Lock()
				defer st.mu.Unlock()
				st.fullState = false
				return &protobufs.ServerToAgent{Flags: uint64(protobufs.ServerToAgentFlags_ServerToAgentFlags_ReportFullState)}
			})
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	})
	if *controlAddr != "" {
		go func() { log.Fatal(http.ListenAndServe(*controlAddr, control)) }()
	}

	srv := server.New(nil)
	settings := server.StartSettings{
		ListenEndpoint: *listen,
		ListenPath:     "/v1/opamp",
		Settings: server.Settings{Callbacks: types.Callbacks{
			OnConnecting: func(r *http.Request) types.ConnectionResponse {
				transport := "http"
				if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
					transport = "ws"
				}
				headers := r.Header.Clone()
				return types.ConnectionResponse{Accept: true, ConnectionCallbacks: types.ConnectionCallbacks{
					OnConnected: func(_ context.Context, conn types.Connection) {
						if transport == "ws" {
							st.mu.Lock()
							st.wsConns[conn] = struct{}{}
							st.mu.Unlock()
						}
					},
					OnMessage: func(_ context.Context, _ types.Connection, msg *protobufs.AgentToServer) *protobufs.ServerToAgent {
						st.record(transport, headers, msg)
						return st.answer(msg)
					},
					OnConnectionClose: func(conn types.Connection) {
						st.mu.Lock()
						delete(st.wsConns, conn)
						st.mu.Unlock()
					},
				}}
			},
		}},
	}
	if err := srv.Start(settings); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", *listen)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	_ = srv.Stop(context.Background())
}
