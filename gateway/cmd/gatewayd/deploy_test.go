package main

// The deploy files (deploy/) are checked against the binary they deploy:
// they parse, every variable they set is a setting of the command they
// run, every flag they pass is one of its flags, ports agree from the
// listen address to the probe, and the probe and scrape paths are answered
// by a real `serve`.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

var deployDir = filepath.Join("..", "..", "..", "deploy")

// command is what --help says of one command: its variables and flags.
type command struct {
	env   map[string]bool
	flags map[string]bool
}

// helpOf runs `gatewayd ARGS... --help` and reads its settings off it.
func helpOf(t *testing.T, args ...string) command {
	t.Helper()
	clearEnv(t)
	var err error
	out := stderrOf(t, func() { err = run(context.Background(), append(slices.Clone(args), "--help")) })
	if exitStatus(err) != 0 {
		t.Fatalf("%v --help: %v", args, err)
	}
	c := command{env: map[string]bool{}, flags: map[string]bool{}}
	for _, m := range regexp.MustCompile(`\(\$([A-Z0-9_]+)`).FindAllStringSubmatch(out, -1) {
		c.env[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(out, -1) {
		c.flags[m[1]] = true
	}
	if len(c.flags) == 0 {
		t.Fatalf("%v --help lists no flags:\n%s", args, out)
	}
	return c
}

// checkArgs checks a command line given to the image: a known command and
// only its flags. It returns the command's help.
func checkArgs(t *testing.T, where string, args []string) command {
	t.Helper()
	if len(args) == 0 {
		t.Fatalf("%s: no command", where)
	}
	name := args[:1]
	rest := args[1:]
	if args[0] == "sim" || args[0] == "keys" {
		name, rest = args[:2], args[2:]
	}
	c := helpOf(t, name...)
	for _, a := range rest {
		if f, ok := strings.CutPrefix(a, "--"); ok {
			f, _, _ = strings.Cut(f, "=")
			if !c.flags[f] {
				t.Errorf("%s: %v has no flag --%s", where, name, f)
			}
		}
	}
	return c
}

func checkEnv(t *testing.T, where string, c command, keys []string) {
	t.Helper()
	for _, k := range keys {
		if !c.env[k] {
			t.Errorf("%s sets %s, which is no setting of the command it runs", where, k)
		}
	}
}

func portOf(t *testing.T, where, hostport string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatalf("%s: %q is not host:port", where, hostport)
	}
	return p
}

// flagValue is the value of --name in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func readYAML(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no documents", path)
	}
	return docs
}

// dig walks m by keys (map keys, or list indexes as ints).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var required = []string{"DATABASE_URL", "REVIEW_CENTRE_URL", "RANDOM_SEED_SECRET"}

func TestComposeAgreesWithTheBinary(t *testing.T) {
	doc := readYAML(t, filepath.Join(deployDir, "compose.yaml"))[0]
	svc := func(name string) map[string]any {
		m, _ := dig(doc, "services", name).(map[string]any)
		if m == nil {
			t.Fatalf("compose.yaml has no service %s", name)
		}
		return m
	}
	gw, mig := svc("gateway"), svc("migrate")

	serve := checkArgs(t, "compose gateway", strs(gw["command"]))
	env := gw["environment"].(map[string]any)
	checkEnv(t, "compose gateway", serve, keys(env))
	for _, r := range required {
		if str(env[r]) == "" {
			t.Errorf("compose gateway lacks %s, which serve requires", r)
		}
	}
	migrate := checkArgs(t, "compose migrate", strs(mig["command"]))
	checkEnv(t, "compose migrate", migrate, keys(mig["environment"]))
	if a, b := str(dig(mig, "environment", "DATABASE_URL")), str(env["DATABASE_URL"]); a != b {
		t.Errorf("migrate's DATABASE_URL %q is not the gateway's %q", a, b)
	}
	db, err := url.Parse(str(env["DATABASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	pg := svc("postgres")
	if pw, _ := db.User.Password(); db.Hostname() != "postgres" || db.User.Username() != str(dig(pg, "environment", "POSTGRES_USER")) ||
		pw != str(dig(pg, "environment", "POSTGRES_PASSWORD")) || db.Path != "/"+str(dig(pg, "environment", "POSTGRES_DB")) {
		t.Errorf("DATABASE_URL %s does not match the postgres service", db.Redacted())
	}

	// The published port is the one GATEWAY_ADDR listens on.
	gwPort := portOf(t, "GATEWAY_ADDR", str(env["GATEWAY_ADDR"]))
	if p := strs(gw["ports"]); len(p) != 1 || !strings.HasSuffix(p[0], ":"+gwPort) {
		t.Errorf("gateway publishes %v, want the container port %s of GATEWAY_ADDR", p, gwPort)
	}
	// Each partner URL names a simulator service of the right kind,
	// listening on the URL's port, whose health check asks that port.
	partners := map[string][]string{"REVIEW_CENTRE_URL": {"review-centre"}}
	for _, r := range []string{"BJ", "TJ", "HE"} {
		partners["CREDIT_REGISTRY_"+r] = []string{"registry", "--region", r}
	}
	for name, want := range partners {
		u, err := url.Parse(str(env[name]))
		if err != nil || u.Host == "" {
			t.Errorf("%s %q is not a URL", name, env[name])
			continue
		}
		s := svc(u.Hostname())
		cmd := strs(s["command"])
		checkArgs(t, "compose "+u.Hostname(), cmd)
		if cmd[0] != "sim" || cmd[1] != want[0] || (len(want) > 1 && flagValue(cmd, "region") != want[2]) {
			t.Errorf("%s points at %s, which runs %v", name, u.Hostname(), cmd)
		}
		if p := portOf(t, u.Hostname(), flagValue(cmd, "addr")); p != u.Port() {
			t.Errorf("%s has port %s, %s listens on %s", name, u.Port(), u.Hostname(), p)
		}
		if test := strings.Join(strs(dig(s, "healthcheck", "test")), " "); !strings.Contains(test, "health --url http://127.0.0.1:"+u.Port()+"/") {
			t.Errorf("%s's health check %q does not ask its own port %s", u.Hostname(), test, u.Port())
		}
	}
	// Every service that stays up has a health check; the gateway's runs
	// `gatewayd health`, which asks GATEWAY_ADDR's port.
	for _, name := range keys(doc["services"]) {
		if name == "migrate" {
			continue
		}
		if len(strs(dig(doc, "services", name, "healthcheck", "test"))) == 0 {
			t.Errorf("service %s has no health check", name)
		}
	}
	if test := strs(dig(gw, "healthcheck", "test")); len(test) < 3 || test[2] != "health" {
		t.Errorf("the gateway's health check %v is not `gatewayd health`", test)
	}
	for _, name := range []string{"gateway", "migrate"} {
		if svc(name)["read_only"] != true {
			t.Errorf("compose %s: read_only is not true", name)
		}
	}
}

// k8s holds the manifests by kind and name.
type k8s map[string]map[string]any

func readK8s(t *testing.T) k8s {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("deploy/k8s has %v (%v), want the gateway, the migration Job and the Secret example", files, err)
	}
	out := k8s{}
	for _, f := range files {
		for _, d := range readYAML(t, f) {
			kind, name := str(d["kind"]), str(dig(d, "metadata", "name"))
			if str(d["apiVersion"]) == "" || kind == "" || name == "" {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name", f)
			}
			out[kind+"/"+name] = d
		}
	}
	return out
}

func (k k8s) get(t *testing.T, id string) map[string]any {
	t.Helper()
	d := k[id]
	if d == nil {
		t.Fatalf("deploy/k8s has no %s (has %v)", id, keys(map[string]any(func() map[string]any {
			m := map[string]any{}
			for id := range k {
				m[id] = true
			}
			return m
		}())))
	}
	return d
}

func TestKubernetesAgreesWithTheBinary(t *testing.T) {
	k := readK8s(t)
	cm := k.get(t, "ConfigMap/jjj-gateway")
	secret := k.get(t, "Secret/jjj-gateway")
	migSecret := k.get(t, "Secret/jjj-gateway-migrate")
	dep := k.get(t, "Deployment/jjj-gateway")
	svc := k.get(t, "Service/jjj-gateway")

	serve := helpOf(t, "serve")
	checkEnv(t, "ConfigMap jjj-gateway", serve, keys(cm["data"]))
	checkEnv(t, "Secret jjj-gateway", serve, keys(secret["stringData"]))
	checkEnv(t, "Secret jjj-gateway-migrate", helpOf(t, "migrate"), keys(migSecret["stringData"]))
	for _, r := range required {
		if dig(cm, "data", r) == nil && dig(secret, "stringData", r) == nil {
			t.Errorf("neither the ConfigMap nor the Secret gives %s, which serve requires", r)
		}
	}
	for _, s := range []string{"DATABASE_URL", "RANDOM_SEED_SECRET"} {
		if dig(cm, "data", s) != nil {
			t.Errorf("the secret %s is in the ConfigMap", s)
		}
	}

	pod := dig(dep, "spec", "template").(map[string]any)
	c := dig(pod, "spec", "containers", 0).(map[string]any)
	checkArgs(t, "Deployment", strs(c["args"]))
	port := str(dig(c, "ports", 0, "containerPort"))
	if p := portOf(t, "GATEWAY_ADDR", str(dig(cm, "data", "GATEWAY_ADDR"))); p != port {
		t.Errorf("containerPort %s, GATEWAY_ADDR listens on %s", port, p)
	}
	if p := str(dig(svc, "spec", "ports", 0, "targetPort")); p != port {
		t.Errorf("the Service targets %s, the container listens on %s", p, port)
	}
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := str(dig(c, probe, "httpGet", "path")); got != path {
			t.Errorf("%s path %q, want %s", probe, got, path)
		}
		if got := str(dig(c, probe, "httpGet", "port")); got != port {
			t.Errorf("%s port %q, want the containerPort %s", probe, got, port)
		}
	}
	ann := dig(pod, "metadata", "annotations")
	if str(dig(ann, "prometheus.io/scrape")) != "true" || str(dig(ann, "prometheus.io/port")) != port || str(dig(ann, "prometheus.io/path")) != "/metrics" {
		t.Errorf("scrape annotations %v, want scrape true, port %s, path /metrics", ann, port)
	}
	checkPodSecurity(t, "Deployment", pod)
	for _, r := range []string{"requests", "limits"} {
		if str(dig(c, "resources", r, "memory")) == "" || str(dig(c, "resources", r, "cpu")) == "" {
			t.Errorf("Deployment: resources.%s lacks cpu or memory", r)
		}
	}

	// The image names a registry and a release, and the migration Job is
	// named for that release.
	image := str(c["image"])
	repo, tag, ok := strings.Cut(image, ":")
	if !ok || tag == "latest" || !strings.Contains(strings.Split(repo, "/")[0], ".") {
		t.Errorf("image %q: want registry/name:release", image)
	}
	jobName := "jjj-gateway-migrate-" + strings.ReplaceAll(tag, ".", "-")
	job := k.get(t, "Job/"+jobName)
	jc := dig(job, "spec", "template", "spec", "containers", 0).(map[string]any)
	if str(jc["image"]) != image {
		t.Errorf("the Job runs %s, the Deployment %s", jc["image"], image)
	}
	if args := strs(jc["args"]); len(args) == 0 || args[0] != "migrate" {
		t.Errorf("the Job runs %v, want migrate", args)
	} else {
		checkArgs(t, "Job", args)
	}
	if ref := str(dig(jc, "envFrom", 0, "secretRef", "name")); ref != "jjj-gateway-migrate" {
		t.Errorf("the Job reads the Secret %q, want jjj-gateway-migrate", ref)
	}
	checkPodSecurity(t, "Job", dig(job, "spec", "template").(map[string]any))
}

func checkPodSecurity(t *testing.T, where string, pod map[string]any) {
	t.Helper()
	if dig(pod, "spec", "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: pod securityContext.runAsNonRoot is not true", where)
	}
	c := dig(pod, "spec", "containers", 0)
	for field, want := range map[string]any{"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false} {
		if got := dig(c, "securityContext", field); got != want {
			t.Errorf("%s: container securityContext.%s is %v, want %v", where, field, got, want)
		}
	}
	if drop := strs(dig(c, "securityContext", "capabilities", "drop")); !slices.Contains(drop, "ALL") {
		t.Errorf("%s: capabilities.drop %v lacks ALL", where, drop)
	}
}

// readEnvFile reads KEY=value lines.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=value", path, line)
		}
		out[k] = v
	}
	return out
}

func TestSystemdUnitAgreesWithTheBinary(t *testing.T) {
	unit := readEnvFileUnit(t, filepath.Join(deployDir, "systemd", "gatewayd.service"))
	exec := strings.Fields(unit["ExecStart"][0])
	if len(exec) < 2 || filepath.Base(exec[0]) != "gatewayd" {
		t.Fatalf("ExecStart %v is not gatewayd", exec)
	}
	serve := checkArgs(t, "ExecStart", exec[1:])
	env := readEnvFile(t, filepath.Join(deployDir, "systemd", "gatewayd.env.example"))
	checkEnv(t, "gatewayd.env.example", serve, slices.Sorted(func(yield func(string) bool) {
		for k := range env {
			if !yield(k) {
				return
			}
		}
	}))
	for _, r := range required {
		if env[r] == "" {
			t.Errorf("gatewayd.env.example lacks %s, which serve requires", r)
		}
	}
	if got, want := unit["RestartPreventExitStatus"], fmt.Sprint(exitStatus(usageError{"x"})); len(got) != 1 || got[0] != want {
		t.Errorf("RestartPreventExitStatus %v, want bad usage's exit status %s", got, want)
	}
	for k, want := range map[string]string{
		"KillSignal": "SIGTERM", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "DynamicUser": "yes", "CapabilityBoundingSet": "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "MemoryDenyWriteExecute": "yes",
		"SystemCallArchitectures": "native", "EnvironmentFile": "/etc/gatewayd/gatewayd.env",
	} {
		if got := unit[k]; len(got) == 0 || got[0] != want {
			t.Errorf("%s=%v, want %q", k, got, want)
		}
	}
}

// readEnvFileUnit reads a systemd unit's Key=value lines (every value of a
// key, in order), sections ignored.
func readEnvFileUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not Key=value", path, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

func TestDockerfileAgreesWithTheBinary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	// The last stage is the default image: the gateway.
	last := df[strings.LastIndex(df, "\nFROM "):]
	expose := regexp.MustCompile(`(?m)^EXPOSE (\d+)$`).FindStringSubmatch(last)
	addr := regexp.MustCompile(`(?m)^ENV GATEWAY_ADDR=(\S+)$`).FindStringSubmatch(last)
	if expose == nil || addr == nil || portOf(t, "Dockerfile GATEWAY_ADDR", addr[1]) != expose[1] {
		t.Errorf("the gateway image exposes %v and listens on %v; want the same port", expose, addr)
	}
	if user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(last); user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("the gateway image runs as %v, want a non-root user", user)
	}
	if !strings.Contains(df, "main.buildCommit=") {
		t.Error("the build does not pass the commit to --version (main.buildCommit)")
	}
	ignore, err := os.ReadFile(filepath.Join(deployDir, "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(ignore), "\n")
	for _, want := range []string{".git", ".run"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// TestProbesAreServed starts `gatewayd serve` as deployed and asks it the
// paths the manifests probe and scrape, and `gatewayd health` as compose
// runs it.
func TestProbesAreServed(t *testing.T) {
	k := readK8s(t)
	c := dig(k.get(t, "Deployment/jjj-gateway"), "spec", "template", "spec", "containers", 0)
	paths := []string{
		str(dig(c, "readinessProbe", "httpGet", "path")),
		str(dig(c, "livenessProbe", "httpGet", "path")),
		str(dig(k.get(t, "Deployment/jjj-gateway"), "spec", "template", "metadata", "annotations", "prometheus.io/path")),
	}

	clearEnv(t)
	rc := sim.New(sim.Config{NoValidate: true})
	defer rc.Close()
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("DATABASE_URL", pgtest.URL(t))
	t.Setenv("REVIEW_CENTRE_URL", rcSrv.URL)
	t.Setenv("RANDOM_SEED_SECRET", "s")
	t.Setenv("GATEWAY_ADDR", addr)
	t.Setenv("LOG_LEVEL", "error")
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// `gatewayd health` with no flags asks GATEWAY_ADDR's /readyz, as
	// compose's health check does; it succeeds once serve is up.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var out strings.Builder
		err := runHealth(context.Background(), nil, &out)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatewayd health never succeeded: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, p := range paths {
		resp, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s (probed or scraped by deploy/k8s): %d", p, resp.StatusCode)
		}
	}
	// And it fails where nothing is ready.
	if err := runHealth(context.Background(), []string{"--url", "http://" + addr + "/no-such-path"}, &strings.Builder{}); exitStatus(err) != 1 {
		t.Errorf("health on a 404: %v, want exit status 1", err)
	}
}

// TestDocsAgreeWithTheBinary: docs/operations.md lists every setting of
// serve and no setting serve lacks (but those it marks planned), its
// command table names real commands, and the README's and docs' links
// lead to files.
func TestDocsAgreeWithTheBinary(t *testing.T) {
	root := filepath.Join(deployDir, "..")
	b, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	serve := helpOf(t, "serve")
	for name := range serve.env {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/operations.md does not document %s", name)
		}
	}
	name := regexp.MustCompile("`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "| `") || strings.Contains(line, "planned") {
			continue
		}
		cells := strings.Split(line, "|")
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			if !serve.env[m[1]] {
				t.Errorf("docs/operations.md documents %s, which serve does not read (mark it planned, or drop it)", m[1])
			}
		}
		if cmd, ok := strings.CutPrefix(cells[1], " `gatewayd "); ok {
			words := strings.Fields(strings.TrimSuffix(strings.Fields(cmd)[0], "`"))
			args := words[:1]
			if words[0] == "sim" || words[0] == "keys" {
				args = append(args, strings.Fields(cmd)[1])
			}
			if args[0] == "--version" {
				continue
			}
			helpOf(t, args...)
		}
	}
	link := regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
	for _, f := range []string{"README.md", "docs/operations.md", "docs/api.md"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := filepath.Join(root, filepath.Dir(f), m[1])
			// docs/architecture.md is written on another branch.
			if strings.HasSuffix(target, filepath.Join("docs", "architecture.md")) {
				continue
			}
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, m[1])
			}
		}
	}
}
