// The OPA-Envoy peer of the `peers` benchmark: OPA with the Envoy ext_authz gRPC plugin
// registered, started through OPA's own root command (`opa-envoy run --server ...`).
package main

import (
	"os"

	"github.com/open-policy-agent/opa-envoy-plugin/plugin"
	"github.com/open-policy-agent/opa/cmd"
	"github.com/open-policy-agent/opa/v1/runtime"
)

func main() {
	runtime.RegisterPlugin(plugin.PluginName, plugin.Factory{})
	if err := cmd.RootCommand.Execute(); err != nil {
		os.Exit(1)
	}
}
