//go:build tools

// Package tools pins promtool as a dependency of this wrapper module, so go.sum pins every
// dependency and scripts/build-promtool.sh builds it with -mod=readonly.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
