// The envoyproxy/ratelimit peer of the `peers` benchmark: the service's own runner, with the
// settings the benchmark needs given as flags (the rest from the environment, as upstream reads
// them): gRPC port, Redis address, and the directory holding config/<domain>.yaml.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/envoyproxy/ratelimit/src/service_cmd/runner"
	"github.com/envoyproxy/ratelimit/src/settings"
)

func main() {
	s := settings.NewSettings()
	configDir := flag.String("config-dir", "", "directory holding config/*.yaml (RUNTIME_ROOT)")
	grpcPort := flag.Int("grpc-port", s.GrpcPort, "gRPC port (RateLimitService/ShouldRateLimit)")
	httpPort := flag.Int("http-port", s.Port, "HTTP port (/json, /healthcheck)")
	debugPort := flag.Int("debug-port", s.DebugPort, "debug port")
	redis := flag.String("redis", "127.0.0.1:6379", "Redis host:port (TCP)")
	prefix := flag.String("key-prefix", s.CacheKeyPrefix, "prefix of every Redis key")
	flag.Parse()
	if *configDir == "" {
		fmt.Fprintln(os.Stderr, "ratelimit peer: -config-dir is required")
		os.Exit(2)
	}
	root, err := filepath.Abs(*configDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ratelimit peer: %v\n", err)
		os.Exit(2)
	}
	s.RuntimePath = root
	s.RuntimeSubdirectory = ""
	s.RuntimeAppDirectory = "config"
	s.RuntimeWatchRoot = false
	s.GrpcHost, s.GrpcPort = "127.0.0.1", *grpcPort
	s.Host, s.Port = "127.0.0.1", *httpPort
	s.DebugHost, s.DebugPort = "127.0.0.1", *debugPort
	s.RedisSocketType, s.RedisUrl = "tcp", *redis
	s.CacheKeyPrefix = *prefix
	s.UseStatsd = false
	r := runner.NewRunner(s)
	r.Run()
}
