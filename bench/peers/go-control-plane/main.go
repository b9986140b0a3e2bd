// A go-control-plane peer for meshguard's xDS benchmark (bench/xds.bench.ts): it serves, with
// go-control-plane's snapshot cache (ADS, state of the world and delta), the per-node snapshots
// that meshguard computed and exported as JSON (`meshguard render xds-snapshot`), so that the same
// fan-out can be timed against the reference xDS server.
//
// Control protocol: JSON lines on stdin, JSON lines on stdout.
//
//	(start)                         → {"event":"listening","port":N}
//	{"cmd":"load","file":F}         → {"event":"loaded","nodes":N,"resources":M,"ms":T}   decode, not yet served
//	{"cmd":"apply"}                 → {"event":"applied","at":UNIX_MS,"ms":T}            SetSnapshot for every node
//	{"cmd":"acks"}                  → {"event":"acks","nodes":{id:{typeUrl:{"version":V,"at":UNIX_MS}}},"nacks":N}
//	{"cmd":"stop"} or end of stdin  → exits
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cache "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resource "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	server "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/proto"
)

// export is meshguard's snapshot export (format meshguard.xds-snapshots/v1).
type export struct {
	Format    string `json:"format"`
	Resources []struct {
		TypeURL string `json:"typeUrl"`
		Name    string `json:"name"`
		Value   string `json:"value"`
	} `json:"resources"`
	Snapshots []struct {
		Version   string           `json:"version"`
		Nodes     []string         `json:"nodes"`
		Resources map[string][]int `json:"resources"`
	} `json:"snapshots"`
}

func newMessage(typeURL string) (proto.Message, error) {
	switch typeURL {
	case resource.ClusterType:
		return &cluster.Cluster{}, nil
	case resource.EndpointType:
		return &endpoint.ClusterLoadAssignment{}, nil
	case resource.ListenerType:
		return &listener.Listener{}, nil
	case resource.RouteType:
		return &route.RouteConfiguration{}, nil
	case resource.ExtensionConfigType:
		return &core.TypedExtensionConfig{}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", typeURL)
}

// load decodes every resource once (shared between snapshots, as meshguard shares its encodings).
func load(file string) (map[string]*cache.Snapshot, int, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, 0, err
	}
	var e export
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", file, err)
	}
	if e.Format != "meshguard.xds-snapshots/v1" {
		return nil, 0, fmt.Errorf("%s: format %q, expected meshguard.xds-snapshots/v1", file, e.Format)
	}
	decoded := make([]types.Resource, len(e.Resources))
	for i, r := range e.Resources {
		msg, err := newMessage(r.TypeURL)
		if err != nil {
			return nil, 0, err
		}
		bytes, err := base64.StdEncoding.DecodeString(r.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("resource %d (%s): %w", i, r.Name, err)
		}
		if err := proto.Unmarshal(bytes, msg); err != nil {
			return nil, 0, fmt.Errorf("resource %d (%s): %w", i, r.Name, err)
		}
		decoded[i] = msg
	}
	byNode := map[string]*cache.Snapshot{}
	for _, s := range e.Snapshots {
		resources := map[resource.Type][]types.Resource{}
		for typeURL, indexes := range s.Resources {
			for _, i := range indexes {
				resources[typeURL] = append(resources[typeURL], decoded[i])
			}
		}
		snap, err := cache.NewSnapshot(s.Version, resources)
		if err != nil {
			return nil, 0, err
		}
		for _, id := range s.Nodes {
			byNode[id] = snap
		}
	}
	return byNode, len(decoded), nil
}

type ack struct {
	Version string `json:"version"`
	At      int64  `json:"at"`
}

// tracker records, per node and type, the last version ACKed and when (server side, like meshguard's /xds/nodes).
type tracker struct {
	mu    sync.Mutex
	nodes map[int64]string            // stream → node id
	sent  map[int64]map[string]string // stream → nonce → version
	acks  map[string]map[string]ack   // node id → type → last ACK
	nacks int
}

func newTracker() *tracker {
	return &tracker{nodes: map[int64]string{}, sent: map[int64]map[string]string{}, acks: map[string]map[string]ack{}}
}

func (t *tracker) request(stream int64, node *core.Node, typeURL, nonce string, nack bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if node != nil && node.GetId() != "" {
		t.nodes[stream] = node.GetId()
	}
	version, ok := t.sent[stream][nonce]
	if nonce == "" || !ok {
		return
	}
	delete(t.sent[stream], nonce)
	if nack {
		t.nacks++
		return
	}
	id := t.nodes[stream]
	if t.acks[id] == nil {
		t.acks[id] = map[string]ack{}
	}
	t.acks[id][typeURL] = ack{Version: version, At: time.Now().UnixMilli()}
}

func (t *tracker) response(stream int64, nonce, version string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sent[stream] == nil {
		t.sent[stream] = map[string]string{}
	}
	t.sent[stream][nonce] = version
}

func (t *tracker) closed(stream int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.nodes, stream)
	delete(t.sent, stream)
}

// callbacks feed the tracker. The SotW and delta servers number their streams separately (both
// from 1): delta streams are tracked under the negated id.
func (t *tracker) callbacks() server.Callbacks {
	return server.CallbackFuncs{
		StreamRequestFunc: func(id int64, r *discovery.DiscoveryRequest) error {
			t.request(id, r.GetNode(), r.GetTypeUrl(), r.GetResponseNonce(), r.GetErrorDetail() != nil)
			return nil
		},
		StreamResponseFunc: func(_ context.Context, id int64, _ *discovery.DiscoveryRequest, r *discovery.DiscoveryResponse) {
			t.response(id, r.GetNonce(), r.GetVersionInfo())
		},
		StreamDeltaRequestFunc: func(id int64, r *discovery.DeltaDiscoveryRequest) error {
			t.request(-id, r.GetNode(), r.GetTypeUrl(), r.GetResponseNonce(), r.GetErrorDetail() != nil)
			return nil
		},
		StreamDeltaResponseFunc: func(id int64, _ *discovery.DeltaDiscoveryRequest, r *discovery.DeltaDiscoveryResponse) {
			t.response(-id, r.GetNonce(), r.GetSystemVersionInfo())
		},
		StreamClosedFunc:      func(id int64, _ *core.Node) { t.closed(id) },
		DeltaStreamClosedFunc: func(id int64, _ *core.Node) { t.closed(-id) },
	}
}

func (t *tracker) report() map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return map[string]any{"event": "acks", "nodes": t.acks, "nacks": t.nacks}
}

var out = json.NewEncoder(os.Stdout)

func say(v map[string]any) {
	if err := out.Encode(v); err != nil {
		os.Exit(1)
	}
}

func fail(err error) {
	say(map[string]any{"event": "error", "message": err.Error()})
}

func main() {
	address := flag.String("listen", "127.0.0.1:0", "xDS listen address")
	flag.Parse()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	snapshots := cache.NewSnapshotCache(true, cache.IDHash{}, nil)
	track := newTracker()
	xds := server.NewServer(ctx, snapshots, track.callbacks())
	grpcServer := grpc.NewServer(
		grpc.MaxConcurrentStreams(1_000_000),
		grpc.MaxSendMsgSize(64<<20),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 20 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	discovery.RegisterAggregatedDiscoveryServiceServer(grpcServer, xds)
	lis, err := net.Listen("tcp", *address)
	if err != nil {
		fail(err)
		os.Exit(1)
	}
	go func() { _ = grpcServer.Serve(lis) }()
	say(map[string]any{"event": "listening", "port": lis.Addr().(*net.TCPAddr).Port})

	var loaded map[string]*cache.Snapshot
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var cmd struct {
			Cmd  string `json:"cmd"`
			File string `json:"file"`
		}
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			fail(err)
			continue
		}
		switch cmd.Cmd {
		case "load":
			start := time.Now()
			byNode, n, err := load(cmd.File)
			if err != nil {
				fail(err)
				continue
			}
			loaded = byNode
			say(map[string]any{"event": "loaded", "nodes": len(byNode), "resources": n, "ms": time.Since(start).Milliseconds()})
		case "apply":
			start := time.Now()
			for id, snap := range loaded {
				if err := snapshots.SetSnapshot(ctx, id, snap); err != nil {
					fail(err)
				}
			}
			loaded = nil
			say(map[string]any{"event": "applied", "at": start.UnixMilli(), "ms": time.Since(start).Milliseconds()})
		case "acks":
			say(track.report())
		case "stop":
			grpcServer.Stop()
			return
		default:
			fail(fmt.Errorf("unknown command %q", cmd.Cmd))
		}
	}
	grpcServer.Stop()
}
