// Package components registers the Dapr components that the taskstream project
// uses, and nothing else. It replaces github.com/dapr/dapr/cmd/daprd/components,
// whose files (one per component, behind the "stablecomponents" build tag) are
// the model for each registration below: the names and versions are the same as
// upstream's, so component YAML written for a stock daprd works unchanged.
//
// Registered:
//   - pubsub.kafka                (todo-pubsub)
//   - bindings.cron               (reminder-cron)
//   - state.postgresql v1 and v2  (statestore; v1 is the default, as upstream)
//   - state.in-memory             (handy for tests without PostgreSQL)
//   - secretstores.local.file     (self-hosted secret store)
//   - secretstores.local.env
//   - secretstores.kubernetes     (the seed's secret store; client-go is linked anyway)
//
// No name resolver is registered: the project does not use service invocation,
// and the default self-hosted resolver (mDNS) would announce the sidecar with
// multicast traffic. daprd logs one "name resolution" init error and carries on.
package components

import (
	"github.com/dapr/components-contrib/bindings/cron"
	"github.com/dapr/components-contrib/pubsub/kafka"
	"github.com/dapr/components-contrib/secretstores/kubernetes"
	"github.com/dapr/components-contrib/secretstores/local/env"
	"github.com/dapr/components-contrib/secretstores/local/file"
	"github.com/dapr/components-contrib/state/in-memory"
	pgv1 "github.com/dapr/components-contrib/state/postgresql/v1"
	pgv2 "github.com/dapr/components-contrib/state/postgresql/v2"

	"github.com/dapr/dapr/pkg/components"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func init() {
	pubsubLoader.DefaultRegistry.RegisterComponent(kafka.NewKafka, "kafka")

	bindingsLoader.DefaultRegistry.RegisterInputBinding(cron.NewCron, "cron")

	postgres := components.Versioning{
		Preferred: components.VersionConstructor{Version: "v2", Constructor: pgv2.NewPostgreSQLStateStore},
		Others:    []components.VersionConstructor{{Version: "v1", Constructor: pgv1.NewPostgreSQLStateStore}},
		Default:   "v1",
	}
	stateLoader.DefaultRegistry.RegisterComponentWithVersions("postgres", postgres)
	stateLoader.DefaultRegistry.RegisterComponentWithVersions("postgresql", postgres)
	stateLoader.DefaultRegistry.RegisterComponent(inmemory.NewInMemoryStateStore, "in-memory")

	secretstoresLoader.DefaultRegistry.RegisterComponent(file.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(env.NewEnvSecretStore, "local.env")
	secretstoresLoader.DefaultRegistry.RegisterComponent(kubernetes.NewKubernetesSecretStore, "kubernetes")
}
