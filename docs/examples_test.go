package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark/ast"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// An example is a ```sh block that talks to the local system (it runs
// curl against 127.0.0.1). The HTML comment right before it says what each
// of its curl commands must answer, in order, separated by ';':
//
//	<!-- expect: 201 ticket.ticket_id=LOC-001 header:idempotent-replayed=true; 401 error.code=invalid_signature -->
//
// Each answer is a status, then checks of the JSON body (a dotted path,
// array elements by index, '=' and the value as JSON would print it, or
// the bare path for "present") and of headers (header:Name=value).
type example struct {
	page   string
	line   int
	script string
	expect []answer
}

type answer struct {
	status int
	checks []string
}

var expectComment = regexp.MustCompile(`(?s)^<!--\s*expect:(.*?)-->\s*$`)

// examples lists the page's examples; a block that talks to the local
// system without an expect comment is an error, so none goes unchecked.
func (p *page) examples() ([]example, []string) {
	var out []example
	var problems []string
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		block, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok || string(block.Language(p.src)) != "sh" {
			return ast.WalkContinue, nil
		}
		var code strings.Builder
		for i := range block.Lines().Len() {
			seg := block.Lines().At(i)
			code.Write(seg.Value(p.src))
		}
		script := code.String()
		if !strings.Contains(script, "curl") || !strings.Contains(script, local.Host+":") {
			return ast.WalkContinue, nil
		}
		line := lineOf(p.src, block.Lines().At(0).Start) - 1
		ex := example{page: p.path, line: line, script: script}
		comment := ""
		if prev, ok := block.PreviousSibling().(*ast.HTMLBlock); ok {
			var b strings.Builder
			for i := range prev.Lines().Len() {
				seg := prev.Lines().At(i)
				b.Write(seg.Value(p.src))
			}
			comment = b.String()
		}
		m := expectComment.FindStringSubmatch(comment)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: a shell example against the local system without an <!-- expect: ... --> comment", p.path, line))
			return ast.WalkContinue, nil
		}
		for _, entry := range strings.Split(m[1], ";") {
			fields := strings.Fields(entry)
			status, err := strconv.Atoi(firstOr(fields, ""))
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: expect entry %q does not start with a status", p.path, line, entry))
				return ast.WalkContinue, nil
			}
			ex.expect = append(ex.expect, answer{status: status, checks: fields[1:]})
		}
		out = append(out, ex)
		return ast.WalkContinue, nil
	})
	return out, problems
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// localSystem is where the examples run: the documented default ports,
// and the ones the test's stack got.
type localSystem struct {
	api, sandbox, moto string // host:port
}

// defaults are the ports the docs show (make run's).
var defaults = localSystem{
	api:     fmt.Sprintf("%s:%d", local.Host, local.APIPort),
	sandbox: fmt.Sprintf("%s:%d", local.Host, local.SandboxPort),
	moto:    fmt.Sprintf("%s:%d", local.Host, local.MotoPort),
}

// curlShim replaces curl for the example: each call keeps its answer's
// headers and body in $OUT/<n>.headers and <n>.body for the checks, and
// first waits until the sandbox has no webhook in flight (the reader's
// "a moment later").
const curlShim = `set -eo pipefail
n=0
curl() {
	n=$((n+1))
	for _ in $(seq 200); do
		command curl -s "http://$SANDBOX/__sandbox/stats" | grep -Eq '"deliveries_pending":0[,}]' && break
		sleep 0.05
	done
	local args=() a
	for a in "$@"; do
		case "$a" in -i|-s|-is|-si|-sS) ;; *) args+=("$a") ;; esac
	done
	command curl -sS -D "$OUT/$n.headers" -o "$OUT/$n.body" "${args[@]}"
}
`

// run runs ex's script against sys and returns a message for every answer
// that is not what the docs say.
func run(t *testing.T, ex example, sys localSystem) []string {
	t.Helper()
	script := strings.NewReplacer(defaults.api, sys.api, defaults.sandbox, sys.sandbox, defaults.moto, sys.moto).Replace(ex.script)
	out := t.TempDir()
	cmd := exec.Command("bash", "-c", curlShim+script)
	cmd.Env = append(os.Environ(), "OUT="+out, "SANDBOX="+sys.sandbox)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	where := fmt.Sprintf("%s:%d", ex.page, ex.line)
	if err := cmd.Run(); err != nil {
		return []string{fmt.Sprintf("%s: the example failed: %v\n%s", where, err, stderr.String())}
	}
	var problems []string
	for i := 0; ; i++ {
		headers, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%d.headers", i+1)))
		if err != nil {
			if i != len(ex.expect) {
				problems = append(problems, fmt.Sprintf("%s: %d curl commands ran, the expect comment describes %d", where, i, len(ex.expect)))
			}
			return problems
		}
		if i >= len(ex.expect) {
			continue
		}
		body, _ := os.ReadFile(filepath.Join(out, fmt.Sprintf("%d.body", i+1)))
		for _, p := range checkAnswer(ex.expect[i], headers, body) {
			problems = append(problems, fmt.Sprintf("%s: curl #%d: %s (answer: %s)", where, i+1, p, abbreviate(bytes.TrimSpace(body), 300)))
		}
	}
}

// checkAnswer compares one recorded answer with what the docs expect.
func checkAnswer(want answer, rawHeaders, body []byte) []string {
	var problems []string
	status, headers := parseHeaders(rawHeaders)
	if status != want.status {
		problems = append(problems, fmt.Sprintf("status %d, the docs say %d", status, want.status))
	}
	var doc any
	jsonErr := json.Unmarshal(body, &doc)
	for _, check := range want.checks {
		path, value, hasValue := strings.Cut(check, "=")
		if name, ok := strings.CutPrefix(path, "header:"); ok {
			if got := headers[strings.ToLower(name)]; got != value {
				problems = append(problems, fmt.Sprintf("header %s is %q, the docs say %q", name, got, value))
			}
			continue
		}
		if jsonErr != nil {
			problems = append(problems, fmt.Sprintf("%s: the body is not JSON (%v)", path, jsonErr))
			continue
		}
		got, found := lookup(doc, path)
		switch {
		case !found:
			problems = append(problems, fmt.Sprintf("%s: not in the body", path))
		case hasValue && got != value:
			problems = append(problems, fmt.Sprintf("%s is %s, the docs say %s", path, got, value))
		}
	}
	return problems
}

// parseHeaders reads curl's -D output: the last status line (after any
// 100 Continue) and its headers, names in lower case.
func parseHeaders(raw []byte) (int, map[string]string) {
	status, headers := 0, map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "HTTP/") {
			status, headers = 0, map[string]string{}
			if f := strings.Fields(line); len(f) > 1 {
				status, _ = strconv.Atoi(f[1])
			}
			continue
		}
		if name, value, ok := strings.Cut(line, ":"); ok {
			headers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
		}
	}
	return status, headers
}

// lookup follows a dotted path into decoded JSON and prints what it finds:
// a string as is, anything else as JSON.
func lookup(doc any, path string) (string, bool) {
	for _, key := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return "", false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return "", false
			}
			doc = v[i]
		default:
			return "", false
		}
	}
	if s, ok := doc.(string); ok {
		return s, true
	}
	b, _ := json.Marshal(doc)
	return string(b), true
}

// startLocalSystem starts the local system as make run does, on free
// ports, with the bootstraps in binDir and the log files in logDir.
func startLocalSystem(t *testing.T, binDir, logDir string) localSystem {
	t.Helper()
	logs := &testkit.Buffer{}
	st, err := stack.Start(context.Background(), stack.Config{
		BinDir: binDir, SkipBuild: true, LogDir: logDir, Output: logs,
	})
	if err != nil {
		t.Fatalf("starting the local system: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("stopping the local system: %v", err)
		}
		if t.Failed() {
			t.Logf("local system output:\n%s", logs)
		}
	})
	hostOf := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u.Host
	}
	return localSystem{api: hostOf(st.APIURL), sandbox: hostOf(st.PeriskopeBaseURL), moto: hostOf(st.Moto.Endpoint)}
}

// Every shell example of README.md and docs/*.md that talks to the local
// system runs against a fresh local system per page (started as make run
// starts it, on free ports), and each curl answers the status and fields
// its expect comment names.
func TestExamplesAnswerWhatTheDocsSay(t *testing.T) {
	root := repoRoot(t)
	pages, _ := readPages(t, root)
	byPage := map[string][]example{}
	var order []string
	for _, p := range pages {
		exs, problems := p.examples()
		for _, problem := range problems {
			t.Error(problem)
		}
		if len(exs) > 0 {
			byPage[p.path] = exs
			order = append(order, p.path)
		}
	}
	if len(order) == 0 {
		t.Fatal("no shell example against the local system found: the extraction no longer sees them")
	}
	binDir := t.TempDir()
	if err := stack.Build(context.Background(), root, binDir); err != nil {
		t.Fatalf("building the functions: %v", err)
	}
	for _, path := range order {
		t.Run(path, func(t *testing.T) {
			logDir := t.TempDir()
			sys := startLocalSystem(t, binDir, logDir)
			for _, ex := range byPage[path] {
				for _, problem := range run(t, ex, sys) {
					t.Error(problem)
				}
			}
			if path != "README.md" {
				return
			}
			// README's example created a ticket: its log line has the keys
			// docs/contract.md shows.
			contract, err := readPage(root, "docs/contract.md")
			if err != nil {
				t.Fatal(err)
			}
			shown, err := contract.logLine()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := shown["message"]; !ok {
				t.Fatalf("docs/contract.md's log line has no \"message\" key: %v", shown)
			}
			// The emulator relays the function's output through a pipe:
			// give the line a moment to reach the file.
			problems := compareLogLine(shown, stack.LogPath(logDir, "CreateTicketFunction"))
			for i := 0; i < 100 && len(problems) == 1 && strings.HasPrefix(problems[0], "no line"); i++ {
				time.Sleep(50 * time.Millisecond)
				problems = compareLogLine(shown, stack.LogPath(logDir, "CreateTicketFunction"))
			}
			for _, problem := range problems {
				t.Error("docs/contract.md's log line: " + problem)
			}
			// The check itself, on the same system: an example whose
			// documented answer is wrong is reported.
			wrong := example{page: "wrong.md", line: 1,
				script: "curl -i " + defaults.api + "/no-such-route\ncurl -s http://" + defaults.sandbox + "/__sandbox/stats\n",
				expect: []answer{{status: 200}, {status: 200, checks: []string{"tickets_created=99", "no_such_field", "header:Content-Type=text/plain"}}}}
			got := strings.Join(run(t, wrong, sys), "\n")
			for _, want := range []string{"status 404, the docs say 200", "tickets_created is 1, the docs say 99", "no_such_field: not in the body", "header Content-Type is"} {
				if !strings.Contains(got, want) {
					t.Errorf("a wrong expectation is not reported as %q; got:\n%s", want, got)
				}
			}
		})
	}
}

// abbreviate keeps messages readable: at most n bytes of an answer.
func abbreviate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}

// logLine is the log line the page shows: the ```json block that holds
// an "api_request_id".
func (p *page) logLine() (map[string]any, error) {
	var line map[string]any
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		block, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok || string(block.Language(p.src)) != "json" || line != nil {
			return ast.WalkContinue, nil
		}
		var code bytes.Buffer
		for i := range block.Lines().Len() {
			seg := block.Lines().At(i)
			code.Write(seg.Value(p.src))
		}
		var m map[string]any
		if json.Unmarshal(code.Bytes(), &m) == nil && m["api_request_id"] != nil {
			line = m
		}
		return ast.WalkContinue, nil
	})
	if line == nil {
		return nil, fmt.Errorf("%s shows no log line (a json block with api_request_id)", p.path)
	}
	return line, nil
}

// compareLogLine finds, in the function's log file (lines prefixed with
// "[Name] " as make run prints them), a line with the shown
// line's message and outcome, and reports keys one has and the other lacks.
func compareLogLine(shown map[string]any, logFile string) []string {
	data, err := os.ReadFile(logFile)
	if err != nil {
		return []string{err.Error()}
	}
	for _, raw := range bytes.Split(data, []byte("\n")) {
		// Each line is the function's own, after the stack's "[Name] ".
		if i := bytes.IndexByte(raw, '{'); i > 0 {
			raw = raw[i:]
		}
		var real map[string]any
		if json.Unmarshal(raw, &real) != nil || real["message"] != shown["message"] || real["outcome"] != shown["outcome"] {
			continue
		}
		var problems []string
		for k := range shown {
			if _, ok := real[k]; !ok {
				problems = append(problems, fmt.Sprintf("key %q is shown but not logged (the line: %s)", k, raw))
			}
		}
		for k := range real {
			if _, ok := shown[k]; !ok {
				problems = append(problems, fmt.Sprintf("key %q is logged but not shown (the line: %s)", k, raw))
			}
		}
		return problems
	}
	return []string{fmt.Sprintf("no line with message %v and outcome %v in %s", shown["message"], shown["outcome"], logFile)}
}
