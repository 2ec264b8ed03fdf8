//go:build tools

// Package tools pins Jaeger v2 (the all-in-one binary, cmd/jaeger) as a
// dependency of this wrapper module, so go.sum pins every dependency and
// scripts/build-jaeger.sh builds it with -mod=readonly.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
