// deploycheck validates the deployment files with the libraries the real tools use, where the
// tools themselves cannot run here (no Docker engine):
//
//	deploycheck compose FILE [NAME=VALUE...]  load FILE with compose-go (the loader of `docker compose`):
//	                                          schema, interpolation, normalization, consistency checks;
//	                                          prints the resolved project as JSON
//	deploycheck dockerfile FILE               BuildKit's Dockerfile parser and build checks (what
//	                                          `docker build --check` runs); prints the stages and the
//	                                          warnings as JSON; base images are not pulled: their
//	                                          config is faked (no registry)
//	deploycheck context DIR                   the files `docker build DIR` would send, after DIR/.dockerignore
//	                                          (moby/patternmatcher, the matcher Docker uses), one per line
//
// Exit status: 0 when the input is valid (warnings are reported in the JSON, the caller decides),
// 1 when it is not, 2 on usage errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: deploycheck compose FILE [NAME=VALUE...] | dockerfile FILE | context DIR")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "compose":
		err = compose(os.Args[2], os.Args[3:])
	case "dockerfile":
		err = dockerfile(os.Args[2])
	case "context":
		err = buildContext(os.Args[2])
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "deploycheck %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func compose(file string, env []string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	// Only the given variables: the result must not depend on the caller's environment.
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv(env),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return err
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}

// fakeResolver answers base image look-ups without a registry: an image config with a PATH and
// nothing else, which is what the build checks need.
type fakeResolver struct{}

func (fakeResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{}},
	}
	dt, err := json.Marshal(cfg)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes([]byte(ref)), dt, nil
}

type command struct {
	Name     string `json:"name"`
	Original string `json:"original"`
	Line     int    `json:"line"`
	// for COPY/ADD
	From    string   `json:"from,omitempty"`
	Sources []string `json:"sources,omitempty"`
	Dest    string   `json:"dest,omitempty"`
	Chown   string   `json:"chown,omitempty"`
	// for RUN/CMD/ENTRYPOINT/HEALTHCHECK: exec (JSON) form or shell form
	Args      []string `json:"args,omitempty"`
	ShellForm bool     `json:"shell_form,omitempty"`
	// ENV/ARG/LABEL
	Vars map[string]string `json:"vars,omitempty"`
	// HEALTHCHECK
	Interval string `json:"interval,omitempty"`
	Timeout  string `json:"timeout,omitempty"`
	Retries  int    `json:"retries,omitempty"`
}

type stage struct {
	Name     string    `json:"name"`
	Base     string    `json:"base"`
	Commands []command `json:"commands"`
}

type dockerfileReport struct {
	MetaArgs map[string]string `json:"meta_args"`
	Stages   []stage           `json:"stages"`
	Warnings []map[string]any  `json:"warnings"`
	Error    string            `json:"error,omitempty"`
}

func dockerfile(file string) error {
	dt, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	report := dockerfileReport{MetaArgs: map[string]string{}, Warnings: []map[string]any{}}

	// 1. BuildKit's checks (the same function `docker build --check` calls), all rules on.
	ctx := context.Background()
	src := llb.Local("dockerfile")
	sourceMap := llb.NewSourceMap(&src, filepath.Base(file), "Dockerfile", dt)
	if sourceMap.Definition, err = src.Marshal(ctx); err != nil {
		return err
	}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{},
		SourceMap:    sourceMap,
		MetaResolver: fakeResolver{},
	})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		report.Warnings = append(report.Warnings, map[string]any{"rule": w.RuleName, "detail": w.Detail, "line": line, "url": w.URL})
	}
	if res.Error != nil {
		report.Error = res.Error.Message
	}

	// 2. The parsed stages, for the caller's own rules.
	ast, err := parser.Parse(strings.NewReader(string(dt)))
	if err != nil {
		return err
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return err
	}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v := ""
			if kv.Value != nil {
				v = *kv.Value
			}
			report.MetaArgs[kv.Key] = v
		}
	}
	for _, s := range stages {
		st := stage{Name: s.Name, Base: s.BaseName, Commands: []command{}}
		for _, c := range s.Commands {
			cmd := command{Name: strings.ToUpper(c.Name())}
			if sc, ok := c.(fmt.Stringer); ok {
				cmd.Original = sc.String()
			}
			if loc := c.Location(); len(loc) > 0 {
				cmd.Line = loc[0].Start.Line
			}
			switch x := c.(type) {
			case *instructions.CopyCommand:
				cmd.From, cmd.Sources, cmd.Dest, cmd.Chown = x.From, x.SourcePaths, x.DestPath, x.Chown
			case *instructions.AddCommand:
				cmd.Sources, cmd.Dest, cmd.Chown = x.SourcePaths, x.DestPath, x.Chown
			case *instructions.RunCommand:
				cmd.Args, cmd.ShellForm = x.CmdLine, x.PrependShell
			case *instructions.CmdCommand:
				cmd.Args, cmd.ShellForm = x.CmdLine, x.PrependShell
			case *instructions.EntrypointCommand:
				cmd.Args, cmd.ShellForm = x.CmdLine, x.PrependShell
			case *instructions.HealthCheckCommand:
				if x.Health != nil {
					cmd.Args = x.Health.Test
					cmd.Interval, cmd.Timeout, cmd.Retries = x.Health.Interval.String(), x.Health.Timeout.String(), x.Health.Retries
				}
			case *instructions.EnvCommand:
				cmd.Vars = map[string]string{}
				for _, kv := range x.Env {
					cmd.Vars[kv.Key] = kv.Value
				}
			case *instructions.ArgCommand:
				cmd.Vars = map[string]string{}
				for _, kv := range x.Args {
					v := ""
					if kv.Value != nil {
						v = *kv.Value
					}
					cmd.Vars[kv.Key] = v
				}
			case *instructions.LabelCommand:
				cmd.Vars = map[string]string{}
				for _, kv := range x.Labels {
					cmd.Vars[kv.Key] = kv.Value
				}
			}
			st.Commands = append(st.Commands, cmd)
		}
		report.Stages = append(report.Stages, st)
	}
	out, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	if report.Error != "" {
		return errors.New(report.Error)
	}
	return err
}

func buildContext(dir string) error {
	var patterns []string
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if err == nil {
		patterns, err = ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return err
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		skip, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if skip {
			// Same shortcut as Docker's context walker: skip a directory unless an exception may re-include something in it.
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	_, err = fmt.Println(strings.Join(files, "\n"))
	return err
}
