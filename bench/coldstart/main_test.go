package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

func ms(v ...int) []time.Duration {
	var d []time.Duration
	for _, x := range v {
		d = append(d, time.Duration(x)*time.Millisecond)
	}
	return d
}

// TestWidestSpreadIgnoresInformativeCases: the variant shown for comparison
// must not keep the run sampling.
func TestWidestSpreadIgnoresInformativeCases(t *testing.T) {
	steady := ms(10, 10, 10, 10, 10, 10, 10, 10)
	wide := ms(1, 5, 10, 10, 10, 15, 20, 40)
	cases := []*kase{
		{init: steady, first: steady},
		{init: wide, first: steady, informative: true},
	}
	if got, _ := widestSpread(cases); got != 0 {
		t.Errorf("widestSpread = %v, want 0 (only the informative case is wide)", got)
	}
	cases[1].informative = false
	got, name := widestSpread(cases)
	if want := benchkit.Summarize(wide).Spread(); got != want || got == 0 || name != " init" {
		t.Errorf("widestSpread = %v, %q, want %v, %q", got, name, want, " init")
	}
}

func TestColdVerdict(t *testing.T) {
	for _, tc := range []struct {
		k           kase
		init, first float64
		want        string
	}{
		{kase{target: benchkit.Hello}, 0.7, 0.8, "floor"},
		{kase{target: benchkit.SDKFloor}, 1, 1, "floor"},
		{kase{target: benchkit.CreateTicketLoadDefault, informative: true}, 1.3, 1.2, "informative (not deployed)"},
		{kase{target: benchkit.Webhook}, 1.05, 1.0, "init met, first response met"},
		{kase{target: benchkit.Webhook}, 1.06, 1.0, "init MISSED, first response met"},
		{kase{target: benchkit.CreateTicket}, 1.0, 1.051, "init met, first response MISSED"},
	} {
		if got := coldVerdict(&tc.k, tc.init, tc.first); got != tc.want {
			t.Errorf("coldVerdict(%s, %v, %v) = %q, want %q", tc.k.target.Name, tc.init, tc.first, got, tc.want)
		}
	}
}

// TestCopiesRunTheSameBinaryFromOtherFiles: each copy is its own file with
// the bootstrap's bytes, named as the rig names a bootstrap, beside the
// original (in the rig's directory, which Close removes), and otherwise
// the same configuration; the first is the original.
func TestCopiesRunTheSameBinaryFromOtherFiles(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "webhook", "bootstrap")
	bin := []byte("\x7fELF not really")
	if err := os.MkdirAll(filepath.Dir(orig), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orig, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := rie.Config{Name: "WebhookFunction", Bootstrap: orig, Env: map[string]string{"K": "v"}}
	cfgs, err := copies(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 3 || cfgs[0].Bootstrap != orig {
		t.Fatalf("copies = %+v, want 3 starting with the original", cfgs)
	}
	seen := map[string]bool{}
	for _, c := range cfgs {
		if seen[c.Bootstrap] {
			t.Errorf("%s runs twice", c.Bootstrap)
		}
		seen[c.Bootstrap] = true
		if filepath.Dir(filepath.Dir(c.Bootstrap)) != filepath.Dir(filepath.Dir(orig)) {
			t.Errorf("%s is not beside %s, in the directory the rig removes", c.Bootstrap, orig)
		}
		if filepath.Base(c.Bootstrap) != "bootstrap" || c.Name != cfg.Name || c.Env["K"] != "v" {
			t.Errorf("copy %+v differs from %+v beyond its file", c, cfg)
		}
		got, err := os.ReadFile(c.Bootstrap)
		if err != nil || !bytes.Equal(got, bin) {
			t.Errorf("%s holds %q, %v; want the bootstrap's bytes", c.Bootstrap, got, err)
		}
		if fi, err := os.Stat(c.Bootstrap); err != nil || fi.Mode()&0o100 == 0 {
			t.Errorf("%s is not executable (%v)", c.Bootstrap, err)
		}
	}
}

// TestFunctionsAreJudgedAgainstTheFloorHandedTheirRequest: floorFor gives
// every function it names one SDK floor case with the same payload, and the
// ratios are against it; a case without one is against the {} floor.
func TestFunctionsAreJudgedAgainstTheFloorHandedTheirRequest(t *testing.T) {
	sdk := &kase{target: benchkit.SDKFloor, init: ms(4, 4, 4), first: ms(5, 5, 5)}
	fn := &kase{target: benchkit.CreateTicket, payload: always([]byte("create")), init: ms(6, 6, 6), first: ms(9, 9, 9)}
	variant := &kase{target: benchkit.CreateTicketLoadDefault, payload: always([]byte("create"))}
	twin := floorFor("create-ticket's body", fn, variant)
	if fn.floor != twin || variant.floor != twin {
		t.Fatalf("floorFor made %p the floor of neither or one of %p, %p", twin, fn.floor, variant.floor)
	}
	if twin.target != benchkit.SDKFloor || string(twin.payload(7)) != "create" || twin.want != 200 || twin.floor != nil {
		t.Errorf("twin = %+v, want the SDK floor handed %q, answering 200, judged against {}", twin, "create")
	}
	twin.init, twin.first = ms(5, 5, 5), ms(6, 6, 6)
	if init, first := floorRatios(fn, sdk); init != 1.2 || first != 1.5 {
		t.Errorf("fn ÷ twin = %v, %v; want 1.2, 1.5", init, first)
	}
	if init, first := floorRatios(twin, sdk); init != 1.25 || first != 1.2 {
		t.Errorf("twin ÷ {} floor = %v, %v; want 1.25, 1.2", init, first)
	}
}

// TestCasesOfOneBinaryRunFromTheSameCopies: the SDK floor's twins run from
// the {} floor's files, whatever their order in the list (a twin first
// here), and a function from its own.
func TestCasesOfOneBinaryRunFromTheSameCopies(t *testing.T) {
	dir := t.TempDir()
	cfg := map[benchkit.Target]rie.Config{}
	for _, target := range []benchkit.Target{benchkit.SDKFloor, benchkit.Webhook} {
		bootstrap := filepath.Join(dir, filepath.Base(target.Package), "bootstrap")
		if err := os.MkdirAll(filepath.Dir(bootstrap), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bootstrap, []byte(target.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		cfg[target] = rie.Config{Name: target.Name, Bootstrap: bootstrap}
	}
	wh := &kase{target: benchkit.Webhook, payload: always([]byte("delivery"))}
	twin := floorFor("the webhook's delivery", wh)
	sdk := &kase{target: benchkit.SDKFloor, payload: always([]byte("{}"))}
	if err := fromCopies([]*kase{twin, sdk, wh}, cfg, 3); err != nil {
		t.Fatal(err)
	}
	files := func(k *kase) (paths []string) {
		for _, c := range k.cfgs {
			paths = append(paths, c.Bootstrap)
		}
		return paths
	}
	if len(sdk.cfgs) != 3 || !slices.Equal(files(twin), files(sdk)) {
		t.Errorf("the twin runs from %v, the {} floor from %v; want the same 3 files", files(twin), files(sdk))
	}
	if len(wh.cfgs) != 3 || wh.cfgs[0].Bootstrap != cfg[benchkit.Webhook].Bootstrap || slices.Contains(files(sdk), wh.cfgs[1].Bootstrap) {
		t.Errorf("the webhook runs from %v, want 3 copies of its own bootstrap", files(wh))
	}
}
